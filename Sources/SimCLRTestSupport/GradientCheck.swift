import SimCLR

/// Central finite differences for gradient checks (tinygrad `extra/gradcheck.py`).
public enum GradientCheck {
    /// The numerical derivative of `loss` with respect to each element in `indices`, by central
    /// differences `(L(x + h) − L(x − h)) / 2h`.
    ///
    /// - Parameters:
    ///   - indices: the flat coordinates to check (sample a few of a large tensor).
    ///   - step: h, in the units of the perturbed values.
    ///   - perturb: adds its second argument to element `index` of the tensor under test.
    ///   - loss: evaluates the scalar objective, in Double, at the current values.
    public static func centralDifferences(
        indices: [Int], step: Float = 1e-3,
        perturb: (_ index: Int, _ delta: Float) -> Void,
        loss: () -> Double
    ) -> [Double] {
        indices.map { index in
            perturb(index, step)
            let plus = loss()
            perturb(index, -2 * step)
            let minus = loss()
            perturb(index, step)
            return (plus - minus) / (2 * Double(step))
        }
    }

    /// `count` distinct indices of `0..<size` (all of them when `size <= count`), seeded.
    public static func sampleIndices(size: Int, count: Int, seed: UInt64 = 1) -> [Int] {
        if size <= count { return Array(0..<size) }
        var rng = SplitMix64(seed: seed)
        var chosen = Set<Int>()
        while chosen.count < count { chosen.insert(Int(rng.next() % UInt64(size))) }
        return chosen.sorted()
    }
}
