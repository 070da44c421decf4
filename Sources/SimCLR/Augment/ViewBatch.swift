/// The 2N augmented views of N images (plus K·N small ones with multi-crop), ready for the encoder.
public struct ViewBatch: Sendable {
    /// `[2N, H, W, C]` NHWC, normalised; rows `i` and `i + N` are the two views of `imageIndices[i]`.
    public var views: Tensor
    /// With multi-crop, `[K·N, S, S, C]` NHWC, normalised: row `j·N + i` is small view `j` of
    /// `imageIndices[i]` (view number `2 + j` of its image); nil without.
    public var smallViews: Tensor?
    /// The dataset indices of this process's images, in batch order (all N for one process).
    public var imageIndices: [Int]
    /// The dataset indices of the whole batch over all processes, in batch order.
    public var batchImageIndices: [Int]
    /// Epoch of this batch (0-based).
    public var epoch: Int
    /// Batch index within the epoch (0-based).
    public var step: Int
    /// Batch index since the start of training: `epoch · batchesPerEpoch + step`.
    public var globalStep: Int
    /// Loader state just after this batch: store it in a checkpoint to resume with the next batch.
    public var resumeState: ViewBatchLoader.State

    /// The number of this process's images (N for one process).
    public var batchSize: Int { imageIndices.count }
}
