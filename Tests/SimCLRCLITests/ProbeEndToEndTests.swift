import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// `simclr embed` and `simclr probe` on a tiny ImageFolder of 8×8 gray PNGs with the tiny-gray
/// fixture encoder (shared/fixtures/encoder/tiny-gray).
@Suite struct ProbeEndToEndTests {
    static var fixtures: URL {
        if let override = ProcessInfo.processInfo.environment["SIMCLR_FIXTURES"] { return URL(fileURLWithPath: override) }
        // Tests/SimCLRCLITests/<this file> → package root → ../shared/fixtures
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    /// root/{images/<class>/*.png, run/encoder.safetensors, run/encoder.json}: 2 classes × 4 images.
    static func workspace() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("probe-e2e-\(UUID().uuidString)")
        for (c, name) in ["bright", "dark"].enumerated() {
            let folder = root.appendingPathComponent("images/\(name)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<4 {
                let pixels = (0..<64).map { UInt8(truncatingIfNeeded: (c == 0 ? 150 : 10) + ($0 * (i + 3)) % 90) }
                try PNG.write(DecodedImage(width: 8, height: 8, channels: 1, pixels: pixels), to: folder.appendingPathComponent("\(i).png").path)
            }
        }
        let run = root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: fixtures.appendingPathComponent("encoder/tiny-gray/weights.safetensors"), to: run.appendingPathComponent("encoder.safetensors"))
        try Data(#"{"architecture": "resnet-mini", "widths": [4, 8, 8], "input_channels": 1, "image_size": 8, "projection_dim": 6, "normalization": {"mean": [0.3], "std": [0.3]}}"#.utf8)
            .write(to: run.appendingPathComponent("encoder.json"))
        return root
    }

    @Test func embedWritesNpyLabelsAndFileList() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("emb.npy").path
        try SimCLRCommand.Embed.parse([
            "--encoder", root.appendingPathComponent("run/encoder.safetensors").path,
            "--data", root.appendingPathComponent("images").path, "--out", out, "--batch-size", "3", "--threads", "1",
        ]).run()
        let h = try NumpyArrayFile.readFloat32(path: out)
        #expect(h.shape == [8, 8])
        #expect(try NumpyArrayFile.readInt64(path: root.appendingPathComponent("emb.labels.npy").path) == [0, 0, 0, 0, 1, 1, 1, 1])
        let files = try String(contentsOf: root.appendingPathComponent("emb.files.txt"), encoding: .utf8)
        #expect(files.split(separator: "\n").first == "bright/0.png")
        let classes = try String(contentsOf: root.appendingPathComponent("emb.classes.txt"), encoding: .utf8)
        #expect(classes == "bright\ndark\n")
    }

    @Test func probeReportsEncoderAndBothBaselines() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let images = root.appendingPathComponent("images").path
        let out = root.appendingPathComponent("results.json").path
        try SimCLRCommand.Probe.parse([
            "--encoder", root.appendingPathComponent("run/encoder.safetensors").path, "--train", images, "--test", images,
            "--baseline", "raw-pixels", "--baseline", "random-init", "--knn", "--knn-k", "3", "--out", out, "--threads", "1",
        ]).run()
        let report = try JSONDecoder().decode(ProbeReport.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(report.evaluations.map(\.name) == ["encoder", "raw-pixels", "random-init"])
        #expect(report.evaluations.map(\.featureDimension) == [8, 64, 8])
        #expect(report.classNames == ["bright", "dark"])
        // The two classes differ by 140 grey levels: raw pixels separate them on the training set.
        #expect(report.evaluations[1].linear.top1 == 1)
        #expect(report.evaluations.allSatisfy { $0.knn != nil && $0.linear.sampleCount == 8 })
    }

    @Test func randomInitBaselineWorksWithoutAnEncoder() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let images = root.appendingPathComponent("images").path
        let out = root.appendingPathComponent("results.json").path
        try SimCLRCommand.Probe.parse([
            "--train", images, "--test", images, "--baseline", "random-init", "--out", out, "--threads", "1",
        ]).run()
        let report = try JSONDecoder().decode(ProbeReport.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(report.evaluations.map(\.name) == ["random-init"])
        #expect(report.evaluations[0].featureDimension == 128, "default resnet-mini: D = 128")
    }

    /// A broken file stops `probe` and `embed` unless `--skip-bad-images` (which their error hint
    /// suggests) skips it.
    @Test func skipBadImagesLetsProbeAndEmbedGoOn() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let images = root.appendingPathComponent("images")
        try Data("not a png".utf8).write(to: images.appendingPathComponent("dark/broken.png"))
        let encoder = root.appendingPathComponent("run/encoder.safetensors").path
        let out = root.appendingPathComponent("emb.npy").path
        let embed = ["--encoder", encoder, "--data", images.path, "--out", out, "--threads", "1"]
        #expect(throws: DatasetError.self) { try SimCLRCommand.Embed.parse(embed).run() }
        try SimCLRCommand.Embed.parse(embed + ["--skip-bad-images"]).run()
        #expect(try NumpyArrayFile.readFloat32(path: out).shape == [8, 8])
        let probe = ["--encoder", encoder, "--train", images.path, "--test", images.path,
                     "--out", root.appendingPathComponent("results.json").path, "--threads", "1"]
        #expect(throws: DatasetError.self) { try SimCLRCommand.Probe.parse(probe).run() }
        try SimCLRCommand.Probe.parse(probe + ["--skip-bad-images"]).run()
    }

    /// `--labels-per-class` trains the probe on the same class-balanced subset `finetune` draws
    /// (seeded by `--seed`), records it in probe.json, and refuses a rule that empties a class.
    @Test func labelSubsetTrainsOnTheDrawnImages() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let images = root.appendingPathComponent("images").path
        let out = root.appendingPathComponent("results.json").path
        let base = ["--train", images, "--test", images, "--baseline", "raw-pixels", "--out", out, "--threads", "1", "--seed", "5"]
        try SimCLRCommand.Probe.parse(base + ["--labels-per-class", "2"]).run()
        let report = try JSONDecoder().decode(ProbeReport.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        let subset = try #require(report.protocol?.labelSubset)
        let expected = try LabelSubset(
            labels: [0, 0, 0, 0, 1, 1, 1, 1], classNames: ["bright", "dark"], rule: LabelSubsetRule(perClass: 2), seed: 5)
        #expect(subset.images == expected.indices.count && subset.images == 4 && subset.seed == 5)
        #expect(report.evaluations[0].linear.sampleCount == 8, "the test set stays whole")
        #expect(throws: (any Error).self) { try SimCLRCommand.Probe.parse(base + ["--label-fraction", "0.1"]).run() }
        #expect(throws: (any Error).self) { try SimCLRCommand.Probe.parse(base + ["--labels-per-class", "5"]).run() }
        #expect(throws: (any Error).self) { try SimCLRCommand.Probe.parse(base + ["--label-fraction", "0.5", "--labels-per-class", "1"]) }
    }
}
