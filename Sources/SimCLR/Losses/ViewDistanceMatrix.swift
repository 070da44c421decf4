/// Workspace of the margin losses over a batch of 2N views: the (optionally L2-normalised)
/// embeddings x, the ordered distance matrix `D_ij = distance(x_i, x_j)` and the gradient from a
/// coefficient matrix W, all reused between calls of the same shape.
///
/// Distances are computed row pair by row pair (not as ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j), so that
/// identical rows are exactly at distance 0 and the degenerate-gradient conventions hold.
///
/// - Complexity: (2N)²·P for the distances (split over the cores), one or two sgemms
///   `[2N, 2N]·[2N, P]` for the gradient.
final class ViewDistanceMatrix {
    private let embeddingStorage = LossWorkspace()
    private let normStorage = LossWorkspace()
    private let distanceStorage = LossWorkspace()
    private let coefficientStorage = LossWorkspace()
    private let gradientStorage = LossWorkspace()

    private(set) var rows = 0
    private(set) var dimension = 0
    private(set) var normalization = EmbeddingNormalization.none
    private(set) var metric = EmbeddingDistance.squaredEuclidean

    /// x `[rows, dimension]`.
    var embeddings: UnsafeMutablePointer<Float> { embeddingStorage.base }
    /// D `[rows, rows]`, `D[i·rows + j] = distance(x_i, x_j)`; the diagonal is not meaningful.
    var distances: UnsafeMutablePointer<Float> { distanceStorage.base }
    /// W `[rows, rows]`: dL/dx_i gets `W_ij·(x_i − x_j + ε)` and dL/dx_j the opposite, times
    /// the `scale` given to `gradient`. Zeroed by `prepare`.
    var coefficients: UnsafeMutablePointer<Float> { coefficientStorage.base }

    /// Fills x, D and zeroes W for `z` `[rows, dimension]`.
    func prepare(
        _ z: UnsafePointer<Float>, rows: Int, dimension: Int,
        normalization: EmbeddingNormalization, metric: EmbeddingDistance
    ) {
        precondition(dimension > 0, "margin loss: embedding dimension must be > 0, got \(dimension)")
        self.rows = rows
        self.dimension = dimension
        self.normalization = normalization
        self.metric = metric
        let x = embeddingStorage.reserve(rows * dimension)
        let norms = normStorage.reserve(rows)
        let d = distanceStorage.reserve(rows * rows)
        coefficientStorage.reserve(rows * rows).update(repeating: 0, count: rows * rows)
        _ = gradientStorage.reserve(rows * dimension)
        switch normalization {
        case .none: x.update(from: z, count: rows * dimension)
        case .l2: RowL2Normalization.forward(z: z, rows: rows, columns: dimension, u: x, norms: norms)
        }
        let xs = SendableConstPointer(UnsafePointer(x)), ds = SendablePointer(d)
        // Each chunk writes only its own rows of D: chunks never overlap.
        Parallel.forEachChunk(rows, minimumChunk: max(1, 16384 / max(1, rows * dimension))) { range in
            for i in range {
                for j in 0..<rows {
                    ds.base[i * rows + j] = metric.measure(
                        xs.base + i * dimension, xs.base + j * dimension, count: dimension)
                }
            }
        }
    }

    /// Whether the positive of `anchor` is strictly nearer than every other candidate.
    func positiveIsNearest(_ anchor: Int) -> Bool {
        let row = distances + anchor * rows
        let positive = anchor < rows / 2 ? anchor + rows / 2 : anchor - rows / 2
        for k in 0..<rows where k != anchor && k != positive && !(row[positive] < row[k]) {
            return false
        }
        return true
    }

    /// dL/dz `[rows, dimension]` into `dz` from `scale · W`:
    /// `dL/dx_i = Σ_j scale·W_ij (x_i − x_j + ε) − Σ_j scale·W_ji (x_j − x_i + ε)`, then back
    /// through the normalisation.
    func gradient(scale: Float, into dz: UnsafeMutablePointer<Float>) {
        let x = embeddings, w = coefficients
        let dx = normalization == .none ? dz : gradientStorage.base
        // dx = −scale (W + Wᵀ) X
        BLAS.sgemm(.none, .none, m: rows, n: dimension, k: rows, alpha: -scale,
                   a: w, lda: rows, b: x, ldb: dimension, beta: 0, c: dx, ldc: dimension)
        BLAS.sgemm(.transposed, .none, m: rows, n: dimension, k: rows, alpha: -scale,
                   a: w, lda: rows, b: x, ldb: dimension, beta: 1, c: dx, ldc: dimension)
        // dx_i += scale ((rowsum_i + colsum_i) x_i + ε (rowsum_i − colsum_i))
        let epsilon = metric.epsilon
        for i in 0..<rows {
            var rowSum: Float = 0, columnSum: Float = 0
            for j in 0..<rows {
                rowSum += w[i * rows + j]
                columnSum += w[j * rows + i]
            }
            let diagonal = scale * (rowSum + columnSum), shift = scale * epsilon * (rowSum - columnSum)
            let xi = x + i * dimension, dxi = dx + i * dimension
            for c in 0..<dimension { dxi[c] += diagonal * xi[c] + shift }
        }
        if normalization == .l2 {
            RowL2Normalization.backward(
                u: x, norms: normStorage.base, rows: rows, columns: dimension, du: dx, dz: dz)
        }
    }

    /// Bytes of workspace held right now.
    var workspaceBytes: Int {
        embeddingStorage.bytes + normStorage.bytes + distanceStorage.bytes + coefficientStorage.bytes
            + gradientStorage.bytes
    }
}
