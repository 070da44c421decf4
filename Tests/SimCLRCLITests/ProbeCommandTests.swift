import ArgumentParser
import Testing
@testable import SimCLRCLI

@Suite struct ProbeCommandTests {
    @Test func needsSomethingToEvaluate() {
        #expect(throws: (any Error).self) { try SimCLRCommand.Probe.parse(["--train", "a", "--test", "b"]) }
    }

    @Test func randomInitAloneIsEnough() throws {
        let probe = try SimCLRCommand.Probe.parse(["--train", "a", "--test", "b", "--baseline", "random-init"])
        #expect(probe.encoder == nil && probe.baselines == [.randomInit])
    }

    @Test func parsesBaselinesAndProbeOptions() throws {
        let probe = try SimCLRCommand.Probe.parse([
            "--train", "a", "--test", "b", "--baseline", "raw-pixels", "--encoder", "e.safetensors",
            "--baseline", "random-init", "--c", "0.5", "--val-fraction", "0.1", "--knn",
        ])
        #expect(probe.baselines == [.rawPixels, .randomInit])
        #expect(probe.evaluation.settings.probe.inverseRegularization == 0.5)
        #expect(probe.evaluation.settings.validationFraction == 0.1)
        #expect(probe.evaluation.settings.knn)
    }

    @Test func rejectsBadProbeOptions() {
        for bad in [["--c", "0"], ["--val-fraction", "1"], ["--knn-k", "0"], ["--knn-temperature", "-1"]] {
            #expect(throws: (any Error).self) {
                try SimCLRCommand.Probe.parse(["--train", "a", "--test", "b", "--baseline", "raw-pixels"] + bad)
            }
        }
    }

    @Test func embedNeedsAnNpyOutput() {
        #expect(throws: (any Error).self) {
            try SimCLRCommand.Embed.parse(["--encoder", "e.safetensors", "--data", "d", "--out", "emb.txt"])
        }
    }
}
