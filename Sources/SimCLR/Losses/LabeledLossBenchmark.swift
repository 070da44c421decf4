/// Times the label-supervised losses against the self-supervised ones on one batch shape, for
/// `simclr bench --only labels`: forward + backward of each loss on seeded random z.
public enum LabeledLossBenchmark {
    /// One loss's figure.
    public struct Measurement: Sendable {
        /// "ntxent views", "supcon labels", "triplet batch-hard labels", …
        public var name: String
        /// Best wall time of one `lossAndGradient` call, in seconds.
        public var seconds: Double
        /// The loss value (so the work cannot be optimised away).
        public var loss: Float
    }

    /// Every loss on z `[2N, dimension]` with rows i and i+N one image and the N images in
    /// classes of `samplesPerClass` (as `--samples-per-class` batches); best of `repeats` calls
    /// after one warm-up call.
    ///
    /// - Precondition: `samplesPerClass` divides `images`.
    public static func measure(
        images: Int = 256, dimension: Int = 128, samplesPerClass: Int = 32, repeats: Int = 5
    ) throws(LossError) -> [Measurement] {
        precondition(images % samplesPerClass == 0, "LabeledLossBenchmark: \(samplesPerClass) does not divide \(images)")
        var rng = SplitMix64(seed: 23)
        let rows = 2 * images
        let z = Tensor(shape: [rows, dimension], data: (0..<(rows * dimension)).map { _ in rng.nextFloat() - 0.5 })
        let imageLabels = (0..<images).map { $0 / samplesPerClass }
        let labels = imageLabels + imageLabels
        let losses: [(String, any ViewEmbeddingLoss, [Int]?)] = [
            ("ntxent views", try NTXentLoss(temperature: 0.5), nil),
            ("contrastive views", try ContrastiveLoss(margin: 1), nil),
            ("triplet batch-hard views", try TripletLoss(margin: 0.2), nil),
            ("supcon labels", try SupConLoss(temperature: 0.1), labels),
            ("contrastive labels", try LabeledContrastiveLoss(margin: 1), labels),
            ("triplet batch-hard labels", try LabeledTripletLoss(margin: 0.2, mining: .batchHard), labels),
            ("triplet batch-all labels", try LabeledTripletLoss(margin: 0.2, mining: .batchAll), labels),
            ("triplet semi-hard labels", try LabeledTripletLoss(margin: 0.2, mining: .semiHard), labels),
        ]
        var gradient = Tensor(shape: [rows, dimension])
        var measurements: [Measurement] = []
        for (name, loss, labels) in losses {
            var best = Double.infinity, value: Float = 0
            for iteration in 0...repeats {
                let start = System.now()
                value = try loss.lossAndGradient(embeddings: z, labels: labels, embeddingGradient: &gradient).loss
                if iteration > 0 { best = min(best, System.now() - start) }
            }
            measurements.append(Measurement(name: name, seconds: best, loss: value))
        }
        return measurements
    }
}
