import ArgumentParser
import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

@Suite struct PretrainCommandTests {
    /// A folder of 8 grayscale 12×12 PNGs in two classes.
    /// An ImageFolder of 2 classes × 4 grayscale images of `height × width` (default 12×12).
    static func imageFolder(height: Int = 12, width: Int = 12) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("simclr-cli-\(UUID().uuidString)").path
        var rng = SplitMix64(seed: 3)
        for index in 0..<8 {
            let folder = root + "/class\(index % 2)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let image = DecodedImage(
                width: width, height: height, channels: 1,
                pixels: (0..<(height * width)).map { UInt8(truncatingIfNeeded: $0 * (index + 1) + Int(rng.next() % 30)) })
            try PNG.write(image, to: folder + "/\(index).png")
        }
        return root
    }

    static func temporaryFolder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("simclr-out-\(UUID().uuidString)").path
    }

    /// The message `simclr pretrain` prints for these arguments, or nil if they parse.
    static func validationMessage(_ arguments: [String]) -> String? {
        do {
            _ = try SimCLRCommand.Pretrain.parse(arguments)
            return nil
        } catch {
            return SimCLRCommand.Pretrain.message(for: error)
        }
    }

    @Test func rejectsBadFlagsBeforeAnyWork() throws {
        let data = try Self.imageFolder()
        let out = Self.temporaryFolder()
        let base = ["--data", data, "--out", out]
        let cases: [([String], String)] = [
            (["--temperature", "0"], "--temperature must be > 0, got 0.0"),
            (["--temperature=-0.5"], "--temperature must be > 0, got -0.5"),
            (["--temperature", "-0.5"], "--temperature must be > 0, got -0.5"),
            (["--lr", "-1"], "--lr must be > 0"),
            (["--batch-size", "1"], "--batch-size must be at least 2"),
            (["--epochs", "0"], "--epochs must be at least 1"),
            (["--lr", "0"], "--lr must be > 0"),
            (["--momentum", "1"], "--momentum must be in [0, 1)"),
            (["--epochs", "2", "--warmup-epochs", "3"], "--warmup-epochs must be between 0 and --epochs (2)"),
            (["--widths", "8,16"], "--widths must be three positive integers"),
            (["--widths", "8,0,16"], "--widths must be three positive integers"),
            (["--image-size", "4"], "--image-size must be between 8 and"),
            (["--image-size", "100000"], "more than half of this machine's"),
            (["--widths", "100000,1,1"], "--image-size 28 with --batch-size 256, --widths 100000,1,1 and --projection-dim 128 needs about"),
            (["--projection-dim", "2147483648"], "--projection-dim must be between 1 and"),
            (["--preset", "mnist"], "unknown augmentation preset 'mnist'"),
            (["--crop-scale", "0.9,0.2"], "0.9,0.2"),
            (["--flip-probability", "1.5"], "horizontalFlip.probability"),
            (["--optimizer", "rmsprop"], "rmsprop"),
            (["--resume"], "--resume: no checkpoint at \(out)/checkpoint.safetensors"),
            (["--resume", "--overwrite"], "exclude each other"),
            (["--knn-every", "0"], "--knn-every must be at least 1"),
            (["--knn-data", "/nonexistent/test"], "--knn-data /nonexistent/test: no such folder"),
            (["--loss", "dcl", "--supervision", "labels"], "dcl is self-supervised"),
            (["--loss", "dcl", "--small-crops", "2"], "needs --loss ntxent"),
        ]
        for (extra, expected) in cases {
            let message = try #require(Self.validationMessage(base + extra), "\(extra) should be rejected")
            #expect(message.contains(expected), "\(extra): \(message)")
        }
        let file = out + ".txt"
        try Data("not a folder".utf8).write(to: URL(fileURLWithPath: file))
        #expect(Self.validationMessage(["--data", data, "--out", file])?.contains("--out \(file) is a file") == true)
        let missing = try #require(Self.validationMessage(["--data", "/nonexistent/train", "--out", out]))
        #expect(missing.contains("--data /nonexistent/train: no such folder") && missing.contains("HINT"))
        #expect(Self.validationMessage(base) == nil)
        #expect(Self.validationMessage(base + ["--optimizer", "adamw", "--loss", "triplet", "--lr-scaling", "sqrt"]) == nil)
    }

    /// `--loss dcl` trains (finite losses) and the checkpoint records it (so --resume keeps it).
    @Test func trainsWithTheDecoupledLoss() throws {
        let data = try Self.imageFolder()
        let out = Self.temporaryFolder()
        try SimCLRCommand.Pretrain.parse([
            "--data", data, "--out", out, "--epochs", "1", "--loss", "dcl", "--temperature", "0.2",
            "--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12",
        ]).run()
        let steps = try MetricsLog.records(atPath: out + "/metrics.jsonl").filter { $0.kind == .step }
        #expect(!steps.isEmpty)
        #expect(steps.allSatisfy { $0.loss.isFinite })
        let arguments = try TrainingCheckpoint.read(path: out + "/checkpoint.safetensors").arguments
        #expect(arguments.contains("\"loss\":\"dcl\""), "\(arguments)")
    }

    @Test func trainsResumesAndExports() throws {
        let data = try Self.imageFolder()
        let out = Self.temporaryFolder()
        let tiny = ["--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12"]
        try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out, "--epochs", "1", "--knn-data", data] + tiny).run()
        for file in ["checkpoint.safetensors", "metrics.jsonl", "encoder.safetensors", "encoder.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        let records = try MetricsLog.records(atPath: out + "/metrics.jsonl")
        #expect(records.count == 3)  // 2 steps + 1 epoch
        let knn = try #require(records.last?.knnTop1, "the epoch record carries the kNN monitor")
        #expect(knn >= 0 && knn <= 1)

        // A second run into the same folder must say how to continue; --resume rejects new flags.
        #expect(Self.validationMessage(["--data", data, "--out", out] + tiny)?.contains("already holds a checkpoint") == true)
        // --resume takes flags equal to the stored ones (the same command again) and names a changed one.
        #expect(throws: CheckpointError.argumentsMismatch(path: out + "/checkpoint.safetensors", key: "lr", checkpoint: "0.075", expected: "0.1")) {
            try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--lr", "0.1"] + tiny).run()
        }
        // The training folder moved: --resume names the stored one, and --data says where it is now.
        let moved = data + "-moved"
        try FileManager.default.moveItem(atPath: data, toPath: moved)
        #expect(throws: CheckpointError.trainingFolderMissing(path: out + "/checkpoint.safetensors", folder: data)) {
            try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2"]).run()
        }
        try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2", "--data", moved] + tiny).run()
        let checkpoint = try TrainingCheckpoint.read(path: out + "/checkpoint.safetensors")
        #expect(checkpoint.progress.step == 4 && checkpoint.progress.epoch == 2)
        #expect(try MetricsLog.records(atPath: out + "/metrics.jsonl").map(\.step) == [1, 2, 2, 3, 4, 4])

        let exported = Self.temporaryFolder()
        try SimCLRCommand.Export.parse(["--checkpoint", out + "/checkpoint.safetensors", "--with-head", "--out", exported]).run()
        let names = try SafetensorsFile.read(path: exported + "/encoder.safetensors").tensors.map(\.name)
        #expect(names.contains("head.fc2.weight") && names.contains("layer3.shortcut.bn.running_var"))
        let manifest = try EncoderManifest.read(path: exported + "/encoder.json")
        #expect(manifest.includesHead && manifest.widths == [4, 8, 8] && manifest.training.epochs == 2)
        #expect(throws: (any Error).self) { try SimCLRCommand.Export.parse(["--checkpoint", "/nonexistent", "--out", exported]) }
        let fileOut = exported + "/encoder.json"  // a file where the output folder should be
        do {
            _ = try SimCLRCommand.Export.parse(["--checkpoint", out + "/checkpoint.safetensors", "--out", fileOut])
            Issue.record("--out naming a file was accepted")
        } catch {
            #expect(SimCLRCommand.Export.message(for: error).contains("--out \(fileOut) is a file"))
        }
    }

    /// `--overwrite` that fails before training (here: an unreadable --knn-data) replaces
    /// nothing: the old run's checkpoint and encoder stay as they were.
    @Test func overwriteThatFailsBeforeTrainingKeepsTheOldRun() throws {
        let data = try Self.imageFolder()
        let out = Self.temporaryFolder()
        let tiny = ["--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12", "--epochs", "1"]
        try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out] + tiny).run()
        let files = ["checkpoint.safetensors", "metrics.jsonl", "encoder.safetensors", "encoder.json"]
        let before = try files.map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) }
        let broken = Self.temporaryFolder() + "/held-out"
        try FileManager.default.createDirectory(atPath: broken + "/a", withIntermediateDirectories: true)
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: broken + "/a/x.png"))
        #expect(throws: (any Error).self) {
            try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out, "--overwrite", "--knn-data", broken] + tiny).run()
        }
        #expect(try files.map { try Data(contentsOf: URL(fileURLWithPath: out + "/" + $0)) } == before)
    }

    @Test func knnMonitorRefusesAHeldOutFolderWithOtherClasses() throws {
        let data = try Self.imageFolder()
        let other = Self.temporaryFolder() + "/held-out"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let classes = try FileManager.default.contentsOfDirectory(atPath: data).filter { !$0.hasPrefix(".") }.sorted()
        try FileManager.default.copyItem(atPath: data + "/" + classes[0], toPath: other + "/renamed")
        let tiny = ["--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12", "--epochs", "1"]
        #expect(throws: ProbeInputError.self) {
            try SimCLRCommand.Pretrain.parse(["--data", data, "--out", Self.temporaryFolder(), "--knn-data", other] + tiny).run()
        }
    }
}
