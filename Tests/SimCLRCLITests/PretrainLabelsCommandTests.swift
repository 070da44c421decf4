import ArgumentParser
import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// `simclr pretrain --supervision labels`: flags, errors before any work, and a tiny run that
/// stores its arguments and resumes with them.
@Suite struct PretrainLabelsCommandTests {
    static let tiny = ["--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12", "--epochs", "1"]

    @Test func rejectsBadLabelFlagsBeforeAnyWork() throws {
        let data = try PretrainCommandTests.imageFolder()
        let base = ["--data", data, "--out", PretrainCommandTests.temporaryFolder()]
        let cases: [([String], String)] = [
            (["--supervision", "pixels"], "pixels"),
            (["--mining", "hardest"], "hardest"),
            (["--samples-per-class", "3"], "--batch-size must be a multiple of --samples-per-class (3)"),
            (["--samples-per-class", "0"], "--samples-per-class must be between 1 and"),
            (["--loss", "triplet", "--mining", "semi-hard"], "--mining semi-hard needs --supervision labels"),
            (["--supervision", "labels", "--mining", "batch-all"], "--mining applies to --loss triplet only"),
        ]
        for (extra, expected) in cases {
            let message = try #require(PretrainCommandTests.validationMessage(base + extra), "\(extra) should be rejected")
            #expect(message.contains(expected), "\(extra): \(message)")
        }
        #expect(PretrainCommandTests.validationMessage(
            base + ["--supervision", "labels", "--loss", "triplet", "--mining", "semi-hard", "--samples-per-class", "2"]) == nil)
    }

    /// Errors that need the images (a class too small for M, a class of one image) come from the
    /// trainer before any step, and write nothing.
    @Test func refusesClassesThatDoNotFitBeforeTraining() throws {
        let data = try PretrainCommandTests.imageFolder()  // 2 classes of 4 images
        let out = PretrainCommandTests.temporaryFolder()
        #expect(throws: TrainingConfigurationError.datasetDoesNotFit(
            key: "samples_per_class", value: "8", data: data,
            reason: "class 'class0' has only 4 images; M must be at most the smallest class")) {
            try SimCLRCommand.Pretrain.parse(
                ["--data", data, "--out", out, "--supervision", "labels", "--samples-per-class", "8", "--batch-size", "8"]
                    + Self.tiny.dropFirst(2)).run()
        }
        try FileManager.default.createDirectory(atPath: data + "/class2", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: data + "/class0/0.png", toPath: data + "/class2/0.png")
        do {
            try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out, "--supervision", "labels"] + Self.tiny).run()
            Issue.record("a class of one image was accepted")
        } catch {
            #expect("\(error)" == "--supervision labels does not fit --data \(data): class 'class2' has 1 image; every class needs at least 2 (a positive besides its own views)")
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors"))
    }

    @Test func trainsWithLabelsAndResumesWithTheStoredArguments() throws {
        let data = try PretrainCommandTests.imageFolder()
        let out = PretrainCommandTests.temporaryFolder()
        let labels = ["--supervision", "labels", "--loss", "triplet", "--mining", "semi-hard", "--samples-per-class", "2", "--margin", "0.3"]
        try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out] + labels + Self.tiny).run()
        let records = try MetricsLog.records(atPath: out + "/metrics.jsonl")
        #expect(records.count == 3 && records.allSatisfy { $0.loss.isFinite })
        let manifest = try EncoderManifest.read(path: out + "/encoder.json")
        #expect(manifest.training.supervision == .labels && manifest.training.mining == .semiHard && manifest.training.samplesPerClass == 2)
        // --resume keeps them (no need to repeat them) and refuses a changed one.
        #expect(throws: CheckpointError.argumentsMismatch(
            path: out + "/checkpoint.safetensors", key: "supervision", checkpoint: "\"labels\"", expected: "\"views\"")) {
            try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2", "--supervision", "views"]).run()
        }
        try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2"]).run()
        let checkpoint = try TrainingCheckpoint.read(path: out + "/checkpoint.safetensors")
        #expect(checkpoint.progress.epoch == 2)
        let stored = try TrainingConfiguration.decode(json: checkpoint.arguments, path: "x")
        #expect(stored.supervision == .labels && stored.mining == .semiHard && stored.samplesPerClass == 2 && stored.margin == 0.3)
        #expect(PretrainReport.lossDescription(stored) == "triplet semi-hard (margin 0.3), labels, 2 images per class")
    }
}
