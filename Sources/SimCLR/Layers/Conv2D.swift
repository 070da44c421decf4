/// 2-D convolution without bias (`torch.nn.Conv2d(..., bias=False)`), lowered to `cblas_sgemm`.
///
/// Legend: N batch size, C input channels, OC output channels, K kernel size, H×W input and
/// OH×OW output size, `CK² = C·K·K`. Activations are `FeatureMap`s (`[C, N, H, W]`); the weight is
/// OIHW `[OC, C, K, K]`, which is also the row order of the im2col columns, so the file layout
/// and the internal layout are the same.
///
/// Parallel over the batch: the images are split into the fixed tasks of `BatchTasks`, and each
/// task runs its images through the layer on one core with single-threaded sgemm
/// (`ConvolutionTask`). Forward, per chunk of a task's images: `columns [CK², n·OH·OW] = im2col(x)`,
/// then `y[:, chunk] = weight [OC, CK²] × columns` written straight into the `[OC, N·OH·OW]`
/// output. A 1×1 stride-1 convolution skips im2col (`x` is already `[C, N·H·W]`). Backward
/// recomputes the columns: `partial_t += dy × columnsᵀ`, `columns = weightᵀ × dy`,
/// `dx = col2im(columns)`; the tasks' weight-gradient partials are added in task order.
/// 3×3 stride-1 padding-1 convolutions use Winograd F(4×4, 3×3) instead for the output, the
/// input gradient and the weight gradient (`WinogradConvolution`), with no im2col at all. It
/// rounds more than the direct sum: relative to the output's scale, within 1e-5 up to 70
/// channels (the tests' limit) and up to 1.5e-5 at 256–512, against about 4e-7 for im2col.
public final class Conv2D {
    /// How the convolution is lowered to sgemm.
    public enum Algorithm: Sendable {
        /// Winograd where it was measured faster (3×3, stride 1, padding 1, both channel counts
        /// ≥ 16, image sides ≥ 5: the stem's C = 1 or 3 gives too thin products; 7×7 and 5×5
        /// maps are computed as 8×8, 144 multiplies per channel pair against im2col's 441 and
        /// 225, and still gain: the 5×5 third stage of 20×20 views made the whole training step
        /// about 9% faster, 2026-12-03), else im2col.
        case automatic
        /// im2col + one sgemm per chunk of images (any geometry).
        case im2col
        /// Winograd F(4×4, 3×3) as 36 sgemm products (3×3, stride 1, padding 1 only).
        case winograd
    }

    public let inputChannels: Int
    public let outputChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    /// The state_dict prefix, e.g. `layer1.conv1`.
    public let name: String
    /// `[OC, C, K, K]`, named `<prefix>.weight`.
    public let weight: Parameter
    /// When false, `backward` only accumulates the weight gradient (e.g. the stem, whose input is data).
    public var computesInputGradient = true
    /// The output `[OC, N, OH, OW]` of the last `forward`, reused across calls.
    public let output = FeatureMap()
    /// `dL/dx` `[C, N, H, W]` of the last `backward`, reused across calls.
    public let inputGradient = FeatureMap()

    /// Upper bound, in floats, on each worker's im2col buffer; a task processes its images in
    /// chunks whose columns fit (at least one image per chunk).
    public var columnBudget = 1 << 18
    /// Upper bound, in floats, on each of a worker's two Winograd tile buffers.
    public var winogradBudget = 1 << 20
    /// How to lower the convolution (`.automatic` by default).
    public var algorithm = Algorithm.automatic {
        didSet {
            precondition(algorithm != .winograd || supportsWinograd, "Conv2D \(name): Winograd needs 3×3, stride 1, padding 1")
        }
    }

    /// The lowering used for an input of `height × width`.
    private func resolvedAlgorithm(height: Int, width: Int) -> Algorithm {
        algorithm.resolved(
            kernelSize: kernelSize, stride: stride, padding: padding, inputChannels: inputChannels,
            outputChannels: outputChannels, height: height, width: width)
    }

    private var supportsWinograd: Bool { kernelSize == 3 && stride == 1 && padding == 1 }
    /// Transformed kernels `[36, OC, C]` (forward) and `[36, C, OC]` (input gradient).
    private var winogradWeights: [Float]
    private var winogradFlippedWeights: [Float]

    private var input: FeatureMap?
    /// One per worker, grown with `Parallel.workerCount`.
    private var scratch: [ConvolutionScratch] = []
    /// `[tasks, OC·C·K²]`: each batch task's part of the weight gradient.
    private let weightGradientPartials = ScratchBuffer()

