/// The `resnet-mini` encoder of DESIGN.md: stem conv3×3(C→w1) + BN + ReLU, three BasicBlocks
/// (widths w1, w2, w3, strides 1, 2, 2), global average pooling → representation h `[N, w3]`.
/// Reference implementation: `shared/peers/resnet_mini.py` (`ResNetMini`).
public final class ResNetMini {
    public let configuration: ResNetMiniConfiguration
    /// `stem.conv`: 3×3, stride 1, padding 1, no bias.
    public let stemConv: Conv2D
    /// `stem.bn`, with the ReLU fused.
    public let stemBN: BatchNorm
    public let layer1: BasicBlock
    public let layer2: BasicBlock
    public let layer3: BasicBlock
    public let pool = GlobalAveragePool()

    /// Draws the weights as torchvision initialises ResNet (see `Conv2D`, `BatchNorm`).
    ///
    /// - Precondition: `configuration.validate()` passes.
    public init(configuration: ResNetMiniConfiguration, rng: inout SplitMix64) {
        precondition((try? configuration.validate()) != nil, "ResNetMini: invalid configuration \(configuration)")
        self.configuration = configuration
        let w = configuration.widths
        stemConv = Conv2D(inputChannels: configuration.inputChannels, outputChannels: w[0], kernelSize: 3,
                          padding: 1, name: "stem.conv", rng: &rng)
        stemBN = BatchNorm(channels: w[0], activation: .relu, name: "stem.bn")
        layer1 = BasicBlock(inputChannels: w[0], outputChannels: w[0], stride: 1, name: "layer1", rng: &rng)
        layer2 = BasicBlock(inputChannels: w[0], outputChannels: w[1], stride: 2, name: "layer2", rng: &rng)
        layer3 = BasicBlock(inputChannels: w[1], outputChannels: w[2], stride: 2, name: "layer3", rng: &rng)
    }

    /// An encoder using `other`'s parameters with activations of its own (see
    /// `Conv2D.init(sharingParametersOf:)`, `BatchNorm.init(sharingParametersOf:)`).
    public init(sharingParametersOf other: ResNetMini) {
        configuration = other.configuration
        stemConv = Conv2D(sharingParametersOf: other.stemConv)
        stemBN = BatchNorm(sharingParametersOf: other.stemBN)
        layer1 = BasicBlock(sharingParametersOf: other.layer1)
        layer2 = BasicBlock(sharingParametersOf: other.layer2)
        layer3 = BasicBlock(sharingParametersOf: other.layer3)
    }

    /// Trainable parameters in state_dict order.
    public var parameters: [Parameter] {
        [stemConv.weight, stemBN.weight, stemBN.bias] + layer1.parameters + layer2.parameters + layer3.parameters
    }

    /// (convolution, batch norm) pairs in state_dict order.
    var convolutionPairs: [(conv: Conv2D, bn: BatchNorm)] {
        [(stemConv, stemBN)] + layer1.convolutionPairs + layer2.convolutionPairs + layer3.convolutionPairs
    }

    /// - Parameter input: views `[C, N, H, W]`.
    /// - Returns: h as `[D, N, 1, 1]` (`pool.output`).
    public func forward(_ input: FeatureMap, mode: ModelMode, timings: LayerTimings? = nil) -> FeatureMap {
        precondition(input.channels == configuration.inputChannels,
                     "ResNetMini: input has \(input.channels) channels, the model \(configuration.inputChannels)")
        let y = timings.measure("stem.conv", backward: false) { stemConv.forward(input) }
        var x = timings.measure("stem.bn", backward: false) { stemBN.forward(y, mode: mode) }
        x = layer1.forward(x, mode: mode, timings: timings)
        x = layer2.forward(x, mode: mode, timings: timings)
        x = layer3.forward(x, mode: mode, timings: timings)
        return timings.measure("pool", backward: false) { pool.forward(x) }
    }

    /// Adds into every parameter gradient.
    ///
    /// - Parameter representationGradient: `dL/dh` as `[D, N, 1, 1]`.
    /// - Returns: `dL/d(input)` when `stemConv.computesInputGradient`, else nil.
    @discardableResult
    public func backward(_ representationGradient: FeatureMap, timings: LayerTimings? = nil) -> FeatureMap? {
        var g = timings.measure("pool", backward: true) { pool.backward(representationGradient) }
        g = layer3.backward(g, timings: timings)
        g = layer2.backward(g, timings: timings)
        g = layer1.backward(g, timings: timings)
        g = timings.measure("stem.bn", backward: true) { stemBN.backward(g) }
        let dx = timings.measure("stem.conv", backward: true) { stemConv.backward(g) }
        return stemConv.computesInputGradient ? dx : nil
    }
}
