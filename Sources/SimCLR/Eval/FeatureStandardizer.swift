/// Per-feature standardisation `x' = (x − mean) / scale`, with statistics from the training
/// features only and applied unchanged to validation and test features (no test leakage).
///
/// Matches scikit-learn's `StandardScaler()`: population standard deviation (ddof = 0),
/// accumulated in Double; a feature whose deviation is below 10·ε(Double) times its mean
/// magnitude (a constant feature) gets scale 1, so it stays constant instead of dividing by 0.
public struct FeatureStandardizer: Sendable, Equatable {
    /// Per-feature mean, `[D]`.
    public var mean: [Float]
    /// Per-feature standard deviation (1 for constant features), `[D]`.
    public var scale: [Float]

    /// Computes the statistics of `features` `[n, D]` (n ≥ 1 samples, D features).
    ///
    /// - Precondition: `features` is `[n, D]` with n ≥ 1.
    /// - Complexity: two passes over the n·D values.
    public init(fitting features: Tensor) {
        precondition(features.rank == 2 && features.shape[0] >= 1, "FeatureStandardizer: expected [n, D] with n >= 1, got \(features.shape)")
        let n = features.shape[0]
        let d = features.shape[1]
        var sum = [Double](repeating: 0, count: d)
        var squares = [Double](repeating: 0, count: d)
        features.withUnsafeBufferPointer { x in
            sum.withUnsafeMutableBufferPointer { s in
                for row in 0..<n {
                    let base = row * d
                    for j in 0..<d { s[j] += Double(x[base + j]) }
                }
                for j in 0..<d { s[j] /= Double(n) }
                squares.withUnsafeMutableBufferPointer { q in
                    for row in 0..<n {
                        let base = row * d
                        for j in 0..<d {
                            let centred = Double(x[base + j]) - s[j]
                            q[j] += centred * centred
                        }
                    }
                }
            }
        }
        mean = sum.map { Float($0) }
        scale = (0..<d).map { j in
            let deviation = (squares[j] / Double(n)).squareRoot()
            // scikit-learn `_handle_zeros_in_scale`: near-zero deviations become 1.
            return deviation < 10 * Double.ulpOfOne * max(1, abs(sum[j])) ? 1 : Float(deviation)
        }
    }

    public init(mean: [Float], scale: [Float]) {
        precondition(mean.count == scale.count, "FeatureStandardizer: mean [\(mean.count)] vs scale [\(scale.count)]")
        self.mean = mean
        self.scale = scale
    }

    /// Feature count D.
    public var featureCount: Int { mean.count }

    /// Standardises `features` `[n, D]` in place with these statistics.
    ///
    /// - Precondition: `features.shape[1] == featureCount`.
    public func apply(to features: inout Tensor) {
        precondition(features.rank == 2 && features.shape[1] == featureCount, "FeatureStandardizer: features \(features.shape) vs D = \(featureCount)")
        let d = featureCount
        let n = features.shape[0]
        let inverse = scale.map { 1 / $0 }
        mean.withUnsafeBufferPointer { m in
            inverse.withUnsafeBufferPointer { s in
                features.withUnsafeMutableBufferPointer { x in
                    let xs = SendablePointer(x.baseAddress!)
                    let ms = SendableConstPointer(m.baseAddress!)
                    let ss = SendableConstPointer(s.baseAddress!)
                    // Each chunk owns whole rows, so chunks write disjoint elements.
                    Parallel.forEachChunk(n, minimumChunk: 1024) { rows in
                        for row in rows {
                            let base = row * d
                            for j in 0..<d { xs.base[base + j] = (xs.base[base + j] - ms.base[j]) * ss.base[j] }
                        }
                    }
                }
            }
        }
    }

    /// `features` standardised with these statistics (a copy).
    public func applied(to features: Tensor) -> Tensor {
        var copy = features
        apply(to: &copy)
        return copy
    }
}
