#if canImport(Glibc)
import Glibc
#endif

/// The supervised contrastive loss SupCon (Khosla et al. 2020, arXiv 2004.11362, eq. 2,
/// "L_out"), with its gradient, computed in row blocks as `NTXentLoss`.
///
/// `embeddings` z: `[B, P]`, un-normalised; `labels`: one class per row. Each row is normalised,
/// `u_r = z_r / max(‖z_r‖₂, 1e-12)`, `s_ra = u_r·u_a / τ`, P(r) = the other rows with r's label, and
///
///     l_r = −(1/|P(r)|) Σ_{p∈P(r)} log( exp(s_rp) / Σ_{a≠r} exp(s_ra) ),
///     loss = mean of l_r over the anchors with |P(r)| > 0 (0 when there is none).
///
/// With labels = image index (rows i and i+N share label i: `labels` nil) this is exactly
/// NT-Xent; it equals pytorch-metric-learning's `SupConLoss(temperature=τ)` (fixtures README §7).
/// The in-batch accuracy counts the anchors whose most similar other row is a positive (strictly:
/// ties count as misses), among the anchors with a positive.
///
/// Backward: with E the block's max-subtracted exponentials, Σ_r their row sums, w_r = 1 for
/// anchors and 0 otherwise, A = Σ w_r, and classSum_c = Σ of u over the rows of class c,
///
///     dL/du = [ diag(w/Σ)·E·U + Eᵀ·diag(w/Σ)·U − 2·diag(w/|P|)·(classSum_class(r) − u_r) ] / (A·τ),
///
/// the first two as in NT-Xent (two sgemms per block), the positive part in O(B·P) without the
/// mask (the same-class relation is symmetric and |P| is a class's count less one).
///
/// - Complexity: 3 sgemms per block, 6·B²·P flops in all, plus B² exponentials and label tests.
public final class SupConLoss: ViewEmbeddingLoss {
    /// Temperature τ > 0, dimensionless (Khosla et al.: 0.1).
    public let temperature: Float
    /// Upper bound on the bytes of one logits block `[blockRows, B]` (see `NTXentLoss`).
    public let logitBlockBytes: Int

    private let normalized = LossWorkspace()
    private let normalizedGradient = LossWorkspace()
    private let norms = LossWorkspace()
    private let logits = LossWorkspace()
    private let rowLosses = LossWorkspace()
    private let rowHits = LossWorkspace()
    private let rowInverseSums = LossWorkspace()
    private let blockProducts = LossWorkspace()
    private let classSums = LossWorkspace()

    /// - Throws: `LossError.nonPositiveTemperature` unless `temperature` is finite and > 0.
    public init(temperature: Float, logitBlockBytes: Int = NTXentLoss.defaultLogitBlockBytes) throws(LossError) {
        guard temperature > 0, temperature.isFinite else { throw .nonPositiveTemperature(temperature) }
        precondition(logitBlockBytes > 0, "SupConLoss: logitBlockBytes must be > 0, got \(logitBlockBytes)")
        self.temperature = temperature
        self.logitBlockBytes = logitBlockBytes
    }

    /// Bytes of workspace held right now (grows to the largest shape seen).
    public var workspaceBytes: Int {
        [normalized, normalizedGradient, norms, logits, rowLosses, rowHits, rowInverseSums, blockProducts, classSums]
            .reduce(0) { $0 + $1.bytes }
    }

    /// SupCon with the views' own pairing as labels: NT-Xent.
    public func lossAndGradient(embeddings: Tensor, embeddingGradient: inout Tensor) throws(LossError) -> ViewLossResult {
        try lossAndGradient(embeddings: embeddings, labels: nil, embeddingGradient: &embeddingGradient)
    }

