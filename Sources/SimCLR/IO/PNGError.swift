/// Why a PNG could not be read or written. Every case names the file and the reason.
///
/// The kinds follow `shared/fixtures/README.md` section 4 (`empty`, `not_png`, `truncated`,
/// `crc`, `corrupt`, `size_limit`), plus the failures around the decoder itself.
public enum PNGError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (missing, a folder, no permission).
    case unreadable(file: String, reason: String)
    /// The file has zero bytes.
    case empty(file: String)
    /// The file does not start with the PNG signature (e.g. a JPEG named `.png`).
    case notPNG(file: String)
    /// The data ends before IEND.
    case truncated(file: String, reason: String)
    /// A critical chunk (IHDR, PLTE, IDAT) fails its CRC.
    case crc(file: String, reason: String)
    /// Any other structural error reported by libpng (e.g. palette image without PLTE).
    case corrupt(file: String, reason: String)
    /// The header claims more pixels than the decoder's limit; refused before decoding.
    case sizeLimit(file: String, reason: String)
    /// Memory for the image could not be allocated.
    case outOfMemory(file: String, reason: String)
    /// The image cannot be written (unsupported channel count, empty, or a file-system error).
    case cannotWrite(file: String, reason: String)

    /// The file (or name) the error is about.
    public var file: String {
        switch self {
        case .unreadable(let file, _), .empty(let file), .notPNG(let file),
            .truncated(let file, _), .crc(let file, _), .corrupt(let file, _),
            .sizeLimit(let file, _), .outOfMemory(let file, _), .cannotWrite(let file, _):
            return file
        }
    }

    /// The reason alone, without the file name.
    public var reason: String {
        switch self {
        case .empty: return "file is empty (0 bytes)"
        case .notPNG: return "not a PNG file (signature mismatch)"
        case .unreadable(_, let reason), .truncated(_, let reason), .crc(_, let reason),
            .corrupt(_, let reason), .sizeLimit(_, let reason), .outOfMemory(_, let reason),
            .cannotWrite(_, let reason):
            return reason
        }
    }

    public var description: String {
        switch self {
        case .sizeLimit:
            return "\(file): \(reason)\n---> HINT: raise the limit with --max-pixels only for trusted files."
        default:
            return "\(file): \(reason)"
        }
    }
}
