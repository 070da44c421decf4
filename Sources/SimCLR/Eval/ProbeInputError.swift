/// Bad input to the probe: feature files or datasets that do not fit together.
public enum ProbeInputError: Error, CustomStringConvertible, Equatable {
    case notAMatrix(path: String, shape: [Int])
    case countMismatch(path: String, rows: Int, labels: Int)
    case dimensionMismatch(path: String, columns: Int, expected: Int)
    case labelOutOfRange(path: String, label: Int, classCount: Int)
    case tooFewClasses(path: String, classCount: Int)
    case emptySet(path: String)
    case imageSizeMismatch(path: String, file: String, found: [Int], expected: [Int])
    case channelMismatch(path: String, found: Int, expected: Int)
    case classMismatch(path: String, found: [String], expected: [String])
    /// An image whose size is not the encoder's `image_size`.
    case encoderImageSize(path: String, file: String, found: [Int], expected: Int)

    public var description: String {
        switch self {
        case .notAMatrix(let path, let shape): return "\(path): expected a 2-D [n, D] feature matrix, found shape \(shape)"
        case .countMismatch(let path, let rows, let labels): return "\(path): \(rows) feature rows but \(labels) labels"
        case .dimensionMismatch(let path, let columns, let expected):
            return "\(path): features have \(columns) columns, the training features have \(expected)"
        case .labelOutOfRange(let path, let label, let classCount):
            return "\(path): label \(label) is outside 0..<\(classCount)"
        case .tooFewClasses(let path, let classCount):
            return "\(path): the probe needs at least 2 classes, found \(classCount)"
        case .emptySet(let path): return "\(path): no samples"
        case .imageSizeMismatch(let path, let file, let found, let expected):
            return "\(path): \(file) is \(found) (HWC), the other images are \(expected); the probe needs one image size"
        case .classMismatch(let path, let found, let expected):
            return "\(path): classes \(found) differ from the training folder's \(expected)"
        case .encoderImageSize(let path, let file, let found, let expected):
            return "\(path): \(file) is \(found[0])×\(found[1]), the encoder was trained on \(expected)×\(expected) (image_size in encoder.json)"
                + "\n---> HINT: resize the images to \(expected)×\(expected), or use an encoder trained at their size."
        case .channelMismatch(let path, let found, let expected):
            return "\(path): images have \(found) channel(s), the encoder expects \(expected)"
        }
    }
}

/// Checks that probe inputs fit together, naming the file at fault.
public enum ProbeInputCheck {
    /// - Throws: `ProbeInputError` if `features` is not `[n, D]` with n = labels.count ≥ 1, or
    ///   (when `columns` is given) D ≠ columns.
    public static func features(_ features: Tensor, labels: [Int], path: String, columns: Int? = nil) throws {
        guard features.rank == 2 else { throw ProbeInputError.notAMatrix(path: path, shape: features.shape) }
        guard features.shape[0] == labels.count else {
            throw ProbeInputError.countMismatch(path: path, rows: features.shape[0], labels: labels.count)
        }
        guard features.shape[0] > 0 else { throw ProbeInputError.emptySet(path: path) }
        if let columns, features.shape[1] != columns {
            throw ProbeInputError.dimensionMismatch(path: path, columns: features.shape[1], expected: columns)
        }
    }

    /// - Throws: `ProbeInputError` if fewer than 2 classes or a label outside `0..<classCount`.
    public static func labels(_ labels: [Int], classCount: Int, path: String) throws {
        guard classCount >= 2 else { throw ProbeInputError.tooFewClasses(path: path, classCount: classCount) }
        if let bad = labels.first(where: { !(0..<classCount).contains($0) }) {
            throw ProbeInputError.labelOutOfRange(path: path, label: bad, classCount: classCount)
        }
    }
}
