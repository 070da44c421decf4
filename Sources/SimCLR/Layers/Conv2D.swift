/// 2-D convolution without bias (`torch.nn.Conv2d(..., bias=False)`), lowered to `cblas_sgemm`.
///
/// Legend: N batch size, C input channels, OC output channels, K kernel size, H×W input and
/// OH×OW output size, `CK² = C·K·K`. Activations are `FeatureMap`s (`[C, N, H, W]`); the weight is
/// OIHW `[OC, C, K, K]`, which is also the row order of the im2col columns, so the file layout
/// and the internal layout are the same.
///
/// Forward, per chunk of images: `columns [CK², n·OH·OW] = im2col(x)`, then
/// `y[:, chunk] = weight [OC, CK²] × columns` written straight into the `[OC, N·OH·OW]` output.
/// A 1×1 stride-1 convolution skips im2col (`x` is already `[C, N·H·W]`). Backward recomputes
/// the columns: `weightGradient += dy × columnsᵀ`, `columns = weightᵀ × dy`, `dx = col2im(columns)`.
/// 3×3 stride-1 padding-1 convolutions use Winograd F(2×2, 3×3) instead for the output and the
/// input gradient (`WinogradConvolution`), and im2col only for the weight gradient.
public final class Conv2D {
    /// How the convolution is lowered to sgemm.
    public enum Algorithm: Sendable {
        /// im2col + one sgemm per chunk of images (any geometry).
        case im2col
        /// Winograd F(2×2, 3×3) as 16 sgemm products (3×3, stride 1, padding 1 only).
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

    /// Upper bound on the im2col buffer, in floats; the batch is processed in chunks of images
    /// whose columns fit (at least one image per chunk).
    public var columnBudget = 1 << 20 {
        didSet { winograd.budget = columnBudget }
    }
    /// `.winograd` by default where the geometry allows it and both channel counts are at least
    /// 16 (with fewer, the 16 products are too thin for sgemm: the stem's C = 1 or 3), else `.im2col`.
    public var algorithm: Algorithm {
        didSet {
            precondition(algorithm == .im2col || supportsWinograd, "Conv2D \(name): Winograd needs 3×3, stride 1, padding 1")
        }
    }

    private var supportsWinograd: Bool { kernelSize == 3 && stride == 1 && padding == 1 }
    private let winograd = WinogradConvolution(budget: 1 << 20)
    /// Transformed kernels `[16, OC, C]` (forward) and `[16, C, OC]` (input gradient).
    private var winogradWeights: [Float]
    private var winogradFlippedWeights: [Float]

    private var input: FeatureMap?
    private var columns = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var columnsCapacity = 1

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
        winogradWeights = [Float](repeating: 0, count: 16 * outputChannels * inputChannels)
        winogradFlippedWeights = winogradWeights
        algorithm = kernelSize == 3 && stride == 1 && padding == 1 && min(inputChannels, outputChannels) >= 16
            ? .winograd : .im2col
    }

    deinit { columns.deallocate() }

    /// Output size along one axis for an input of `size`.
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    private var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    private var geometry: ConvolutionGeometry {
        let x = input!
        return ConvolutionGeometry(
            channels: inputChannels, batch: x.batch, height: x.height, width: x.width, kernelSize: kernelSize,
            stride: stride, padding: padding, outputHeight: outputSize(x.height), outputWidth: outputSize(x.width))
    }

