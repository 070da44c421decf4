/// Batch normalisation (Ioffe & Szegedy 2015, arXiv:1502.03167) with PyTorch's semantics,
/// optionally fused with a residual add and a ReLU: `out = act(BN(x) [+ residual])`.
///
/// One class serves `BatchNorm2d` (input `[C, N, H, W]`, statistics over N·H·W) and `BatchNorm1d`
/// (feature vectors `[D, N, 1, 1]`, statistics over N). Train mode normalises with the batch mean
/// and biased variance and updates `runningMean`/`runningVariance` with momentum 0.1 (the running
/// variance takes the unbiased estimate); eval mode uses the running estimates. `eps = 1e-5`.
///
/// Parameters: `weight` (γ, also known as scale) and `bias` (β, also known as offset), both `[C]`,
/// excluded from weight decay and LARS adaptation. Each channel is reduced sequentially by one
/// worker, so results do not depend on the thread count.
///
/// Global BatchNorm (SimCLR's `global_bn`, PyTorch's `SyncBatchNorm`): with a `communicator` of
/// several processes, train mode all-reduces the per-channel sums (forward Σx, Σx² and the count;
/// backward Σdy, Σdy·(x − mean)), so K processes normalise as one process would over the whole
/// batch; dγ and dβ stay this process's share (the trainer all-reduces gradients).
public final class BatchNorm {
    /// What follows the normalisation (and the residual add) in the same pass.
    public enum Activation: Sendable { case identity, relu }

    public let channels: Int
    public let activation: Activation
    public let epsilon: Float = 1e-5
    public let momentum: Float = 0.1
    /// γ `[C]`, `<prefix>.weight`, initialised to 1.
    public let weight: Parameter
    /// β `[C]`, `<prefix>.bias`, initialised to 0.
    public let bias: Parameter
    /// `<prefix>.running_mean` `[C]`, initialised to 0.
    public var runningMean: [Float]
    /// `<prefix>.running_var` `[C]`, initialised to 1.
    public var runningVariance: [Float]
    /// The state_dict prefix, e.g. `layer1.bn2`.
    public let name: String
    /// The output of the last `forward`.
    public let output = FeatureMap()
    /// `dL/dx` of the last `backward`.
    public let inputGradient = FeatureMap()
    /// `dL/d(residual)` of the last `backward` when `forward` was given a residual (the gradient
    /// after the activation, shared by both branches of the add).
    public let residualGradient = FeatureMap()

    /// The processes whose batches this layer normalises together in train mode (nil: this one).
    public var communicator: (any Communicator)?
    private var input: FeatureMap?
    /// Values per channel over all processes in the last train-mode forward (N·H·W summed).
    private var globalCount = 0.0
    private var hadResidual = false
    private var mode = ModelMode.train
    /// The mean and 1/√(var + eps) the last forward normalised with.
    private var mean: [Float]
    private var inverseStd: [Float]

    public init(channels: Int, activation: Activation = .identity, name: String) {
        self.channels = channels
        self.activation = activation
        self.name = name
        weight = Parameter(
            name: name + ".weight", shape: [channels], value: [Float](repeating: 1, count: channels),
            excludeFromWeightDecay: true, excludeFromAdaptation: true)
        bias = Parameter(
            name: name + ".bias", shape: [channels], value: [Float](repeating: 0, count: channels),
            excludeFromWeightDecay: true, excludeFromAdaptation: true)
        runningMean = [Float](repeating: 0, count: channels)
        runningVariance = [Float](repeating: 1, count: channels)
        mean = [Float](repeating: 0, count: channels)
        inverseStd = [Float](repeating: 1, count: channels)
    }

    /// A layer using `other`'s `weight` and `bias` (the same `Parameter`s, gradients included)
    /// and communicator, with activations and batch statistics of its own (see
    /// `Conv2D.init(sharingParametersOf:)`). Its running statistics start as copies of `other`'s
    /// and stay its own: its train-mode forwards leave `other`'s untouched.
    public init(sharingParametersOf other: BatchNorm) {
        channels = other.channels
        activation = other.activation
        name = other.name
        weight = other.weight
        bias = other.bias
        runningMean = other.runningMean
        runningVariance = other.runningVariance
        communicator = other.communicator
        mean = [Float](repeating: 0, count: channels)
        inverseStd = [Float](repeating: 1, count: channels)
    }

