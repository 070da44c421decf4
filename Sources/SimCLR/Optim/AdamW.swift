import Foundation

/// Adam with decoupled weight decay, exactly `torch.optim.AdamW` (Loshchilov & Hutter 2017,
/// arXiv 1711.05101; `amsgrad=False`, `maximize=False`).
///
/// Per step t (counted from 1): `w ← w·(1 − lr·λ)`; `m ← m + (1−β1)(g − m)` (PyTorch's `lerp_`);
/// `v ← β2·v + (1−β2)·g²`; `w ← w − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + ε)`.
/// Parameters with `excludeFromWeightDecay` use λ = 0 (a separate parameter group in PyTorch).
public final class AdamW: Optimizer {
    public let parameters: [Parameter]
    /// β1, the decay of the first-moment average.
    public let beta1: Float
    /// β2, the decay of the second-moment average.
    public let beta2: Float
    /// ε added to the bias-corrected root second moment.
    public let epsilon: Float
    /// Decoupled weight decay λ (the weight shrinks by lr·λ per step).
    public let weightDecay: Float
    /// Steps taken so far (PyTorch's per-parameter `step`, shared here).
    public private(set) var stepCount: Int = 0
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    public init(
        parameters: [Parameter], beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
        weightDecay: Float = 0.01
    ) {
        self.parameters = parameters
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        self.secondMoments = firstMoments
    }

    /// - Complexity: one pass over each parameter.
    public func step(learningRate: Float) {
        stepCount += 1
        // PyTorch computes the bias corrections as Python floats (double) and hands the scalars
        // to float32 kernels.
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(Double(beta1), t)
        let biasCorrection2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
        let stepSize = Float(Double(learningRate) / biasCorrection1)
        let (beta1, beta2, epsilon) = (self.beta1, self.beta2, self.epsilon)
        for index in parameters.indices {
            let parameter = parameters[index]
            let shrink = 1 - learningRate * (parameter.excludeFromWeightDecay ? 0 : weightDecay)
            let gradient = parameter.gradient
            firstMoments[index].withUnsafeMutableBufferPointer { m in
                secondMoments[index].withUnsafeMutableBufferPointer { v in
                    parameter.value.withUnsafeMutableBufferPointer { w in
                        gradient.withUnsafeBufferPointer { g in
                            for i in 0..<w.count {
                                let weight = w[i] * shrink
                                let mi = m[i] + (1 - beta1) * (g[i] - m[i])
                                let vi = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                                m[i] = mi
                                v[i] = vi
                                let denominator = vi.squareRoot() / biasCorrection2Root + epsilon
                                w[i] = weight - stepSize * (mi / denominator)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Slots `exp_avg`, `exp_avg_sq` (PyTorch's names) per parameter, and `step` as a `[1]`
    /// tensor (exact up to 2^24 steps).
    public func state() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = [("step", Tensor(shape: [1], data: [Float(stepCount)]))]
        for index in parameters.indices {
            let shape = parameters[index].shape
            out.append((parameters[index].name + ".exp_avg", Tensor(shape: shape, data: firstMoments[index])))
            out.append((parameters[index].name + ".exp_avg_sq", Tensor(shape: shape, data: secondMoments[index])))
        }
        return out
    }

    public func load(state: [(name: String, tensor: Tensor)]) {
        precondition(state.count == 1 + 2 * parameters.count, "optimizer state has \(state.count) tensors, expected \(1 + 2 * parameters.count)")
        guard let step = state.first(where: { $0.name == "step" })?.tensor, step.count == 1 else {
            preconditionFailure("AdamW state lacks 'step'")
        }
        stepCount = Int(step.data[0])
        let slots = loadSlots(["exp_avg", "exp_avg_sq"], from: state)
        firstMoments = slots[0]
        secondMoments = slots[1]
    }
}
