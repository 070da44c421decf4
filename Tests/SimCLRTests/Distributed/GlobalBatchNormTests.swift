import SimCLR
import SimCLRTestSupport
import Testing

/// Global BatchNorm over K in-process "processes" (threads with `ThreadGroupCommunicator`) against
/// one BatchNorm over the whole batch, on uneven splits.
@Suite struct GlobalBatchNormTests {
    /// Rows `range` of an NHWC tensor.
    static func rows(_ tensor: Tensor, _ range: Range<Int>) -> Tensor {
        let row = tensor.count / tensor.shape[0]
        return Tensor(shape: [range.count] + tensor.shape.dropFirst(), data: Array(tensor.data[(range.lowerBound * row)..<(range.upperBound * row)]))
    }

    struct Result: Sendable {
        var output: [Float], inputGradient: [Float], weightGradient: [Float], biasGradient: [Float]
        var runningMean: [Float], runningVariance: [Float]
    }

    /// Forward (train, with a residual and ReLU) and backward of one BatchNorm on `x` / `dy` (NHWC).
    static func run(x: Tensor, residual: Tensor, dy: Tensor, channels: Int, communicator: (any Communicator)?) -> Result {
        let norm = BatchNorm(channels: channels, activation: .relu, name: "bn")
        norm.communicator = communicator
        for c in 0..<channels {
            norm.weight.value[c] = 0.5 + Float(c) / 4
            norm.bias.value[c] = Float(c) / 10 - 0.1
        }
        let output = norm.forward(LayerTestSupport.featureMap(nhwc: x), residual: LayerTestSupport.featureMap(nhwc: residual), mode: .train)
        let inputGradient = norm.backward(LayerTestSupport.featureMap(nhwc: dy))
        return Result(
            output: output.nhwcTensor().data, inputGradient: inputGradient.nhwcTensor().data,
            weightGradient: norm.weight.gradient, biasGradient: norm.bias.gradient,
            runningMean: norm.runningMean, runningVariance: norm.runningVariance)
    }

    @Test(arguments: [(10, 3, 3), (7, 2, 2), (64, 3, 5)])
    func matchesOneProcessOverTheWholeBatch(images: Int, processes: Int, side: Int) throws {
        let channels = 4
        let shape = [images, side, side, channels]
        // Values with a mean far from 0 against their spread: the case where shifted sums matter.
        var shifted = LayerTestSupport.random(shape, seed: 1, scale: 0.5)
        for i in 0..<shifted.count { shifted.data[i] += 3 }
        let x = shifted
        let residual = LayerTestSupport.random(shape, seed: 2), dy = LayerTestSupport.random(shape, seed: 3)
        let whole = Self.run(x: x, residual: residual, dy: dy, channels: channels, communicator: nil)
        let communicators = ThreadGroupCommunicator.group(size: processes)
        let parts = ThreadGroupCommunicator.run(communicators) { rank, communicator in
            let range = BatchPart(rank: rank, count: processes).range(of: images)
            return Self.run(
                x: Self.rows(x, range), residual: Self.rows(residual, range), dy: Self.rows(dy, range), channels: channels,
                communicator: communicator)
        }
        func expectClose(_ a: [Float], _ b: [Float], _ what: String, tolerance: Float = 1e-5) {
            let scale = max(a.map(abs).max() ?? 0, 1e-30)
            let difference = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(a.count == b.count && difference <= tolerance * scale, "\(what): \(difference) of scale \(scale)")
        }
        expectClose(whole.output, parts.flatMap(\.output), "output")
        expectClose(whole.inputGradient, parts.flatMap(\.inputGradient), "input gradient")
        // dγ and dβ are each process's share: their sum is the whole batch's.
        expectClose(whole.weightGradient, (0..<channels).map { c in parts.map { $0.weightGradient[c] }.reduce(0, +) }, "dγ")
        expectClose(whole.biasGradient, (0..<channels).map { c in parts.map { $0.biasGradient[c] }.reduce(0, +) }, "dβ")
        for part in parts {
            expectClose(whole.runningMean, part.runningMean, "running mean")
            expectClose(whole.runningVariance, part.runningVariance, "running variance")
        }
    }
}
