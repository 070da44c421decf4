extension LinearProbe {
    /// One candidate C and its validation top-1 accuracy.
    public struct RegularizationTrial: Sendable, Codable, Equatable {
        public var inverseRegularization: Double
        public var validationTop1: Double
    }

    /// The default grid of C values tried by `selectRegularization`.
    public static let defaultRegularizationGrid: [Double] = [0.01, 0.1, 1, 10, 100]

    /// Chooses C by holding out a seeded random `validationFraction` of the *training* set (never
    /// the test set): for each C in `grid`, trains on the rest (standardised with the rest's own
    /// statistics) and scores top-1 on the held-out part. Returns the best C (the smallest on
    /// ties) and every trial.
    ///
    /// - Parameters:
    ///   - features: raw `[n, D]` training features; labels `[n]`.
    ///   - validationFraction: in (0, 1); at least one sample goes to each side.
    /// - Precondition: n ≥ 2, validationFraction in (0, 1), grid not empty.
    public static func selectRegularization(
        features: Tensor, labels: [Int], classCount: Int, grid: [Double] = defaultRegularizationGrid,
        validationFraction: Double, seed: UInt64, options: Options = Options()
    ) -> (best: Double, trials: [RegularizationTrial]) {
        let n = features.shape[0], d = features.shape[1]
        precondition(n >= 2 && validationFraction > 0 && validationFraction < 1 && !grid.isEmpty,
                     "selectRegularization: n = \(n), validationFraction = \(validationFraction), grid \(grid)")
        var order = Array(0..<n)
        var rng = SplitMix64(seed: seed)
        order.shuffle(using: &rng)
        let validationCount = min(n - 1, max(1, Int((Double(n) * validationFraction).rounded())))
        let validationRows = Array(order[..<validationCount]).sorted()
        let fitRows = Array(order[validationCount...]).sorted()
        func gather(_ rows: [Int]) -> Tensor {
            var out = [Float](repeating: 0, count: rows.count * d)
            features.withUnsafeBufferPointer { x in
                for (i, row) in rows.enumerated() { for j in 0..<d { out[i * d + j] = x[row * d + j] } }
            }
            return Tensor(shape: [rows.count, d], data: out)
        }
        let fitFeatures = gather(fitRows), validationFeatures = gather(validationRows)
        let fitLabels = fitRows.map { labels[$0] }, validationLabels = validationRows.map { labels[$0] }
        var trials: [RegularizationTrial] = []
        for c in grid {
            var trialOptions = options
            trialOptions.inverseRegularization = c
            let probe = train(features: fitFeatures, labels: fitLabels, classCount: classCount, options: trialOptions)
            let top1 = probe.evaluate(features: validationFeatures, labels: validationLabels).top1
            trials.append(RegularizationTrial(inverseRegularization: c, validationTop1: top1))
        }
        let best = trials.max { a, b in
            a.validationTop1 < b.validationTop1 || (a.validationTop1 == b.validationTop1 && a.inverseRegularization > b.inverseRegularization)
        }!
        return (best.inverseRegularization, trials)
    }
}
