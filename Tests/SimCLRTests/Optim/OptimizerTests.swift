import SimCLR
import Testing

/// Known-answer tests: each expected value is worked out by hand in the comment above it.
@Suite struct OptimizerTests {
    func parameter(
        _ value: [Float], excludeFromWeightDecay: Bool = false, excludeFromAdaptation: Bool = false
    ) -> Parameter {
        Parameter(
            name: "p", shape: [value.count], value: value, excludeFromWeightDecay: excludeFromWeightDecay,
            excludeFromAdaptation: excludeFromAdaptation)
    }

    func expectClose(_ actual: [Float], _ expected: [Double], _ note: Comment? = nil) {
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) {
            #expect(abs(Double(a) - e) <= 2e-6 * max(1, abs(e)), "got \(actual), expected \(expected). \(note ?? "")")
        }
    }

    // MARK: SGD (torch.optim.SGD semantics)

    @Test func sgdTwoStepsWithMomentumAndWeightDecay() {
        // w = [1, -2, 0.5], g = [0.5, 0.25, -1] both steps, lr 0.1, m 0.9, λ 0.1.
        // step 1: d = g + λw = [0.6, 0.05, -0.95]; b = d; w = w − 0.1·b = [0.94, -2.005, 0.595]
        // step 2: d = [0.5+0.094, 0.25−0.2005, −1+0.0595] = [0.594, 0.0495, −0.9405]
        //         b = 0.9·[0.6, 0.05, −0.95] + d = [1.134, 0.0945, −1.7955]
        //         w = [0.94−0.1134, −2.005−0.00945, 0.595+0.17955] = [0.8266, −2.01445, 0.77455]
        let p = parameter([1, -2, 0.5])
        p.gradient = [0.5, 0.25, -1]
        let sgd = MomentumSGD(parameters: [p], rule: .pytorch, momentum: 0.9, weightDecay: 0.1)
        sgd.step(learningRate: 0.1)
        expectClose(p.value, [0.94, -2.005, 0.595], "step 1")
        sgd.step(learningRate: 0.1)
        expectClose(p.value, [0.8266, -2.01445, 0.77455], "step 2")
        expectClose(sgd.state()[0].tensor.data, [1.134, 0.0945, -1.7955], "momentum buffer")
        #expect(sgd.state()[0].name == "p.momentum_buffer")
    }

    @Test func sgdNesterovStep() {
        // d = [0.6, 0.05, −0.95] (as above), b = d, u = d + 0.9·b = 1.9·d = [1.14, 0.095, −1.805]
        // w = [1 − 0.114, −2 − 0.0095, 0.5 + 0.1805] = [0.886, −2.0095, 0.6805]
        let p = parameter([1, -2, 0.5])
        p.gradient = [0.5, 0.25, -1]
        MomentumSGD(parameters: [p], rule: .pytorch, momentum: 0.9, weightDecay: 0.1, nesterov: true)
            .step(learningRate: 0.1)
        expectClose(p.value, [0.886, -2.0095, 0.6805])
    }

    @Test func sgdSkipsWeightDecayForExcludedParameters() {
        // λ ignored: w = [1, −2, 0.5] − 0.1·[0.5, 0.25, −1] = [0.95, −2.025, 0.6]
        let p = parameter([1, -2, 0.5], excludeFromWeightDecay: true)
        p.gradient = [0.5, 0.25, -1]
        MomentumSGD(parameters: [p], rule: .pytorch, momentum: 0.9, weightDecay: 0.1).step(learningRate: 0.1)
        expectClose(p.value, [0.95, -2.025, 0.6])
    }

    // MARK: LARS (google-research/simclr tf2/lars_optimizer.py, classic momentum)

    @Test func larsTwoSteps() {
        // w = [3, 0, 4] (‖w‖ = 5), g = [0.3, 0, 0.4] both steps, lr 2, m 0.9, λ 0.1, η 0.001.
        // step 1: d = g + λw = [0.6, 0, 0.8] (‖d‖ = 1); r = 0.001·5/1 = 0.005; lr·r = 0.01
        //         v = 0.01·d = [0.006, 0, 0.008]; w = [2.994, 0, 3.992]
        // step 2: d = [0.3+0.2994, 0, 0.4+0.3992] = 0.999·[0.6, 0, 0.8]; ‖d‖ = 0.999; ‖w‖ = 4.99
        //         r = 0.001·4.99/0.999; lr·r·d = 2·0.001·4.99·[0.6, 0, 0.8] = [0.005988, 0, 0.007984]
        //         v = 0.9·[0.006, 0, 0.008] + [0.005988, 0, 0.007984] = [0.011388, 0, 0.015184]
        //         w = [2.994 − 0.011388, 0, 3.992 − 0.015184] = [2.982612, 0, 3.976816]
        let p = parameter([3, 0, 4])
        p.gradient = [0.3, 0, 0.4]
        let lars = MomentumSGD(parameters: [p], rule: .lars(trustCoefficient: 0.001), momentum: 0.9, weightDecay: 0.1)
        lars.step(learningRate: 2)
        expectClose(p.value, [2.994, 0, 3.992], "step 1")
        lars.step(learningRate: 2)
        expectClose(p.value, [2.982612, 0, 3.976816], "step 2")
        expectClose(lars.state()[0].tensor.data, [0.011388, 0, 0.015184], "momentum")
        #expect(lars.state()[0].name == "p.momentum")
    }

    @Test func larsNesterovStep() {
        // As step 1 above: lr·r·d = [0.006, 0, 0.008] = v; u = 0.9·v + lr·r·d = 1.9·v
        // w = [3 − 0.0114, 0, 4 − 0.0152] = [2.9886, 0, 3.9848]
        let p = parameter([3, 0, 4])
        p.gradient = [0.3, 0, 0.4]
        MomentumSGD(
            parameters: [p], rule: .lars(trustCoefficient: 0.001), momentum: 0.9, weightDecay: 0.1, nesterov: true
        ).step(learningRate: 2)
        expectClose(p.value, [2.9886, 0, 3.9848])
    }

    @Test func larsExcludedParameterSkipsDecayAndTrustRatio() {
        // r = 1 and λ = 0: v = 2·g = [0.6, 0, 0.8]; w = [3 − 0.6, 0, 4 − 0.8] = [2.4, 0, 3.2]
        let p = parameter([3, 0, 4], excludeFromWeightDecay: true, excludeFromAdaptation: true)
        p.gradient = [0.3, 0, 0.4]
        MomentumSGD(parameters: [p], rule: .lars(trustCoefficient: 0.001), momentum: 0.9, weightDecay: 0.1)
            .step(learningRate: 2)
        expectClose(p.value, [2.4, 0, 3.2])
    }

    @Test func larsTrustRatioIsOneForZeroWeights() {
        // ‖w‖ = 0 → r = 1 (not η·0/‖g‖ = 0, which would freeze the parameter):
        // v = 0.1·[1, 2, 3]; w = [−0.1, −0.2, −0.3]
        let p = parameter([0, 0, 0])
        p.gradient = [1, 2, 3]
        MomentumSGD(parameters: [p], rule: .lars(trustCoefficient: 0.001), momentum: 0.9, weightDecay: 0.1)
            .step(learningRate: 0.1)
        expectClose(p.value, [-0.1, -0.2, -0.3])
    }

    @Test func larsTrustRatioIsOneForZeroGradient() {
        // ‖g + λw‖ = 0 (λ = 0, g = 0) → r = 1, not η·‖w‖/0 = ∞: the update is 0·1 = 0, and the
        // weights stay finite and unchanged (with r = ∞ they would become NaN).
        let p = parameter([1, 2, 2])
        p.gradient = [0, 0, 0]
        let lars = MomentumSGD(parameters: [p], rule: .lars(trustCoefficient: 0.001), momentum: 0.9, weightDecay: 0)
        lars.step(learningRate: 0.1)
        #expect(p.value == [1, 2, 2])
        #expect(lars.state()[0].tensor.data == [0, 0, 0])
    }

    // MARK: AdamW (torch.optim.AdamW semantics)

    @Test func adamWTwoSteps() {
        // w = [1, −2, 0.5], lr 0.1, λ 0.1, β = (0.9, 0.999), ε 1e-8.
        // step 1, g = [0.5, 0.25, −1]: w·(1 − 0.01) = [0.99, −1.98, 0.495]; m = 0.1g = [0.05, 0.025, −0.1]
        //   v = 0.001g² = [2.5e-4, 6.25e-5, 1e-3]; bias corrections 0.1 and 0.001, so the step is
        //   (0.1/0.1)·m/(√(v/0.001) + ε) = [0.05/0.5, 0.025/0.25, −0.1/1] ≈ [0.1, 0.1, −0.1]
        //   w = [0.89, −2.08, 0.595] (to within ε: 0.890000002, −2.079999996, 0.594999999)
        // step 2, g = [−0.5, 0.25, 0]: w·0.99 = [0.8811, −2.0592, 0.58905]
        //   m = 0.9m + 0.1g = [−0.005, 0.0475, −0.09]
        //   v = 0.999v + 0.001g² = [4.9975e-4, 1.249375e-4, 9.99e-4]
        //   bias corrections 1 − 0.81 = 0.19 and 1 − 0.998001 = 0.001999; step size 0.1/0.19
        //   denominators √(v/0.001999) = [0.5, 0.25, 0.706930], ratios m/denominator = [−0.01, 0.19, −0.127313]
        //   w = [0.8811 + 0.0052632, −2.0592 − 0.1, 0.58905 + 0.0670068]
        //     = [0.8863632, −2.1592, 0.6560558]
        let p = parameter([1, -2, 0.5])
        let adam = AdamW(parameters: [p], weightDecay: 0.1)
        p.gradient = [0.5, 0.25, -1]
        adam.step(learningRate: 0.1)
        expectClose(p.value, [0.890000002, -2.079999996, 0.594999999], "step 1")
        p.gradient = [-0.5, 0.25, 0]
        adam.step(learningRate: 0.1)
        expectClose(p.value, [0.8863632, -2.1592, 0.6560558], "step 2")
        #expect(adam.state().map(\.name) == ["step", "p.exp_avg", "p.exp_avg_sq"])
        #expect(adam.state()[0].tensor.data == [2])
    }

    @Test func adamWSkipsDecayForExcludedParameters() {
        // No shrink: w = [1, −2, 0.5] − 0.1·[1, 1, −1] (to within ε) = [0.9, −2.1, 0.6]
        let p = parameter([1, -2, 0.5], excludeFromWeightDecay: true)
        p.gradient = [0.5, 0.25, -1]
        AdamW(parameters: [p], weightDecay: 0.1).step(learningRate: 0.1)
        expectClose(p.value, [0.9, -2.1, 0.6])
    }

    // MARK: State

    @Test(arguments: OptimizerKind.allCases)
    func stateRoundTripResumesBitwise(kind: OptimizerKind) {
        func make(_ p: Parameter) -> any Optimizer {
            switch kind {
            case .sgd: return MomentumSGD(parameters: [p], rule: .pytorch, momentum: 0.9, weightDecay: 0.1)
            case .lars:
                return MomentumSGD(parameters: [p], rule: .lars(trustCoefficient: 0.001), momentum: 0.9, weightDecay: 0.1)
            case .adamw: return AdamW(parameters: [p], weightDecay: 0.1)
            }
        }
        let gradients: [[Float]] = [[0.5, 0.25, -1], [-0.5, 0.125, 2], [0.75, -1, 0.5]]
        let straight = parameter([1, -2, 0.5])
        let optimizer = make(straight)
        for g in gradients {
            straight.gradient = g
            optimizer.step(learningRate: 0.05)
        }
        // Two steps, save, restore into a fresh optimizer and parameter, third step.
        let first = parameter([1, -2, 0.5])
        let before = make(first)
        for g in gradients.prefix(2) {
            first.gradient = g
            before.step(learningRate: 0.05)
        }
        let resumedParameter = parameter(first.value)
        let resumed = make(resumedParameter)
        resumed.load(state: before.state())
        resumedParameter.gradient = gradients[2]
        resumed.step(learningRate: 0.05)
        #expect(resumedParameter.value == straight.value)
        #expect(resumed.state().map(\.tensor) == optimizer.state().map(\.tensor))
    }
}
