import Foundation
import SimCLR
import Testing

@Suite struct NumpyArrayFileTests {
    /// `numpy.save` (numpy 2.4.6) of `np.arange(6, dtype='<f4').reshape(2, 3)`, header only:
    /// python -c "import numpy as np,io; b=io.BytesIO(); np.save(b, np.arange(6,dtype='<f4').reshape(2,3)); print(b.getvalue()[:128])"
    static let numpyHeader2x3: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, 0x76, 0]
        + Array("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".utf8)
        + [UInt8](repeating: 0x20, count: 58) + [0x0A]

    @Test func headerIsByteIdenticalToNumpy() {
        let bytes = NumpyArrayFile.serialized(Tensor(shape: [2, 3], data: [0, 1, 2, 3, 4, 5]))
        #expect(bytes.count == 128 + 24)
        #expect(Array(bytes[0..<128]) == Self.numpyHeader2x3)
        // Data: little-endian float32 1.0 = 00 00 80 3F at element 1.
        #expect(Array(bytes[132..<136]) == [0, 0, 0x80, 0x3F])
    }

    @Test func headerOfOneDimensionalInt64MatchesNumpy() {
        // numpy: {'descr': '<i8', 'fortran_order': False, 'shape': (3,), } + 60 spaces + \n.
        let bytes = NumpyArrayFile.serialized([7, -1, 2])
        let text = String(decoding: bytes[10..<128], as: UTF8.self)
        #expect(text == "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }" + String(repeating: " ", count: 60) + "\n")
        #expect(bytes.count % 8 == 0 && bytes.count == 128 + 24)
    }

    @Test func roundTripsThroughFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let tensor = Tensor(shape: [3, 2], data: [1.5, -2, 0, 1e-30, 7, .greatestFiniteMagnitude])
        let path = folder.appendingPathComponent("x.npy").path
        try NumpyArrayFile.write(tensor, to: path)
        #expect(try NumpyArrayFile.readFloat32(path: path) == tensor)
        let labelsPath = folder.appendingPathComponent("y.npy").path
        try NumpyArrayFile.write([3, 0, -5], to: labelsPath)
        #expect(try NumpyArrayFile.readInt64(path: labelsPath) == [3, 0, -5])
        #expect(throws: NumpyFileError.unsupportedDType(path: labelsPath, descr: "<i8", expected: "<f4")) {
            try NumpyArrayFile.readFloat32(path: labelsPath)
        }
        let truncated = folder.appendingPathComponent("t.npy").path
        try Data(NumpyArrayFile.serialized(tensor).dropLast(4)).write(to: URL(fileURLWithPath: truncated))
        #expect(throws: NumpyFileError.self) { try NumpyArrayFile.readFloat32(path: truncated) }
    }
}
