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

@Suite struct ImageFolderLoadOptionsTests {
    @Test func channelsMapToPolicies() throws {
        #expect(try ImageFolderLoadOptions.parse([]).imageFolderOptions.channels == .automatic)
        #expect(try ImageFolderLoadOptions.parse(["--channels", "1"]).imageFolderOptions.channels == .convertToGrayscale)
        #expect(try ImageFolderLoadOptions.parse(["--channels", "3", "--skip-bad-images"]).imageFolderOptions.skipBadImages)
        #expect {
            try ImageFolderLoadOptions.parse(["--channels", "2"])
        } throws: { error in
            ImageFolderLoadOptions.message(for: error) == "--channels must be 1 or 3, got 2"
        }
    }
}