    /// Images per im2col chunk and makes sure the column buffer holds that many.
    private func planColumns(_ g: ConvolutionGeometry) -> Int {
        let perImage = g.rows * g.outputPlane
        let images = max(1, min(g.batch, columnBudget / max(1, perImage)))
        if images * perImage > columnsCapacity {
            columns.deallocate()
            columnsCapacity = images * perImage
            columns = UnsafeMutablePointer<Float>.allocate(capacity: columnsCapacity)
        }
        return images
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
        let outputRow = g.batch * g.outputPlane
        if algorithm == .winograd {
            winogradConvolve(input.storage, flipped: false, output: output.storage, batch: g.batch)
            return output
        }
        weight.value.withUnsafeBufferPointer { w in
            if isPointwise {
                BLAS.sgemm(.none, .none, m: outputChannels, n: outputRow, k: inputChannels, a: w.baseAddress!,
                           lda: inputChannels, b: input.storage, ldb: outputRow, c: output.storage, ldc: outputRow)
                return
            }
            let chunk = planColumns(g)
            for first in Swift.stride(from: 0, to: g.batch, by: chunk) {
                let images = first..<min(g.batch, first + chunk)
                let width = images.count * g.outputPlane
                ConvolutionLowering.im2col(input.storage, g, images: images, columns: columns)
                BLAS.sgemm(.none, .none, m: outputChannels, n: width, k: g.rows, a: w.baseAddress!, lda: g.rows,
                           b: columns, ldb: width, c: output.storage + first * g.outputPlane, ldc: outputRow)
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
        let outputRow = g.batch * g.outputPlane
        let dy = outputGradient.storage
        weight.value.withUnsafeBufferPointer { wBuffer in
            weight.gradient.withUnsafeMutableBufferPointer { dwBuffer in
                let w = wBuffer.baseAddress!, dw = dwBuffer.baseAddress!
                if isPointwise {
                    BLAS.sgemm(.none, .transposed, m: outputChannels, n: inputChannels, k: outputRow, a: dy, lda: outputRow,
                               b: input.storage, ldb: outputRow, beta: 1, c: dw, ldc: inputChannels)
                    if computesInputGradient {
                        BLAS.sgemm(.transposed, .none, m: inputChannels, n: outputRow, k: outputChannels, a: w,
                                   lda: inputChannels, b: dy, ldb: outputRow, c: inputGradient.storage, ldc: outputRow)
                    }
                    return
                }
                let chunk = planColumns(g)
                for first in Swift.stride(from: 0, to: g.batch, by: chunk) {
                    let images = first..<min(g.batch, first + chunk)
                    let width = images.count * g.outputPlane
                    let dyChunk = dy + first * g.outputPlane
                    ConvolutionLowering.im2col(input.storage, g, images: images, columns: columns)
                    BLAS.sgemm(.none, .transposed, m: outputChannels, n: g.rows, k: width, a: dyChunk, lda: outputRow,
                               b: columns, ldb: width, beta: 1, c: dw, ldc: g.rows)
                    if computesInputGradient && algorithm == .im2col {
                        BLAS.sgemm(.transposed, .none, m: g.rows, n: width, k: outputChannels, a: w, lda: g.rows,
                                   b: dyChunk, ldb: outputRow, c: columns, ldc: width)
                        ConvolutionLowering.col2im(columns, g, images: images, inputGradient: inputGradient.storage)
                    }
                }
            }
        }
        if computesInputGradient && algorithm == .winograd {
            winogradConvolve(dy, flipped: true, output: inputGradient.storage, batch: g.batch)
        }
        return inputGradient
    }

    /// Forward (`flipped == false`: C → OC) or input-gradient (`true`: OC → C, kernel rotated
    /// by 180°) convolution by Winograd F(2×2, 3×3) over the last input's spatial size.
    private func winogradConvolve(_ source: UnsafePointer<Float>, flipped: Bool, output: UnsafeMutablePointer<Float>, batch: Int) {
        let x = input!
        let (from, to) = flipped ? (outputChannels, inputChannels) : (inputChannels, outputChannels)
        func run(_ u: inout [Float]) {
            weight.value.withUnsafeBufferPointer { w in
                u.withUnsafeMutableBufferPointer { u in
                    WinogradConvolution.transformWeights(
                        w.baseAddress!, outputs: outputChannels, inputs: inputChannels, flipped: flipped, into: u.baseAddress!)
                    winograd.convolve(
                        input: source, inputChannels: from, outputChannels: to, batch: batch, height: x.height,
                        width: x.width, u: u.baseAddress!, output: output)
                }
            }
        }
        if flipped { run(&winogradFlippedWeights) } else { run(&winogradWeights) }
    }
}
