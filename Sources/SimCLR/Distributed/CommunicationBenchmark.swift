import Foundation

/// Collective figures for `simclr bench --only mpi`: the two large messages of a data-parallel
/// step, timed on the communicator a launcher gave the process.
public enum CommunicationBenchmark {
    /// One collective's timing.
    public struct Result: Sendable {
        /// Floats each process contributes (all-reduce) or receives in total (all-gather).
        public var floats: Int
        /// Mean wall-clock seconds per call.
        public var seconds: Double
        /// Payload bytes (4 · floats) per second: the "algorithm bandwidth" of nccl-tests, not
        /// the wire rate (a ring all-reduce sends 2(K−1)/K of the payload per process).
        public var bytesPerSecond: Double { Double(4 * floats) / max(seconds, 1e-12) }
    }

    /// All-reduce of `floats` Floats (the gradient bucket: every parameter of the model), the mean
    /// of `repeats` calls after one warm-up call.
    public static func allReduce(floats: Int, repeats: Int = 10, over communicator: any Communicator) -> Result {
        var buffer = [Float](repeating: 1, count: floats)
        let seconds = timed(repeats: repeats) {
            buffer.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        }
        return Result(floats: floats, seconds: seconds)
    }

    /// All-gather of z before the loss: 2 views × `images` × `dimension` Floats, each process
    /// holding the views of its part of the batch (`BatchPart`).
    public static func allGather(images: Int, dimension: Int, repeats: Int = 10, over communicator: any Communicator) -> Result {
        let counts = (0..<communicator.size).map { 2 * BatchPart(rank: $0, count: communicator.size).range(of: images).count * dimension }
        let local = [Float](repeating: 1, count: counts[communicator.rank])
        var gathered = [Float](repeating: 0, count: 2 * images * dimension)
        let seconds = timed(repeats: repeats) {
            local.withUnsafeBufferPointer { local in
                gathered.withUnsafeMutableBufferPointer { communicator.allGather(local, counts: counts, into: $0) }
            }
        }
        return Result(floats: 2 * images * dimension, seconds: seconds)
    }

    private static func timed(repeats: Int, _ call: () -> Void) -> Double {
        call()
        let start = System.now()
        for _ in 0..<repeats { call() }
        return (System.now() - start) / Double(repeats)
    }
}
