import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// The `ntxent.*` known answers of `shared/fixtures/encoder/<case>/` (README section 6): NT-Xent
/// over the train-mode z of the fixture weights and input (rows i and i+N are a pair), and the
/// gradient of that loss for every parameter, back-propagated through head and encoder.
@Suite struct EncoderNTXentFixtureTests {
    @Test(arguments: EncoderFixtureTests.caseNames())
    func ntXentLossAndParameterGradientsMatchPyTorch(name: String) throws {
        let fixture = try EncoderFixtureTests.load(name)
        let model = fixture.model, expected = fixture.expected
        let input = try #require(expected["input"])
        let temperature = try #require(expected["ntxent.temperature"]?.data.first)
        let expectedLoss = try #require(expected["ntxent.loss"]?.data.first)

        model.zeroGradients()
        let z = model.forward(input, mode: .train).z
        let loss = try NTXentLoss(temperature: temperature)
        var zGradient = Tensor(shape: z.shape)
        let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &zGradient)
        #expect(abs(Double(result.loss) - Double(expectedLoss)) <= 1e-4 * max(1, abs(Double(expectedLoss))),
                "\(name): loss \(result.loss) vs PyTorch \(expectedLoss)")

        model.backward(zGradient: zGradient)
        let parameters = model.parameters
        for parameter in parameters {
            try EncoderFixtureTests.check(
                Tensor(shape: parameter.shape, data: parameter.gradient), expected["ntxent.grad.\(parameter.name)"],
                "\(name) ntxent grad \(parameter.name)", tolerance: 1e-3, floor: 1e-2)
        }
        let entries = expected.tensors.filter { $0.name.hasPrefix("ntxent.grad.") }
        #expect(entries.count == parameters.count, "fixture has NT-Xent gradients the model lacks")
    }
}
