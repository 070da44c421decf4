import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct FrozenEncoderTests {
    /// A temporary folder holding the tiny-gray fixture weights and an encoder.json written with
    /// the given widths.
    static func encoderFolder(widths: [Int], extraJSON: String = "") throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("frozen-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: Fixtures.url("encoder/tiny-gray/weights.safetensors"), to: folder.appendingPathComponent("encoder.safetensors"))
        let json = """
            {"architecture": "resnet-mini", "widths": \(widths), "input_channels": 1, "image_size": 8,
             "projection_dim": 6, "normalization": {"mean": [0.5], "std": [0.25]}, "unknown_key": 1\(extraJSON)}
            """
        try Data(json.utf8).write(to: folder.appendingPathComponent("encoder.json"))
        return folder
    }

    @Test func evalModeRepresentationMatchesThePyTorchFixture() throws {
        let folder = try Self.encoderFolder(widths: [4, 8, 8], extraJSON: #", "training": {"seed": 7}"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = try FrozenEncoder.load(weightsPath: folder.appendingPathComponent("encoder.safetensors").path)
        #expect(encoder.description.initializationSeed == 7)
        #expect(encoder.description.normalization == Normalization(mean: [0.5], std: [0.25]))
        let expected = try SafetensorsFile.read(path: Fixtures.url("encoder/tiny-gray/expected.safetensors").path)
        let input = try #require(expected["input"])
        let reference = try #require(expected["eval.h"])
        let h = encoder.representations(ofViews: input)
        #expect(h.shape == reference.shape)
        #expect(Tolerance.relativeToScale(h.data, reference.data) < 1e-4)
    }

    @Test func datasetPathScalesAndNormalisesPixels() throws {
        let folder = try Self.encoderFolder(widths: [4, 8, 8])
        defer { try? FileManager.default.removeItem(at: folder) }
        let encoder = try FrozenEncoder.load(weightsPath: folder.appendingPathComponent("encoder.safetensors").path)
        // Three 8x8 gray images (batch size 2: a full and a partial batch).
        let images = (0..<3).map { i in DecodedImage(width: 8, height: 8, channels: 1, pixels: (0..<64).map { UInt8((i * 37 + $0 * 5) % 256) }) }
        let dataset = ImageDataset(
            classNames: ["a"], samples: (0..<3).map { .init(relativePath: "a/\($0).png", label: 0) }, images: images, channels: 1)
        let h = try encoder.representations(of: dataset, path: "mem", batchSize: 2)
        let views = Tensor(shape: [3, 8, 8, 1], data: images.flatMap { $0.pixels.map { (Float($0) / 255 - 0.5) / 0.25 } })
        let direct = encoder.representations(ofViews: views)
        #expect(h.shape == [3, 8])
        #expect(Tolerance.relativeToScale(h.data, direct.data) < 1e-5)
    }

    @Test func refusesWeightsThatDoNotMatchEncoderJSON() throws {
        let folder = try Self.encoderFolder(widths: [4, 8, 16])
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("encoder.safetensors").path
        #expect {
            _ = try FrozenEncoder.load(weightsPath: path)
        } throws: { error in
            guard case EncoderLoadError.weightsMismatch(let file, let reason) = error else { return false }
            return file == path && reason.contains("layer3")
        }
    }

    @Test func refusesAMissingEncoderJSON() throws {
        let folder = try Self.encoderFolder(widths: [4, 8, 8])
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("encoder.json"))
        #expect(throws: EncoderLoadError.self) {
            _ = try FrozenEncoder.load(weightsPath: folder.appendingPathComponent("encoder.safetensors").path)
        }
    }

    /// A mistyped `--encoder` path must name that file, not the encoder.json beside it.
    @Test func aMissingWeightsFileIsNamedInTheError() throws {
        let folder = try Self.encoderFolder(widths: [4, 8, 8])
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("typo.safetensors").path
        #expect(throws: EncoderLoadError.unreadable(path: missing, reason: "no such file")) {
            _ = try FrozenEncoder.load(weightsPath: missing)
        }
    }

    @Test func randomInitIsSeededAndDiffersFromTrained() throws {
        let description = EncoderDescription(
            configuration: ResNetMiniConfiguration(widths: [4, 8, 8], inputChannels: 1, imageSize: 8, projectionDim: 6),
            normalization: Normalization(mean: [0], std: [1]), initializationSeed: 3)
        let views = Tensor(shape: [2, 8, 8, 1], data: (0..<128).map { Float($0 % 7) - 3 })
        let a = try FrozenEncoder.randomInit(description: description, seed: 3).representations(ofViews: views)
        let b = try FrozenEncoder.randomInit(description: description, seed: 3).representations(ofViews: views)
        let c = try FrozenEncoder.randomInit(description: description, seed: 4).representations(ofViews: views)
        #expect(a == b)
        #expect(a != c)
    }
}
