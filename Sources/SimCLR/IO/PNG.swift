internal import CPNGShim

#if canImport(Glibc)
import Glibc
#endif

/// PNG decoding and writing through libpng (the only file that imports `CPNGShim`).
///
/// Decoding follows the normative conventions of `shared/fixtures/README.md` section 2:
/// palette → RGB; 1/2/4-bit → 8-bit as `png_set_expand`; 16-bit → high byte
/// (`png_set_strip_16`); tRNS → alpha compared at the stored depth; alpha composited over
/// black after the reduction, `(c·a + 127) / 255`, then dropped; grey types give 1 channel,
/// the others 3; Adam7 supported; no gamma or other colour management.
public enum PNG {
    /// Default limit on `width · height` claimed by a header: 2^26 pixels.
    public static let defaultMaximumPixels = 1 << 26

    /// Reads and decodes the PNG file at `path` into UInt8 row-major HWC, 1 or 3 channels.
    ///
    /// Works on the content, not on the extension.
    /// - Throws: `PNGError` naming `path`: `.unreadable`, `.empty`, `.notPNG`, `.truncated`,
    ///   `.crc`, `.corrupt`, `.sizeLimit` (header claims more than `maximumPixels` pixels;
    ///   refused before any pixel memory is allocated), `.outOfMemory`.
    public static func decode(path: String, maximumPixels: Int = defaultMaximumPixels)
        throws(PNGError) -> DecodedImage
    {
        try decode(bytes: readFile(path), name: path, maximumPixels: maximumPixels)
    }

    /// Decodes PNG `bytes`; `name` is used in error messages.
    /// - Throws: `PNGError` naming `name` (see `decode(path:maximumPixels:)`).
    public static func decode(
        bytes: [UInt8], name: String, maximumPixels: Int = defaultMaximumPixels
    ) throws(PNGError) -> DecodedImage {
        try run(bytes: bytes, name: name, maximumPixels: maximumPixels, keepAlpha: false)
    }

    /// Decodes like `decode(bytes:name:maximumPixels:)` but stops before compositing: channels
    /// are 1 (G), 2 (GA), 3 (RGB) or 4 (RGBA), 8-bit, with tRNS turned into alpha. This is the
    /// fixtures' `decoded_with_alpha` image, for checking decoding and compositing separately.
    /// - Throws: `PNGError` naming `name`.
    public static func decodeKeepingAlpha(
        bytes: [UInt8], name: String, maximumPixels: Int = defaultMaximumPixels
    ) throws(PNGError) -> DecodedImage {
        try run(bytes: bytes, name: name, maximumPixels: maximumPixels, keepAlpha: true)
    }

    /// Encodes an 8-bit grey (1 channel) or RGB (3 channels) image as a non-interlaced PNG.
    /// `compressionLevel` is zlib's 0 (none) … 9 (smallest).
    /// - Throws: `PNGError.cannotWrite` for other channel counts or an empty image.
    public static func encode(_ image: DecodedImage, name: String = "<memory>", compressionLevel: Int = 6)
        throws(PNGError) -> [UInt8]
    {
        var message = [CChar](repeating: 0, count: 256)
        var output: UnsafeMutablePointer<UInt8>? = nil
        var count = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            simclr_png_encode(
                pixels.baseAddress, UInt32(clamping: image.width), UInt32(clamping: image.height),
                Int32(clamping: image.channels), Int32(clamping: compressionLevel),
                &output, &count, &message, message.count)
        }
        defer { simclr_png_free(output) }
        guard Int(status) == SIMCLR_PNG_OK, let output else {
            throw .cannotWrite(file: name, reason: text(message))
        }
        return Array(UnsafeBufferPointer(start: output, count: count))
    }

    /// Encodes `image` (8-bit grey or RGB) and writes it to `path`. When `atomically`, through a
    /// temporary file in the same folder and a `rename`, so `path` never holds a partial file;
    /// callers that stage a whole folder (dataset import) pass `false`. No `fsync`: this is
    /// used for tens of thousands of files; use `AtomicFile` for durability.
    /// - Throws: `PNGError.cannotWrite` naming `path`.
    public static func write(
        _ image: DecodedImage, to path: String, compressionLevel: Int = 6, atomically: Bool = true
    ) throws(PNGError) {
        let bytes = try encode(image, name: path, compressionLevel: compressionLevel)
        let temporary = atomically ? path + ".tmp-\(getpid())" : path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotWrite(file: path, reason: errnoText()) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = errnoText()
                close(fd)
                unlink(temporary)
                throw .cannotWrite(file: path, reason: reason)
            }
            written += n
        }
        guard close(fd) == 0, !atomically || rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw .cannotWrite(file: path, reason: reason)
        }
    }

    /// The one place that turns the shim's status and message into `PNGError`.
    private static func run(bytes: [UInt8], name: String, maximumPixels: Int, keepAlpha: Bool)
        throws(PNGError) -> DecodedImage
    {
        var message = [CChar](repeating: 0, count: 256)
        var raw = simclr_png_image()
        let status = bytes.withUnsafeBufferPointer { input in
            simclr_png_decode(
                input.baseAddress, input.count, UInt64(max(0, maximumPixels)), keepAlpha ? 1 : 0,
                &raw, &message, message.count)
        }
        defer { simclr_png_free(raw.pixels) }
        let reason = text(message)
        switch Int(status) {
        case SIMCLR_PNG_OK: break
        case SIMCLR_PNG_EMPTY: throw .empty(file: name)
        case SIMCLR_PNG_NOT_PNG: throw .notPNG(file: name)
        case SIMCLR_PNG_TRUNCATED: throw .truncated(file: name, reason: reason)
        case SIMCLR_PNG_CRC: throw .crc(file: name, reason: reason)
        case SIMCLR_PNG_SIZE_LIMIT: throw .sizeLimit(file: name, reason: reason)
        case SIMCLR_PNG_OUT_OF_MEMORY: throw .outOfMemory(file: name, reason: reason)
        default: throw .corrupt(file: name, reason: reason)
        }
        let width = Int(raw.width), height = Int(raw.height), channels = Int(raw.channels)
        let count = width * height * channels
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.initialize(from: raw.pixels!, count: count) }
            initialized = count
        }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads a whole file with POSIX calls, so errors carry the system's reason.
    private static func readFile(_ path: String) throws(PNGError) -> [UInt8] {
        let fd = FileSystemName.withCString(path) { open($0, O_RDONLY) }
        guard fd >= 0 else { throw .unreadable(file: path, reason: errnoText()) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw .unreadable(file: path, reason: errnoText()) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw .unreadable(file: path, reason: "not a regular file")
        }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw in
                read(fd, raw.baseAddress! + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(file: path, reason: errnoText())
            }
            if n == 0 { break }  // file shrank while reading: decode what is there
            filled += n
        }
        if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
        return bytes
    }

    /// The NUL-terminated C string held in `buffer`.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    /// Version of libpng the decoder was built against.
    public static var libpngVersion: String { String(cString: simclr_png_version()) }
}
