/// File names that are not valid UTF-8 (Linux allows any bytes but `/` and NUL), kept reversible
/// in a Swift `String` so such files are listed, labelled and opened like any other.
///
/// As Python's `surrogateescape` (which torchvision's ImageFolder sees through `os.scandir`), each
/// byte of an invalid name that is not ASCII becomes one scalar, here U+F780 + (byte − 0x80) in the
/// Private Use Area (Swift strings cannot hold lone surrogates); valid names are unchanged.
/// `withCString(_:_:)` turns the string back into the original bytes for the system call.
public enum FileSystemName {
    /// First scalar of the escaped bytes 0x80…0xFF.
    static let escapeBase: UInt32 = 0xF780

    /// The name `bytes` as a String: itself when valid UTF-8, else with every non-ASCII byte escaped.
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        var scalars = String.UnicodeScalarView()
        for byte in bytes {
            scalars.append(Unicode.Scalar(byte < 0x80 ? UInt32(byte) : escapeBase + UInt32(byte - 0x80))!)
        }
        return String(scalars)
    }

    /// The bytes the file system knows `path` by: escaped scalars back to their bytes, the rest UTF-8.
    public static func bytes(_ path: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if scalar.value >= escapeBase && scalar.value < escapeBase + 0x80 {
                out.append(UInt8(scalar.value - escapeBase + 0x80))
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        return out
    }

    /// Calls `body` with `path`'s file-system bytes as a NUL-terminated C string.
    public static func withCString<T>(_ path: String, _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        var raw = bytes(path).map { CChar(bitPattern: $0) }
        raw.append(0)
        return try raw.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
