import Foundation

/// Weighted k-nearest-neighbour classifier on L2-normalised features, the monitor of Wu et al.
/// 2018, "Unsupervised Feature Learning via Non-Parametric Instance Discrimination" (arXiv
/// 1805.01978, §3.4; reference code `test.py:kNN`): cosine similarity s to every training
/// feature, the k most similar vote for their class with weight exp(s / temperature), and the
/// class with the largest total wins.
///
/// Legend: n training samples, m queries, D features, K classes, B query block size.
public struct WeightedKNNClassifier: Sendable {
    /// Neighbours that vote (k ≥ 1; capped at n).
    public var neighborCount: Int
    /// Temperature of the vote weights exp(s / temperature), > 0 (0.1 in Wu et al.).
    public var temperature: Float
    public let classCount: Int
    /// L2-normalised training features, `[n, D]`.
    private let bank: Tensor
    private let labels: [Int]

    /// Queries per similarity block: a `[B, n]` block is the only large buffer.
    static let blockSize = 128

    /// - Parameters:
    ///   - trainFeatures: `[n, D]`, any scale (rows are L2-normalised with `max(‖x‖, 1e-12)`).
    ///   - labels: `[n]` in `0..<classCount`.
    /// - Precondition: shapes agree, k ≥ 1, temperature > 0.
    public init(trainFeatures: Tensor, labels: [Int], classCount: Int, neighborCount: Int = 200, temperature: Float = 0.1) {
        precondition(trainFeatures.rank == 2 && trainFeatures.shape[0] == labels.count && !labels.isEmpty,
                     "WeightedKNNClassifier: features \(trainFeatures.shape) vs labels [\(labels.count)]")
        precondition(labels.allSatisfy { (0..<classCount).contains($0) }, "WeightedKNNClassifier: labels must lie in 0..<\(classCount)")
        precondition(neighborCount >= 1 && temperature > 0, "WeightedKNNClassifier: k = \(neighborCount), temperature = \(temperature)")
        self.bank = Self.normalizedRows(trainFeatures)
        self.labels = labels
        self.classCount = classCount
        self.neighborCount = neighborCount
        self.temperature = temperature
    }

    /// Summed vote weights per class, `[m, K]`, for `queries` `[m, D]`; feed to
    /// `ClassificationMetrics` for top-1/top-5. Each row's weights are exp((s − s_max) / τ) with
    /// s_max its largest neighbour similarity: the same ranking as exp(s / τ) (a common factor
    /// per row), finite for any τ > 0, the nearest neighbour weighing 1.
    ///
    /// - Precondition: `queries.shape[1] == D`.
    /// - Complexity: one sgemm `[B, D]·[D, n]` per block of B queries, then a size-k heap
    ///   selection over each row of n similarities.
    public func scores(for queries: Tensor) -> Tensor {
        let d = bank.shape[1], n = bank.shape[0], k = classCount
        precondition(queries.rank == 2 && queries.shape[1] == d, "WeightedKNNClassifier: queries \(queries.shape) vs bank [\(n), \(d)]")
        let m = queries.shape[0]
        let q = Self.normalizedRows(queries)
        let neighbours = min(neighborCount, n)
        var votes = Tensor(shape: [m, k], repeating: 0)
        var similarities = [Float](repeating: 0, count: Self.blockSize * n)
        let inverseTemperature = 1 / temperature
        var blockStart = 0
        while blockStart < m {
            let rows = min(Self.blockSize, m - blockStart)
            q.withUnsafeBufferPointer { qp in
                bank.withUnsafeBufferPointer { bp in
                    similarities.withUnsafeMutableBufferPointer { sp in
                        BLAS.sgemm(.none, .transposed, m: rows, n: n, k: d, a: qp.baseAddress! + blockStart * d, lda: d,
                                   b: bp.baseAddress!, ldb: d, c: sp.baseAddress!, ldc: n)
                    }
                }
            }
            similarities.withUnsafeBufferPointer { sp in
                labels.withUnsafeBufferPointer { lp in
                    votes.withUnsafeMutableBufferPointer { vp in
                        let s = SendableConstPointer(sp.baseAddress!)
                        let l = SendableConstPointer(lp.baseAddress!)
                        let v = SendablePointer(vp.baseAddress! + blockStart * k)
                        // Each chunk owns whole query rows of the block: disjoint vote rows.
                        Parallel.forEachChunk(rows) { chunk in
                            var heapValues = [Float](repeating: 0, count: neighbours)
                            var heapIndices = [Int](repeating: 0, count: neighbours)
                            for row in chunk {
                                Self.selectTop(neighbours, of: s.base + row * n, count: n, values: &heapValues, indices: &heapIndices)
                                let out = v.base + row * k
                                // Max-subtracted: exp((s − s_max)/τ) ∈ (0, 1], so a small τ neither
                                // overflows to inf nor lets the largest weight swamp the rest.
                                var largest = -Float.infinity
                                for j in 0..<neighbours { largest = max(largest, heapValues[j]) }
                                for j in 0..<neighbours {
                                    out[l.base[heapIndices[j]]] += Foundation.exp((heapValues[j] - largest) * inverseTemperature)
                                }
                            }
                        }
                    }
                }
            }
            blockStart += rows
        }
        return votes
    }

    /// Fills `values`/`indices` (length `top`) with the `top` largest of `row[0..<count]` (ties to
    /// the lower index), in no particular order, using a min-heap keyed on (value, −index).
    static func selectTop(
        _ top: Int, of row: UnsafePointer<Float>, count: Int, values: inout [Float], indices: inout [Int]
    ) {
        // "a is worse than b": smaller value, or equal value and larger index.
        @inline(__always) func worse(_ a: Int, _ b: Int) -> Bool {
            values[a] < values[b] || (values[a] == values[b] && indices[a] > indices[b])
        }
        func siftDown(_ start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1
                if left >= top { return }
                var child = left
                if left + 1 < top && worse(left + 1, left) { child = left + 1 }
                if !worse(child, parent) { return }
                values.swapAt(child, parent)
                indices.swapAt(child, parent)
                parent = child
            }
        }
        for i in 0..<top {
            values[i] = row[i]
            indices[i] = i
        }
        for i in stride(from: top / 2 - 1, through: 0, by: -1) { siftDown(i) }
        for i in top..<count where row[i] > values[0] {
            values[0] = row[i]
            indices[0] = i
            siftDown(0)
        }
    }

    /// Rows divided by `max(‖row‖₂, 1e-12)` (PyTorch `F.normalize`).
    static func normalizedRows(_ x: Tensor) -> Tensor {
        var out = x
        let d = x.shape[1]
        out.withUnsafeMutableBufferPointer { p in
            for row in 0..<x.shape[0] {
                var squares: Float = 0
                for j in 0..<d { squares += p[row * d + j] * p[row * d + j] }
                let inverse = 1 / max(squares.squareRoot(), 1e-12)
                for j in 0..<d { p[row * d + j] *= inverse }
            }
        }
        return out
    }
}
