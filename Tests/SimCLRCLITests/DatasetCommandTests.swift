import ArgumentParser
import Testing
@testable import SimCLRCLI

@Suite struct DatasetCommandTests {
    @Test func importDefaultsAndValidation() throws {
        let command = try SimCLRCommand.Dataset.ImportIDX.parse([])
        #expect(command.source == "/usr/share/datasets/fashion-mnist")
        #expect(command.out == "datasets/fashion-mnist")
        #expect(command.trainPerClass == nil && !command.overwrite)
        #expect {
            try SimCLRCommand.Dataset.ImportIDX.parse(["--test-per-class", "0"])
        } throws: { error in
            SimCLRCommand.Dataset.ImportIDX.message(for: error) == "--test-per-class must be at least 1, got 0"
        }
    }

    @Test func inspectNeedsAPath() throws {
        #expect(throws: (any Error).self) { try SimCLRCommand.Dataset.Inspect.parse([]) }
        let command = try SimCLRCommand.Dataset.Inspect.parse(["some/dir", "--json", "--blas-core", "Haswell"])
        #expect(command.path == "some/dir" && command.json && command.runtime.blasCore == "Haswell")
    }

    @Test func blasCoreIsFoundBeforeParsing() {
        #expect(BLASCoreLauncher.requestedCore(in: ["simclr", "bench", "--blas-core", "SkylakeX"]) == "SkylakeX")
        #expect(BLASCoreLauncher.requestedCore(in: ["simclr", "bench", "--blas-core=Haswell", "--threads", "2"]) == "Haswell")
        #expect(BLASCoreLauncher.requestedCore(in: ["simclr", "bench"]) == nil)
        #expect(BLASCoreLauncher.requestedCore(in: ["simclr", "dataset", "inspect", "--", "--blas-core"]) == nil)
        #expect(BLASCoreLauncher.requestedCore(in: ["--blas-core", "X"]) == nil)  // argv[0] is the program
    }
}
