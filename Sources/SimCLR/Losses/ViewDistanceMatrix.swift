/// Workspace of the margin losses over a batch of 2N views: the (optionally L2-normalised)
/// embeddings x, the ordered distance matrix `D_ij = distance(x_i, x_j)` and the gradient from a
/// coefficient matrix W, all reused between calls of the same shape.
///
/// Distances without ε come from one sgemm (‖x_i‖² + ‖x_j‖² − 2 x_i·x_j), except where that is
/// small against the two norms: those row pairs (and the diagonal) are recomputed from their
/// differences, so identical rows are exactly at distance 0 and the degenerate-gradient
/// conventions hold. With ε every pair is computed from its shifted difference.
///
/// - Complexity: one sgemm `[2N, P]·[P, 2N]` for the distances (with ε: (2N)²·P over the
///   cores), one or two sgemms `[2N, 2N]·[2N, P]` for the gradient.
final class ViewDistanceMatrix {
    private let embeddingStorage = LossWorkspace()
    private let normStorage = LossWorkspace()
    private let distanceStorage = LossWorkspace()
    private let coefficientStorage = LossWorkspace()
    private let gradientStorage = LossWorkspace()
    private let squaredNormStorage = LossWorkspace()

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
        let squared = metric == .squaredEuclidean, shift = metric.epsilon
        guard shift == 0 else {
            // Each chunk writes only its own rows of D: chunks never overlap.
            Parallel.forEachChunk(rows, minimumChunk: max(1, 16384 / max(1, rows * dimension))) { range in
                for i in range {
                    for j in 0..<rows {
                        let sum = Self.squaredDistance(xs.base + i * dimension, xs.base + j * dimension, count: dimension, shift: shift)
                        ds.base[i * rows + j] = squared ? sum : sum.squareRoot()
                    }
                }
            }
            return
        }
        // ‖x_i − x_j‖² = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j by one sgemm; where that is below a tenth of
        // ‖x_i‖² + ‖x_j‖² (near or identical rows, where the cancellation loses digits), the row
        // pair's own sum of squared differences replaces it, so identical rows are exactly 0.
        let squaredNorms = squaredNormStorage.reserve(rows)
        for i in 0..<rows {
            let xi = x + i * dimension
            var sum: Float = 0
            for c in 0..<dimension { sum += xi[c] * xi[c] }
            squaredNorms[i] = sum
        }
        BLAS.sgemm(.none, .transposed, m: rows, n: rows, k: dimension, alpha: -2,
                   a: x, lda: dimension, b: x, ldb: dimension, beta: 0, c: d, ldc: rows)
        let ns = SendableConstPointer(UnsafePointer(squaredNorms))
        // Each chunk writes only its own rows of D: chunks never overlap.
        Parallel.forEachChunk(rows, minimumChunk: max(1, 16384 / max(1, rows))) { range in
            for i in range {
                let row = ds.base + i * rows, ni = ns.base[i]
                for j in 0..<rows {
                    let scale = ni + ns.base[j]
                    var sum = row[j] + scale
                    if j == i || !(sum >= 0.1 * scale) {
                        sum = Self.squaredDistance(xs.base + i * dimension, xs.base + j * dimension, count: dimension, shift: 0)
                    }
                    row[j] = squared ? sum : sum.squareRoot()
                }
            }
        }
    }

    /// `‖a − b + shift‖²` over `count` elements, 16 lanes at a time in Float (the (2N)²·P work
    /// of the margin losses; `EmbeddingDistance.measure` sums in Double, 20× slower here).
    /// With shift 0, identical rows give exactly 0 and the result is symmetric in a and b.
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int, shift: Float) -> Float {
        typealias Vector = SIMD4<Float>
        @inline(__always) func load(_ p: UnsafePointer<Float>) -> Vector { UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        let lanes = Vector(repeating: shift)
        var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
        var c = 0
        while c + 16 <= count {
            let d0 = load(a + c) - load(b + c) + lanes, d1 = load(a + c + 4) - load(b + c + 4) + lanes
            let d2 = load(a + c + 8) - load(b + c + 8) + lanes, d3 = load(a + c + 12) - load(b + c + 12) + lanes
            s0 += d0 * d0
            s1 += d1 * d1
            s2 += d2 * d2
            s3 += d3 * d3
            c += 16
        }
        while c + 4 <= count {
            let d = load(a + c) - load(b + c) + lanes
            s0 += d * d
            c += 4
        }
        var sum = ((s0 + s1) + (s2 + s3)).sum()
        while c < count {
            let d = a[c] - b[c] + shift
            sum += d * d
            c += 1
        }
        return sum
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
            + gradientStorage.bytes + squaredNormStorage.bytes
    }
}
