import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct Conv2DTests {
    /// (N, H, W, C, OC, K, stride, padding): stride 2, padding, 1×1 with and without stride,
    /// non-square, N = 1, a 5×5 kernel, an input barely larger than the kernel, wide maps (more
    /// than one group of 8 Winograd tiles per tile row), many channels, and batches of more
    /// than `BatchTasks.maximumCount` images (tasks of unequal sizes); stride-2 rows of 17, 8 and
    /// 6 outputs take the vector gathers of im2col and col2im; kernels wider than a 1-pixel-wide
    /// map (PyTorch accepts them); batches whose tasks hold whole groups of 8 images and a rest
    /// (the SIMD lanes of the Winograd transforms); maps 1–3 pixels wide and several rows high,
    /// whose planes are shorter than one 8-float store.
    static let shapes: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 7, 5, 3, 4, 3, 2, 1), (2, 6, 6, 2, 3, 1, 1, 0), (2, 5, 7, 3, 2, 1, 2, 0), (3, 8, 8, 4, 5, 3, 1, 1),
        (1, 4, 9, 1, 2, 3, 1, 0), (2, 9, 8, 3, 4, 5, 2, 2), (1, 3, 3, 2, 3, 3, 2, 1), (2, 13, 13, 1, 3, 3, 1, 1),
        (2, 5, 7, 3, 2, 3, 1, 1), (1, 1, 2, 2, 3, 3, 1, 1), (3, 6, 4, 5, 4, 3, 1, 1),
        (1, 5, 19, 17, 20, 3, 1, 1), (2, 18, 33, 2, 3, 3, 1, 1), (3, 7, 7, 16, 16, 3, 1, 1),
        (37, 6, 5, 2, 3, 3, 1, 1), (20, 5, 4, 3, 2, 3, 2, 1), (19, 3, 3, 2, 3, 1, 1, 0),
        (3, 9, 34, 2, 3, 3, 2, 1), (2, 7, 15, 2, 2, 1, 2, 0), (2, 6, 12, 2, 3, 3, 2, 1),
        (5, 5, 1, 2, 2, 5, 1, 2), (1, 3, 1, 1, 1, 7, 1, 3), (2, 2, 1, 2, 2, 7, 2, 3),
        (150, 6, 5, 2, 3, 3, 1, 1), (300, 9, 12, 2, 2, 3, 1, 1),
        (2, 2, 1, 2, 2, 3, 1, 1), (32, 3, 3, 1, 1, 3, 1, 1), (40, 9, 2, 3, 2, 3, 1, 1),
    ]

    /// im2col + sgemm and Winograd (forward, input gradient, weight gradient) against the direct
    /// loops, with a buffer budget small enough to force one image per chunk and with the default.
    @Test(arguments: shapes, [(Conv2D.Algorithm.im2col, 8), (.im2col, 1 << 20), (.winograd, 8), (.winograd, 1 << 20)])
    func loweredConvolutionMatchesNaiveLoops(
        shape: (Int, Int, Int, Int, Int, Int, Int, Int), setting: (algorithm: Conv2D.Algorithm, budget: Int)
    ) {
        let (n, h, w, c, oc, k, stride, padding) = shape
        if setting.algorithm == .winograd && !(k == 3 && stride == 1 && padding == 1) { return }
        var rng = SplitMix64(seed: UInt64(n * 1000 + h * 100 + k * 10 + stride))
        let conv = Conv2D(inputChannels: c, outputChannels: oc, kernelSize: k, stride: stride, padding: padding,
                          name: "conv", rng: &rng)
        conv.algorithm = setting.algorithm
        conv.columnBudget = setting.budget
        conv.winogradBudget = setting.budget
        let input = LayerTestSupport.random([n, h, w, c], seed: 3)
        let weight = Tensor(shape: conv.weight.shape, data: conv.weight.value)
        let expected = ConvolutionReference.forward(input: input, weight: weight, stride: stride, padding: padding)
        let output = conv.forward(LayerTestSupport.featureMap(nhwc: input)).nhwcTensor()
        #expect(output.shape == expected.shape)
        #expect(Tolerance.relativeToScale(output.data, expected.data) < 1e-5)

        let outputGradient = LayerTestSupport.random(expected.shape, seed: 4)
        let reference = ConvolutionReference.backward(
            input: input, weight: weight, outputGradient: outputGradient, stride: stride, padding: padding)
        conv.weight.gradient = [Float](repeating: 0.5, count: conv.weight.count)
        let inputGradient = conv.backward(LayerTestSupport.featureMap(nhwc: outputGradient)).nhwcTensor()
        #expect(Tolerance.relativeToScale(inputGradient.data, reference.inputGradient.data) < 1e-5)
        let added = conv.weight.gradient.map { $0 - 0.5 }
        #expect(Tolerance.relativeToScale(added, reference.weightGradient.data) < 1e-5, "backward adds into the gradient")
    }

    /// Winograd F(4×4, 3×3) rounds more than the direct sum, and its relative-to-scale error
    /// grows with the channel count: about 1.5e-5 at 256 channels on 14×14 maps, against about
    /// 4e-7 for im2col. This bounds it well inside the 1e-4 the PyTorch fixtures allow on outputs.
    @Test func winogradRoundingAtManyChannelsStaysBounded() {
        let (n, h, w, c) = (2, 14, 14, 256)
        var rng = SplitMix64(seed: 32)
        let conv = Conv2D(inputChannels: c, outputChannels: c, kernelSize: 3, stride: 1, padding: 1, name: "conv", rng: &rng)
        conv.algorithm = .winograd
        let input = LayerTestSupport.random([n, h, w, c], seed: 31)
        let weight = Tensor(shape: conv.weight.shape, data: conv.weight.value)
        let output = conv.forward(LayerTestSupport.featureMap(nhwc: input)).nhwcTensor()
        let expected = ConvolutionReference.forward(input: input, weight: weight, stride: 1, padding: 1)
        #expect(Tolerance.relativeToScale(output.data, expected.data) < 5e-5)
        let outputGradient = LayerTestSupport.random(expected.shape, seed: 33)
        let reference = ConvolutionReference.backward(
            input: input, weight: weight, outputGradient: outputGradient, stride: 1, padding: 1)
        conv.weight.gradient = [Float](repeating: 0, count: conv.weight.count)
        let inputGradient = conv.backward(LayerTestSupport.featureMap(nhwc: outputGradient)).nhwcTensor()
        #expect(Tolerance.relativeToScale(inputGradient.data, reference.inputGradient.data) < 5e-5)
        #expect(Tolerance.relativeToScale(conv.weight.gradient, reference.weightGradient.data) < 5e-5)
    }

    /// The naive reference itself against central differences of `Σ y ⊙ R` (convolution is
    /// linear, so the differences are exact up to rounding).
    @Test func naiveReferenceGradientsMatchFiniteDifferences() {
        var input = LayerTestSupport.random([2, 5, 4, 2], seed: 5)
        var weight = LayerTestSupport.random([3, 2, 3, 3], seed: 6)
        let seed = LayerTestSupport.random([2, 3, 2, 3], seed: 7)
        func loss() -> Double {
            let y = ConvolutionReference.forward(input: input, weight: weight, stride: 2, padding: 1)
            return zip(y.data, seed.data).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let analytic = ConvolutionReference.backward(input: input, weight: weight, outputGradient: seed, stride: 2, padding: 1)
        let dx = GradientCheck.centralDifferences(indices: Array(0..<input.count), step: 0.1,
                                                  perturb: { input.data[$0] += $1 }, loss: loss)
        let dw = GradientCheck.centralDifferences(indices: Array(0..<weight.count), step: 0.1,
                                                  perturb: { weight.data[$0] += $1 }, loss: loss)
        #expect(Tolerance.relativeToScale(analytic.inputGradient.data, dx) < 1e-4)
        #expect(Tolerance.relativeToScale(analytic.weightGradient.data, dw) < 1e-4)
    }

    @Test func skipsTheInputGradientWhenAskedAndReplansForANewBatchSize() {
        var rng = SplitMix64(seed: 9)
        let conv = Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1, name: "c", rng: &rng)
        conv.computesInputGradient = false
        let big = LayerTestSupport.featureMap(nhwc: LayerTestSupport.random([4, 6, 6, 2], seed: 1))
        _ = conv.forward(big)
        conv.backward(LayerTestSupport.map(like: conv.output, values: [Float](repeating: 1, count: conv.output.count)))
        #expect(conv.inputGradient.count == 0)
        let small = LayerTestSupport.random([1, 6, 6, 2], seed: 2)
        let output = conv.forward(LayerTestSupport.featureMap(nhwc: small)).nhwcTensor()
        let expected = ConvolutionReference.forward(
            input: small, weight: Tensor(shape: conv.weight.shape, data: conv.weight.value), stride: 1, padding: 1)
        #expect(Tolerance.relativeToScale(output.data, expected.data) < 1e-5)
    }
}
