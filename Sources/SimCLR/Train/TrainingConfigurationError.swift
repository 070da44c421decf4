/// A training argument outside its range, found by `TrainingConfiguration.validate()` before any
/// work. Keys are the arguments' snake_case names, which are also their command-line flags with
/// `-` for `_` (`batch_size` → `--batch-size`).
public enum TrainingConfigurationError: Error, CustomStringConvertible, Equatable {
    /// `key`'s value `value` does not meet `requirement` (e.g. "must be > 0").
    case outOfRange(key: String, requirement: String, value: String)
    /// `key`'s value `value` is in range but does not fit the training folder `data`: `reason`
    /// names the class (checked once the images are loaded, before any training).
    case datasetDoesNotFit(key: String, value: String, data: String, reason: String)
    /// The sizes are each in range, but the activations of one step would need `neededBytes`,
    /// more than half of the machine's `availableBytes`.
    case tooMuchMemory(sizes: String, neededBytes: UInt64, availableBytes: UInt64)

    /// The command-line flag of an argument key.
    public static func flag(_ key: String) -> String { "--" + key.replacingOccurrences(of: "_", with: "-") }

    public var description: String {
        switch self {
        case .outOfRange(let key, let requirement, let value):
            return "\(Self.flag(key)) \(requirement), got \(value)"
        case .datasetDoesNotFit(let key, let value, let data, let reason):
            return "\(Self.flag(key)) \(value) does not fit --data \(data): \(reason)"
        case .tooMuchMemory(let sizes, let needed, let available):
            return "\(sizes) needs about \(TrainingConfiguration.gibibytes(needed)) of activations per step, more than half of this machine's \(TrainingConfiguration.gibibytes(available))\n---> HINT: lower the views' size (--view-size, else --image-size), --batch-size or --widths."
        }
    }
}
