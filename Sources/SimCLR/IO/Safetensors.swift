import Foundation

/// Errors reading a safetensors file; each names the file and what was wrong.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case malformed(path: String, reason: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case missingTensor(path: String, tensor: String)
    case shapeMismatch(path: String, tensor: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .malformed(let path, let reason):
            return "\(path) is not a valid safetensors file: \(reason)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor '\(tensor)' has dtype \(dtype); only F32 is supported"
        case .missingTensor(let path, let tensor):
            return "\(path): tensor '\(tensor)' is missing"
        case .shapeMismatch(let path, let tensor, let expected, let found):
            return "\(path): tensor '\(tensor)' has shape \(found), expected \(expected)"
        }
    }
}

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length,
/// a JSON header mapping names to `{"dtype", "shape", "data_offsets"}` (offsets relative to the
/// end of the header) plus an optional `__metadata__` string map, then raw little-endian data.
/// Only `F32` tensors are read and written.
public struct SafetensorsFile: Sendable {
    /// Tensors in file order (data-offset order when read).
    public var tensors: [(name: String, tensor: Tensor)]
    /// The `__metadata__` string map.
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> Tensor? {
        tensors.first(where: { $0.name == name })?.tensor
    }

    /// Upper bound on the JSON header, as the reference implementation (100 MB).
    static let maximumHeaderBytes = 100_000_000

    /// Reads and validates a file.
    ///
    /// - Throws: `SafetensorsError` naming the file and the first problem found (header length
    ///   out of bounds, invalid JSON, non-F32 dtype, offsets outside the data or not matching the
    ///   shape).
    public static func read(path: String) throws -> SafetensorsFile {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SafetensorsError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(bytes, path: path)
    }

    /// Parses the bytes of a file; `path` is used in error messages only.
    public static func parse(_ bytes: [UInt8], path: String) throws -> SafetensorsFile {
        guard bytes.count >= 8 else {
            throw SafetensorsError.malformed(path: path, reason: "shorter than the 8-byte header length")
        }
        var headerLength = 0
        for i in 0..<8 { headerLength |= Int(bytes[i]) << (8 * i) }
        guard headerLength > 0, headerLength <= maximumHeaderBytes, 8 + headerLength <= bytes.count
        else {
            throw SafetensorsError.malformed(
                path: path, reason: "header length \(headerLength) exceeds the file (\(bytes.count) bytes)")
        }
        let headerData = Data(bytes[8..<(8 + headerLength)])
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any]
        else { throw SafetensorsError.malformed(path: path, reason: "header is not a JSON object") }
        let dataStart = 8 + headerLength
        let dataCount = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [(name: String, begin: Int, end: Int, shape: [Int])] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let map = value as? [String: String] else {
                    throw SafetensorsError.malformed(path: path, reason: "__metadata__ is not a string map")
                }
                metadata = map
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int],
                offsets.count == 2
            else {
                throw SafetensorsError.malformed(path: path, reason: "entry '\(name)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else {
                throw SafetensorsError.unsupportedDType(path: path, tensor: name, dtype: dtype)
            }
            // Overflow-safe: a shape whose byte count exceeds Int can never match the offsets.
            let byteCount = MemoryBudget.bytes(shape, bytesPerElement: 4)
            guard let byteCount, offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] <= dataCount,
                offsets[1] - offsets[0] == byteCount
            else {
                throw SafetensorsError.malformed(
                    path: path,
                    reason: "tensor '\(name)' offsets \(offsets) do not hold shape \(shape) within \(dataCount) data bytes")
            }
            entries.append((name, offsets[0], offsets[1], shape))
        }
        entries.sort { ($0.begin, $0.name) < ($1.begin, $1.name) }
        // Byte ranges must not overlap (the reference implementation also refuses them).
        for (previous, next) in zip(entries, entries.dropFirst()) where next.begin < previous.end {
            throw SafetensorsError.malformed(
                path: path,
                reason: "tensors '\(previous.name)' \([previous.begin, previous.end]) and '\(next.name)' \([next.begin, next.end]) overlap")
        }
        var tensors: [(name: String, tensor: Tensor)] = []
        tensors.reserveCapacity(entries.count)
        bytes.withUnsafeBytes { raw in
            for entry in entries {
                let count = (entry.end - entry.begin) / 4
                var values = [Float](repeating: 0, count: count)
                values.withUnsafeMutableBytes { out in
                    out.copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[(dataStart + entry.begin)..<(dataStart + entry.end)]))
                }
                #if _endian(big)
                values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
                #endif
                tensors.append((entry.name, Tensor(shape: entry.shape, data: values)))
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: metadata)
    }

    /// The file's bytes: header in tensor order, padded with spaces to a multiple of 8.
    public func serialized() -> [UInt8] {
        var json = "{"
        var offset = 0
        var parts: [String] = []
        if !metadata.isEmpty {
            let body = metadata.keys.sorted().map { "\(Self.quote($0)):\(Self.quote(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(body.joined(separator: ","))}")
        }
        for (name, tensor) in tensors {
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            parts.append("\(Self.quote(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += parts.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for i in 0..<8 { out.append(UInt8((length >> (8 * UInt64(i))) & 0xFF)) }
        out += header
        for (_, tensor) in tensors {
            tensor.data.withUnsafeBytes { out += $0 }
        }
        return out
    }

    /// Writes the file atomically (see `AtomicFile.write`).
    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }

    /// A JSON string literal for `s` (RFC 8259 escaping).
    private static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
