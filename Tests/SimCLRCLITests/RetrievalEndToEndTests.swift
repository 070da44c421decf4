import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// `simclr retrieval` and `simclr verify` end to end on datasets/fashion-mnist-mini (2,000 train
/// + 500 test 28×28 gray images) with the tiny-gray fixture encoder (widths 4-8-8, projection 6;
/// fully convolutional, so its encoder.json here declares the images' 28×28).
@Suite struct RetrievalEndToEndTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var mini: URL { packageRoot.appendingPathComponent("datasets/fashion-mnist-mini") }

    /// root/run/{encoder.safetensors (with head), encoder.json}, root/encoder-only/… without head.
    static func workspace(imageSize: Int = 28) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("retrieval-e2e-\(UUID().uuidString)")
        let manifest = #"{"architecture": "resnet-mini", "widths": [4, 8, 8], "input_channels": 1, "image_size": \#(imageSize), "projection_dim": 6, "normalization": {"mean": [0.29], "std": [0.35]}}"#
        let weights = ProbeEndToEndTests.fixtures.appendingPathComponent("encoder/tiny-gray/weights.safetensors")
        for folder in ["run", "encoder-only"] {
            let run = root.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
            try Data(manifest.utf8).write(to: run.appendingPathComponent("encoder.json"))
        }
        try FileManager.default.copyItem(at: weights, to: root.appendingPathComponent("run/encoder.safetensors"))
        let file = try SafetensorsFile.read(path: weights.path)
        try SafetensorsFile(tensors: file.tensors.filter { !$0.name.hasPrefix("head.") })
            .write(to: root.appendingPathComponent("encoder-only/encoder.safetensors").path)
        return root
    }

    static func report(_ path: String) throws -> RetrievalReport {
        try JSONDecoder().decode(RetrievalReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func leaveOneOutWithZAndBaselines() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("retrieval.json").path
        try SimCLRCommand.Retrieval.parse([
            "--encoder", root.appendingPathComponent("run/encoder.safetensors").path,
            "--query", Self.mini.appendingPathComponent("test").path, "--features", "z",
            "--baseline", "raw-pixels", "--baseline", "random-init", "--out", out, "--threads", "1",
        ]).run()
        let report = try Self.report(out)
        #expect(report.rows.map(\.name) == ["encoder", "raw-pixels", "random-init"])
        #expect(report.rows.map(\.dimension) == [6, 784, 6])
        #expect(report.gallery == nil && report.features == .z && report.queryCount == 500 && report.classNames.count == 10)
        for row in report.rows {
            #expect(row.overall.queriesEvaluated == 500 && row.overall.queriesSkipped == 0)
            #expect(row.perClass.count == 10 && row.perClass.allSatisfy { $0?.queriesEvaluated == 50 })
            #expect(row.overall.recallAtK["8"]! >= row.overall.recallAtK["1"]! && row.overall.precisionAt1 > 0.1)
        }
        // Raw pixels of Fashion-MNIST retrieve the right class most of the time (about 75–80%).
        #expect(report.rows[1].overall.precisionAt1 > 0.6)
    }

    @Test func queryAgainstGalleryEuclidean() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("r.json").path
        try SimCLRCommand.Retrieval.parse([
            "--encoder", root.appendingPathComponent("encoder-only/encoder.safetensors").path,
            "--query", Self.mini.appendingPathComponent("test").path, "--gallery", Self.mini.appendingPathComponent("train").path,
            "--metric", "euclidean", "--out", out, "--threads", "1",
        ]).run()
        let report = try Self.report(out)
        #expect(report.galleryCount == 2000 && report.metric == .euclidean && report.rows[0].overall.queriesEvaluated == 500)
    }

    /// Bad input fails before any work and writes nothing: an encoder trained on another image
    /// size, z from an export without the head, a missing output folder.
    @Test func badInputFailsClearlyAndWritesNothing() throws {
        let root = try Self.workspace(imageSize: 8)
        defer { try? FileManager.default.removeItem(at: root) }
        let out = root.appendingPathComponent("r.json").path
        let test = Self.mini.appendingPathComponent("test").path
        #expect {
            try SimCLRCommand.Retrieval.parse([
                "--encoder", root.appendingPathComponent("run/encoder.safetensors").path, "--query", test, "--out", out,
            ]).run()
        } throws: { error in
            "\(error)".contains("28×28") && "\(error)".contains("8×8") && "\(error)".contains("image_size")
        }
        #expect {
            try SimCLRCommand.Retrieval.parse([
                "--encoder", root.appendingPathComponent("encoder-only/encoder.safetensors").path, "--query", test,
                "--features", "z", "--out", out,
            ]).run()
        } throws: { error in
            guard case EncoderLoadError.noProjectionHead = error else { return false }
            return "\(error)".contains("--with-head")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(throws: (any Error).self) {
            try SimCLRCommand.Retrieval.parse(["--baseline", "raw-pixels", "--query", test, "--out", root.path + "/no/such/r.json"])
        }
    }

    @Test func makePairsThenVerify() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let test = Self.mini.appendingPathComponent("test").path
        let pairs = root.appendingPathComponent("pairs.txt").path
        try SimCLRCommand.Verify.parse(["--make-pairs", "300", "--root", test, "--out", pairs, "--seed", "3"]).run()
        let list = try PairsFile.read(path: pairs)
        #expect(list.count == 300 && list.filter(\.same).count == 150)
        let out = root.appendingPathComponent("verify.json").path
        try SimCLRCommand.Verify.parse([
            "--encoder", root.appendingPathComponent("run/encoder.safetensors").path, "--pairs", pairs, "--root", test,
            "--out", out, "--threads", "1",
        ]).run()
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
        #expect(report.pairCount == 300 && report.metrics.positives == 150 && report.metrics.negatives == 150)
        #expect(report.metrics.rocAUC > 0 && report.metrics.rocAUC <= 1)
        #expect(report.rocCurve == root.appendingPathComponent("verify.roc.png").path)
        let png = try PNG.decode(path: report.rocCurve)
        #expect(png.channels == 3 && png.width == 440)
    }

    /// A malformed line and a missing image name their line; nothing is written.
    @Test func badPairsFileNamesTheLine() throws {
        let root = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: root) }
        let test = Self.mini.appendingPathComponent("test")
        let first = try FileManager.default.contentsOfDirectory(atPath: test.appendingPathComponent("08-bag").path).sorted()[0]
        let pairs = root.appendingPathComponent("pairs.txt")
        let out = root.appendingPathComponent("verify.json").path
        let arguments = ["--encoder", root.appendingPathComponent("run/encoder.safetensors").path, "--pairs", pairs.path,
                         "--root", test.path, "--out", out]
        try "08-bag/\(first) 08-bag/\(first) 1\n08-bag/\(first) 08-bag/nope.png 0\n".write(to: pairs, atomically: true, encoding: .utf8)
        #expect {
            try SimCLRCommand.Verify.parse(arguments).run()
        } throws: { error in
            guard case PairsFileError.badImage(_, let line, let image, _) = error else { return false }
            return line == 2 && image == "08-bag/nope.png" && "\(error)".contains("pairs.txt:2")
        }
        try "08-bag/\(first) 08-bag/\(first) 1\n\n08-bag/\(first)\n".write(to: pairs, atomically: true, encoding: .utf8)
        #expect {
            try SimCLRCommand.Verify.parse(arguments).run()
        } throws: { error in
            guard case PairsFileError.malformedLine(_, let line, _, _) = error else { return false }
            return line == 3
        }
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent("verify.roc.png").path))
    }

    @Test func verifyValidatesItsFlags() {
        #expect(throws: (any Error).self) { try SimCLRCommand.Verify.parse(["--root", "x", "--out", "y.json"]) }
        #expect(throws: (any Error).self) {
            try SimCLRCommand.Verify.parse(["--make-pairs", "10", "--encoder", "e", "--root", "x", "--out", "p.txt"])
        }
        #expect(throws: (any Error).self) { try SimCLRCommand.Verify.parse(["--make-pairs", "1", "--root", "x", "--out", "p.txt"]) }
    }
}
