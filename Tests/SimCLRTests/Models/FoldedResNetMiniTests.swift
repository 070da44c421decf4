import SimCLR
import SimCLRTestSupport
import Testing

/// The folded eval path (`FoldedResNetMini`, what `probe`, `embed` and `retrieval` use) against
/// the layer-by-layer eval forward of `ResNetMini`, on random weights with BatchNorm parameters and
/// running statistics far from their initial values (so a fold that dropped or misplaced any of
/// γ, β, mean or variance would show).
@Suite struct FoldedResNetMiniTests {
    /// A model with BatchNorm γ ∈ [0.5, 1.5), β ∈ [−0.5, 0.5), running mean ∈ [−0.3, 0.3) and
    /// running variance ∈ [0.3, 2.3) in every layer.
    static func model(_ configuration: ResNetMiniConfiguration, seed: UInt64) throws -> SimCLRModel {
        var rng = SplitMix64(seed: seed)
        let model = try SimCLRModel(configuration: configuration, rng: &rng)
        var state = model.stateDict(includeHead: false)
        for index in state.indices {
            let name = state[index].name
            guard !name.contains(".conv") else { continue }
            for i in 0..<state[index].tensor.count {
                let u = rng.nextFloat()
                if name.hasSuffix(".weight") { state[index].tensor.data[i] = 0.5 + u }
                if name.hasSuffix(".bias") { state[index].tensor.data[i] = u - 0.5 }
                if name.hasSuffix(".running_mean") { state[index].tensor.data[i] = 0.6 * (u - 0.5) }
                if name.hasSuffix(".running_var") { state[index].tensor.data[i] = 0.3 + 2 * u }
            }
        }
        try model.load(stateDict: state, includeHead: false)
        return model
    }

    static func views(_ configuration: ResNetMiniConfiguration, count: Int, seed: UInt64) -> Tensor {
        let size = configuration.imageSize, c = configuration.inputChannels
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: [count, size, size, c], data: (0..<(count * size * size * c)).map { _ in Float(rng.nextNormal()) })
    }

    static func layerwise(_ model: SimCLRModel, _ views: Tensor) -> Tensor {
        let input = FeatureMap()
        input.load(nhwc: views)
        return model.encoder.forward(input, mode: .eval).rowsTensor()
    }

    /// (widths, input channels, image size, images, Winograd forced on every 3×3 stride-1 conv):
    /// the default model; RGB input with maps of 14, 7 and 4 pixels (Winograd and im2col, a
    /// batch that is no multiple of the task size nor of 8); and narrow layers all on Winograd.
    static let cases: [([Int], Int, Int, Int, Bool)] = [
        ([32, 64, 128], 1, 28, 40, false), ([16, 24, 32], 3, 14, 21, false), ([4, 8, 8], 1, 9, 11, true),
    ]

    @Test(arguments: cases)
    func foldedEvalEqualsLayerwiseEval(testCase: ([Int], Int, Int, Int, Bool)) throws {
        let (widths, channels, size, count, forceWinograd) = testCase
        let configuration = ResNetMiniConfiguration(widths: widths, inputChannels: channels, imageSize: size)
        let model = try Self.model(configuration, seed: 5)
        if forceWinograd {
            let encoder = model.encoder
            for conv in [encoder.stemConv, encoder.layer1.conv1, encoder.layer1.conv2, encoder.layer2.conv2, encoder.layer3.conv2] {
                conv.algorithm = .winograd
            }
        }
        let views = Self.views(configuration, count: count, seed: 6)
        let reference = Self.layerwise(model, views)
        let folded = FoldedResNetMini(model.encoder)
        let h = folded.representations(ofViews: views)
        #expect(h.shape == [count, widths[2]])
        let error = Tolerance.relativeToScale(h.data, reference.data)
        #expect(error < 2e-6, "relative error \(error)")
        // Another task size changes only the width of the products.
        folded.imagesPerTask = 3
        #expect(Tolerance.relativeToScale(folded.representations(ofViews: views).data, reference.data) < 2e-6)
    }

    @Test func foldedEvalDoesNotDependOnTheThreadCount() throws {
        let configuration = ResNetMiniConfiguration(widths: [16, 16, 32], inputChannels: 1, imageSize: 12)
        let model = try Self.model(configuration, seed: 8)
        let views = Self.views(configuration, count: 37, seed: 9)
        let saved = Parallel.workerCount
        defer { Parallel.workerCount = saved }
        Parallel.workerCount = 1
        let one = FoldedResNetMini(model.encoder).representations(ofViews: views)
        Parallel.workerCount = 3
        let three = FoldedResNetMini(model.encoder).representations(ofViews: views)
        #expect(one == three)
    }

    @Test func foldingUsesTheStatisticsOfTheMomentItIsBuilt() throws {
        let configuration = ResNetMiniConfiguration(widths: [4, 8, 8], inputChannels: 1, imageSize: 8)
        let model = try Self.model(configuration, seed: 10)
        let views = Self.views(configuration, count: 4, seed: 11)
        let folded = FoldedResNetMini(model.encoder)
        let before = folded.representations(ofViews: views)
        model.encoder.layer2.bn1.runningVariance[0] += 3
        #expect(folded.representations(ofViews: views) == before)
        let refolded = FoldedResNetMini(model.encoder).representations(ofViews: views)
        #expect(Tolerance.relativeToScale(refolded.data, Self.layerwise(model, views).data) < 2e-6)
        #expect(Tolerance.relativeToScale(refolded.data, before.data) > 1e-4)
    }
}
