/// A convolution and the eval-mode BatchNorm after it folded into one convolution with a bias,
/// the usual inference rewrite: with `s = γ / √(running_var + eps)` per output channel,
/// `weight'[o] = s[o] · weight[o]` and `bias'[o] = β[o] − running_mean[o] · s[o]`, so
/// `BN(conv(x)) = conv'(x) + bias'` up to Float rounding. Its forward adds the bias, an optional
/// residual and an optional ReLU in the same pass that writes the output (`ConvolutionEpilogue`).
///
/// Legend as in `Conv2D`. A snapshot: later changes to the source layers do not reach it.
struct FoldedConvolution: Sendable {
    let inputChannels: Int
    let outputChannels: Int
    let kernelSize: Int
    let stride: Int
    let padding: Int
    /// The source convolution's `algorithm` (resolved per input size as `Conv2D` does).
    let algorithm: Conv2D.Algorithm
    /// OIHW `[OC, C, K, K]`, scaled by s.
    let weight: [Float]
    /// `[OC]`.
    let bias: [Float]
    /// The Winograd kernel `[36, OC, C]` of `weight` for 3×3 stride-1 padding-1 convolutions, else empty.
    let winogradWeight: [Float]

    /// Folds `batchNorm`'s running statistics, γ and β into `convolution`'s weight (BatchNorm's
    /// eval-mode arithmetic: 1/√(var + eps) in Double, then Float).
    ///
    /// - Precondition: `batchNorm.channels == convolution.outputChannels`.
    init(_ convolution: Conv2D, _ batchNorm: BatchNorm) {
        precondition(batchNorm.channels == convolution.outputChannels,
                     "FoldedConvolution: \(batchNorm.name) has \(batchNorm.channels) channels, \(convolution.name) \(convolution.outputChannels)")
        inputChannels = convolution.inputChannels
        outputChannels = convolution.outputChannels
        kernelSize = convolution.kernelSize
        stride = convolution.stride
        padding = convolution.padding
        algorithm = convolution.algorithm
        let perChannel = inputChannels * kernelSize * kernelSize
        var weight = convolution.weight.value, bias = [Float](repeating: 0, count: outputChannels)
        for o in 0..<outputChannels {
            let inverseStd = Float(1 / (Double(batchNorm.runningVariance[o]) + Double(batchNorm.epsilon)).squareRoot())
            let scale = batchNorm.weight.value[o] * inverseStd
            bias[o] = batchNorm.bias.value[o] - batchNorm.runningMean[o] * scale
            for i in (o * perChannel)..<((o + 1) * perChannel) { weight[i] *= scale }
        }
        self.weight = weight
        self.bias = bias
        if kernelSize == 3 && stride == 1 && padding == 1 {
            let (outputs, inputs) = (outputChannels, inputChannels)
            var u = [Float](repeating: 0, count: WinogradConvolution.positions * outputs * inputs)
            weight.withUnsafeBufferPointer { w in
                u.withUnsafeMutableBufferPointer { u in
                    WinogradConvolution.transformWeights(
                        w.baseAddress!, outputs: outputs, inputs: inputs, flipped: false, into: u.baseAddress!)
                }
            }
            winogradWeight = u
        } else {
            winogradWeight = []
        }
    }

    /// Output size along one axis for an input of `size`.
    func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    /// `output = act(conv'(input) + bias' [+ residual])` on the calling thread (single-threaded
    /// sgemm; the caller runs one such call per core).
    ///
    /// - Parameters:
    ///   - input: `[C, batch, height, width]`.
    ///   - output: `[OC, batch, OH, OW]`; `residual`, when given, has that shape too.
    func forward(
        _ input: UnsafePointer<Float>, batch: Int, height: Int, width: Int, output: UnsafeMutablePointer<Float>,
        residual: UnsafePointer<Float>?, relu: Bool, scratch: ConvolutionScratch, columnBudget: Int
    ) {
        let geometry = ConvolutionGeometry(
            channels: inputChannels, batch: batch, height: height, width: width, kernelSize: kernelSize, stride: stride,
            padding: padding, outputHeight: outputSize(height), outputWidth: outputSize(width))
        let lowering = algorithm.resolved(
            kernelSize: kernelSize, stride: stride, padding: padding, inputChannels: inputChannels,
            outputChannels: outputChannels, height: height, width: width)
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                winogradWeight.withUnsafeBufferPointer { u in
                    let task = ConvolutionTask(
                        algorithm: lowering, geometry: geometry, outputChannels: outputChannels,
                        weight: SendableConstPointer(w.baseAddress!),
                        winogradWeight: SendableConstPointer(u.baseAddress ?? w.baseAddress!), columnBudget: columnBudget)
                    let epilogue = ConvolutionEpilogue(
                        bias: SendableConstPointer(b.baseAddress!), residual: residual.map(SendableConstPointer.init), relu: relu)
                    task.forward(0..<batch, input: input, output: output, scratch: scratch, epilogue: epilogue)
                }
            }
        }
    }
}