    /// - Parameters:
    ///   - input: `[C, N, H, W]`; in train mode `N·H·W ≥ 2`.
    ///   - residual: added after the normalisation and before the activation; shaped like `input`.
    /// - Returns: `output`, shaped like `input`.
    public func forward(_ input: FeatureMap, residual: FeatureMap? = nil, mode: ModelMode) -> FeatureMap {
        precondition(input.channels == channels, "BatchNorm \(name): input has \(input.channels) channels, expected \(channels)")
        if let residual {
            precondition(residual.count == input.count && residual.channels == channels,
                         "BatchNorm \(name): residual [\(residual.channels), \(residual.batch), \(residual.height), \(residual.width)] vs input [\(input.channels), \(input.batch), \(input.height), \(input.width)]")
        }
        let length = input.rowLength
        precondition(mode == .eval || length > 1, "BatchNorm \(name): train mode needs more than 1 value per channel, got \(length)")
        self.input = input
        self.mode = mode
        hadResidual = residual != nil
        output.resize(like: input)
        let x = SendableConstPointer(UnsafePointer(input.storage))
        let out = SendablePointer(output.storage)
        let residualPointer = residual.map { SendableConstPointer(UnsafePointer($0.storage)) }
        let relu = activation == .relu
        let eps = Double(epsilon), m = momentum
        let channels = self.channels
        let global = mode == .train && communicator?.isDistributed == true ? globalStatistics(input) : nil
        let globalSums = global.map { SendableConstPointer(UnsafePointer($0.base)) }
        defer { global?.base.deallocate() }
        weight.value.withUnsafeBufferPointer { gamma in
            bias.value.withUnsafeBufferPointer { beta in
                mean.withUnsafeMutableBufferPointer { meanBuffer in
                    inverseStd.withUnsafeMutableBufferPointer { invBuffer in
                        runningMean.withUnsafeMutableBufferPointer { rmBuffer in
                            runningVariance.withUnsafeMutableBufferPointer { rvBuffer in
                                let gamma = SendableConstPointer(gamma.baseAddress!), beta = SendableConstPointer(beta.baseAddress!)
                                let meanOut = SendablePointer(meanBuffer.baseAddress!), invOut = SendablePointer(invBuffer.baseAddress!)
                                let rm = SendablePointer(rmBuffer.baseAddress!), rv = SendablePointer(rvBuffer.baseAddress!)
                                // Each chunk owns whole channels: its rows of x/out and its entries of the [C] arrays.
                                Parallel.forEachChunk(channels) { range in
                                    for c in range {
                                        let row = x.base + c * length
                                        if mode == .train {
                                            let batchMean: Double, variance: Double, n: Double
                                            if let g = globalSums {
                                                n = g.base[2 * channels]
                                                batchMean = g.base[2 * c] / n
                                                variance = max(0, g.base[2 * c + 1] / n - batchMean * batchMean)
                                            } else {
                                                let shift = row[0]
                                                let (sum, squares) = ChannelKernels.shiftedSums(row, count: length, shift: shift)
                                                n = Double(length)
                                                let centred = sum / n
                                                batchMean = Double(shift) + centred
                                                variance = max(0, squares / n - centred * centred)
                                            }
                                            meanOut.base[c] = Float(batchMean)
                                            invOut.base[c] = Float(1 / (variance + eps).squareRoot())
                                            let unbiased = variance * n / (n - 1)
                                            rm.base[c] = (1 - m) * rm.base[c] + m * meanOut.base[c]
                                            rv.base[c] = (1 - m) * rv.base[c] + m * Float(unbiased)
                                        } else {
                                            meanOut.base[c] = rm.base[c]
                                            invOut.base[c] = Float(1 / (Double(rv.base[c]) + eps).squareRoot())
                                        }
                                        let scale = gamma.base[c] * invOut.base[c]
                                        ChannelKernels.affine(
                                            row, count: length, scale: scale, offset: beta.base[c] - meanOut.base[c] * scale,
                                            residual: residualPointer.map { $0.base + c * length }, relu: relu,
                                            output: out.base + c * length)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        globalCount = global.map { $0.base[2 * channels] } ?? Double(length)
        return output
    }

    /// Per channel Σx and Σx², then the count, all-reduced over the processes: `[2C + 1]` Doubles
    /// the caller deallocates. Each process sums its values shifted by its first one in Float
    /// blocks (as the one-process path does) and hands over n·mean and M2 + n·mean² in Double, so
    /// the global variance S2/n − mean² loses only Double precision (Chan et al.'s pairwise
    /// combination of moments).
    private func globalStatistics(_ input: FeatureMap) -> SendablePointer<Double> {
        let length = input.rowLength, channels = self.channels
        let sums = SendablePointer(UnsafeMutablePointer<Double>.allocate(capacity: 2 * channels + 1))
        let x = SendableConstPointer(UnsafePointer(input.storage))
        // Each chunk writes the two sums of its own channels.
        Parallel.forEachChunk(channels) { range in
            for c in range {
                let row = x.base + c * length, shift = row[0], n = Double(length)
                let (sum, squares) = ChannelKernels.shiftedSums(row, count: length, shift: shift)
                let mean = Double(shift) + sum / n
                sums.base[2 * c] = n * mean
                sums.base[2 * c + 1] = (squares - sum * sum / n) + n * mean * mean
            }
        }
        sums.base[2 * channels] = Double(length)
        communicator!.allReduceSum(UnsafeMutableBufferPointer(start: sums.base, count: 2 * channels + 1))
        return sums
    }

    /// Adds `dL/dγ`, `dL/dβ` into the parameter gradients; fills `residualGradient` when the
    /// forward had a residual.
    ///
    /// - Parameter outputGradient: `dL/d(output)`, shaped like `output`.
    /// - Returns: `inputGradient` `dL/dx`, shaped like the input. In train mode it includes the
    ///   paths through the batch mean and variance.
    @discardableResult
    public func backward(_ outputGradient: FeatureMap) -> FeatureMap {
        guard let input else { preconditionFailure("BatchNorm \(name): backward before forward") }
        precondition(outputGradient.count == output.count && outputGradient.channels == channels,
                     "BatchNorm \(name): output gradient [\(outputGradient.channels), \(outputGradient.batch), \(outputGradient.height), \(outputGradient.width)] vs output [\(output.channels), \(output.batch), \(output.height), \(output.width)]")
        let length = input.rowLength
        inputGradient.resize(like: input)
        if hadResidual { residualGradient.resize(like: input) }
        let x = SendableConstPointer(UnsafePointer(input.storage))
        let out = SendableConstPointer(UnsafePointer(output.storage))
        let dOut = SendableConstPointer(UnsafePointer(outputGradient.storage))
        let dx = SendablePointer(inputGradient.storage)
        let dResidual = hadResidual ? SendablePointer(residualGradient.storage) : nil
        let relu = activation == .relu, train = mode == .train
        let distributed = train && communicator?.isDistributed == true, channels = self.channels
        // Global BatchNorm: this process's Σdy and Σdy·(x − mean) first, all-reduced, then the
        // input gradient from the global sums (dγ, dβ from the local ones).
        var channelSums = [Double](repeating: 0, count: distributed ? 4 * channels : 0)
        let n = globalCount
        weight.value.withUnsafeBufferPointer { gammaBuffer in
            weight.gradient.withUnsafeMutableBufferPointer { dGammaBuffer in
                bias.gradient.withUnsafeMutableBufferPointer { dBetaBuffer in
                    mean.withUnsafeBufferPointer { meanBuffer in
                        inverseStd.withUnsafeBufferPointer { invBuffer in
                            let gamma = SendableConstPointer(gammaBuffer.baseAddress!)
                            let dGamma = SendablePointer(dGammaBuffer.baseAddress!), dBeta = SendablePointer(dBetaBuffer.baseAddress!)
                            let mean = SendableConstPointer(meanBuffer.baseAddress!), inv = SendableConstPointer(invBuffer.baseAddress!)
                            channelSums.withUnsafeMutableBufferPointer { sumsBuffer in
                                let sums = SendablePointer(sumsBuffer.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!)
                                // Each chunk owns whole channels: its rows and its entries of the [C] gradients and sums.
                                if distributed {
                                    Parallel.forEachChunk(channels) { range in
                                        for c in range {
                                            let offset = c * length
                                            (sums.base[2 * c], sums.base[2 * c + 1]) = ChannelKernels.gradientSums(
                                                outputGradient: dOut.base + offset, output: out.base + offset, input: x.base + offset,
                                                count: length, shift: mean.base[c], relu: relu,
                                                gradientCopy: dResidual.map { $0.base + offset })
                                            sums.base[2 * channels + 2 * c] = sums.base[2 * c]
                                            sums.base[2 * channels + 2 * c + 1] = sums.base[2 * c + 1]
                                        }
                                    }
                                    communicator!.allReduceSum(UnsafeMutableBufferPointer(start: sums.base + 2 * channels, count: 2 * channels))
                                }
                            Parallel.forEachChunk(channels) { range in
                                for c in range {
                                    let offset = c * length
                                    let (sum, weighted) = distributed ? (sums.base[2 * c], sums.base[2 * c + 1]) : ChannelKernels.gradientSums(
                                        outputGradient: dOut.base + offset, output: out.base + offset, input: x.base + offset,
                                        count: length, shift: mean.base[c], relu: relu,
                                        gradientCopy: dResidual.map { $0.base + offset })
                                    let sumXHat = weighted * Double(inv.base[c])
                                    dGamma.base[c] += Float(sumXHat)
                                    dBeta.base[c] += Float(sum)
                                    let k1 = Double(gamma.base[c]) * Double(inv.base[c])
                                    var k2 = 0.0, k3 = 0.0
                                    if distributed {
                                        k2 = -k1 * Double(inv.base[c]) * sums.base[2 * channels + 2 * c + 1] * Double(inv.base[c]) / n
                                        k3 = -k1 * sums.base[2 * channels + 2 * c] / n
                                    } else if train {
                                        k2 = -k1 * Double(inv.base[c]) * sumXHat / Double(length)
                                        k3 = -k1 * sum / Double(length)
                                    }
                                    ChannelKernels.batchNormInputGradient(
                                        outputGradient: dOut.base + offset, output: out.base + offset, input: x.base + offset,
                                        count: length, relu: relu, shift: mean.base[c], k1: Float(k1), k2: Float(k2), k3: Float(k3),
                                        inputGradient: dx.base + offset)
                                }
                            }
                            }
                        }
                    }
                }
            }
        }
        return inputGradient
    }
}

/// `torch.nn.BatchNorm2d` over `[C, N, H, W]` feature maps.
public typealias BatchNorm2D = BatchNorm
/// `torch.nn.BatchNorm1d` over feature vectors held as `[D, N, 1, 1]`.
public typealias BatchNorm1D = BatchNorm
