import Foundation
import SimCLR
import Testing

@Suite struct StateDictTests {
    static func model(_ configuration: ResNetMiniConfiguration = .init(widths: [4, 6, 8], imageSize: 8, projectionDim: 5), seed: UInt64 = 1) throws -> SimCLRModel {
        var rng = SplitMix64(seed: seed)
        return try SimCLRModel(configuration: configuration, rng: &rng)
    }

    @Test func namesAndShapesFollowPyTorch() throws {
        let entries = try Self.model().stateDict(includeHead: true)
        let shapes = Dictionary(uniqueKeysWithValues: entries.map { ($0.name, $0.tensor.shape) })
        #expect(shapes["stem.conv.weight"] == [4, 1, 3, 3])
        #expect(shapes["stem.bn.running_var"] == [4])
        #expect(shapes["layer1.conv2.weight"] == [4, 4, 3, 3])
        #expect(shapes["layer1.shortcut.conv.weight"] == nil, "identity shortcut has no weights")
        #expect(shapes["layer2.shortcut.conv.weight"] == [6, 4, 1, 1])
        #expect(shapes["layer3.bn2.running_mean"] == [8])
        #expect(shapes["head.fc1.weight"] == [8, 8])
        #expect(shapes["head.fc2.weight"] == [5, 8])
        #expect(shapes["head.bn.bias"] == [8])
        // conv weight + 4 BN entries per conv: stem 1, layer1 2, layer2 3, layer3 3; head 2 + 4 + 2.
        #expect(entries.count == 5 * (1 + 2 + 3 + 3) + 8)
        #expect(entries.first?.name == "stem.conv.weight" && entries.last?.name == "head.fc2.bias")
    }

    @Test func loadCopiesEverythingAndRejectsMissingOrMisshapenTensors() throws {
        let source = try Self.model(seed: 1), target = try Self.model(seed: 2)
        let state = source.stateDict(includeHead: true)
        try target.load(stateDict: state)
        #expect(target.stateDict(includeHead: true).map(\.tensor) == state.map(\.tensor))

        let other = try Self.model(seed: 3)
        let before = other.stateDict(includeHead: true).map(\.tensor)
        #expect(throws: ModelError.missingTensor(name: "layer2.bn1.running_var")) {
            try other.load(stateDict: state.filter { $0.name != "layer2.bn1.running_var" })
        }
        var bad = state
        let index = bad.firstIndex { $0.name == "layer3.conv1.weight" }!
        bad[index].tensor = Tensor(shape: [8, 6, 1, 9], data: bad[index].tensor.data)
        #expect(throws: ModelError.shapeMismatch(name: "layer3.conv1.weight", expected: [8, 6, 3, 3], found: [8, 6, 1, 9])) {
            try other.load(stateDict: bad)
        }
        #expect(other.stateDict(includeHead: true).map(\.tensor) == before, "a failed load changes nothing")
        try other.load(stateDict: source.stateDict(includeHead: false), includeHead: false)
    }

    @Test func initialisationFollowsTorchvision() throws {
        let model = try Self.model(.init(widths: [32, 64, 128], imageSize: 28, projectionDim: 128))
        let conv = model.encoder.layer3.conv2.weight.value
        let variance = conv.reduce(0.0) { $0 + Double($1 * $1) } / Double(conv.count)
        #expect(abs(variance - 2.0 / (128 * 9)) < 0.1 * 2.0 / (128 * 9), "Kaiming normal fan_out")
        let bound = Float(1 / Double(128).squareRoot())
        #expect(model.head.fc1.weight.value.allSatisfy { abs($0) <= bound })
        #expect(model.head.fc1.weight.value.contains { abs($0) > 0.9 * bound })
        #expect(model.encoder.layer1.bn1.weight.value.allSatisfy { $0 == 1 })
        #expect(model.parameters.filter(\.excludeFromWeightDecay).allSatisfy { $0.shape.count == 1 })
        #expect(model.parameters.filter { $0.shape.count == 1 }.allSatisfy { $0.excludeFromAdaptation })
    }

    @Test func configurationIsCodableAndValidated() throws {
        let configuration = ResNetMiniConfiguration(widths: [8, 16, 32], inputChannels: 3, imageSize: 13, projectionDim: 7)
        let data = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(ResNetMiniConfiguration.self, from: data) == configuration)
        #expect(String(decoding: data, as: UTF8.self).contains("\"input_channels\":3"))
        #expect(throws: ModelError.self) { try ResNetMiniConfiguration(inputChannels: 2).validate() }
        #expect(throws: ModelError.self) { try ResNetMiniConfiguration(imageSize: 7).validate() }
        #expect(throws: ModelError.self) { try ResNetMiniConfiguration(widths: [4, 4]).validate() }
    }
}
