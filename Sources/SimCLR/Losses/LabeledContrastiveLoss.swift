/// The pairwise contrastive loss of Hadsell, Chopra & LeCun 2006 over every labelled pair of a
/// batch (`--supervision labels --loss contrastive`):
///
///     loss = mean over similar unordered pairs {i, j} of D_ij²
///          + mean over dissimilar unordered pairs of max(0, m − D_ij)²,
///
/// D Euclidean (no epsilon) between the rows of z, or of z/‖z‖ with `.l2` normalisation; rows
/// with equal labels are similar. A mean over no pair is 0. No ½ factors (fixtures README §7,
/// `contrastive_balanced`); the degenerate points are those of `ContrastiveLoss` (a dissimilar
/// pair at D = 0 has gradient 0; at D ≥ m the term and its gradient are 0). The in-batch
/// accuracy counts the anchors with a positive whose nearest other row is a positive (strictly).
///
/// - Complexity: B²·P for the distances, two sgemms for the gradient.
public final class LabeledContrastiveLoss: ViewEmbeddingLoss {
    /// Margin m > 0, in distance units (at most 2 apart on the unit sphere).
    public let margin: Float
    public let normalization: EmbeddingNormalization
    let matrix = ViewDistanceMatrix()
    let similarSums = LossWorkspace()
    let dissimilarSums = LossWorkspace()
    let anchorHits = LossWorkspace()

    /// - Throws: `LossError.nonPositiveMargin` unless `margin` is finite and > 0.
    public init(margin: Float, normalization: EmbeddingNormalization = .l2) throws(LossError) {
        guard margin > 0, margin.isFinite else { throw .nonPositiveMargin(margin) }
        self.margin = margin
        self.normalization = normalization
    }

    /// The loss with the views' own pairing as labels (one similar pair per image).
    public func lossAndGradient(embeddings: Tensor, embeddingGradient: inout Tensor) throws(LossError) -> ViewLossResult {
        try lossAndGradient(embeddings: embeddings, labels: nil, embeddingGradient: &embeddingGradient)
    }

    public func lossAndGradient(
        embeddings: Tensor, labels: [Int]?, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "LabeledContrastiveLoss: embeddings must be [B, P], got \(embeddings.shape)")
        let rows = embeddings.shape[0], dimension = embeddings.shape[1]
        let classes = BatchClasses(labels: try BatchClasses.resolve(labels, rows: rows))
        if embeddingGradient.shape != embeddings.shape { embeddingGradient = Tensor(shape: embeddings.shape) }
        embeddings.withUnsafeBufferPointer { z in
            matrix.prepare(z.baseAddress!, rows: rows, dimension: dimension,
                           normalization: normalization, metric: .euclidean(epsilon: 0))
        }
        let similarPairs = classes.counts.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        let dissimilarPairs = rows * (rows - 1) / 2 - similarPairs
        let similarWeight = 1 / Float(max(similarPairs, 1)), dissimilarWeight = 1 / Float(max(dissimilarPairs, 1))
        let similar = SendablePointer(similarSums.reserve(rows)), dissimilar = SendablePointer(dissimilarSums.reserve(rows))
        let hits = SendablePointer(anchorHits.reserve(rows))
        let distances = SendablePointer(matrix.distances), coefficients = SendablePointer(matrix.coefficients)
        let margin = self.margin
        classes.classOf.withUnsafeBufferPointer { classBuffer in
            let classOf = SendableConstPointer(classBuffer.baseAddress!)
            // Each chunk writes only the W rows and slots of its own anchors: no overlap.
            Parallel.forEachChunk(rows, minimumChunk: max(1, 4096 / rows)) { range in
                for i in range {
                    let d = distances.base + i * rows, w = coefficients.base + i * rows
                    let own = classOf.base[i]
                    var pull: Float = 0, push: Float = 0
                    var nearestPositive = Float.infinity, nearestNegative = Float.infinity
                    for j in 0..<rows where j != i {
                        let same = classOf.base[j] == own
                        if same { nearestPositive = min(nearestPositive, d[j]) } else { nearestNegative = min(nearestNegative, d[j]) }
                        guard j > i else { continue }
                        if same {
                            let term = ContrastiveLoss.term(distance: d[j], label: .similar, margin: margin)
                            pull += term.value
                            w[j] = similarWeight * term.differenceCoefficient
                        } else {
                            let term = ContrastiveLoss.term(distance: d[j], label: .dissimilar, margin: margin)
                            push += term.value
                            w[j] = dissimilarWeight * term.differenceCoefficient
                        }
                    }
                    similar.base[i] = pull
                    dissimilar.base[i] = push
                    hits.base[i] = nearestPositive < nearestNegative ? 1 : 0
                }
            }
        }
        embeddingGradient.withUnsafeMutableBufferPointer { dz in
            matrix.gradient(scale: 1, into: dz.baseAddress!)
        }
        var pullSum: Double = 0, pushSum: Double = 0, hitCount = 0, anchors = 0
        for i in 0..<rows {
            pullSum += Double(similar.base[i])
            pushSum += Double(dissimilar.base[i])
            if classes.counts[classes.classOf[i]] > 1 {
                anchors += 1
                hitCount += Int(hits.base[i])
            }
        }
        let loss = pullSum / Double(max(similarPairs, 1)) + pushSum / Double(max(dissimilarPairs, 1))
        return ViewLossResult(loss: Float(loss), positiveTop1Accuracy: Float(hitCount) / Float(max(anchors, 1)))
    }
}
