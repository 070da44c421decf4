/// Encoder f(·) and projection head g(·) trained together (Chen et al. 2020, arXiv:2002.05709):
/// views → h = f(views) → z = g(h). Reference: `shared/peers/resnet_mini.py` (`SimCLRModel`).
///
/// One forward and one backward per step over all 2N views (rows i and i+N are the two views of
/// image i); activations are planned on the first call for a batch shape and reused after that.
public final class SimCLRModel {
    public let configuration: ResNetMiniConfiguration
    public let encoder: ResNetMini
    public let head: ProjectionHead
    /// When set, every layer's forward and backward time is added to it (benchmark only).
    public var timings: LayerTimings?
    /// Every gradient packed for `allReduceGradients` (allocated on first use).
    private var gradientBucket: [Float] = []

    private let input = FeatureMap()
    private let projectionGradient = FeatureMap()

    /// Initialises encoder then head from `rng` (torchvision/PyTorch schemes).
    ///
    /// - Throws: `ModelError.invalidConfiguration`.
    public init(configuration: ResNetMiniConfiguration, rng: inout SplitMix64) throws {
        try configuration.validate()
        self.configuration = configuration
        encoder = ResNetMini(configuration: configuration, rng: &rng)
        head = ProjectionHead(representationDim: configuration.representationDim,
                              projectionDim: configuration.projectionDim, rng: &rng)
    }

    /// A model whose every parameter is `other`'s (the same `Parameter` objects: one optimizer
    /// step updates both, and both backward passes add into the same gradients) but with
    /// activations and BatchNorm batch statistics of its own, so two batch shapes (multi-crop's
    /// full-size and small views, `MultiCropModel`) can each keep their forward for their backward.
    /// Its BatchNorm running statistics are its own copies: `other`'s follow `other`'s batches only.
    public init(sharingParametersOf other: SimCLRModel) {
        configuration = other.configuration
        encoder = ResNetMini(sharingParametersOf: other.encoder)
        head = ProjectionHead(sharingParametersOf: other.head)
    }

    /// Every trainable parameter (encoder, then head), in state_dict order.
    public var parameters: [Parameter] { encoder.parameters + head.parameters }

    /// Makes every BatchNorm layer (encoder and head) normalise over the batches of all of
    /// `communicator`'s processes in train mode (global BatchNorm).
    public func synchronizeBatchNorm(over communicator: any Communicator) {
        for norm in encoder.convolutionPairs.map(\.bn) + [head.bn] { norm.communicator = communicator }
    }

    /// Sums every parameter gradient over `communicator`'s processes (after `backward`), so each
    /// holds the gradient of the whole batch: one all-reduce of all gradients packed into one
    /// bucket (as PyTorch DDP's buckets), one message latency per step instead of one per tensor.
    public func allReduceGradients(over communicator: any Communicator) {
        let parameters = self.parameters
        let total = parameters.reduce(0) { $0 + $1.gradient.count }
        if gradientBucket.count != total { gradientBucket = [Float](repeating: 0, count: total) }
        gradientBucket.withUnsafeMutableBufferPointer { bucket in
            var offset = 0
            for parameter in parameters {
                parameter.gradient.withUnsafeBufferPointer { gradient in
                    (bucket.baseAddress! + offset).update(from: gradient.baseAddress!, count: gradient.count)
                    offset += gradient.count
                }
            }
            communicator.allReduceSum(bucket)
            offset = 0
            for parameter in parameters {
                parameter.gradient.withUnsafeMutableBufferPointer { gradient in
                    gradient.baseAddress!.update(from: bucket.baseAddress! + offset, count: gradient.count)
                    offset += gradient.count
                }
            }
        }
    }

    /// Sets every parameter gradient to zero (once per step, before `backward`).
    public func zeroGradients() {
        for parameter in parameters { parameter.zeroGradient() }
    }

    /// Runs the encoder and the head.
    ///
    /// - Parameter views: `[B, H, W, C]` (NHWC), `C = configuration.inputChannels`; in train mode
    ///   `B ≥ 2` (BatchNorm1d needs more than one value per channel).
    /// - Returns: representation h `[B, D]` and projection z `[B, P]`.
    public func forward(_ views: Tensor, mode: ModelMode) -> (h: Tensor, z: Tensor) {
        precondition(views.rank == 4 && views.shape[3] == configuration.inputChannels,
                     "SimCLRModel: views \(views.shape), expected [B, H, W, \(configuration.inputChannels)]")
        timings.measure("input", backward: false) { input.load(nhwc: views) }
        let h = encoder.forward(input, mode: mode, timings: timings)
        let z = head.forward(h, mode: mode, timings: timings)
        return (h.rowsTensor(), z.rowsTensor())
    }

    /// Back-propagates `dL/dz` through head and encoder (the forward reversed), adding into every
    /// parameter gradient. Call after `forward` on the same views.
    ///
    /// - Parameters:
    ///   - zGradient: `dL/dz` `[B, P]`, e.g. from NT-Xent.
    ///   - computeInputGradient: also return `dL/d(views)` (off in training: the views are data).
    /// - Returns: `dL/d(views)` `[B, H, W, C]` when asked for, else nil.
    @discardableResult
    public func backward(zGradient: Tensor, computeInputGradient: Bool = false) -> Tensor? {
        precondition(zGradient.shape == [input.batch, configuration.projectionDim],
                     "SimCLRModel: z gradient \(zGradient.shape), expected [\(input.batch), \(configuration.projectionDim)]")
        projectionGradient.load(rows: zGradient)
        let hGradient = head.backward(projectionGradient, timings: timings)
        encoder.stemConv.computesInputGradient = computeInputGradient
        let dx = encoder.backward(hGradient, timings: timings)
        return dx.map { $0.nhwcTensor() }
    }
}