    /// Weights drawn as torchvision initialises ResNet convolutions: Kaiming normal, fan_out
    /// mode, ReLU gain, i.e. `N(0, 2 / (OC·K·K))` (He et al. 2015, arXiv:1502.01852).
    public init(
        inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        name: String, rng: inout SplitMix64
    ) {
        precondition(inputChannels > 0 && outputChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D \(name): bad geometry C \(inputChannels) OC \(outputChannels) K \(kernelSize) stride \(stride) pad \(padding)")
        self.inputChannels = inputChannels
        self.outputChannels = outputChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.name = name
        let count = outputChannels * inputChannels * kernelSize * kernelSize
        let std = (2.0 / Double(outputChannels * kernelSize * kernelSize)).squareRoot()
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = Float(rng.nextNormal() * std) }
        weight = Parameter(
            name: name + ".weight", shape: [outputChannels, inputChannels, kernelSize, kernelSize], value: values)
        winogradWeights = [Float](repeating: 0, count: WinogradConvolution.positions * outputChannels * inputChannels)
        winogradFlippedWeights = winogradWeights
    }

    /// A convolution with `other`'s geometry, settings and `weight` (the same `Parameter`: its
    /// backward adds into the same gradient) but activations of its own, so both can hold a
    /// forward at once (multi-crop's second resolution group, `SimCLRModel(sharingParametersOf:)`).
    public init(sharingParametersOf other: Conv2D) {
        inputChannels = other.inputChannels
        outputChannels = other.outputChannels
        kernelSize = other.kernelSize
        stride = other.stride
        padding = other.padding
        name = other.name
        weight = other.weight
        computesInputGradient = other.computesInputGradient
        columnBudget = other.columnBudget
        winogradBudget = other.winogradBudget
        algorithm = other.algorithm
        winogradWeights = [Float](repeating: 0, count: other.winogradWeights.count)
        winogradFlippedWeights = winogradWeights
    }

    /// Output size along one axis for an input of `size`.
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    private var geometry: ConvolutionGeometry {
        let x = input!
        return ConvolutionGeometry(
            channels: inputChannels, batch: x.batch, height: x.height, width: x.width, kernelSize: kernelSize,
            stride: stride, padding: padding, outputHeight: outputSize(x.height), outputWidth: outputSize(x.width))
    }

    /// The worker count for this call (read once: another thread may change
    /// `Parallel.workerCount` meanwhile) and scratch for each of those workers, budgets as set now.
    private func workerScratch() -> (workers: Int, scratch: [ConvolutionScratch]) {
        let workers = Parallel.workerCount
        while scratch.count < workers { scratch.append(ConvolutionScratch(winogradBudget: winogradBudget)) }
        for s in scratch { s.winograd.budget = winogradBudget }
        return (workers, scratch)
    }

    /// Runs `body(task, images, scratch)` for every batch task of a batch of `batch` images, on
    /// all workers, OpenBLAS single-threaded inside.
    private func forEachTask(
        batch: Int, _ body: @Sendable (_ task: Int, _ images: Range<Int>, _ scratch: ConvolutionScratch) -> Void
    ) {
        let tasks = BatchTasks.count(batch: batch)
        let (workers, scratch) = workerScratch()
        BLAS.withSingleThreadedCalls {
            Parallel.forEachTask(tasks, workers: workers) { task, worker in
                body(task, BatchTasks.images(task: task, count: tasks, batch: batch), scratch[worker])
            }
        }
    }

    /// The task description for the current input, with the Winograd kernel `winograd` of the
    /// direction at hand.
    private func taskDescription(
        _ g: ConvolutionGeometry, weight: UnsafePointer<Float>, winograd: UnsafePointer<Float>
    ) -> ConvolutionTask {
        ConvolutionTask(
            algorithm: resolvedAlgorithm(height: g.height, width: g.width), geometry: g,
            outputChannels: outputChannels, weight: SendableConstPointer(weight),
            winogradWeight: SendableConstPointer(winograd), columnBudget: columnBudget)
    }

    /// Fills `u` with the Winograd kernel of the current weight (`flipped`: input gradient).
    private func transformWinogradWeights(_ u: inout [Float], flipped: Bool) {
        weight.value.withUnsafeBufferPointer { w in
            u.withUnsafeMutableBufferPointer { u in
                WinogradConvolution.transformWeights(
                    w.baseAddress!, outputs: outputChannels, inputs: inputChannels, flipped: flipped, into: u.baseAddress!)
            }
        }
    }

