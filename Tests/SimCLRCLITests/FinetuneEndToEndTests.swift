import ArgumentParser
import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// `simclr finetune` and `simclr classify` end to end on datasets/fashion-mnist-mini with a tiny
/// random encoder (widths 4, 8, 8, 28×28) written as `simclr pretrain` would export it.
@Suite struct FinetuneEndToEndTests {
    static var mini: URL {
        // Tests/SimCLRCLITests/<this file> → package root → datasets/fashion-mnist-mini
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("datasets/fashion-mnist-mini")
    }

    /// root/encoder/{encoder.safetensors, encoder.json}.
    static func workspace() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-e2e-\(UUID().uuidString)")
        let folder = root.appendingPathComponent("encoder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var training = TrainingConfiguration(augmentation: try AugmentationConfig.preset(named: "fashion-mnist"))
        training.model = ResNetMiniConfiguration(widths: [4, 8, 8], inputChannels: 1, imageSize: 28, projectionDim: 8)
        training.seed = 3
        var rng = SplitMix64(seed: 3)
        let model = try SimCLRModel(configuration: training.model, rng: &rng)
        try SafetensorsFile(tensors: model.stateDict(includeHead: false), metadata: ["format": "pt"])
            .write(to: folder.appendingPathComponent("encoder.safetensors").path)
        try Data(EncoderManifest(training: training, includesHead: false).jsonBytes())
            .write(to: folder.appendingPathComponent("encoder.json"))
        return root
    }

    static func finetuneArguments(_ root: URL, out: String, extra: [String] = []) -> [String] {
        [
            "--encoder", root.appendingPathComponent("encoder/encoder.safetensors").path,
            "--train", mini.appendingPathComponent("train").path, "--test", mini.appendingPathComponent("test").path,
            "--labels-per-class", "4", "--epochs", "2", "--batch-size", "16", "--out", out, "--threads", "2",
        ] + extra
    }

