import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct LinearProbeTests {
    /// Three well-separated Gaussian blobs in 4-D, seeded.
    static func blobs(perClass: Int, seed: UInt64, spread: Double = 0.3) -> (Tensor, [Int]) {
        var rng = SplitMix64(seed: seed)
        let centres: [[Double]] = [[4, 0, 0, 1], [0, 4, 0, -1], [0, 0, 4, 0]]
        var data: [Float] = []
        var labels: [Int] = []
        for (c, centre) in centres.enumerated() {
            for _ in 0..<perClass {
                data += centre.map { Float($0 + spread * rng.nextNormal()) }
                labels.append(c)
            }
        }
        return (Tensor(shape: [labels.count, 4], data: data), labels)
    }

    @Test func separableDataReachesFullAccuracy() {
        let (train, trainLabels) = Self.blobs(perClass: 40, seed: 1)
        let (test, testLabels) = Self.blobs(perClass: 20, seed: 2)
        let probe = LinearProbe.train(features: train, labels: trainLabels, classCount: 3)
        #expect(probe.summary.stopReason == .gradientTolerance, "stopped by \(probe.summary.stopReason)")
        #expect(probe.summary.gradientMaxNorm <= 1e-4)
        let metrics = probe.evaluate(features: test, labels: testLabels)
        #expect(metrics.top1 == 1)
        #expect(metrics.confusionMatrix == [[20, 0, 0], [0, 20, 0], [0, 0, 20]])
        #expect(metrics.perClassAccuracy == [1, 1, 1])
    }

    @Test func objectiveGradientMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 7)
        let n = 24, d = 5, k = 3
        let x = Tensor(shape: [n, d], data: (0..<(n * d)).map { _ in Float(rng.nextNormal()) })
        let labels = (0..<n).map { $0 % k }
        // C small enough that the penalty term matters in the gradient.
        let objective = SoftmaxRegressionObjective(features: x, labels: labels, classCount: k, inverseRegularization: 0.05)
        var theta = (0..<objective.parameterCount).map { _ in 0.5 * rng.nextNormal() }
        var gradient = [Double](repeating: 0, count: theta.count)
        _ = objective.evaluate(theta, gradient: &gradient)
        var scratch = gradient
        let numeric = GradientCheck.centralDifferences(
            indices: Array(0..<theta.count), step: 1e-2,
            perturb: { index, delta in theta[index] += Double(delta) },
            loss: { objective.evaluate(theta, gradient: &scratch) })
        let error = Tolerance.relativeToScale(gradient, numeric)
        #expect(error < 2e-3, "relative gradient error \(error)")
    }

    @Test func objectiveAtZeroIsLogOfClassCount() {
        let x = Tensor(shape: [4, 2], data: [1, 2, -1, 0, 3, 1, 0, 0])
        let objective = SoftmaxRegressionObjective(features: x, labels: [0, 1, 2, 3], classCount: 4, inverseRegularization: 1)
        var gradient = [Double](repeating: 0, count: objective.parameterCount)
        let value = objective.evaluate([Double](repeating: 0, count: objective.parameterCount), gradient: &gradient)
        #expect(abs(value - _log4) < 1e-6)
        // Balanced labels: the intercept gradient vanishes at zero.
        #expect(gradient.suffix(4).allSatisfy { abs($0) < 1e-7 })
    }

    @Test func probeStandardisesWithTrainingStatisticsOnly() {
        let (train, trainLabels) = Self.blobs(perClass: 10, seed: 3)
        var shifted = Self.blobs(perClass: 10, seed: 4).0
        for i in 0..<shifted.count { shifted.data[i] = shifted.data[i] * 3 + 100 }
        let probe = LinearProbe.train(features: train, labels: trainLabels, classCount: 3, options: .init(maximumIterations: 5))
        #expect(probe.standardizer == FeatureStandardizer(fitting: train))
        // Logits of test rows are computed with the train statistics: equal to the hand-made path.
        let expected = probe.standardizer.applied(to: shifted)
        var manual = [Float](repeating: 0, count: shifted.shape[0] * 3)
        for row in 0..<shifted.shape[0] {
            for j in 0..<3 {
                var z = probe.bias[j]
                for f in 0..<4 { z += expected.data[row * 4 + f] * probe.weight.data[f * 3 + j] }
                manual[row * 3 + j] = z
            }
        }
        #expect(Tolerance.relativeToScale(probe.logits(for: shifted).data, manual) < 1e-5)
    }

    @Test func regularizationSearchTriesEveryCandidateOnHeldOutTrainingRows() {
        let (train, labels) = Self.blobs(perClass: 20, seed: 5, spread: 2.5)
        let (best, trials) = LinearProbe.selectRegularization(
            features: train, labels: labels, classCount: 3, grid: [0.001, 1], validationFraction: 0.25, seed: 9)
        #expect(trials.map(\.inverseRegularization) == [0.001, 1])
        #expect(trials.contains { $0.inverseRegularization == best })
        let top = trials.map(\.validationTop1).max()!
        #expect(trials.first { $0.inverseRegularization == best }!.validationTop1 == top)
    }
}

private let _log4 = 1.3862943611198906