    /// `y = conv(x)`; caches `x` (by reference: the caller must not change it before `backward`).
    ///
    /// - Parameter input: `[C, N, H, W]` with `H, W ≥ K − 2·padding`.
    /// - Returns: `output`, `[OC, N, OH, OW]`.
    public func forward(_ input: FeatureMap) -> FeatureMap {
        precondition(input.channels == inputChannels, "Conv2D \(name): input has \(input.channels) channels, expected \(inputChannels)")
        precondition(outputSize(input.height) >= 1 && outputSize(input.width) >= 1,
                     "Conv2D \(name): input \(input.height)×\(input.width) smaller than kernel \(kernelSize) with padding \(padding)")
        self.input = input
        let g = geometry
        output.resize(channels: outputChannels, batch: g.batch, height: g.outputHeight, width: g.outputWidth)
        if resolvedAlgorithm(height: g.height, width: g.width) == .winograd {
            transformWinogradWeights(&winogradWeights, flipped: false)
        }
        let x = SendableConstPointer(UnsafePointer(input.storage)), y = SendablePointer(output.storage)
        weight.value.withUnsafeBufferPointer { w in
            winogradWeights.withUnsafeBufferPointer { u in
                let task = taskDescription(g, weight: w.baseAddress!, winograd: u.baseAddress!)
                // Each task writes the output columns of its own images.
                forEachTask(batch: g.batch) { _, images, scratch in
                    task.forward(images, input: x.base, output: y.base, scratch: scratch)
                }
            }
        }
        return output
    }

    /// Adds `dL/dweight` into `weight.gradient` and, when `computesInputGradient`, returns `dL/dx`.
    ///
    /// - Parameter outputGradient: `dL/dy`, shaped like `output`.
    /// - Returns: `inputGradient` `[C, N, H, W]` (left unchanged when `computesInputGradient` is false).
    @discardableResult
    public func backward(_ outputGradient: FeatureMap) -> FeatureMap {
        guard let input else { preconditionFailure("Conv2D \(name): backward before forward") }
        let g = geometry
        precondition(
            outputGradient.channels == outputChannels && outputGradient.batch == g.batch
                && outputGradient.height == g.outputHeight && outputGradient.width == g.outputWidth,
            "Conv2D \(name): output gradient [\(outputGradient.channels), \(outputGradient.batch), \(outputGradient.height), \(outputGradient.width)] vs output [\(outputChannels), \(g.batch), \(g.outputHeight), \(g.outputWidth)]")
        if computesInputGradient { inputGradient.resize(like: input) }
        if computesInputGradient && resolvedAlgorithm(height: g.height, width: g.width) == .winograd {
            transformWinogradWeights(&winogradFlippedWeights, flipped: true)
        }
        let tasks = BatchTasks.count(batch: g.batch), length = weight.value.count
        let partials = SendablePointer(weightGradientPartials.reserve(tasks * length))
        let x = SendableConstPointer(UnsafePointer(input.storage))
        let dy = SendableConstPointer(UnsafePointer(outputGradient.storage))
        let dx = computesInputGradient ? SendablePointer(inputGradient.storage) : nil
        weight.value.withUnsafeBufferPointer { w in
            winogradFlippedWeights.withUnsafeBufferPointer { u in
                let task = taskDescription(g, weight: w.baseAddress!, winograd: u.baseAddress!)
                // Each task writes its own weight-gradient partial and the input-gradient columns
                // of its own images.
                forEachTask(batch: g.batch) { t, images, scratch in
                    task.backward(
                        images, input: x.base, outputGradient: dy.base, weightGradient: partials.base + t * length,
                        inputGradient: dx?.base, scratch: scratch)
                }
            }
        }
        weight.gradient.withUnsafeMutableBufferPointer { dw in
            BatchTasks.addPartials(partials.base, tasks: tasks, length: length, into: dw.baseAddress!)
        }
        return inputGradient
    }
}

extension Conv2D.Algorithm {
    /// `.im2col` or `.winograd` for a convolution of this geometry over a `height × width` input
    /// (the rule of `.automatic`; an explicit choice is kept).
    func resolved(
        kernelSize: Int, stride: Int, padding: Int, inputChannels: Int, outputChannels: Int, height: Int, width: Int
    ) -> Conv2D.Algorithm {
        switch self {
        case .automatic:
            return kernelSize == 3 && stride == 1 && padding == 1 && min(inputChannels, outputChannels) >= 16
                && min(height, width) >= 5 ? .winograd : .im2col
        case .im2col, .winograd: return self
        }
    }
}
