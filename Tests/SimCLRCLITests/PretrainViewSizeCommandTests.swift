import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// `simclr pretrain --view-size`: training views smaller than the images the encoder is for.
@Suite struct PretrainViewSizeCommandTests {
    static let tiny = ["--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12", "--epochs", "1"]

    @Test func rejectsViewSizesOutOfRange() throws {
        let base = ["--data", try PretrainCommandTests.imageFolder(), "--out", PretrainCommandTests.temporaryFolder()]
        let cases: [([String], String)] = [
            (["--view-size", "4"], "--view-size must be between 8 and 1048576 on each side, got 4x4"),
            (["--view-size", "12x6"], "--view-size must be between 8 and 1048576 on each side, got 12x6"),
            (["--view-size", "100000"], "--view-size 100000x100000 with --batch-size 4, --widths 4,8,8 and --projection-dim 8 needs about"),
            (["--view-size", "8", "--small-crops", "2", "--small-crop-size", "10"],
             "--small-crop-size must be between 8 and --view-size (8), got 10"),
            (["--small-crops", "2", "--small-crop-size", "13"], "--small-crop-size must be between 8 and --image-size (12), got 13"),
        ]
        for (extra, expected) in cases {
            let message = try #require(PretrainCommandTests.validationMessage(base + Self.tiny + extra), "\(extra) should be rejected")
            #expect(message.contains(expected), "\(extra): \(message)")
        }
        #expect(PretrainCommandTests.validationMessage(base + Self.tiny + ["--view-size", "8", "--small-crops", "2", "--small-crop-size", "8"]) == nil)
    }

    /// 8×8 views of 12×12 images: the run stores 8×8 views and image_size 12, and the encoder
    /// it writes is probed on the 12×12 images themselves.
    @Test func trainsOnSmallerViewsAndIsEvaluatedAtTheImageSize() throws {
        let data = try PretrainCommandTests.imageFolder()
        let out = PretrainCommandTests.temporaryFolder()
        try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out, "--view-size", "8"] + Self.tiny).run()
        let manifest = try EncoderManifest.read(path: out + "/encoder.json")
        #expect(manifest.imageSize == 12)
        #expect(manifest.training.viewSize == .init(height: 8, width: 8))
        #expect(manifest.training.augmentation.outputSize == .init(height: 8, width: 8))
        let steps = try MetricsLog.records(atPath: out + "/metrics.jsonl").filter { $0.kind == .step }
        #expect(!steps.isEmpty && steps.allSatisfy { $0.loss.isFinite })

        let report = out + "/probe.json"
        try SimCLRCommand.Probe.parse([
            "--encoder", out + "/encoder.safetensors", "--train", data, "--test", data, "--out", report, "--threads", "1",
        ]).run()
        let probe = try JSONDecoder().decode(ProbeReport.self, from: Data(contentsOf: URL(fileURLWithPath: report)))
        #expect(probe.evaluations.map(\.featureDimension) == [8])

        // --resume keeps the stored views, without the flag or with the same flag again.
        try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2"]).run()
        try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "3", "--view-size", "8"]).run()
        let resumed = try TrainingCheckpoint.read(path: out + "/checkpoint.safetensors")
        #expect(resumed.progress.epoch == 3)
        #expect(try EncoderManifest.read(path: out + "/encoder.json").training.viewSize == .init(height: 8, width: 8))

        // Without --view-size the views are square views of --image-size, as before.
        let square = PretrainCommandTests.temporaryFolder()
        try SimCLRCommand.Pretrain.parse(["--data", data, "--out", square] + Self.tiny).run()
        #expect(try EncoderManifest.read(path: square + "/encoder.json").training.viewSize == .init(height: 12, width: 12))
    }

    /// A folder of 12×12 images trained for the default 28×28 encoder would give an encoder that
    /// probe, embed and retrieval refuse on those images: pretrain says so before any step, names
    /// the flag that fixes it, and writes nothing.
    @Test func refusesImagesOfAnotherSizeThanTheEncoders() throws {
        let data = try PretrainCommandTests.imageFolder()  // 12×12 images
        let out = PretrainCommandTests.temporaryFolder()
        let withoutImageSize = Self.tiny.filter { $0 != "--image-size" && $0 != "12" }
        do {
            try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out, "--view-size", "8"] + withoutImageSize).run()
            Issue.record("12×12 images were trained for a 28×28 encoder")
        } catch {
            #expect("\(error)" == "--image-size 28 does not fit --data \(data): its images are 12×12, and the encoder would be for 28×28 images (encoder.json's image_size, which probe, embed and retrieval demand); pass --image-size 12 (smaller training views: --view-size)")
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors"))
        #expect(!FileManager.default.fileExists(atPath: out + "/metrics.jsonl"))

        // Images below the smallest --image-size get no impossible advice.
        let tiny = try PretrainCommandTests.imageFolder(height: 4, width: 4)
        do {
            try SimCLRCommand.Pretrain.parse(["--data", tiny, "--out", out] + withoutImageSize).run()
            Issue.record("4×4 images were trained for a 28×28 encoder")
        } catch {
            #expect("\(error)".hasSuffix("demand); the smallest --image-size is 8: upscale the images"), "\(error)")
        }
        // Non-square images are left alone (crops of any shape resize to the views), as before.
        let wide = try PretrainCommandTests.imageFolder(height: 12, width: 16)
        try SimCLRCommand.Pretrain.parse(["--data", wide, "--out", out] + Self.tiny).run()
        #expect(FileManager.default.fileExists(atPath: out + "/encoder.safetensors"))
    }
}
