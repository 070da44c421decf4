/// The per-block steps of `NTXentLoss` besides the sgemms: the row kernel over a block, and the
/// `[blockRows, P]` corrections of the backward (row scaling by 1/Σ and the one-hot part).
extension NTXentLoss {
    /// Runs the row kernel over `count` logit rows of anchors `firstRow..<firstRow+count`,
    /// writing each anchor's loss, hit (1 or 0) and 1/Σ at its global index.
    static func exponentiateRows(
        _ block: UnsafeMutablePointer<Float>, count: Int, firstRow: Int, views: Int, decoupled: Bool,
        losses: UnsafeMutablePointer<Float>, hits: UnsafeMutablePointer<Float>,
        inverseSums: UnsafeMutablePointer<Float>
    ) {
        let half = views / 2
        let blockPointer = SendablePointer(block), lossPointer = SendablePointer(losses)
        let hitPointer = SendablePointer(hits), inversePointer = SendablePointer(inverseSums)
        // Each chunk owns logit rows `range` of the block and the matching anchor slots of
        // losses/hits/inverseSums: chunks never overlap.
        Parallel.forEachChunk(count, minimumChunk: max(1, 32768 / views)) { range in
            for local in range {
                let anchor = firstRow + local
                let positive = anchor < half ? anchor + half : anchor - half
                let row = NTXentRowKernel.exponentiateRow(
                    blockPointer.base + local * views, count: views, diagonal: anchor, positive: positive,
                    decoupled: decoupled)
                lossPointer.base[anchor] = row.loss
                hitPointer.base[anchor] = row.positiveIsTop ? 1 : 0
                inversePointer.base[anchor] = row.inverseSum
            }
        }
    }

    /// `du[r] += scale · (inverseSums[r] · product[r − firstRow] − u[pos(r)])` for the block's rows.
    static func addRowTerms(
        _ product: UnsafeMutablePointer<Float>, count: Int, firstRow: Int, views: Int, dimension: Int,
        u: UnsafePointer<Float>, inverseSums: UnsafePointer<Float>, scale: Float,
        du: UnsafeMutablePointer<Float>
    ) {
        let half = views / 2
        for local in 0..<count {
            let anchor = firstRow + local
            let positive = anchor < half ? anchor + half : anchor - half
            let rowScale = scale * inverseSums[anchor]
            let p = product + local * dimension, up = u + positive * dimension, d = du + anchor * dimension
            for c in 0..<dimension { d[c] += rowScale * p[c] - scale * up[c] }
        }
    }

    /// `out[i] = factors[i] · rows[i]` for `count` rows of `dimension`.
    static func scaleRows(
        _ rows: UnsafePointer<Float>, count: Int, dimension: Int, by factors: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        for i in 0..<count {
            let factor = factors[i], source = rows + i * dimension, target = out + i * dimension
            for c in 0..<dimension { target[c] = factor * source[c] }
        }
    }

    /// `du[pos(r)] −= scale · u[r]` for the block's rows (the one-hot part of `G_bᵀ·U_b`).
    static func subtractPositiveTerms(
        count: Int, firstRow: Int, views: Int, dimension: Int, u: UnsafePointer<Float>, scale: Float,
        du: UnsafeMutablePointer<Float>
    ) {
        let half = views / 2
        for local in 0..<count {
            let anchor = firstRow + local
            let positive = anchor < half ? anchor + half : anchor - half
            let source = u + anchor * dimension, target = du + positive * dimension
            for c in 0..<dimension { target[c] -= scale * source[c] }
        }
    }
}
