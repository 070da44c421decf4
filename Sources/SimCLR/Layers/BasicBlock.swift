/// The residual BasicBlock of ResNet (He et al. 2015, arXiv:1512.03385) as in DESIGN.md:
/// `out = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))`, conv 3×3 (stride on conv1),
/// shortcut = conv 1×1 (stride) + BN when the shape changes, identity otherwise.
///
/// bn1 carries the first ReLU and bn2 the residual add and the second ReLU, each in one pass.
public final class BasicBlock {
    public let conv1: Conv2D
    public let bn1: BatchNorm
    public let conv2: Conv2D
    public let bn2: BatchNorm
    /// 1×1 projection + BN (`<prefix>.shortcut.conv`, `<prefix>.shortcut.bn`), or nil for identity.
    public let shortcut: (conv: Conv2D, bn: BatchNorm)?
    /// The state_dict prefix, e.g. `layer2`.
    public let name: String

    public init(inputChannels: Int, outputChannels: Int, stride: Int, name: String, rng: inout SplitMix64) {
        self.name = name
        conv1 = Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 3, stride: stride,
                       padding: 1, name: name + ".conv1", rng: &rng)
        bn1 = BatchNorm(channels: outputChannels, activation: .relu, name: name + ".bn1")
        conv2 = Conv2D(inputChannels: outputChannels, outputChannels: outputChannels, kernelSize: 3, stride: 1,
                       padding: 1, name: name + ".conv2", rng: &rng)
        bn2 = BatchNorm(channels: outputChannels, activation: .relu, name: name + ".bn2")
        if stride != 1 || inputChannels != outputChannels {
            shortcut = (Conv2D(inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: 1,
                               stride: stride, name: name + ".shortcut.conv", rng: &rng),
                        BatchNorm(channels: outputChannels, name: name + ".shortcut.bn"))
        } else {
            shortcut = nil
        }
    }

    /// A block using `other`'s parameters with activations of its own (see
    /// `Conv2D.init(sharingParametersOf:)`, `BatchNorm.init(sharingParametersOf:)`).
    public init(sharingParametersOf other: BasicBlock) {
        name = other.name
        conv1 = Conv2D(sharingParametersOf: other.conv1)
        bn1 = BatchNorm(sharingParametersOf: other.bn1)
        conv2 = Conv2D(sharingParametersOf: other.conv2)
        bn2 = BatchNorm(sharingParametersOf: other.bn2)
        shortcut = other.shortcut.map { (Conv2D(sharingParametersOf: $0.conv), BatchNorm(sharingParametersOf: $0.bn)) }
    }

    /// Trainable parameters in state_dict order.
    public var parameters: [Parameter] {
        var list = [conv1.weight, bn1.weight, bn1.bias, conv2.weight, bn2.weight, bn2.bias]
        if let shortcut { list += [shortcut.conv.weight, shortcut.bn.weight, shortcut.bn.bias] }
        return list
    }

    /// The (convolution, batch norm) pairs in state_dict order.
    var convolutionPairs: [(conv: Conv2D, bn: BatchNorm)] {
        [(conv1, bn1), (conv2, bn2)] + (shortcut.map { [$0] } ?? [])
    }

    /// - Parameter input: `[C, N, H, W]`. - Returns: `bn2.output` `[OC, N, OH, OW]`.
    public func forward(_ input: FeatureMap, mode: ModelMode, timings: LayerTimings? = nil) -> FeatureMap {
        let y1 = timings.measure(conv1.name, backward: false) { conv1.forward(input) }
        let a1 = timings.measure(bn1.name, backward: false) { bn1.forward(y1, mode: mode) }
        let y2 = timings.measure(conv2.name, backward: false) { conv2.forward(a1) }
        var skip = input
        if let shortcut {
            let ys = timings.measure(shortcut.conv.name, backward: false) { shortcut.conv.forward(input) }
            skip = timings.measure(shortcut.bn.name, backward: false) { shortcut.bn.forward(ys, mode: mode) }
        }
        return timings.measure(bn2.name, backward: false) { bn2.forward(y2, residual: skip, mode: mode) }
    }

    /// Adds into every parameter gradient of the block.
    ///
    /// - Returns: `dL/dx` (held in `conv1.inputGradient`, to which the shortcut's gradient is added).
    @discardableResult
    public func backward(_ outputGradient: FeatureMap, timings: LayerTimings? = nil) -> FeatureMap {
        let dy2 = timings.measure(bn2.name, backward: true) { bn2.backward(outputGradient) }
        let da1 = timings.measure(conv2.name, backward: true) { conv2.backward(dy2) }
        let dy1 = timings.measure(bn1.name, backward: true) { bn1.backward(da1) }
        let dx = timings.measure(conv1.name, backward: true) { conv1.backward(dy1) }
        var skipGradient = bn2.residualGradient
        if let shortcut {
            let dys = timings.measure(shortcut.bn.name, backward: true) { shortcut.bn.backward(bn2.residualGradient) }
            skipGradient = timings.measure(shortcut.conv.name, backward: true) { shortcut.conv.backward(dys) }
        }
        timings.measure(name + ".add", backward: true) { dx.add(skipGradient) }
        return dx
    }
}

extension FeatureMap {
    /// `self += other` elementwise (same shape), parallel over index ranges.
    public func add(_ other: FeatureMap) {
        precondition(other.count == count, "FeatureMap.add: \(other.count) vs \(count) elements")
        let x = SendableConstPointer(UnsafePointer(other.storage)), y = SendablePointer(storage)
        // Each chunk updates its own index range.
        Parallel.forEachChunk(count, minimumChunk: 1 << 14) { range in
            for i in range { y.base[i] += x.base[i] }
        }
    }
}
