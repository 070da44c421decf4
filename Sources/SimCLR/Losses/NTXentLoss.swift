/// NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020,
/// arXiv 2002.05709, eq. 1), with its gradient, computed in row blocks so that the (2N)²
/// similarity matrix never has to be in memory at once.
///
/// `embeddings` z: `[2N, P]`, un-normalised projection-head outputs; rows i and i+N are the two
/// views of image i, so the positive of row r is row (r + N) mod 2N. Each row is normalised,
/// `u_r = z_r / max(‖z_r‖₂, 1e-12)` (PyTorch `F.normalize`), `s_rk = u_r·u_k / τ`, and
///
///     l_r = −log( exp(s_r,pos(r)) / Σ_{k≠r} exp(s_rk) ),   loss = mean over all 2N rows of l_r.
///
/// The diagonal is excluded from the denominator exactly (its softmax weight is 0, not
/// e^(−large)); the log-sum-exp subtracts the row maximum, so τ = 1e-3 stays finite.
///
/// Conventions: the mean over 2N rows, as lightly's `NTXentLoss` and DESIGN.md, is half of
/// google-research/simclr's `add_contrastive_loss` (which sums both directions and divides by N).
/// N = 1 gives loss 0 and gradient 0 (the positive is the only candidate); an all-zero row gives
/// no NaN (its similarities are 0, its own gradient is dL/du / 1e-12, large but finite).
///
/// Backward: the fused softmax–cross-entropy backward `G = P − onehot(positives)` gives
/// `dL/du = (G + Gᵀ)·U / (2N·τ)`. With E the block's exponentials and P = diag(1/Σ)·E, the
/// row scaling and the one-hot part are applied to `[blockRows, P]` operands, never to the
/// `[blockRows, 2N]` block: `G_b·U = diag(1/Σ)(E_b·U) − U_pos(b)` and
/// `G_bᵀ·U_b = E_bᵀ·(diag(1/Σ)·U_b) − onehotᵀ·U_b`.
///
/// Blocking: rows are processed `blockRows` at a time: one sgemm for the logits block
/// `[blockRows, 2N]`, one pass of exponentials in place, and two sgemms that add the block's
/// share of dL/du (`E_b·U` for its rows, `E_bᵀ·U_b` for all rows). With the default 64 MiB
/// block budget, 2N = 65,536 and P = 128 needs about 128 MiB of workspace (the full matrix would
/// be 16 GiB). One block is the unblocked computation; results differ between block sizes only
/// by float rounding.
///
/// Decoupled (`decoupled: true`, DCL: Yeh et al. 2022, arXiv 2110.06848, eq. 6; lightly's
/// `DCLLoss` without a weight function): the positive is also left out of the denominator,
///
///     l_r = −s_r,pos(r) + log Σ_{k≠r, k≠pos(r)} exp(s_rk),
///
/// which removes the negative–positive coupling that shrinks NT-Xent's gradient once the positive
/// is easy (the paper's small-batch argument). The same kernels run: the positive's stored
/// exponential is 0, so `G = P − onehot` holds with P the softmax over the negatives. It needs at
/// least 2 images (N ≥ 2): with one there are no negatives.
///
/// Workspaces are allocated on the first call with a given shape and reused afterwards. The
/// class is not thread-safe: one call at a time.
///
/// - Complexity: 3 sgemms per block, 6·(2N)²·P flops in all, plus (2N)² exponentials.
public final class NTXentLoss: ViewEmbeddingLoss {
    /// Temperature τ > 0, dimensionless (SimCLR: 0.5 for CIFAR-10, 0.1 for ImageNet).
    public let temperature: Float
    /// Whether the positive is left out of the denominator (DCL) or kept in it (NT-Xent).
    public let decoupled: Bool
    /// Upper bound on the bytes of one logits block `[blockRows, 2N]` (at least one row is
    /// always used). `Int.max` computes the whole matrix at once.
    public let logitBlockBytes: Int

    /// 64 MiB: big enough that every block keeps sgemm efficient, small enough for 2N = 65,536.
    public static let defaultLogitBlockBytes = 64 << 20

    private let normalized = LossWorkspace()
    private let normalizedGradient = LossWorkspace()
    private let norms = LossWorkspace()
    private let logits = LossWorkspace()
    private let rowLosses = LossWorkspace()
    private let rowHits = LossWorkspace()
    private let rowInverseSums = LossWorkspace()
    private let blockProducts = LossWorkspace()

    /// - Throws: `LossError.nonPositiveTemperature` unless `temperature` is finite and > 0.
    public init(
        temperature: Float, decoupled: Bool = false, logitBlockBytes: Int = NTXentLoss.defaultLogitBlockBytes
    ) throws(LossError) {
        guard temperature > 0, temperature.isFinite else { throw .nonPositiveTemperature(temperature) }
        precondition(logitBlockBytes > 0, "NTXentLoss: logitBlockBytes must be > 0, got \(logitBlockBytes)")
        self.temperature = temperature
        self.decoupled = decoupled
        self.logitBlockBytes = logitBlockBytes
    }

