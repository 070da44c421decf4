internal import CZlib

/// An array read from an IDX file (the MNIST / Fashion-MNIST format): unsigned bytes, row-major.
///
/// Format (LeCun et al., http://yann.lecun.com/exdb/mnist/): magic `00 00 08 D` (0x08 =
/// unsigned byte, D = number of dimensions), D big-endian UInt32 sizes, then the data. Files may
/// be gzip-compressed (`*.gz`); zlib's `gzread` also passes plain files through unchanged.
/// This is the only file that imports `CZlib`.
public struct IDXArray: Sendable, Equatable {
    /// Sizes, e.g. `[count, rows, columns]` for images, `[count]` for labels.
    public var dimensions: [Int]
    /// `dimensions.reduce(1, *)` bytes, row-major.
    public var bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(bytes.count == dimensions.reduce(1, *), "IDXArray: dimensions \(dimensions) need \(dimensions.reduce(1, *)) bytes, got \(bytes.count)")
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Reads an IDX file of unsigned bytes with `expectedDimensions` dimensions. The header is
    /// read first and the data size it announces is checked (overflow-safe) against
    /// `MemoryBudget.limitBytes` before anything more is read or allocated, so a small gzip that
    /// inflates to gigabytes is refused, not unpacked.
    /// - Throws: `IDXError.unreadable` (missing file, damaged gzip), `.badMagic`, `.tooLarge`,
    ///   `.truncated`, `.trailingBytes`, each naming `path`.
    public static func read(
        path: String, expectedDimensions: Int, limitBytes: UInt64 = MemoryBudget.limitBytes
    ) throws(IDXError) -> IDXArray {
        guard let file = gzopen(path, "rb") else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose_r(file) }
        gzbuffer(file, 1 << 20)
        let headerBytes = 4 + 4 * expectedDimensions
        let header = try readUpTo(headerBytes, from: file, path: path)
        let dimensions = try parseHeader(header, file: path, expectedDimensions: expectedDimensions)
        let count = try dataByteCount(dimensions, file: path, limitBytes: limitBytes)
        let data = try readUpTo(count, from: file, path: path)
        guard data.count == count else {
            throw .truncated(file: path, expectedBytes: headerBytes + count, actualBytes: headerBytes + data.count)
        }
        var extra = 0
        while true {
            let more = try readUpTo(1 << 20, from: file, path: path).count
            if more == 0 { break }
            extra += more
        }
        guard extra == 0 else {
            throw .trailingBytes(file: path, expectedBytes: headerBytes + count, actualBytes: headerBytes + count + extra)
        }
        return IDXArray(dimensions: dimensions, bytes: data)
    }

    /// Parses IDX `data` (already decompressed); `file` names it in errors.
    public static func parse(
        _ data: [UInt8], file: String, expectedDimensions: Int, limitBytes: UInt64 = MemoryBudget.limitBytes
    ) throws(IDXError) -> IDXArray {
        let dimensions = try parseHeader(data, file: file, expectedDimensions: expectedDimensions)
        let headerBytes = 4 + 4 * expectedDimensions
        let count = try dataByteCount(dimensions, file: file, limitBytes: limitBytes)
        let expected = headerBytes + count
        guard data.count >= expected else {
            throw .truncated(file: file, expectedBytes: expected, actualBytes: data.count)
        }
        guard data.count == expected else {
            throw .trailingBytes(file: file, expectedBytes: expected, actualBytes: data.count)
        }
        return IDXArray(dimensions: dimensions, bytes: Array(data[headerBytes...]))
    }

    /// The sizes of the header at the start of `data`.
    private static func parseHeader(_ data: [UInt8], file: String, expectedDimensions: Int) throws(IDXError) -> [Int] {
        guard data.count >= 4, data[0] == 0, data[1] == 0, data[2] == 8, Int(data[3]) == expectedDimensions else {
            throw .badMagic(file: file, found: Array(data.prefix(4)), expectedDimensions: expectedDimensions)
        }
        let headerBytes = 4 + 4 * expectedDimensions
        guard data.count >= headerBytes else {
            throw .truncated(file: file, expectedBytes: headerBytes, actualBytes: data.count)
        }
        return (0..<expectedDimensions).map { d in
            let offset = 4 + 4 * d
            return data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
        }
    }

    /// The data bytes `dimensions` announce, if within `limitBytes` (overflow-safe).
    private static func dataByteCount(_ dimensions: [Int], file: String, limitBytes: UInt64) throws(IDXError) -> Int {
        guard let count = MemoryBudget.product(dimensions), UInt64(count) <= limitBytes else {
            throw .tooLarge(file: file, dimensions: dimensions, limitBytes: limitBytes)
        }
        return count
    }

    /// Up to `count` decompressed bytes (fewer only at the end of the file).
    private static func readUpTo(_ count: Int, from file: gzFile, path: String) throws(IDXError) -> [UInt8] {
        var data: [UInt8] = []
        let chunk = 1 << 20
        while data.count < count {
            let start = data.count
            let want = min(chunk, count - start)
            data.append(contentsOf: repeatElement(0, count: want))
            var read: Int32 = 0
            data.withUnsafeMutableBytes { raw in
                read = gzread(file, raw.baseAddress! + start, UInt32(want))
            }
            if read < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "gzip error \(code)"
                throw .unreadable(file: path, reason: "damaged or truncated gzip data (\(message))")
            }
            data.removeLast(want - Int(read))
            if read == 0 { break }
        }
        return data
    }
}

#if canImport(Glibc)
import Glibc
#endif
