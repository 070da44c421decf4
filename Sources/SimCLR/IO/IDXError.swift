/// Why IDX input (MNIST / Fashion-MNIST format) could not be read or imported. Every case names
/// the file and what was expected.
public enum IDXError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened, or its gzip stream is damaged or cut short.
    case unreadable(file: String, reason: String)
    /// The first four bytes are not `00 00 08 <dims>` with the expected number of dimensions.
    case badMagic(file: String, found: [UInt8], expectedDimensions: Int)
    /// The header announces more data than `limitBytes` (or more than an Int can count).
    case tooLarge(file: String, dimensions: [Int], limitBytes: UInt64)
    /// The data is shorter than its header says.
    case truncated(file: String, expectedBytes: Int, actualBytes: Int)
    /// The data is longer than its header says.
    case trailingBytes(file: String, expectedBytes: Int, actualBytes: Int)
    /// The image and label files disagree on the number of items.
    case countMismatch(images: String, imageCount: Int, labels: String, labelCount: Int)
    /// A label is not a valid class index.
    case labelOutOfRange(file: String, index: Int, label: Int, classCount: Int)
    /// The output folder exists already.
    case outputExists(path: String)
    /// Writing the output failed.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .badMagic(let file, let found, let dimensions):
            let hex = found.map { String($0, radix: 16) }.joined(separator: " ")
            return "\(file): not an IDX file of unsigned bytes with \(dimensions) dimension(s): magic bytes are [\(hex)], expected [0 0 8 \(dimensions)]"
        case .tooLarge(let file, let dimensions, let limit):
            let sizes = dimensions.map(String.init).joined(separator: "x")
            return "\(file): header announces \(sizes) bytes, more than the limit of \(MemoryBudget.describe(limit)) (half of this machine's memory)"
        case .truncated(let file, let expected, let actual):
            return "\(file): truncated: header announces \(expected) bytes, file has \(actual)"
        case .trailingBytes(let file, let expected, let actual):
            return "\(file): \(actual - expected) unexpected bytes after the \(expected) announced by the header"
        case .countMismatch(let images, let imageCount, let labels, let labelCount):
            return "\(images) holds \(imageCount) images but \(labels) holds \(labelCount) labels"
        case .labelOutOfRange(let file, let index, let label, let classCount):
            return "\(file): label \(label) at index \(index) is not in 0..<\(classCount)"
        case .outputExists(let path):
            return "\(path) exists already\n---> HINT: pass --overwrite to replace it."
        case .cannotWrite(let path, let reason):
            return "\(path): cannot write: \(reason)"
        }
    }
}
