/// Integer draws whose algorithm is fixed here rather than in the standard library, so a seed
/// gives the same batches on every toolchain (stored seeds must replay after an upgrade).
enum AugmentationRandom {
    /// Uniform in `0..<n` by multiply-shift of 64 random bits (bias below n / 2⁶⁴).
    @inline(__always)
    static func index(below n: Int, using rng: inout SplitMix64) -> Int {
        precondition(n > 0, "AugmentationRandom.index: empty range \(n)")
        return Int(rng.next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// Fisher–Yates permutation of `0..<count`.
    static func permutation(_ count: Int, using rng: inout SplitMix64) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, index(below: i + 1, using: &rng))
            i -= 1
        }
        return order
    }
}
