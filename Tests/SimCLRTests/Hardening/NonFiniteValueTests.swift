import Foundation
import SimCLR
import Testing

/// Issue 19, family 2: no NaN or infinity reaches a saved file or a result; a collapsed run says so.
@Suite struct NonFiniteValueTests {
    static func model() throws -> SimCLRModel {
        var rng = SplitMix64(seed: 0)
        return try SimCLRModel(
            configuration: ResNetMiniConfiguration(widths: [4, 8, 8], inputChannels: 1, imageSize: 12, projectionDim: 8), rng: &rng)
    }

    /// Every way weights enter a model (resume, probe, embed, kNN monitor) refuses non-finite
    /// values and negative running variances, naming the tensor.
    @Test(arguments: [Float.infinity, .nan, -1])
    func loadingRefusesUnusableValues(bad: Float) throws {
        let model = try Self.model()
        var state = model.stateDict(includeHead: true)
        let index = try #require(state.firstIndex { $0.name == "layer1.bn1.running_var" })
        state[index].tensor.data[0] = bad
        #expect {
            try model.load(stateDict: state)
        } throws: { error in
            guard case .unusableValues(let name, _) = error as? ModelError else { return false }
            return name == "layer1.bn1.running_var"
        }
    }

    /// A checkpoint file holding an infinity (written by an older build) is neither resumed nor
    /// exported.
    @Test func checkpointWithInfinityIsRefused() throws {
        let model = try Self.model()
        var state = model.stateDict(includeHead: true)
        state[0].tensor.data[0] = .infinity
        let checkpoint = TrainingCheckpoint(
            model: state, optimizer: [], progress: TrainingProgress(randomState: ["seed": 0]), arguments: "{}",
            architecture: "{}")
        #expect {
            try TrainingCheckpoint.parse(checkpoint.serialized(), path: "diverged.safetensors")
        } throws: { error in
            guard case .corrupt(let path, let reason) = error as? CheckpointError else { return false }
            return path == "diverged.safetensors" && reason.contains(state[0].name)
        }
    }

    /// An encoder file with a NaN is refused by `FrozenEncoder.load` (embed/probe never write
    /// all-NaN features), and a folder stands for its encoder.safetensors.
    @Test func frozenEncoderRefusesNaNWeights() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nan-encoder-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let model = try Self.model()
        var state = model.stateDict(includeHead: false)
        try Data(#"{"widths":[4,8,8],"input_channels":1,"image_size":12,"projection_dim":8}"#.utf8)
            .write(to: URL(fileURLWithPath: folder + "/encoder.json"))
        try SafetensorsFile(tensors: state).write(to: folder + "/encoder.safetensors")
        #expect(throws: Never.self) { try FrozenEncoder.load(weightsPath: folder) }
        state[3].tensor.data[0] = .nan
        try SafetensorsFile(tensors: state).write(to: folder + "/encoder.safetensors")
        #expect {
            try FrozenEncoder.load(weightsPath: folder + "/encoder.safetensors")
        } throws: { error in
            guard case .unusableWeights(let path, let reason) = error as? EncoderLoadError else { return false }
            return path.hasSuffix("encoder.safetensors") && reason.contains(state[3].name)
        }
    }

    /// kNN vote weights at a tiny temperature: exp(s/τ) overflows Float at τ = 0.005 and every
    /// class ties; the max-subtracted weights keep the nearest neighbour's class on top.
    @Test func knnVotesStayFiniteAtSmallTemperatures() {
        // Bank: class 0 along x (3 rows), class 1 along y (1 row). Query near y.
        let bank = Tensor(shape: [4, 2], data: [1, 0, 1, 0.01, 1, -0.01, 0, 1])
        let classifier = WeightedKNNClassifier(
            trainFeatures: bank, labels: [0, 0, 0, 1], classCount: 2, neighborCount: 4, temperature: 0.005)
        let scores = classifier.scores(for: Tensor(shape: [1, 2], data: [0.1, 1]))
        #expect(scores.data.allSatisfy { $0.isFinite })
        #expect(scores.data[1] > scores.data[0])
    }

    @Test func collapseIsDetectedAfterPatienceSteps() {
        let collinear = Tensor(shape: [6, 3], data: (0..<6).flatMap { row in [Float(row + 1), 0, 0] })
        #expect(CollapseDetector.spread(of: collinear) < 1e-9)
        var rng = SplitMix64(seed: 2)
        let random = Tensor(shape: [64, 16], data: (0..<1024).map { _ in Float(rng.uniform(-1, 1)) })
        #expect(CollapseDetector.spread(of: random) > 0.5)
        // Huge entries (weights near 1e26) do not overflow the spread.
        let huge = Tensor(shape: [2, 2], data: [1e30, 1e30, 1e30, 1e30])
        #expect(CollapseDetector.spread(of: huge).isFinite)

        var detector = CollapseDetector(patience: 3)
        let degenerate = CollapseDetector.degenerateNTXentLoss(views: 8)
        for step in 1...2 { detector.update(step: step, loss: degenerate, spread: 0.8, degenerateLoss: degenerate) }
        #expect(!detector.isCollapsed)
        detector.update(step: 3, loss: 1.0, spread: 0, degenerateLoss: degenerate)
        #expect(detector.isCollapsed && detector.collapsedSince == 1)
        detector.update(step: 4, loss: 1.0, spread: 0.8, degenerateLoss: degenerate)
        #expect(!detector.isCollapsed)
    }
}
