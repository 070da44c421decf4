/// Whether BatchNorm uses batch statistics (and updates its running estimates) or the running
/// estimates: PyTorch's `model.train()` / `model.eval()`.
public enum ModelMode: Sendable, Equatable {
    /// Batch statistics, running estimates updated (pretraining).
    case train
    /// Running statistics, nothing updated (probe, embed, export checks).
    case eval
}
