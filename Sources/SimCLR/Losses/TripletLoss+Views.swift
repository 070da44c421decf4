extension TripletLoss {
    /// The self-supervised triplet loss over 2N views: anchor view r, positive the other view
    /// of the same image, negatives the 2N − 2 views of the other images; terms
    /// `max(0, d(r, pos(r)) − d(r, k) + m)`.
    ///
    /// `.batchAll` averages over the active triplets among all 2N·(2N − 2) (0 and a zero
    /// gradient when none is active, never NaN); `.batchHard` takes for each anchor the nearest
    /// negative (first index on ties) and averages over the 2N anchors. N = 1 has no negatives
    /// and gives 0. Distances are between the rows of z, or of z/‖z‖ with `.l2`
    /// normalisation; the gradient goes back to z.
    ///
    /// - Complexity: (2N)²·P for the distances, two sgemms for the gradient.
    public func lossAndGradient(
        embeddings: Tensor, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "TripletLoss: embeddings must be [2N, P], got \(embeddings.shape)")
        let rows = embeddings.shape[0], dimension = embeddings.shape[1]
        try LossError.checkViewRows(rows)
        if embeddingGradient.shape != embeddings.shape { embeddingGradient = Tensor(shape: embeddings.shape) }
        embeddings.withUnsafeBufferPointer { z in
            matrix.prepare(z.baseAddress!, rows: rows, dimension: dimension,
                           normalization: normalization, metric: distance)
        }
        let losses = anchorLosses.reserve(rows), actives = anchorActiveCounts.reserve(rows)
        let margin = self.margin, mining = self.mining, metric = self.distance, half = rows / 2
        let lossPointer = SendablePointer(losses), activePointer = SendablePointer(actives)
        let distances = SendablePointer(matrix.distances), coefficients = SendablePointer(matrix.coefficients)
        // Each chunk writes only the W rows and slots of its own anchors: no overlap.
        Parallel.forEachChunk(rows, minimumChunk: max(1, 4096 / rows)) { range in
            for anchor in range {
                let d = distances.base + anchor * rows, w = coefficients.base + anchor * rows
                let positive = anchor < half ? anchor + half : anchor - half
                let positiveCoefficient = metric.differenceCoefficient(distance: d[positive])
                var loss: Float = 0, active = 0
                switch mining {
                case .batchAll:
                    for k in 0..<rows where k != anchor && k != positive {
                        let hinge = d[positive] - d[k] + margin
                        guard hinge > 0 else { continue }
                        loss += hinge
                        active += 1
                        w[k] = -metric.differenceCoefficient(distance: d[k])
                    }
                case .batchHard:
                    var nearest = -1
                    for k in 0..<rows where k != anchor && k != positive && (nearest < 0 || d[k] < d[nearest]) {
                        nearest = k
                    }
                    if nearest >= 0 {
                        let hinge = d[positive] - d[nearest] + margin
                        if hinge > 0 {
                            loss = hinge
                            active = 1
                            w[nearest] = -metric.differenceCoefficient(distance: d[nearest])
                        }
                    }
                }
                w[positive] = Float(active) * positiveCoefficient
                lossPointer.base[anchor] = loss
                activePointer.base[anchor] = Float(active)
            }
        }
        var sum: Double = 0, activeTotal: Double = 0, hits = 0
        for anchor in 0..<rows {
            sum += Double(losses[anchor])
            activeTotal += Double(actives[anchor])
            if matrix.positiveIsNearest(anchor) { hits += 1 }
        }
        let denominator = mining == .batchAll ? max(activeTotal, 1) : Double(rows)
        let scale = Float(1 / denominator)
        embeddingGradient.withUnsafeMutableBufferPointer { dz in
            matrix.gradient(scale: scale, into: dz.baseAddress!)
        }
        return ViewLossResult(loss: Float(sum / denominator), positiveTop1Accuracy: Float(hits) / Float(rows))
    }
}
