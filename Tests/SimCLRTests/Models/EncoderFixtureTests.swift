import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// Known answers from PyTorch (`shared/fixtures/encoder/<case>/`, README section 6): every case
/// folder, every expected tensor except the NT-Xent entries (tested with the loss).
@Suite struct EncoderFixtureTests {
    static func caseNames() -> [String] {
        let folder = Fixtures.url("encoder")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    struct Case {
        let model: SimCLRModel
        let expected: SafetensorsFile
    }

    static func load(_ name: String) throws -> Case {
        let folder = "encoder/\(name)"
        let spec = try #require(try Fixtures.json("\(folder)/case.json") as? [String: Any])
        let configuration = ResNetMiniConfiguration(
            widths: try #require(spec["widths"] as? [Int]), inputChannels: try #require(spec["in_channels"] as? Int),
            imageSize: try #require(spec["image_size"] as? Int), projectionDim: try #require(spec["proj_dim"] as? Int))
        var rng = SplitMix64(seed: 0)
        let model = try SimCLRModel(configuration: configuration, rng: &rng)
        let weights = try SafetensorsFile.read(path: Fixtures.url("\(folder)/weights.safetensors").path)
        try model.load(stateDict: weights.tensors)
        let expected = try SafetensorsFile.read(path: Fixtures.url("\(folder)/expected.safetensors").path)
        return Case(model: model, expected: expected)
    }

    /// `floor`: the smallest scale errors are measured against. Parameter gradients use the scale
    /// of the whole model's gradients (the largest |g| over every expected gradient of the case),
    /// because `head.fc1.bias` feeds a train-mode BatchNorm, so its exact gradient is 0 (the
    /// fixture holds rounding noise) and its Float noise grows with the model (1.4e-4 on the
    /// default 32-64-128 model at batch 4): no floor tuned on one case fits another.
    static func check(_ actual: Tensor, _ expected: Tensor?, _ what: String, tolerance: Double, floor: Double = 1e-12) throws {
        let expected = try #require(expected, "fixture lacks \(what)")
        #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)")
        let error = Tolerance.relativeToScale(actual.data, expected.data, floor: floor)
        #expect(error <= tolerance, "\(what): relative error \(error) > \(tolerance)")
    }

    @Test(arguments: caseNames())
    func evalAndTrainOutputsRunningStatisticsAndGradientsMatchPyTorch(name: String) throws {
        let fixture = try Self.load(name)
        let model = fixture.model, expected = fixture.expected
        let input = try #require(expected["input"])

        let eval = model.forward(input, mode: .eval)
        try Self.check(eval.h, expected["eval.h"], "\(name) eval.h", tolerance: 1e-4)
        try Self.check(eval.z, expected["eval.z"], "\(name) eval.z", tolerance: 1e-4)

        model.zeroGradients()
        let train = model.forward(input, mode: .train)
        try Self.check(train.h, expected["train.h"], "\(name) train.h", tolerance: 1e-4)
        try Self.check(train.z, expected["train.z"], "\(name) train.z", tolerance: 1e-4)

        let state = model.stateDict(includeHead: true)
        var statistics = 0
        for (entryName, tensor) in state where entryName.hasSuffix(".running_mean") || entryName.hasSuffix(".running_var") {
            try Self.check(tensor, expected["train.after.\(entryName)"], "\(name) after \(entryName)", tolerance: 1e-4)
            statistics += 1
        }
        #expect(statistics == expected.tensors.filter { $0.name.hasPrefix("train.after.") }.count)

        let seed = try #require(expected["grad_seed"])
        let inputGradient = try #require(model.backward(zGradient: seed, computeInputGradient: true))
        try Self.check(inputGradient, expected["train.grad.input"], "\(name) grad input", tolerance: 1e-3)
        let parameters = model.parameters
        let gradientEntries = expected.tensors.filter { $0.name.hasPrefix("train.grad.") && $0.name != "train.grad.input" }
        let gradientScale = gradientEntries.map { $0.tensor.data.reduce(0) { max($0, abs(Double($1))) } }.max() ?? 1
        for parameter in parameters {
            try Self.check(Tensor(shape: parameter.shape, data: parameter.gradient), expected["train.grad.\(parameter.name)"],
                           "\(name) grad \(parameter.name)", tolerance: 1e-3, floor: gradientScale)
        }
        #expect(gradientEntries.count == parameters.count, "fixture has gradients the model lacks")
    }

    @Test(arguments: caseNames())
    func stateDictRoundTripsTheFixtureWeights(name: String) throws {
        let weights = try SafetensorsFile.read(path: Fixtures.url("encoder/\(name)/weights.safetensors").path)
        let model = try Self.load(name).model
        let exported = model.stateDict(includeHead: true)
        #expect(Set(exported.map(\.name)) == Set(weights.tensors.map(\.name)))
        for (entryName, tensor) in exported { #expect(tensor == weights[entryName], "\(entryName)") }
        #expect(model.stateDict(includeHead: false).allSatisfy { !$0.name.hasPrefix("head.") })
    }
}