    public func lossAndGradient(
        embeddings: Tensor, labels: [Int]?, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "SupConLoss: embeddings must be [B, P], got \(embeddings.shape)")
        let rows = embeddings.shape[0], dimension = embeddings.shape[1]
        let classes = BatchClasses(labels: try BatchClasses.resolve(labels, rows: rows))
        if embeddingGradient.shape != embeddings.shape { embeddingGradient = Tensor(shape: embeddings.shape) }
        return embeddings.withUnsafeBufferPointer { z in
            embeddingGradient.withUnsafeMutableBufferPointer { dz in
                compute(z.baseAddress!, rows: rows, dimension: dimension, classes: classes, dz.baseAddress!)
            }
        }
    }

    private func compute(
        _ z: UnsafePointer<Float>, rows: Int, dimension: Int, classes: BatchClasses, _ dz: UnsafeMutablePointer<Float>
    ) -> ViewLossResult {
        precondition(dimension > 0, "SupConLoss: embedding dimension must be > 0, got \(dimension)")
        let anchors = classes.classOf.reduce(0) { $0 + (classes.counts[$1] > 1 ? 1 : 0) }
        guard anchors > 0 else {
            dz.update(repeating: 0, count: rows * dimension)
            return ViewLossResult(loss: 0, positiveTop1Accuracy: 0)
        }
        let u = normalized.reserve(rows * dimension)
        let du = normalizedGradient.reserve(rows * dimension)
        let zNorms = norms.reserve(rows)
        let losses = rowLosses.reserve(rows), hits = rowHits.reserve(rows)
        let inverseSums = rowInverseSums.reserve(rows)
        let blockRows = max(1, min(rows, logitBlockBytes / max(1, rows * MemoryLayout<Float>.stride)))
        let block = logits.reserve(blockRows * rows)
        let product = blockProducts.reserve(blockRows * dimension)
        let sums = classSums.reserve(classes.counts.count * dimension)

        RowL2Normalization.forward(z: z, rows: rows, columns: dimension, u: u, norms: zNorms)
        du.update(repeating: 0, count: rows * dimension)
        sums.update(repeating: 0, count: classes.counts.count * dimension)
        for r in 0..<rows {
            let target = sums + classes.classOf[r] * dimension, source = u + r * dimension
            for c in 0..<dimension { target[c] += source[c] }
        }
        let scale = 1 / (Float(anchors) * temperature)
        classes.classOf.withUnsafeBufferPointer { classOf in
            classes.counts.withUnsafeBufferPointer { counts in
                var start = 0
                while start < rows {
                    let count = min(blockRows, rows - start)
                    let ub = u + start * dimension
                    BLAS.sgemm(
                        .none, .transposed, m: count, n: rows, k: dimension, alpha: 1 / temperature,
                        a: ub, lda: dimension, b: u, ldb: dimension, beta: 0, c: block, ldc: rows)
                    Self.exponentiateRows(
                        block, count: count, firstRow: start, rows: rows, classOf: classOf.baseAddress!,
                        counts: counts.baseAddress!, losses: losses, hits: hits, inverseSums: inverseSums)
                    // du_b += scale · diag(w/Σ)·(E_b·U)
                    BLAS.sgemm(
                        .none, .none, m: count, n: dimension, k: rows,
                        a: block, lda: rows, b: u, ldb: dimension, beta: 0, c: product, ldc: dimension)
                    for local in 0..<count {
                        let rowScale = scale * inverseSums[start + local]
                        let p = product + local * dimension, d = du + (start + local) * dimension
                        for c in 0..<dimension { d[c] += rowScale * p[c] }
                    }
                    // du += scale · E_bᵀ·(diag(w/Σ)·U_b)
                    NTXentLoss.scaleRows(ub, count: count, dimension: dimension, by: inverseSums + start, into: product)
                    BLAS.sgemm(
                        .transposed, .none, m: rows, n: dimension, k: count, alpha: scale,
                        a: block, lda: rows, b: product, ldb: dimension, beta: 1, c: du, ldc: dimension)
                    start += count
                }
            }
        }
        // du_r −= 2·scale/|P(r)| · (classSum − u_r) for anchors.
        for r in 0..<rows {
            let positives = classes.counts[classes.classOf[r]] - 1
            guard positives > 0 else { continue }
            let factor = 2 * scale / Float(positives)
            let sum = sums + classes.classOf[r] * dimension, ur = u + r * dimension, d = du + r * dimension
            for c in 0..<dimension { d[c] -= factor * (sum[c] - ur[c]) }
        }
        RowL2Normalization.backward(u: u, norms: zNorms, rows: rows, columns: dimension, du: du, dz: dz)

        var lossSum: Double = 0, hitCount: Double = 0
        for r in 0..<rows {
            lossSum += Double(losses[r])
            hitCount += Double(hits[r])
        }
        return ViewLossResult(
            loss: Float(lossSum / Double(anchors)), positiveTop1Accuracy: Float(hitCount / Double(anchors)))
    }

    /// For the logit rows of anchors `firstRow..<firstRow+count`: the row loss, hit (1 or 0)
    /// and w/Σ at each anchor's global index, the row overwritten by its exponentials (0 on the
    /// diagonal). Rows without a positive get loss 0, no hit and w = 0.
    static func exponentiateRows(
        _ block: UnsafeMutablePointer<Float>, count: Int, firstRow: Int, rows: Int,
        classOf: UnsafePointer<Int>, counts: UnsafePointer<Int>,
        losses: UnsafeMutablePointer<Float>, hits: UnsafeMutablePointer<Float>,
        inverseSums: UnsafeMutablePointer<Float>
    ) {
        let blockPointer = SendablePointer(block), classPointer = SendableConstPointer(classOf)
        let countPointer = SendableConstPointer(counts)
        let lossPointer = SendablePointer(losses), hitPointer = SendablePointer(hits)
        let inversePointer = SendablePointer(inverseSums)
        // Each chunk owns logit rows `range` of the block and the matching anchor slots of
        // losses/hits/inverseSums: chunks never overlap.
        Parallel.forEachChunk(count, minimumChunk: max(1, 32768 / rows)) { range in
            for local in range {
                let anchor = firstRow + local
                let row = blockPointer.base + local * rows
                let own = classPointer.base[anchor]
                let positives = countPointer.base[own] - 1
                // Largest positive and negative logits, and the sum of the positive ones.
                var positiveMax = -Float.infinity, negativeMax = -Float.infinity, positiveSum: Float = 0
                for k in 0..<rows where k != anchor {
                    let s = row[k]
                    if classPointer.base[k] == own {
                        positiveSum += s
                        positiveMax = max(positiveMax, s)
                    } else {
                        negativeMax = max(negativeMax, s)
                    }
                }
                row[anchor] = -.infinity
                let rowMax = max(positiveMax, negativeMax)
                let sum = NTXentRowKernel.exponentiate(row, count: rows, subtracting: rowMax)
                if positives > 0 {
                    lossPointer.base[anchor] = log(sum) + rowMax - positiveSum / Float(positives)
                    hitPointer.base[anchor] = positiveMax > negativeMax ? 1 : 0
                    inversePointer.base[anchor] = 1 / sum
                } else {
                    lossPointer.base[anchor] = 0
                    hitPointer.base[anchor] = 0
                    inversePointer.base[anchor] = 0
                }
            }
        }
    }
}
