/// Comparison helpers for tests.
public enum Tolerance {
    /// Largest |actual − expected| divided by max(max|expected|, `floor`): the error relative to
    /// the scale of the whole reference tensor, which is how the fixture README states its
    /// tolerances (a per-element relative error would blow up on elements near zero).
    public static func relativeToScale<A: Collection, B: Collection>(
        _ actual: A, _ expected: B, floor: Double = 1e-12
    ) -> Double where A.Element: BinaryFloatingPoint, B.Element: BinaryFloatingPoint {
        precondition(actual.count == expected.count, "lengths differ: \(actual.count) vs \(expected.count)")
        var scale = floor
        var worst = 0.0
        for (a, e) in zip(actual, expected) {
            scale = max(scale, abs(Double(e)))
            let d = abs(Double(a) - Double(e))
            if !(d <= worst) { worst = d.isNaN ? .infinity : d }
        }
        return worst / scale
    }
}
