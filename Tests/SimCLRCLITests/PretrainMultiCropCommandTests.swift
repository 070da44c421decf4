import ArgumentParser
import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// `simclr pretrain --small-crops K --small-crop-size S --small-crop-scale low,high`.
@Suite struct PretrainMultiCropCommandTests {
    static let tiny = ["--batch-size", "4", "--widths", "4,8,8", "--projection-dim", "8", "--image-size", "12"]

    @Test func rejectsBadSmallCropFlagsNamingThem() throws {
        let data = try PretrainCommandTests.imageFolder()
        let base = ["--data", data, "--out", PretrainCommandTests.temporaryFolder()] + Self.tiny
        let cases: [([String], String)] = [
            (["--small-crops", "17"], "--small-crops must be between 0 (off) and 16, got 17"),
            (["--small-crops", "-1"], "--small-crops must be between 0 (off) and 16, got -1"),
            (["--small-crops", "4", "--small-crop-size", "4"], "--small-crop-size must be between 8 and --image-size (12), got 4"),
            (["--small-crops", "4", "--small-crop-size", "16"], "--small-crop-size must be between 8 and --image-size (12), got 16"),
            (["--small-crops", "4"], "--small-crop-size must be between 8 and --image-size (12), got 16"),
            (["--small-crops", "4", "--small-crop-size", "8", "--small-crop-scale", "0,0.5"], "--small-crop-scale must be a range low,high within (0, 1], got 0.0,0.5"),
            (["--small-crop-size", "8"], "--small-crop-size and --small-crop-scale need --small-crops K ≥ 1"),
            (["--small-crops", "0", "--small-crop-scale", "0.1,0.2"], "need --small-crops K ≥ 1"),
            (["--small-crops", "2", "--small-crop-size", "8", "--loss", "triplet"], "--small-crops needs --loss ntxent"),
        ]
        for (extra, expected) in cases {
            let message = try #require(PretrainCommandTests.validationMessage(base + extra), "\(extra) should be rejected")
            #expect(message.contains(expected), "\(extra): \(message)")
            #expect(!message.contains("\n"), "\(extra): one line")
        }
        // A reversed range does not parse (ArgumentParser's message names the flag).
        let reversed = PretrainCommandTests.validationMessage(base + ["--small-crops", "4", "--small-crop-scale", "0.5,0.2"])
        #expect(reversed?.contains("--small-crop-scale") == true)
        #expect(PretrainCommandTests.validationMessage(base + ["--small-crops", "2", "--small-crop-size", "8"]) == nil)
    }

    @Test func zeroSmallCropsIsTheDefaultConfiguration() throws {
        let plain = try PretrainOptions.parse(Self.tiny).configuration(channels: 1)
        let zero = try PretrainOptions.parse(Self.tiny + ["--small-crops", "0"]).configuration(channels: 1)
        #expect(plain == zero && plain.json == zero.json && zero.multiCrop == nil)
        let multi = try PretrainOptions.parse(Self.tiny + ["--small-crops", "3", "--small-crop-size", "10"]).configuration(channels: 1)
        #expect(multi.multiCrop == MultiCropConfig(count: 3, size: 10, scale: TrainingDefaults.smallCropScale))
    }

    /// The checkpoint keeps the small crops: `--resume` needs none of the flags, takes them again
    /// unchanged, and refuses another count naming the stored one.
    @Test func trainsAndResumesWithTheStoredSmallCrops() throws {
        let data = try PretrainCommandTests.imageFolder()
        let out = PretrainCommandTests.temporaryFolder()
        let multi = ["--small-crops", "2", "--small-crop-size", "8"]
        try SimCLRCommand.Pretrain.parse(["--data", data, "--out", out, "--epochs", "1"] + Self.tiny + multi).run()
        let manifest = try EncoderManifest.read(path: out + "/encoder.json")
        #expect(manifest.training.multiCrop == MultiCropConfig(count: 2, size: 8))
        #expect(throws: CheckpointError.self) {
            try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2", "--small-crops", "3"]).run()
        }
        try SimCLRCommand.Pretrain.parse(["--out", out, "--resume", "--epochs", "2"] + multi).run()
        let checkpoint = try TrainingCheckpoint.read(path: out + "/checkpoint.safetensors")
        #expect(checkpoint.progress.step == 4)
    }
}
