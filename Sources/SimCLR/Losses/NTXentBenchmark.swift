import Foundation

/// Measures NT-Xent forward + backward in this process, for `simclr bench`.
public enum NTXentBenchmark {
    /// One measured batch size.
    public struct Measurement: Sendable {
        /// 2N, the number of view rows.
        public var views: Int
        /// P, the embedding width.
        public var dimension: Int
        /// Rows per logits block used.
        public var blockRows: Int
        /// Best wall time of one `lossAndGradient` call, in seconds.
        public var seconds: Double
        /// 6·(2N)²·P / seconds / 1e9: the three sgemms' flops per second (the (2N)²
        /// exponentials are not counted).
        public var gigaflops: Double
        /// Bytes of the loss's own workspaces after the call (exact).
        public var workspaceBytes: Int
        /// Process peak resident size after the call minus the resident size before the loss
        /// and its inputs were created, in bytes: the loss's extra memory including z and dL/dz
        /// (valid when sizes are measured in increasing order, so every call sets a new peak).
        public var peakExtraResidentBytes: Int
        /// The loss value, so the work cannot be optimised away and runs can be compared.
        public var loss: Float
    }

    /// Times `repeats` calls (best of them, after one warm-up call when `repeats > 1`) on seeded
    /// random z `[views, dimension]`.
    public static func measure(
        views: Int, dimension: Int = 128, temperature: Float = 0.5,
        logitBlockBytes: Int = NTXentLoss.defaultLogitBlockBytes, repeats: Int
    ) throws(LossError) -> Measurement {
        let residentBefore = currentResidentBytes()
        var rng = SplitMix64(seed: UInt64(views))
        let z = Tensor(shape: [views, dimension], data: (0..<(views * dimension)).map { _ in rng.nextFloat() - 0.5 })
        var gradient = Tensor(shape: [views, dimension])
        let loss = try NTXentLoss(temperature: temperature, logitBlockBytes: logitBlockBytes)
        var best = Double.infinity
        var result = ViewLossResult(loss: 0, positiveTop1Accuracy: 0)
        for iteration in 0..<(repeats > 1 ? repeats + 1 : 1) {
            let start = System.now()
            result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &gradient)
            let elapsed = System.now() - start
            if repeats == 1 || iteration > 0 { best = min(best, elapsed) }
        }
        let flops = 6 * Double(views) * Double(views) * Double(dimension)
        return Measurement(
            views: views, dimension: dimension, blockRows: loss.blockRows(forViews: views),
            seconds: best, gigaflops: flops / best / 1e9, workspaceBytes: loss.workspaceBytes,
            peakExtraResidentBytes: System.peakResidentBytes - residentBefore, loss: result.loss)
    }

    /// Resident set size now, from `/proc/self/statm` (0 where unavailable).
    static func currentResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
