import SimCLR
import SimCLRTestSupport
import Testing

/// Finite-difference checks of every layer's backward on small random shapes, objective
/// `L = Σ output ⊙ R` in Double.
@Suite struct LayerGradientTests {
    typealias Support = LayerTestSupport

    /// Checks `analytic` (CNHW order) against central differences over all elements of `values`.
    static func expectMatches(
        _ analytic: [Float], step: Float = 1e-2, tolerance: Double, _ what: String,
        perturb: (Int, Float) -> Void, count: Int, loss: () -> Double
    ) {
        let numeric = GradientCheck.centralDifferences(indices: Array(0..<count), step: step, perturb: perturb, loss: loss)
        let error = Tolerance.relativeToScale(analytic, numeric)
        #expect(error < tolerance, "\(what): relative error \(error)")
    }

    /// Train and eval mode, with and without ReLU and residual, 2-D (H·W > 1) and 1-D (H = W = 1).
    @Test(arguments: [ModelMode.train, .eval], [BatchNorm.Activation.identity, .relu])
    func batchNormGradientsMatchFiniteDifferences(mode: ModelMode, activation: BatchNorm.Activation) {
        for (shape, withResidual) in [([3, 4, 5, 2], true), ([5, 1, 1, 4], false), ([1, 3, 2, 3], true)] {
            let bn = BatchNorm(channels: shape[3], activation: activation, name: "bn")
            for c in 0..<bn.channels {
                bn.weight.value[c] = 0.5 + Float(c) * 0.3
                bn.bias.value[c] = 0.2 * Float(c) - 0.1
                bn.runningMean[c] = 0.1 * Float(c)
                bn.runningVariance[c] = 0.5 + 0.2 * Float(c)
            }
            let runningMean = bn.runningMean, runningVariance = bn.runningVariance
            let input = Support.featureMap(nhwc: Support.random(shape, seed: 11, scale: 2))
            let residual = Support.featureMap(nhwc: Support.random(shape, seed: 12))
            let seed = Support.random([input.count], seed: 13).data
            func loss() -> Double {
                bn.runningMean = runningMean
                bn.runningVariance = runningVariance
                return Support.dot(bn.forward(input, residual: withResidual ? residual : nil, mode: mode), seed)
            }
            _ = loss()
            bn.weight.zeroGradient()
            bn.bias.zeroGradient()
            let dx = Support.values(bn.backward(Support.map(like: input, values: seed)))
            let dr = withResidual ? Support.values(bn.residualGradient) : []
            let dGamma = bn.weight.gradient, dBeta = bn.bias.gradient
            let what = "\(mode) \(activation) \(shape)"
            // A small step keeps the differences from crossing the ReLU kink.
            let step: Float = activation == .relu ? 1e-3 : 1e-2
            Self.expectMatches(dx, step: step, tolerance: 5e-3, "\(what) dx", perturb: { input.storage[$0] += $1 }, count: input.count, loss: loss)
            Self.expectMatches(dGamma, step: step, tolerance: 5e-3, "\(what) dγ", perturb: { bn.weight.value[$0] += $1 }, count: bn.channels, loss: loss)
            Self.expectMatches(dBeta, step: step, tolerance: 5e-3, "\(what) dβ", perturb: { bn.bias.value[$0] += $1 }, count: bn.channels, loss: loss)
            if withResidual {
                Self.expectMatches(dr, step: step, tolerance: 5e-3, "\(what) dresidual", perturb: { residual.storage[$0] += $1 },
                                   count: residual.count, loss: loss)
            }
        }
    }

    /// Running estimates after one train-mode forward: momentum 0.1, unbiased variance.
    @Test func batchNormUpdatesRunningStatisticsAsPyTorch() {
        let bn = BatchNorm(channels: 2, name: "bn")
        let input = Support.featureMap(nhwc: Support.random([3, 2, 2, 2], seed: 21, scale: 3))
        _ = bn.forward(input, mode: .train)
        for c in 0..<2 {
            let row = (0..<input.rowLength).map { Double(input.storage[c * input.rowLength + $0]) }
            let mean = row.reduce(0, +) / Double(row.count)
            let unbiased = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(row.count - 1)
            #expect(abs(Double(bn.runningMean[c]) - 0.1 * mean) < 1e-6)
            #expect(abs(Double(bn.runningVariance[c]) - (0.9 + 0.1 * unbiased)) < 1e-5)
        }
        let before = bn.runningMean
        _ = bn.forward(input, mode: .eval)
        #expect(bn.runningMean == before, "eval mode changes nothing")
    }

    @Test func linearGradientsMatchFiniteDifferences() {
        var rng = SplitMix64(seed: 31)
        let linear = Linear(inputFeatures: 5, outputFeatures: 3, name: "fc", rng: &rng)
        let input = FeatureMap()
        input.load(rows: Support.random([4, 5], seed: 32))
        let seed = Support.random([3 * 4], seed: 33).data
        func loss() -> Double { Support.dot(linear.forward(input), seed) }
        _ = loss()
        let dx = Support.values(linear.backward(Support.map(like: linear.output, values: seed)))
        let dw = linear.weight.gradient, db = linear.bias.gradient
        Self.expectMatches(dx, tolerance: 1e-3, "dx", perturb: { input.storage[$0] += $1 }, count: input.count, loss: loss)
        Self.expectMatches(dw, tolerance: 1e-3, "dW", perturb: { linear.weight.value[$0] += $1 }, count: linear.weight.count, loss: loss)
        Self.expectMatches(db, tolerance: 1e-3, "db", perturb: { linear.bias.value[$0] += $1 }, count: 3, loss: loss)
        let rows = Support.random([4, 5], seed: 32)
        let y = linear.forward(input).rowsTensor()
        for n in 0..<4 {
            for o in 0..<3 {
                var sum = linear.bias.value[o]
                for i in 0..<5 { sum += linear.weight.value[o * 5 + i] * rows.data[n * 5 + i] }
                #expect(abs(y.data[n * 3 + o] - sum) < 1e-5, "y = W·x + b")
            }
        }
    }

    @Test func poolAndReLUGradientsMatchFiniteDifferences() {
        let pool = GlobalAveragePool(), relu = ReLU()
        let input = Support.featureMap(nhwc: Support.random([2, 3, 5, 4], seed: 41))
        let poolSeed = Support.random([8], seed: 42).data
        func poolLoss() -> Double { Support.dot(pool.forward(input), poolSeed) }
        _ = poolLoss()
        let dPool = Support.values(pool.backward(Support.map(like: pool.output, values: poolSeed)))
        Self.expectMatches(dPool, tolerance: 1e-3, "pool", perturb: { input.storage[$0] += $1 }, count: input.count, loss: poolLoss)

        let reluSeed = Support.random([input.count], seed: 43).data
        func reluLoss() -> Double { Support.dot(relu.forward(input), reluSeed) }
        _ = reluLoss()
        let dReLU = Support.values(relu.backward(Support.map(like: input, values: reluSeed)))
        // Step below the smallest |x| so no difference crosses the kink.
        let smallest = Support.values(input).map { abs($0) }.min()!
        Self.expectMatches(dReLU, step: min(1e-2, smallest / 2), tolerance: 1e-2, "relu", perturb: { input.storage[$0] += $1 },
                           count: input.count, loss: reluLoss)
        #expect(Support.values(relu.output).allSatisfy { $0 >= 0 })
    }
}
