import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct SafetensorsTests {
    @Test func roundTripKeepsNamesShapesValuesAndMetadata() throws {
        let file = SafetensorsFile(
            tensors: [
                ("b.weight", Tensor(shape: [2, 3], data: [1, -2, 3.5, 0, 1e-30, -7])),
                ("a", Tensor(shape: [1], data: [42])),
            ], metadata: ["format": "pt"])
        let bytes = file.serialized()
        #expect((bytes.count - 8 - 4 * 7) % 8 == 0, "header must be padded to 8 bytes")
        let back = try SafetensorsFile.parse(bytes, path: "mem")
        #expect(back.tensors.map(\.name) == ["b.weight", "a"])
        #expect(back["b.weight"] == file["b.weight"])
        #expect(back["a"] == file["a"])
        #expect(back.metadata == ["format": "pt"])
    }

    @Test func readsTheEncoderFixtureWeights() throws {
        let path = Fixtures.url("encoder/tiny-gray/weights.safetensors").path
        let file = try SafetensorsFile.read(path: path)
        let conv = try #require(file["stem.conv.weight"])
        #expect(conv.rank == 4, "conv weights are OIHW")
        #expect(conv.shape[2] == 3 && conv.shape[3] == 3)
    }

    @Test func refusesTruncatedAndBogusHeaders() {
        let good = SafetensorsFile(tensors: [("x", Tensor(shape: [4], data: [1, 2, 3, 4]))]).serialized()
        #expect(throws: SafetensorsError.self) { try SafetensorsFile.parse(Array(good.dropLast(4)), path: "t") }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile.parse([1, 2, 3], path: "t") }
        var huge = good
        huge[7] = 0x7F
        #expect(throws: SafetensorsError.self) { try SafetensorsFile.parse(huge, path: "t") }
    }
}
