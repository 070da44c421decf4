import ArgumentParser
import Testing
@testable import SimCLRCLI

@Suite struct BenchCommandTests {
    @Test func rejectsZeroThreads() {
        #expect(throws: (any Error).self) { try SimCLRCommand.Bench.parse(["--threads", "0"]) }
    }
}
