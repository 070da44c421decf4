/// An update rule over a flat list of parameters (STYLE.md §3).
///
/// The trainer calls `step(learningRate:)` once per batch after the backward pass has added into
/// every `Parameter.gradient`; the optimizer reads the gradients and updates `Parameter.value`
/// in place. It never zeroes gradients (the model does, once per step).
public protocol Optimizer: AnyObject {
    /// The parameters updated, in the order given at init.
    var parameters: [Parameter] { get }

    /// Applies one update.
    ///
    /// - Parameter learningRate: the learning rate for this step, after scaling and schedule.
    func step(learningRate: Float)

    /// The optimizer's state as named tensors, for checkpoints: per-parameter slots are named
    /// `<parameter name>.<slot>` (e.g. `layer1.conv1.weight.momentum_buffer`) and have the
    /// parameter's internal shape; optimizer-wide counters are `[1]` tensors.
    func state() -> [(name: String, tensor: Tensor)]

    /// Restores what `state()` returned.
    ///
    /// - Precondition: `state` has exactly the names and shapes of `state()`, in any order.
    ///   Checkpoint loading checks this first and reports the mismatch as a `CheckpointError`.
    func load(state: [(name: String, tensor: Tensor)])
}

/// The optimizers `simclr pretrain` offers.
public enum OptimizerKind: String, CaseIterable, Sendable, Codable {
    /// `torch.optim.SGD` with momentum (see `MomentumSGD`).
    case sgd
    /// LARS as in SimCLR (see `MomentumSGD.Rule.lars`).
    case lars
    /// `torch.optim.AdamW` (see `AdamW`).
    case adamw
}

extension Optimizer {
    /// Copies the named tensors of `state` into per-parameter slot buffers.
    ///
    /// - Precondition: every name `<parameter>.<slot>` is present with the parameter's count.
    func loadSlots(_ slots: [String], from state: [(name: String, tensor: Tensor)]) -> [[[Float]]] {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in state { byName[name] = tensor }
        return slots.map { slot in
            parameters.indices.map { index in
                let name = parameters[index].name + "." + slot
                guard let tensor = byName[name] else {
                    preconditionFailure("optimizer state lacks '\(name)'")
                }
                precondition(
                    tensor.count == parameters[index].count,
                    "optimizer state '\(name)': \(tensor.shape) vs parameter shape \(parameters[index].shape)")
                return tensor.data
            }
        }
    }
}