    @Test func finetuneThenClassify() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("run").path
        try SimCLRCommand.Finetune.parse(Self.finetuneArguments(root, out: out, extra: ["--baseline", "from-scratch"])).run()
        for file in ["checkpoint.safetensors", "metrics.jsonl", "classifier.safetensors", "classifier.json", "report.json",
                     "from-scratch/classifier.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
        }
        let report = try JSONDecoder().decode(FinetuneReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
        #expect(report.labelledFiles.count == 40 && report.labelledPerClass == [Int](repeating: 4, count: 10))
        #expect(report.results.map(\.name) == ["fine-tuned", "from-scratch"])
        #expect(report.results.allSatisfy { $0.test.sampleCount == 500 && $0.test.confusionMatrix.count == 10 && $0.steps == 4 })
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/classifier.json"))) as! [String: Any]
        #expect((manifest["class_names"] as? [String])?.first == "00-tshirt-top")
        #expect(manifest["normalization"] != nil && manifest["num_classes"] as? Int == 10)

        // classify on the test folder gives the report's accuracy; one PNG gives its row.
        let csv = root.appendingPathComponent("predictions.csv").path
        try SimCLRCommand.Classify.parse(["--model", out, "--data", Self.mini.appendingPathComponent("test").path, "--out", csv, "--with-logits"]).run()
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 501 && rows[0].count == 2 + 20 && rows[0][2] == "p_00-tshirt-top")
        let correct = rows.dropFirst().filter { $0[0].split(separator: "/").first.map(String.init) == $0[1] }.count
        #expect(abs(Double(correct) / 500 - report.results[0].test.top1) < 1e-9)
        let png = Self.mini.appendingPathComponent("test/03-dress").path + "/" + (try FileManager.default.contentsOfDirectory(
            atPath: Self.mini.appendingPathComponent("test/03-dress").path).sorted().first!)
        let one = root.appendingPathComponent("one.csv").path
        try SimCLRCommand.Classify.parse(["--model", out, "--data", png, "--out", one]).run()
        let single = try String(contentsOfFile: one, encoding: .utf8).split(separator: "\n")
        #expect(single.count == 2)
        let name = URL(fileURLWithPath: png).lastPathComponent
        let inFolder = rows.first { $0[0] == "03-dress/" + name }!
        let alone = single[1].split(separator: ",").map(String.init)
        #expect(alone[0] == name && alone[1] == inFolder[1])
        // Probabilities agree up to the rounding of a batch of 1 against one of 256.
        for (x, y) in zip(alone[2...], inFolder[2..<12]) { #expect(abs(Double(x)! - Double(y)!) < 1e-5) }

        // A finished run resumes to a re-evaluation with the same figures.
        try SimCLRCommand.Finetune.parse(["--out", out, "--resume", "--baseline", "from-scratch"]).run()
        let again = try JSONDecoder().decode(FinetuneReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
        #expect(again.results.map(\.test) == report.results.map(\.test))
    }

    @Test func badInputIsRefusedBeforeTraining() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("run").path
        let arguments = Self.finetuneArguments(root, out: out)
        // 0.1% of 200 images per class rounds to none.
        #expect(throws: LabelSubsetError.self) {
            var fraction = arguments
            let index = fraction.firstIndex(of: "--labels-per-class")!
            fraction.replaceSubrange(index...(index + 1), with: ["--label-fraction", "0.001"])
            try SimCLRCommand.Finetune.parse(fraction).run()
        }
        #expect(!FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors"))
        #expect(throws: (any Error).self) {
            try SimCLRCommand.Finetune.parse(arguments + ["--label-fraction", "0.5"])
        }
        // A test folder with other classes.
        let test = root.appendingPathComponent("test")
        for name in ["00-tshirt-top", "01-trouser"] {
            try FileManager.default.createDirectory(at: test.appendingPathComponent(name), withIntermediateDirectories: true)
            try FileManager.default.copyItem(
                at: Self.mini.appendingPathComponent("test/\(name)"), to: test.appendingPathComponent("\(name)/x"))
        }
        var otherTest = arguments
        otherTest[otherTest.firstIndex(of: "--test")! + 1] = test.path
        #expect(throws: ProbeInputError.self) { try SimCLRCommand.Finetune.parse(otherTest).run() }
        #expect(!FileManager.default.fileExists(atPath: out + "/checkpoint.safetensors"))

        // classify: images of another size, RGB images for a grayscale classifier.
        try SimCLRCommand.Finetune.parse(arguments + ["--epochs", "1"]).run()
        let odd = root.appendingPathComponent("odd")
        try FileManager.default.createDirectory(at: odd.appendingPathComponent("c"), withIntermediateDirectories: true)
        try PNG.write(DecodedImage(width: 32, height: 32, channels: 1, pixels: [UInt8](repeating: 9, count: 1024)),
                      to: odd.appendingPathComponent("c/big.png").path)
        #expect(throws: ProbeInputError.self) {
            try SimCLRCommand.Classify.parse(["--model", out, "--data", odd.path, "--out", root.appendingPathComponent("p.csv").path]).run()
        }
        let rgb = root.appendingPathComponent("rgb.png").path
        try PNG.write(DecodedImage(width: 28, height: 28, channels: 3, pixels: [UInt8](repeating: 9, count: 28 * 28 * 3)), to: rgb)
        #expect(throws: DatasetError.self) {
            try SimCLRCommand.Classify.parse(["--model", out, "--data", rgb, "--out", root.appendingPathComponent("p.csv").path]).run()
        }
        try SimCLRCommand.Classify.parse(["--model", out, "--data", rgb, "--channels", "1", "--out", root.appendingPathComponent("p.csv").path]).run()
    }

    @Test func validationMessages() {
        #expect(throws: (any Error).self) { try SimCLRCommand.Finetune.parse(["--train", "x", "--test", "y"]) }
        #expect(throws: (any Error).self) { try SimCLRCommand.Classify.parse(["--model", "/nonexistent", "--data", "x"]) }
    }
}
