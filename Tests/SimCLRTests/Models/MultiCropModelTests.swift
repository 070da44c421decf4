import SimCLR
import SimCLRTestSupport
import Testing

/// Multi-crop's two resolution groups against the Double `ReferenceModel` run once per group
/// (BatchNorm statistics per group) and SupCon with labels = image index written from its
/// definition (`LabeledLossReference`): the loss, and every parameter's gradient by central
/// differences through both groups.
@Suite struct MultiCropModelTests {
    static let configuration = ResNetMiniConfiguration(widths: [3, 5, 6], inputChannels: 1, imageSize: 12, projectionDim: 4)
    /// N images, K small views of S pixels.
    static let n = 3, k = 2, small = 8

    @Test func lossAndGradientsMatchSupConOverBothGroups() throws {
        var rng = SplitMix64(seed: 21)
        let model = try SimCLRModel(configuration: Self.configuration, rng: &rng)
        let multiCrop = MultiCropModel(model: model)
        let views = LayerTestSupport.random([2 * Self.n, 12, 12, 1], seed: 22)
        let smallViews = LayerTestSupport.random([Self.k * Self.n, Self.small, Self.small, 1], seed: 23)
        let rows = (2 + Self.k) * Self.n, p = Self.configuration.projectionDim
        let labels = (0..<rows).map { $0 % Self.n }
        let temperature = 0.5

        var reference = ReferenceModel(model)
        let referenceViews = views.data.map(Double.init), referenceSmall = smallViews.data.map(Double.init)
        func referenceLoss() -> Double {
            let z = reference.forward(referenceViews, n: 2 * Self.n, size: 12).z
                + reference.forward(referenceSmall, n: Self.k * Self.n, size: Self.small).z
            return LabeledLossReference.loss(z, labels: labels, dimension: p, normalize: true, .supCon(temperature: temperature))
        }

        model.zeroGradients()
        let z = multiCrop.forward(views: views, smallViews: smallViews, mode: .train)
        #expect(z.shape == [rows, p])
        var zGradient = Tensor(shape: [0])
        let result = try SupConLoss(temperature: Float(temperature))
            .lossAndGradient(embeddings: z, labels: labels, embeddingGradient: &zGradient)
        let expected = referenceLoss()
        #expect(abs(Double(result.loss) - expected) < 1e-4 * max(1, expected), "loss \(result.loss) vs \(expected)")
        multiCrop.backward(zGradient: zGradient)

        // Errors relative to the tensor's largest |gradient|, floored at 1% of the model's largest
        // (as ModelGradientTests: a bias before a train-mode BatchNorm has gradient 0).
        let floor = 1e-2 * model.parameters.map { $0.gradient.map { abs(Double($0)) }.max()! }.max()!
        for parameter in model.parameters {
            let indices = GradientCheck.sampleIndices(size: parameter.count, count: 4, seed: UInt64(parameter.name.utf8.count))
            let numeric = indices.map { index -> Double in
                reference.weights[parameter.name]![index] += 1e-6
                let plus = referenceLoss()
                reference.weights[parameter.name]![index] -= 2e-6
                let minus = referenceLoss()
                reference.weights[parameter.name]![index] += 1e-6
                return (plus - minus) / 2e-6
            }
            let scale = max(parameter.gradient.map { abs(Double($0)) }.max()!, floor)
            let error = zip(indices, numeric).map { abs(Double(parameter.gradient[$0]) - $1) }.max()! / scale
            #expect(error < 1e-3, "\(parameter.name): \(error)")
        }
    }

    /// z of each group is what the model alone gives on that group; the running statistics are
    /// the full-size group's only; the small group adds into the same gradients.
    @Test func groupsShareParametersButNotActivationsOrRunningStatistics() throws {
        var rng = SplitMix64(seed: 31)
        let model = try SimCLRModel(configuration: Self.configuration, rng: &rng)
        rng = SplitMix64(seed: 31)
        let alone = try SimCLRModel(configuration: Self.configuration, rng: &rng)
        let multiCrop = MultiCropModel(model: model)
        #expect(zip(multiCrop.smallViewModel.parameters, model.parameters).allSatisfy { $0 === $1 })
        let views = LayerTestSupport.random([2 * Self.n, 12, 12, 1], seed: 32)
        let smallViews = LayerTestSupport.random([Self.k * Self.n, Self.small, Self.small, 1], seed: 33)

        let z = multiCrop.forward(views: views, smallViews: smallViews, mode: .train)
        let full = alone.forward(views, mode: .train).z
        let small = alone.forward(smallViews, mode: .train).z
        #expect(z.data == full.data + small.data)
        rng = SplitMix64(seed: 31)
        let fullOnly = try SimCLRModel(configuration: Self.configuration, rng: &rng)
        _ = fullOnly.forward(views, mode: .train)
        let running = { (m: SimCLRModel) in m.stateDict(includeHead: true).filter { $0.name.contains("running") }.map(\.tensor) }
        #expect(running(model) == running(fullOnly))

        let upstream = LayerTestSupport.random(z.shape, seed: 34)
        model.zeroGradients()
        multiCrop.backward(zGradient: upstream)
        let rowsFull = 2 * Self.n * Self.configuration.projectionDim
        alone.zeroGradients()
        _ = alone.forward(views, mode: .train)
        alone.backward(zGradient: Tensor(shape: full.shape, data: Array(upstream.data[..<rowsFull])))
        _ = alone.forward(smallViews, mode: .train)
        alone.backward(zGradient: Tensor(shape: small.shape, data: Array(upstream.data[rowsFull...])))
        #expect(model.parameters.map(\.gradient) == alone.parameters.map(\.gradient))
    }
}
