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

    /// Reads an IDX file of unsigned bytes with `expectedDimensions` dimensions.
    /// - Throws: `IDXError.unreadable` (missing file, damaged gzip), `.badMagic`, `.truncated`,
    ///   `.trailingBytes`, each naming `path`.
    public static func read(path: String, expectedDimensions: Int) throws(IDXError) -> IDXArray {
        try parse(readDecompressed(path), file: path, expectedDimensions: expectedDimensions)
    }

    /// Parses IDX `data` (already decompressed); `file` names it in errors.
    public static func parse(_ data: [UInt8], file: String, expectedDimensions: Int) throws(IDXError) -> IDXArray {
        guard data.count >= 4, data[0] == 0, data[1] == 0, data[2] == 8, Int(data[3]) == expectedDimensions else {
            throw .badMagic(file: file, found: Array(data.prefix(4)), expectedDimensions: expectedDimensions)
        }
        let headerBytes = 4 + 4 * expectedDimensions
        guard data.count >= headerBytes else {
            throw .truncated(file: file, expectedBytes: headerBytes, actualBytes: data.count)
        }
        var dimensions: [Int] = []
        for d in 0..<expectedDimensions {
            let offset = 4 + 4 * d
            dimensions.append(data[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) })
        }
        let expected = headerBytes + dimensions.reduce(1, *)
        guard data.count >= expected else {
            throw .truncated(file: file, expectedBytes: expected, actualBytes: data.count)
        }
        guard data.count == expected else {
            throw .trailingBytes(file: file, expectedBytes: expected, actualBytes: data.count)
        }
        return IDXArray(dimensions: dimensions, bytes: Array(data[headerBytes...]))
    }

    /// The whole file, gunzipped if it is gzip data.
    private static func readDecompressed(_ path: String) throws(IDXError) -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)))
        }
        defer { gzclose_r(file) }
        gzbuffer(file, 1 << 20)
        var data: [UInt8] = []
        let chunk = 1 << 20
        while true {
            let start = data.count
            data.reserveCapacity(start + chunk)
            var read: Int32 = 0
            data.append(contentsOf: repeatElement(0, count: chunk))
            data.withUnsafeMutableBytes { raw in
                read = gzread(file, raw.baseAddress! + start, UInt32(chunk))
            }
            if read < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "gzip error \(code)"
                throw .unreadable(file: path, reason: "damaged or truncated gzip data (\(message))")
            }
            data.removeLast(chunk - Int(read))
            if read == 0 { break }
        }
        return data
    }
}

#if canImport(Glibc)
import Glibc
#endif
