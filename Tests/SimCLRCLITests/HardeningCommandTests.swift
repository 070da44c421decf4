import ArgumentParser
import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

/// Issue 19 at the command line: every bad number or path is one line naming the flag or file
/// (families 1 and 5), and a probe on one class stops before any feature is computed (family 3).
@Suite struct HardeningCommandTests {
    static func message<C: ParsableCommand>(_ command: C.Type, _ arguments: [String]) -> String? {
        do {
            _ = try C.parse(arguments)
            return nil
        } catch {
            return C.message(for: error)
        }
    }

    @Test func hugeNumbersAreRefusedNamingTheFlag() throws {
        let data = try PretrainCommandTests.imageFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let out = PretrainCommandTests.temporaryFolder()
        let cases: [([String], String)] = [
            (["--threads", "2147483648"], "--threads must be between 1 and"),
            (["--threads", "100000"], "--threads must be between 1 and"),
            (["--image-size", "2147483648"], "--image-size must be between 8 and"),
            (["--image-size", "100000"], "--image-size 100000 with --batch-size"),
            (["--projection-dim", "2147483648"], "--projection-dim must be between 1 and"),
            (["--widths", "100000,1,1"], "--image-size 28 with --batch-size"),
        ]
        for (arguments, prefix) in cases {
            let message = Self.message(SimCLRCommand.Pretrain.self, ["--data", data, "--out", out] + arguments)
            #expect(message?.hasPrefix(prefix) == true, "\(arguments): \(message ?? "accepted")")
        }
        let preview = Self.message(SimCLRCommand.AugmentPreview.self, ["--data", data, "--out", out + ".png", "--view-size", "100000x100000"])
        #expect(preview == nil)  // checked when the pipeline is built: see SizeLimitTests.viewSizeIsBoundedAndNamedByFlag
        let probe = Self.message(SimCLRCommand.Probe.self, ["--train", data, "--test", data, "--baseline", "raw-pixels", "--threads", "100000"])
        #expect(probe?.hasPrefix("--threads must be between 1 and") == true)
    }

    /// `--collective-timeout`: 0 (wait forever) or 1…604800 s; anything else is one line naming
    /// the flag (a NaN or an infinity must not slip through a `>= 0` test).
    @Test func collectiveTimeoutIsRangeChecked() throws {
        let data = try PretrainCommandTests.imageFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let base = ["--data", data, "--out", PretrainCommandTests.temporaryFolder()]
        for value in ["-1", "-0.5", "0.5", "1e-300", "nan", "-nan", "inf", "-inf", "604801", "1e300", "1.8e308"] {
            let message = Self.message(SimCLRCommand.Pretrain.self, base + ["--collective-timeout=\(value)"])
            #expect(message?.hasPrefix("--collective-timeout must be 0 (wait forever) or between 1 and 604800 seconds, got ") == true,
                    "\(value): \(message ?? "accepted")")
            #expect(message?.contains("\n") == false, "\(value)")
        }
        for value in ["0", "1", "5", "600", "604800"] {
            let message = Self.message(SimCLRCommand.Pretrain.self, base + ["--collective-timeout", value])
            #expect(message == nil, "\(value): \(message ?? "")")
        }
        let notANumber = Self.message(SimCLRCommand.Pretrain.self, base + ["--collective-timeout", "soon"])
        #expect(notANumber?.contains("--collective-timeout") == true, "\(notANumber ?? "accepted")")
    }

    @Test func outputFolderProblemsAreOneLine() throws {
        let data = try PretrainCommandTests.imageFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let file = PretrainCommandTests.temporaryFolder()
        FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        let cases: [(String, String)] = [
            ("", "--out must name a folder"),
            (file + "/run", "--out \(file)/run: \(file) is a file"),
            (file, "--out \(file) is a file"),
            (NSTemporaryDirectory() + String(repeating: "x", count: 300), "--out: the name 'xxxx"),
        ]
        for (out, prefix) in cases {
            let message = Self.message(SimCLRCommand.Pretrain.self, ["--data", data, "--out", out])
            #expect(message?.hasPrefix(prefix) == true, "'\(out.suffix(20))': \(message ?? "accepted")")
            #expect(message?.contains("\n") == false)
        }
        #expect(throws: FileWriteError.self) { try AtomicFile.createFolders(file + "/export") }
    }

    @Test func probeNumbersMustBeFinite() throws {
        for (arguments, prefix) in [
            (["--c", "inf"], "--c must be a finite number > 0"),
            (["--knn-temperature", "inf"], "--knn-temperature must be a finite number > 0"),
            (["--tolerance", "nan"], "--tolerance must be a finite number"),
        ] {
            let message = Self.message(SimCLRCommand.Probe.self, ["--train", "a", "--test", "b", "--baseline", "raw-pixels"] + arguments)
            #expect(message?.hasPrefix(prefix) == true, "\(arguments): \(message ?? "accepted")")
        }
    }

    /// One class (or one image of one class) stops before any feature, naming the folder.
    @Test func probeOnOneClassIsOneLine() throws {
        let root = PretrainCommandTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/only", withIntermediateDirectories: true)
        try PNG.write(DecodedImage(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 9, count: 16)), to: root + "/only/a.png")
        #expect(throws: ProbeInputError.tooFewClasses(path: root, classCount: 1)) {
            try ProbeDatasets.load(train: root, test: root, channels: nil)
        }
    }

    @Test func messagesNameFlagsNotFields() {
        let hint = "\(PNGError.sizeLimit(file: "big.png", reason: "too many pixels"))"
        #expect(hint.contains("--max-pixels") && !hint.contains("maximumPixels"))
        let crop = "\(AugmentationError.invalidParameter(name: "crop.ratio", value: "0.0...1.0", expected: "a positive finite range"))"
        #expect(crop.hasPrefix("--crop-ratio "))
    }

    /// probe.json records how its numbers were obtained.
    @Test func probeReportRecordsTheProtocol() throws {
        var settings = ProbeEvaluation.Settings()
        settings.validationFraction = 0.1
        let report = ProbeReport(train: "t", test: "u", classNames: [], evaluations: [], protocol: ProbeProtocol(settings: settings))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.jsonBytes())) as? [String: Any])
        let recorded = try #require(json["protocol"] as? [String: Any])
        #expect((recorded["standardization"] as? String)?.contains("training features") == true)
        #expect((recorded["features"] as? String)?.contains("no augmentation") == true)
        #expect(recorded["validation_fraction"] as? Double == 0.1)
    }
}
