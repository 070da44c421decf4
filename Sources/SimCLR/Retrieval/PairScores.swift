/// Scores of verification pairs from embeddings.
public enum PairScores {
    /// Cosine similarity of rows `first[p]` and `second[p]` of `embeddings` for every pair p,
    /// each row normalised with `max(‖x‖₂, 1e-12)` (PyTorch `F.normalize`), accumulated in
    /// Double; range −1…1, higher = more alike.
    ///
    /// - Parameter embeddings: `[n, D]`.
    /// - Precondition: every index lies in `0..<n`, `first.count == second.count`.
    public static func cosine(_ embeddings: Tensor, first: [Int], second: [Int]) -> [Double] {
        precondition(embeddings.rank == 2 && first.count == second.count, "PairScores: \(embeddings.shape), \(first.count) vs \(second.count) indices")
        let d = embeddings.shape[1]
        return embeddings.withUnsafeBufferPointer { e in
            zip(first, second).map { a, b in
                let x = e.baseAddress! + a * d, y = e.baseAddress! + b * d
                var dot = 0.0, xx = 0.0, yy = 0.0
                for j in 0..<d {
                    dot += Double(x[j]) * Double(y[j])
                    xx += Double(x[j]) * Double(x[j])
                    yy += Double(y[j]) * Double(y[j])
                }
                return dot / (max(xx.squareRoot(), 1e-12) * max(yy.squareRoot(), 1e-12))
            }
        }
    }
}
