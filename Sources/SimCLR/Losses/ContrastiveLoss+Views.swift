extension ContrastiveLoss {
    /// The self-supervised contrastive loss over 2N views: every view r is an anchor, its
    /// positive is the other view of the same image (a similar pair), its negatives are the
    /// views of the other images (dissimilar pairs):
    ///
    ///     loss = reduction over anchors r of [ term(r, pos(r)) + negatives(r) ],
    ///
    /// where `negatives(r)` is the mean term over the 2N − 2 negatives (`.allPairs`) or the term
    /// of the nearest one (`.hardestNegative`, first index on ties), and 0 when N = 1. Since
    /// every unordered pair appears from both ends, `.allPairs` equals "mean positive-pair term
    /// + mean negative-pair term". Distances are between the rows of z, or of z/‖z‖ with
    /// `.l2` normalisation; the gradient goes back to z.
    ///
    /// - Complexity: (2N)²·P for the distances, two sgemms for the gradient.
    public func lossAndGradient(
        embeddings: Tensor, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "ContrastiveLoss: embeddings must be [2N, P], got \(embeddings.shape)")
        let rows = embeddings.shape[0], dimension = embeddings.shape[1]
        try LossError.checkViewRows(rows)
        if embeddingGradient.shape != embeddings.shape { embeddingGradient = Tensor(shape: embeddings.shape) }
        embeddings.withUnsafeBufferPointer { z in
            matrix.prepare(z.baseAddress!, rows: rows, dimension: dimension,
                           normalization: normalization, metric: .euclidean(epsilon: 0))
        }
        let losses = anchorLosses.reserve(rows)
        let margin = self.margin, mining = self.mining, half = rows / 2
        let lossPointer = SendablePointer(losses)
        let distances = SendablePointer(matrix.distances), coefficients = SendablePointer(matrix.coefficients)
        let negativeWeight = 1 / Float(max(rows - 2, 1))
        // Each chunk writes only the W rows and loss slots of its own anchors: no overlap.
        Parallel.forEachChunk(rows, minimumChunk: max(1, 4096 / rows)) { range in
            for anchor in range {
                let d = distances.base + anchor * rows, w = coefficients.base + anchor * rows
                let positive = anchor < half ? anchor + half : anchor - half
                let pull = Self.term(distance: d[positive], label: .similar, margin: margin)
                var loss = pull.value
                w[positive] = pull.differenceCoefficient
                switch mining {
                case .allPairs:
                    var push: Float = 0
                    for k in 0..<rows where k != anchor && k != positive {
                        let term = Self.term(distance: d[k], label: .dissimilar, margin: margin)
                        push += term.value
                        w[k] = negativeWeight * term.differenceCoefficient
                    }
                    loss += negativeWeight * push
                case .hardestNegative:
                    var nearest = -1
                    for k in 0..<rows where k != anchor && k != positive && (nearest < 0 || d[k] < d[nearest]) {
                        nearest = k
                    }
                    if nearest >= 0 {
                        let term = Self.term(distance: d[nearest], label: .dissimilar, margin: margin)
                        loss += term.value
                        w[nearest] = term.differenceCoefficient
                    }
                }
                lossPointer.base[anchor] = loss
            }
        }
        let scale = reduction.factor / Float(rows)
        embeddingGradient.withUnsafeMutableBufferPointer { dz in
            matrix.gradient(scale: scale, into: dz.baseAddress!)
        }
        var sum: Double = 0, hits = 0
        for anchor in 0..<rows {
            sum += Double(losses[anchor])
            if matrix.positiveIsNearest(anchor) { hits += 1 }
        }
        return ViewLossResult(loss: Float(sum) * scale, positiveTop1Accuracy: Float(hits) / Float(rows))
    }
}
