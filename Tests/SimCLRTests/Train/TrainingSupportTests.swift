import Foundation
import SimCLR
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct TrainingSupportTests {
    func record(_ kind: MetricsRecord.Kind, epoch: Int, step: Int, loss: Double) -> MetricsRecord {
        MetricsRecord(kind: kind, epoch: epoch, step: step, loss: loss, learningRate: 0.1, viewsPerSecond: 100, positiveTop1: 0.5)
    }

    @Test func metricsLogWritesJSONLinesAndTrimsOnResume() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).jsonl").path
        do {
            let log = try MetricsLog(path: path, resumingAfterStep: nil)
            try log.append(record(.step, epoch: 1, step: 1, loss: 4))
            try log.append(record(.step, epoch: 1, step: 2, loss: 3.5))
            try log.append(record(.epoch, epoch: 1, step: 2, loss: 3.75))
            try log.append(record(.step, epoch: 2, step: 3, loss: 3))  // after the checkpoint at step 2
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let first = try #require(text.split(separator: "\n").first)
        #expect(
            first == #"{"epoch":1,"kind":"step","loss":4,"lr":0.1,"positive_top1":0.5,"step":1,"views_per_second":100}"#)
        do {
            let log = try MetricsLog(path: path, resumingAfterStep: 2)
            try log.append(record(.step, epoch: 2, step: 3, loss: 2.5))
        }
        let records = try MetricsLog.records(atPath: path)
        #expect(records.map(\.step) == [1, 2, 2, 3])
        #expect(records.last?.loss == 2.5, "the step written before the interruption is replaced")
        _ = try MetricsLog(path: path, resumingAfterStep: nil)
        #expect(try MetricsLog.records(atPath: path).isEmpty, "a new run starts an empty log")
    }

    /// In a child process (exit test), so no other test sees the signal: SIGTERM must set the
    /// flag instead of killing the process (exit code 0 only if the flag was seen).
    @Test func signalSetsTheStopRequest() async {
        await #expect(processExitsWith: .success) {
            let request = StopRequest(watchingSignals: true)
            guard !request.isRequested else { exit(2) }
            kill(getpid(), SIGTERM)
            for _ in 0..<200 where !request.isRequested { usleep(10_000) }
            exit(request.isRequested && !StopRequest().isRequested ? 0 : 1)
        }
    }

    /// A second signal while the first is pending force-quits with the default action.
    @Test func secondSignalForceQuits() async {
        await #expect(processExitsWith: .signal(SIGTERM)) {
            let request = StopRequest(watchingSignals: true)
            kill(getpid(), SIGTERM)
            for _ in 0..<200 where !request.isRequested { usleep(10_000) }
            kill(getpid(), SIGTERM)
            usleep(2_000_000)
            exit(0)
        }
    }

    @Test func findsNonFiniteGradients() {
        let a = Parameter(name: "a", shape: [2], value: [1, 2])
        let b = Parameter(name: "b", shape: [3], value: [1, 2, 3])
        a.gradient = [Float.greatestFiniteMagnitude, Float.greatestFiniteMagnitude]  // finite, large
        #expect(TrainingError.firstNonFiniteGradient(in: [a, b]) == nil)
        b.gradient = [0, .nan, 1]
        #expect(TrainingError.firstNonFiniteGradient(in: [a, b]) == "b")
        b.gradient = [0, .infinity, 1]
        #expect(TrainingError.firstNonFiniteGradient(in: [a, b]) == "b")
        let message = TrainingError.nonFiniteLoss(step: 7, epoch: 1, loss: .nan, lastCheckpointStep: nil).description
        #expect(message.contains("step 7") && message.contains("nan"))
    }
}
