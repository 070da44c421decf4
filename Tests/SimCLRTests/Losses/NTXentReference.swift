import Foundation

/// NT-Xent written straight from Algorithm 1 of the SimCLR paper (arXiv 2002.05709), in Double,
/// with no blocking, masking tricks or max subtraction: the slow reference for the fast loss.
///
/// `z` is `[2N, d]` row-major; rows i and i+N are the two views of image i (the paper pairs
/// 2k−1 and 2k; only the indexing differs). `decoupled` leaves the positive out of the
/// denominator too (DCL, Yeh et al. 2022, arXiv 2110.06848, eq. 6).
func ntXentAlgorithm1(
    _ z: [Double], rows: Int, dimension: Int, temperature: Double, decoupled: Bool = false
) -> Double {
    let n = rows / 2
    func row(_ r: Int) -> ArraySlice<Double> { z[(r * dimension)..<((r + 1) * dimension)] }
    func sim(_ i: Int, _ j: Int) -> Double {
        let a = row(i), b = row(j)
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += x * y
            na += x * x
            nb += y * y
        }
        return dot / (max(na.squareRoot(), 1e-12) * max(nb.squareRoot(), 1e-12))
    }
    func l(_ i: Int, _ j: Int) -> Double {
        var denominator = 0.0
        for k in 0..<rows where k != i && !(decoupled && k == j) { denominator += exp(sim(i, k) / temperature) }
        return -log(exp(sim(i, j) / temperature) / denominator)
    }
    var total = 0.0
    for k in 0..<n { total += l(k, k + n) + l(k + n, k) }
    return total / Double(2 * n)
}
