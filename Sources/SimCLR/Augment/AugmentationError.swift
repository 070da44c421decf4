/// Bad augmentation settings from outside (CLI flags, a checkpoint's stored config, a preset name).
public enum AugmentationError: Error, Equatable, CustomStringConvertible {
    /// `name` is not a preset; `known` lists the accepted names.
    case unknownPreset(name: String, known: [String])
    /// A parameter is outside its valid range; `expected` says which range.
    case invalidParameter(name: String, value: String, expected: String)
    /// Mean or std has a count that is neither 1 nor the dataset's channel count.
    case normalizationChannelMismatch(name: String, count: Int, channels: Int)
    /// The dataset has no images, or fewer than one batch.
    case notEnoughImages(count: Int, batchSize: Int)
    /// The dataset's images do not all have the same size and no output size is set.
    case mixedImageSizes(first: String, other: String, path: String)

    public var description: String {
        switch self {
        case .unknownPreset(let name, let known):
            return "unknown augmentation preset '\(name)'; known presets: \(known.joined(separator: ", "))"
        case .invalidParameter(let name, let value, let expected):
            guard let flag = Self.flags[name] else {
                return "augmentation parameter \(name) = \(value) is invalid: expected \(expected)"
            }
            return "\(flag) \(value) is invalid (augmentation parameter \(name)): expected \(expected)"
        case .normalizationChannelMismatch(let name, let count, let channels):
            return "normalisation \(name) has \(count) values but the dataset has \(channels) channel(s); give 1 or \(channels) values"
        case .notEnoughImages(let count, let batchSize):
            return "the dataset has \(count) image(s), fewer than one batch of \(batchSize); lower the batch size or add images"
        case .mixedImageSizes(let first, let other, let path):
            return "images differ in size (\(first) vs \(other) at \(path)); set an output size so every view has the same shape"
        }
    }

    /// The command-line flag of each parameter name, so messages name what the user typed.
    static let flags: [String: String] = [
        "outputSize": "--view-size", "crop.scale": "--crop-scale", "crop.ratio": "--crop-ratio",
        "horizontalFlip.probability": "--flip-probability", "colorJitter.probability": "--jitter-probability",
        "colorJitter.brightness": "--brightness", "colorJitter.contrast": "--contrast",
        "colorJitter.saturation": "--saturation", "colorJitter.hue": "--hue",
        "grayscale.probability": "--grayscale-probability", "blur.probability": "--blur-probability",
        "blur.sigma": "--blur-sigma", "blur.kernelFraction": "--blur-kernel-fraction",
        "blur.minimumSide": "--blur-minimum-side", "normalization.mean": "--normalize-mean",
        "normalization.std": "--normalize-std", "count": "--count", "scale": "--scale",
    ]
}