    /// Rows per logits block for a batch of `rows` = 2N views.
    public func blockRows(forViews rows: Int) -> Int {
        let perRow = rows * MemoryLayout<Float>.stride
        return max(1, min(rows, logitBlockBytes / max(1, perRow)))
    }

    /// Bytes of workspace held right now (grows to the largest shape seen).
    public var workspaceBytes: Int {
        normalized.bytes + normalizedGradient.bytes + norms.bytes + logits.bytes + rowLosses.bytes
            + rowHits.bytes + rowInverseSums.bytes + blockProducts.bytes
    }

    public func lossAndGradient(
        embeddings: Tensor, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "NTXentLoss: embeddings must be [2N, P], got \(embeddings.shape)")
        if embeddingGradient.shape != embeddings.shape {
            embeddingGradient = Tensor(shape: embeddings.shape)
        }
        let rows = embeddings.shape[0], dimension = embeddings.shape[1]
        try checkRows(rows)
        return embeddings.withUnsafeBufferPointer { z in
            embeddingGradient.withUnsafeMutableBufferPointer { dz in
                compute(z.baseAddress!, rows: rows, dimension: dimension, dz.baseAddress!)
            }
        }
    }

    /// The pointer form of `lossAndGradient(embeddings:embeddingGradient:)`: `embeddings` and
    /// `embeddingGradient` are `[rows, dimension]` row-major; the gradient is overwritten.
    ///
    /// - Throws: `LossError.emptyBatch` / `.oddViewCount` unless `rows` is 2N with N ≥ 1;
    ///   `.noNegatives` for the decoupled loss with N = 1.
    public func lossAndGradient(
        embeddings z: UnsafePointer<Float>, rows: Int, dimension: Int,
        embeddingGradient dz: UnsafeMutablePointer<Float>
    ) throws(LossError) -> ViewLossResult {
        try checkRows(rows)
        return compute(z, rows: rows, dimension: dimension, dz)
    }

    private func checkRows(_ rows: Int) throws(LossError) {
        try LossError.checkViewRows(rows)
        if decoupled && rows < 4 { throw .noNegatives(rows: rows) }
    }

    private func compute(
        _ z: UnsafePointer<Float>, rows: Int, dimension: Int, _ dz: UnsafeMutablePointer<Float>
    ) -> ViewLossResult {
        precondition(dimension > 0, "NTXentLoss: embedding dimension must be > 0, got \(dimension)")
        let u = normalized.reserve(rows * dimension)
        let du = normalizedGradient.reserve(rows * dimension)
        let zNorms = norms.reserve(rows)
        let losses = rowLosses.reserve(rows)
        let hits = rowHits.reserve(rows)
        let inverseSums = rowInverseSums.reserve(rows)
        let blockRows = blockRows(forViews: rows)
        let block = logits.reserve(blockRows * rows)
        let product = blockProducts.reserve(blockRows * dimension)

        RowL2Normalization.forward(z: z, rows: rows, columns: dimension, u: u, norms: zNorms)
        du.update(repeating: 0, count: rows * dimension)
        let gradientScale = 1 / (Float(rows) * temperature)
        var start = 0
        while start < rows {
            let count = min(blockRows, rows - start)
            let ub = u + start * dimension
            BLAS.sgemm(
                .none, .transposed, m: count, n: rows, k: dimension, alpha: 1 / temperature,
                a: ub, lda: dimension, b: u, ldb: dimension, beta: 0, c: block, ldc: rows)
            Self.exponentiateRows(
                block, count: count, firstRow: start, views: rows, decoupled: decoupled,
                losses: losses, hits: hits, inverseSums: inverseSums)
            // du_b += scale · (diag(1/Σ)(E_b·U) − U_pos(b))
            BLAS.sgemm(
                .none, .none, m: count, n: dimension, k: rows,
                a: block, lda: rows, b: u, ldb: dimension, beta: 0, c: product, ldc: dimension)
            Self.addRowTerms(
                product, count: count, firstRow: start, views: rows, dimension: dimension,
                u: u, inverseSums: inverseSums, scale: gradientScale, du: du)
            // du += scale · (E_bᵀ·(diag(1/Σ)·U_b) − onehotᵀ·U_b)
            Self.scaleRows(ub, count: count, dimension: dimension, by: inverseSums + start, into: product)
            BLAS.sgemm(
                .transposed, .none, m: rows, n: dimension, k: count, alpha: gradientScale,
                a: block, lda: rows, b: product, ldb: dimension, beta: 1, c: du, ldc: dimension)
            Self.subtractPositiveTerms(
                count: count, firstRow: start, views: rows, dimension: dimension, u: u,
                scale: gradientScale, du: du)
            start += count
        }
        RowL2Normalization.backward(u: u, norms: zNorms, rows: rows, columns: dimension, du: du, dz: dz)

        var lossSum: Double = 0, hitCount: Double = 0
        for r in 0..<rows {
            lossSum += Double(losses[r])
            hitCount += Double(hits[r])
        }
        return ViewLossResult(
            loss: Float(lossSum / Double(rows)), positiveTop1Accuracy: Float(hitCount / Double(rows)))
    }
}
