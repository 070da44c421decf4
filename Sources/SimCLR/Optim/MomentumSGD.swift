/// Stochastic gradient descent with momentum, and LARS, its layer-wise adaptive variant.
///
/// One code path serves both (as tinygrad `nn/optim.py`, where SGD is LARS without the trust
/// ratio); the `Rule` says which reference each follows exactly:
///
/// - `.pytorch`: `torch.optim.SGD(momentum=m, dampening=0, nesterov=…, weight_decay=λ)`:
///   `d = g + λ·w`, `b = m·b + d`, `u = nesterov ? d + m·b : b`, `w −= lr·u`. The buffer holds
///   gradients, so a change of learning rate acts at once. The first PyTorch step sets `b = d`,
///   which is what `b = m·0 + d` gives from the zero buffer.
/// - `.lars(trustCoefficient: η)`: google-research/simclr `tf2/lars_optimizer.py` with
///   `classic_momentum=True` (You, Gitman & Ginsburg 2017, arXiv 1708.03888):
///   `d = g + λ·w`, trust ratio `r = η·‖w‖/‖d‖` (1 when ‖w‖ = 0 or ‖d‖ = 0, and 1 for parameters
///   with `excludeFromAdaptation`), `v = m·v + lr·r·d`, `u = nesterov ? m·v + lr·r·d : v`,
///   `w −= u`. The buffer holds scaled steps (lr inside the momentum).
///
/// Parameters with `excludeFromWeightDecay` (BatchNorm weights and biases, biases) use λ = 0 under
/// both rules (a separate PyTorch parameter group; SimCLR's `exclude_from_weight_decay`).
public final class MomentumSGD: Optimizer {
    /// Which reference update the optimizer follows.
    public enum Rule: Equatable, Sendable {
        /// `torch.optim.SGD`.
        case pytorch
        /// SimCLR's LARS; `trustCoefficient` is η ("eeta", 0.001 in SimCLR).
        case lars(trustCoefficient: Float)
    }

    public let parameters: [Parameter]
    public let rule: Rule
    /// Momentum factor m (dimensionless, 0 disables momentum).
    public let momentum: Float
    /// Weight decay λ, added to the gradient as λ·w (L2, not decoupled).
    public let weightDecay: Float
    public let nesterov: Bool
    /// Per-parameter momentum buffers, same order and counts as `parameters`.
    private var buffers: [[Float]]

    public init(
        parameters: [Parameter], rule: Rule, momentum: Float = 0.9, weightDecay: Float = 0,
        nesterov: Bool = false
    ) {
        self.parameters = parameters
        self.rule = rule
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        self.buffers = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// The slot name in `state()`: PyTorch's `momentum_buffer` for `.pytorch`, SimCLR's
    /// `Momentum` slot (as `momentum`) for `.lars`. Different names keep a checkpoint from one
    /// rule from being resumed under the other.
    private var slotName: String {
        switch rule {
        case .pytorch: return "momentum_buffer"
        case .lars: return "momentum"
        }
    }

    /// - Complexity: two passes over each parameter under `.lars` (norms, update), one under
    ///   `.pytorch`.
    public func step(learningRate: Float) {
        for index in parameters.indices {
            let parameter = parameters[index]
            let decay = parameter.excludeFromWeightDecay ? 0 : weightDecay
            let momentum = self.momentum
            let nesterov = self.nesterov
            let gradient = parameter.gradient
            buffers[index].withUnsafeMutableBufferPointer { buffer in
                parameter.value.withUnsafeMutableBufferPointer { weight in
                    gradient.withUnsafeBufferPointer { gradient in
                        switch rule {
                        case .pytorch:
                            for i in 0..<weight.count {
                                let d = gradient[i] + decay * weight[i]
                                let b = momentum * buffer[i] + d
                                buffer[i] = b
                                let u = nesterov ? d + momentum * b : b
                                weight[i] -= learningRate * u
                            }
                        case .lars(let trustCoefficient):
                            let ratio =
                                parameter.excludeFromAdaptation
                                ? 1
                                : Self.trustRatio(
                                    weight: UnsafeBufferPointer(weight), gradient: gradient, decay: decay,
                                    trustCoefficient: trustCoefficient)
                            let scaled = learningRate * ratio
                            for i in 0..<weight.count {
                                let d = gradient[i] + decay * weight[i]
                                let v = momentum * buffer[i] + scaled * d
                                buffer[i] = v
                                let u = nesterov ? momentum * v + scaled * d : v
                                weight[i] -= u
                            }
                        }
                    }
                }
            }
        }
    }

    /// LARS trust ratio `η·‖w‖/‖g + λw‖`, or 1 when either norm is 0 (SimCLR's `tf.where`
    /// guards). Norms are accumulated in Double.
    static func trustRatio(
        weight: UnsafeBufferPointer<Float>, gradient: UnsafeBufferPointer<Float>, decay: Float,
        trustCoefficient: Float
    ) -> Float {
        var weightSquares = 0.0
        var gradientSquares = 0.0
        for i in 0..<weight.count {
            let w = weight[i]
            let d = gradient[i] + decay * w
            weightSquares += Double(w) * Double(w)
            gradientSquares += Double(d) * Double(d)
        }
        guard weightSquares > 0, gradientSquares > 0 else { return 1 }
        return Float(Double(trustCoefficient) * (weightSquares / gradientSquares).squareRoot())
    }

    public func state() -> [(name: String, tensor: Tensor)] {
        parameters.indices.map { index in
            (parameters[index].name + "." + slotName, Tensor(shape: parameters[index].shape, data: buffers[index]))
        }
    }

    public func load(state: [(name: String, tensor: Tensor)]) {
        precondition(state.count == parameters.count, "optimizer state has \(state.count) tensors, expected \(parameters.count)")
        buffers = loadSlots([slotName], from: state)[0]
    }
}
