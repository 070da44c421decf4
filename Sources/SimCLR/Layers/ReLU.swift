/// `max(0, x)` elementwise, as its own layer (the model fuses it into `BatchNorm` instead).
public final class ReLU {
    /// The output of the last `forward`, shaped like its input.
    public let output = FeatureMap()
    /// `dL/dx` of the last `backward`.
    public let inputGradient = FeatureMap()

    public init() {}

    /// - Returns: `output`, `max(0, input)`.
    public func forward(_ input: FeatureMap) -> FeatureMap {
        output.resize(like: input)
        let x = SendableConstPointer(UnsafePointer(input.storage)), y = SendablePointer(output.storage)
        // Each chunk writes its own index range.
        Parallel.forEachChunk(input.count, minimumChunk: 1 << 14) { range in
            for i in range { y.base[i] = max(0, x.base[i]) }
        }
        return output
    }

    /// - Returns: `inputGradient = outputGradient ⊙ [output > 0]` (PyTorch's choice at 0: 0).
    @discardableResult
    public func backward(_ outputGradient: FeatureMap) -> FeatureMap {
        precondition(outputGradient.count == output.count, "ReLU: output gradient has \(outputGradient.count) elements, output \(output.count)")
        inputGradient.resize(like: output)
        let dy = SendableConstPointer(UnsafePointer(outputGradient.storage))
        let y = SendableConstPointer(UnsafePointer(output.storage)), dx = SendablePointer(inputGradient.storage)
        // Each chunk writes its own index range.
        Parallel.forEachChunk(output.count, minimumChunk: 1 << 14) { range in
            for i in range { dx.base[i] = y.base[i] > 0 ? dy.base[i] : 0 }
        }
        return inputGradient
    }
}
