import SimCLR
import SimCLRTestSupport
import Testing

/// The whole model on configurations the fixtures do not cover (other widths, 3 channels, odd
/// image sizes, other batch sizes), against `ReferenceModel`: the train-mode outputs, and every
/// parameter's and the input's gradient of `L = Σ z ⊙ R` by central differences in Double.
/// (Batch 1 is covered per layer in `Conv2DTests`: train-mode BatchNorm1d needs two or more views.)
@Suite struct ModelGradientTests {
    struct Setup: Sendable, CustomStringConvertible {
        var widths: [Int], channels: Int, imageSize: Int, batch: Int, projectionDim: Int
        var description: String { "widths \(widths) C \(channels) \(imageSize)×\(imageSize) batch \(batch)" }
    }

    static let setups = [
        Setup(widths: [3, 5, 7], channels: 3, imageSize: 13, batch: 3, projectionDim: 4),
        Setup(widths: [2, 4, 4], channels: 1, imageSize: 9, batch: 2, projectionDim: 3),
        Setup(widths: [4, 3, 6], channels: 3, imageSize: 8, batch: 5, projectionDim: 5),
        // Wide and large enough for layer1 to take the Winograd path.
        Setup(widths: [16, 16, 16], channels: 1, imageSize: 12, batch: 2, projectionDim: 4),
    ]

    @Test(arguments: setups)
    func outputsAndGradientsMatchTheDoubleReference(setup: Setup) throws {
        var rng = SplitMix64(seed: 77)
        let model = try SimCLRModel(
            configuration: .init(widths: setup.widths, inputChannels: setup.channels, imageSize: setup.imageSize,
                                 projectionDim: setup.projectionDim), rng: &rng)
        let views = LayerTestSupport.random([setup.batch, setup.imageSize, setup.imageSize, setup.channels], seed: 78)
        let seed = LayerTestSupport.random([setup.batch, setup.projectionDim], seed: 79)
        var reference = ReferenceModel(model)
        var referenceViews = views.data.map(Double.init)
        func loss() -> Double {
            let z = reference.forward(referenceViews, n: setup.batch, size: setup.imageSize).z
            return zip(z, seed.data).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        let expected = reference.forward(referenceViews, n: setup.batch, size: setup.imageSize)
        model.zeroGradients()
        let (h, z) = model.forward(views, mode: .train)
        #expect(Tolerance.relativeToScale(h.data, expected.h) < 1e-4, "\(setup) h")
        #expect(Tolerance.relativeToScale(z.data, expected.z) < 1e-4, "\(setup) z")
        let inputGradient = try #require(model.backward(zGradient: seed, computeInputGradient: true))

        // Errors relative to the largest |gradient| of the tensor (the fixtures' convention),
        // floored at 1% of the model's largest: a bias before a train-mode BatchNorm has gradient
        // exactly 0, which Float computes as rounding noise.
        let floor = 1e-2 * model.parameters.map { $0.gradient.map { abs(Double($0)) }.max()! }.max()!
        func expectClose(_ analytic: [Float], _ name: String, perturb: (Int, Double) -> Void) {
            let indices = GradientCheck.sampleIndices(size: analytic.count, count: 6, seed: UInt64(name.utf8.count))
            let numeric = indices.map { index -> Double in
                perturb(index, 1e-6)
                let plus = loss()
                perturb(index, -2e-6)
                let minus = loss()
                perturb(index, 1e-6)
                return (plus - minus) / 2e-6
            }
            let scale = max(analytic.map { abs(Double($0)) }.max()!, floor)
            let error = zip(indices, numeric).map { abs(Double(analytic[$0]) - $1) }.max()! / scale
            #expect(error < 1e-3, "\(setup) \(name): \(error)")
        }
        expectClose(inputGradient.data, "input") { referenceViews[$0] += $1 }
        for parameter in model.parameters {
            expectClose(parameter.gradient, parameter.name) { reference.weights[parameter.name]![$0] += $1 }
        }
    }

    /// Splitting the batch tasks and the elementwise loops over 1 or 3 workers gives
    /// bit-identical results (layer1 takes the Winograd path, the other convolutions im2col; 18
    /// views make 16 batch tasks of unequal sizes).
    @Test func resultsDoNotDependOnTheWorkerCount() throws {
        let configuration = ResNetMiniConfiguration(widths: [16, 16, 16], inputChannels: 3, imageSize: 12, projectionDim: 5)
        let views = LayerTestSupport.random([18, 12, 12, 3], seed: 5)
        let seed = LayerTestSupport.random([18, 5], seed: 6)
        func run(workers: Int) throws -> (z: Tensor, dx: Tensor, gradients: [[Float]]) {
            var rng = SplitMix64(seed: 4)
            let model = try SimCLRModel(configuration: configuration, rng: &rng)
            let saved = Parallel.workerCount
            Parallel.workerCount = workers
            defer { Parallel.workerCount = saved }
            let z = model.forward(views, mode: .train).z
            let dx = try #require(model.backward(zGradient: seed, computeInputGradient: true))
            return (z, dx, model.parameters.map(\.gradient))
        }
        let one = try run(workers: 1), three = try run(workers: 3)
        #expect(one.z == three.z)
        #expect(one.dx == three.dx)
        #expect(one.gradients == three.gradients)
    }
}
