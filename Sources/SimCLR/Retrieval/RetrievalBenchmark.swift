/// Speed of exact retrieval for `simclr bench --only retrieval`, measured beside the in-process
/// sgemm peak so it reads as a ratio on any machine.
public enum RetrievalBenchmark {
    /// One measurement.
    public struct Figures: Sendable {
        public var queries: Int
        public var gallery: Int
        public var dimension: Int
        public var metric: RetrievalMetric
        /// Wall-clock seconds of `RetrievalEvaluation.run` (search, selection, metrics).
        public var seconds: Double
        /// 2·m·n·D′ flops (D′ = D + 1 for Euclidean) over `seconds`.
        public var achievedGflops: Double
        /// `SGEMMBenchmark.gflops(size: 2048)` measured just before.
        public var sgemmPeakGflops: Double
        public var fractionOfPeak: Double { achievedGflops / sgemmPeakGflops }
        /// The precision@1 reached on the synthetic classes (a sanity check, not a quality figure).
        public var precisionAt1: Double
    }

    /// Retrieval of `queries` synthetic features against `gallery` others, D = `dimension`, 10
    /// classes (overlapping Gaussian classes shaped like an encoder's h: `ProbeBenchmark`'s
    /// generator), so every query has R = gallery / 10 relevant items, as Fashion-MNIST's test
    /// set against its training set (defaults: 10,000 × 60,000, D = 128).
    public static func run(
        queries: Int = 10_000, gallery: Int = 60_000, dimension: Int = 128, metric: RetrievalMetric = .cosine
    ) throws -> Figures {
        let (all, labels) = ProbeBenchmark.syntheticFeatures(count: queries + gallery, dimension: dimension, classCount: 10, seed: 3)
        let q = Tensor(shape: [queries, dimension], data: Array(all.data[0..<(queries * dimension)]))
        let g = Tensor(shape: [gallery, dimension], data: Array(all.data[(queries * dimension)...]))
        let peak = SGEMMBenchmark.gflops(size: 2048, repeats: 3)
        let result = try RetrievalEvaluation.run(
            queries: q, queryLabels: Array(labels[0..<queries]), gallery: (g, Array(labels[queries...])), labelCount: 10,
            metric: metric)
        let width = Double(metric == .euclidean ? dimension + 1 : dimension)
        let gflops = 2 * Double(queries) * Double(gallery) * width / result.seconds / 1e9
        return Figures(queries: queries, gallery: gallery, dimension: dimension, metric: metric, seconds: result.seconds,
                       achievedGflops: gflops, sgemmPeakGflops: peak, precisionAt1: result.overall.precisionAt1)
    }
}
