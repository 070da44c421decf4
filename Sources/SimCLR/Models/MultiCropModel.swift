/// The SimCLR model over multi-crop's two resolution groups in one step (Caron et al. 2020,
/// SwAV, arXiv 2006.09882, §3.2): the 2N full-size views run through `model`, the K·N small
/// views through `smallViewModel`, which shares every parameter with `model` but keeps its own
/// activations, so each group back-propagates through its own forward.
///
/// BatchNorm normalises each group with its own batch statistics, as SwAV does by running the
/// encoder once per resolution. The running statistics, which eval mode applies to full-size
/// images (probe, embed, export), follow the full-size group only; SwAV updates them with both
/// groups in turn.
///
/// - Complexity: the full-size forward and backward plus the small group's, about
///   K·S² / (2·H²) of the former (0.65 for K = 4, S = 16, H = 28).
public final class MultiCropModel {
    /// The model of the full-size views: its parameters are the run's.
    public let model: SimCLRModel
    /// The small views' model: `SimCLRModel(sharingParametersOf: model)`.
    public let smallViewModel: SimCLRModel
    /// Rows of each group in the last `forward`.
    private var fullRows = 0, smallRows = 0
    private var embeddings = Tensor(shape: [0])
    private var fullGradient = Tensor(shape: [0])
    private var smallGradient = Tensor(shape: [0])

    public init(model: SimCLRModel) {
        self.model = model
        smallViewModel = SimCLRModel(sharingParametersOf: model)
    }

    /// Runs each group through its model in `mode` and returns both z, concatenated.
    ///
    /// - Parameters:
    ///   - views: the full-size views `[2N, H, W, C]` (rows i and i+N: image i).
    ///   - smallViews: the small views `[K·N, S, S, C]` (row j·N + i: small view j of image i).
    /// - Returns: z `[(2 + K)·N, P]`: rows `0..<2N` the full-size views', then the small views' in
    ///   their order, so view v of image i (v = 2 + j for small view j) is row `v·N + i`.
    ///   Valid until the next call.
    /// - Precondition: `K·N` is a multiple of N = `views.shape[0] / 2`.
    public func forward(views: Tensor, smallViews: Tensor, mode: ModelMode) -> Tensor {
        precondition(
            views.shape[0] % 2 == 0 && smallViews.shape[0] % max(views.shape[0] / 2, 1) == 0,
            "MultiCropModel: \(views.shape[0]) full-size and \(smallViews.shape[0]) small views")
        let full = model.forward(views, mode: mode).z
        let small = smallViewModel.forward(smallViews, mode: mode).z
        let p = full.shape[1], fullRows = full.shape[0], rows = fullRows + small.shape[0]
        (self.fullRows, smallRows) = (fullRows, small.shape[0])
        if embeddings.shape != [rows, p] { embeddings = Tensor(shape: [rows, p]) }
        embeddings.withUnsafeMutableBufferPointer { z in
            full.withUnsafeBufferPointer { z.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
            small.withUnsafeBufferPointer { (z.baseAddress! + fullRows * p).update(from: $0.baseAddress!, count: $0.count) }
        }
        return embeddings
    }

    /// Back-propagates `dL/dz` `[(2 + K)·N, P]` (rows as `forward` returned them): the first 2N
    /// rows through `model`, the rest through `smallViewModel`, both adding into the shared
    /// parameter gradients. Call after `forward`.
    public func backward(zGradient: Tensor) {
        let p = zGradient.shape[1], fullRows = fullRows, smallRows = smallRows
        precondition(
            zGradient.rank == 2 && zGradient.shape[0] == fullRows + smallRows,
            "MultiCropModel: z gradient \(zGradient.shape) for \(fullRows) + \(smallRows) views")
        if fullGradient.shape != [fullRows, p] { fullGradient = Tensor(shape: [fullRows, p]) }
        if smallGradient.shape != [smallRows, p] { smallGradient = Tensor(shape: [smallRows, p]) }
        zGradient.withUnsafeBufferPointer { dz in
            fullGradient.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: dz.baseAddress!, count: $0.count) }
            smallGradient.withUnsafeMutableBufferPointer {
                $0.baseAddress!.update(from: dz.baseAddress! + fullRows * p, count: $0.count)
            }
        }
        model.backward(zGradient: fullGradient)
        smallViewModel.backward(zGradient: smallGradient)
    }
}
