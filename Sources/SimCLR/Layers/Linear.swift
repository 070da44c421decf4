/// Fully connected layer `y = W·x + b` (`torch.nn.Linear`) on feature vectors held as
/// `[in, N, 1, 1]` (one row per feature), so the product is `W [out, in] × x [in, N]`.
public final class Linear {
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// `[out, in]`, `<prefix>.weight`.
    public let weight: Parameter
    /// `[out]`, `<prefix>.bias`; excluded from weight decay and LARS adaptation.
    public let bias: Parameter
    /// The output `[out, N, 1, 1]` of the last `forward`.
    public let output = FeatureMap()
    /// `dL/dx` `[in, N, 1, 1]` of the last `backward`.
    public let inputGradient = FeatureMap()
    private var input: FeatureMap?

    /// PyTorch's default initialisation: weight and bias uniform in `±1/√in` (Kaiming uniform
    /// with `a = √5`, as `torch.nn.Linear.reset_parameters`).
    public init(inputFeatures: Int, outputFeatures: Int, name: String, rng: inout SplitMix64) {
        precondition(inputFeatures > 0 && outputFeatures > 0, "Linear \(name): bad size \(inputFeatures)→\(outputFeatures)")
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        let bound = 1 / Double(inputFeatures).squareRoot()
        var w = [Float](repeating: 0, count: outputFeatures * inputFeatures)
        for i in w.indices { w[i] = Float(rng.uniform(-bound, bound)) }
        var b = [Float](repeating: 0, count: outputFeatures)
        for i in b.indices { b[i] = Float(rng.uniform(-bound, bound)) }
        weight = Parameter(name: name + ".weight", shape: [outputFeatures, inputFeatures], value: w)
        bias = Parameter(
            name: name + ".bias", shape: [outputFeatures], value: b, excludeFromWeightDecay: true,
            excludeFromAdaptation: true)
    }

    /// A layer using `other`'s `weight` and `bias` (the same `Parameter`s, gradients included)
    /// with activations of its own (see `Conv2D.init(sharingParametersOf:)`).
    public init(sharingParametersOf other: Linear) {
        inputFeatures = other.inputFeatures
        outputFeatures = other.outputFeatures
        weight = other.weight
        bias = other.bias
    }

    /// - Parameter input: `[in, N, 1, 1]`.
    /// - Returns: `output` `[out, N, 1, 1]`.
    public func forward(_ input: FeatureMap) -> FeatureMap {
        precondition(input.channels == inputFeatures && input.planeSize == 1,
                     "Linear \(weight.name): input [\(input.channels), \(input.batch), \(input.height), \(input.width)], expected [\(inputFeatures), N, 1, 1]")
        self.input = input
        let n = input.batch
        output.resize(channels: outputFeatures, batch: n, height: 1, width: 1)
        let y = output.storage
        bias.value.withUnsafeBufferPointer { b in
            for o in 0..<outputFeatures { (y + o * n).update(repeating: b[o], count: n) }
        }
        weight.value.withUnsafeBufferPointer { w in
            BLAS.sgemm(.none, .none, m: outputFeatures, n: n, k: inputFeatures, a: w.baseAddress!, lda: inputFeatures,
                       b: input.storage, ldb: n, beta: 1, c: y, ldc: n)
        }
        return output
    }

    /// Adds `dL/dW = dy·xᵀ` and `dL/db = Σ_n dy` into the gradients.
    ///
    /// - Parameter outputGradient: `[out, N, 1, 1]`.
    /// - Returns: `inputGradient` `Wᵀ·dy`, `[in, N, 1, 1]`.
    @discardableResult
    public func backward(_ outputGradient: FeatureMap) -> FeatureMap {
        guard let input else { preconditionFailure("Linear \(weight.name): backward before forward") }
        let n = input.batch
        precondition(outputGradient.channels == outputFeatures && outputGradient.batch == n && outputGradient.planeSize == 1,
                     "Linear \(weight.name): output gradient [\(outputGradient.channels), \(outputGradient.batch)], expected [\(outputFeatures), \(n)]")
        inputGradient.resize(like: input)
        let dy = outputGradient.storage
        bias.gradient.withUnsafeMutableBufferPointer { db in
            for o in 0..<outputFeatures {
                var sum: Float = 0
                for i in 0..<n { sum += dy[o * n + i] }
                db[o] += sum
            }
        }
        weight.gradient.withUnsafeMutableBufferPointer { dw in
            BLAS.sgemm(.none, .transposed, m: outputFeatures, n: inputFeatures, k: n, a: dy, lda: n,
                       b: input.storage, ldb: n, beta: 1, c: dw.baseAddress!, ldc: inputFeatures)
        }
        weight.value.withUnsafeBufferPointer { w in
            BLAS.sgemm(.transposed, .none, m: inputFeatures, n: n, k: outputFeatures, a: w.baseAddress!, lda: inputFeatures,
                       b: dy, ldb: n, c: inputGradient.storage, ldc: n)
        }
        return inputGradient
    }
}
