import Foundation

/// Errors reading a NumPy `.npy` file; each names the file and what was wrong.
public enum NumpyFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unsupportedDType(path: String, descr: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformed(let path, let reason): return "\(path) is not a valid .npy file: \(reason)"
        case .unsupportedDType(let path, let descr, let expected):
            return "\(path): array dtype is '\(descr)', expected '\(expected)'"
                + " (hint: save with numpy.save(path, a.astype('\(expected)')))"
        }
    }
}

/// The NumPy `.npy` format, version 1.0 (numpy `lib/format.py`): the magic `\x93NUMPY`, version
/// bytes 1, 0, a little-endian UInt16 header length, then a Python-literal dict
/// `{'descr': …, 'fortran_order': False, 'shape': (…), }` padded with spaces and ended by `\n` so
/// that the data starts at a multiple of 64 bytes, then the raw C-order data.
///
/// Written files are byte-identical to `numpy.save` (numpy ≥ 1.17, which also leaves room for
/// the first axis to grow to 21 digits). Arrays are `'<f4'` (Float32) or `'<i8'` (Int64).
public enum NumpyArrayFile {
    /// The element types this project reads and writes.
    public enum ElementType: String, Sendable {
        case float32 = "<f4"
        case int64 = "<i8"

        var byteCount: Int { self == .float32 ? 4 : 8 }
    }

    /// Bytes of a `.npy` file holding `tensor` as `'<f4'`, shape `tensor.shape`, C order.
    public static func serialized(_ tensor: Tensor) -> [UInt8] {
        // The host is little-endian (x86-64, arm64), so the storage is already '<f4'.
        header(elementType: .float32, shape: tensor.shape)
            + tensor.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    }

    /// Bytes of a `.npy` file holding `values` as a one-dimensional `'<i8'` array.
    public static func serialized(_ values: [Int]) -> [UInt8] {
        let wide = values.map { Int64($0).littleEndian }
        return header(elementType: .int64, shape: [values.count])
            + wide.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
    }

    /// The magic, version, length and padded dict of a v1.0 header, exactly as `numpy.save`.
    static func header(elementType: ElementType, shape: [Int]) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        var dict = "{'descr': '\(elementType.rawValue)', 'fortran_order': False, 'shape': \(shapeText), }"
        // numpy's GROWTH_AXIS_MAX_DIGITS: room to rewrite the first axis in place.
        if let first = shape.first { dict += String(repeating: " ", count: max(0, 21 - String(first).utf8.count)) }
        let prefixLength = 10
        let unpadded = prefixLength + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(dict.utf8.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(dict.utf8)
        return bytes
    }

    /// Writes `tensor` as a `'<f4'` `.npy` file (atomically).
    ///
    /// - Throws: `FileWriteError` naming the path.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try AtomicFile.write(serialized(tensor), to: path)
    }

    /// Writes `values` as a one-dimensional `'<i8'` `.npy` file (atomically).
    ///
    /// - Throws: `FileWriteError` naming the path.
    public static func write(_ values: [Int], to path: String) throws {
        try AtomicFile.write(serialized(values), to: path)
    }

    /// Reads a C-order `'<f4'` array of any rank.
    ///
    /// - Throws: `NumpyFileError` if the file cannot be read, its header is not a v1/v2/v3
    ///   header, it is Fortran-ordered, its dtype is not `'<f4'`, or its data is shorter than the
    ///   shape says.
    public static func readFloat32(path: String) throws -> Tensor {
        let (bytes, shape, start) = try load(path: path, expected: .float32)
        var data = [Float](repeating: 0, count: shape.reduce(1, *))
        // Little-endian host: the '<f4' bytes are the Float storage.
        data.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start..<(start + destination.count)]))
            }
        }
        return Tensor(shape: shape, data: data)
    }

    /// Reads a one-dimensional C-order `'<i8'` array.
    ///
    /// - Throws: `NumpyFileError` as `readFloat32`, or `.malformed` if the array is not 1-D.
    public static func readInt64(path: String) throws -> [Int] {
        let (bytes, shape, start) = try load(path: path, expected: .int64)
        guard shape.count == 1 else {
            throw NumpyFileError.malformed(path: path, reason: "expected a 1-D array, found shape \(shape)")
        }
        return (0..<shape[0]).map { Int(Int64(bitPattern: littleEndianWord(bytes, start + 8 * $0, byteCount: 8))) }
    }

    private static func load(path: String, expected: ElementType) throws -> (bytes: [UInt8], shape: [Int], dataStart: Int) {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw NumpyFileError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else {
            throw NumpyFileError.malformed(path: path, reason: "missing the \\x93NUMPY magic")
        }
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + lengthBytes else {
            throw NumpyFileError.malformed(path: path, reason: "unknown format version \(major).\(bytes[7])")
        }
        let headerLength = Int(littleEndianWord(bytes, 8, byteCount: lengthBytes))
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count else {
            throw NumpyFileError.malformed(path: path, reason: "header length \(headerLength) exceeds the file")
        }
        let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)
        guard let descr = field("descr", in: header)?.trimmingCharacters(in: CharacterSet(charactersIn: "'\"")),
            let order = field("fortran_order", in: header), let shapeText = field("shape", in: header)
        else { throw NumpyFileError.malformed(path: path, reason: "header dict lacks descr, fortran_order or shape") }
        guard order == "False" else {
            throw NumpyFileError.malformed(path: path, reason: "Fortran-ordered arrays are not supported")
        }
        guard descr == expected.rawValue else {
            throw NumpyFileError.unsupportedDType(path: path, descr: descr, expected: expected.rawValue)
        }
        let parts = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = parts.compactMap { Int($0) }
        guard shape.count == parts.count, shape.allSatisfy({ $0 >= 0 }) else {
            throw NumpyFileError.malformed(path: path, reason: "cannot parse shape \(shapeText)")
        }
        let needed = shape.reduce(1, *) * expected.byteCount
        guard bytes.count - dataStart >= needed else {
            throw NumpyFileError.malformed(
                path: path, reason: "shape \(shape) needs \(needed) data bytes, file has \(bytes.count - dataStart)")
        }
        return (bytes, shape, dataStart)
    }

    /// The literal after `'key':` in a header dict, up to the next top-level comma.
    private static func field(_ key: String, in header: String) -> String? {
        guard let keyRange = header.range(of: "'\(key)':") else { return nil }
        var depth = 0
        var value = ""
        for character in header[keyRange.upperBound...] {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if (character == "," && depth == 0) || character == "}" { break }
            value.append(character)
        }
        return value.trimmingCharacters(in: .whitespaces)
    }

    private static func littleEndianWord(_ bytes: [UInt8], _ offset: Int, byteCount: Int) -> UInt64 {
        var word: UInt64 = 0
        for i in 0..<byteCount { word |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return word
    }
}
