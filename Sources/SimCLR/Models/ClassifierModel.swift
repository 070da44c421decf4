/// The encoder f(·) with a linear classifier on its representation: views → h = f(views) →
/// logits = fc(h) (`torch.nn.Linear(D, K)`), trained with softmax cross-entropy by `simclr finetune`.
///
/// State-dict names: the encoder's under the prefix `encoder.` (`encoder.stem.conv.weight`, …,
/// DESIGN.md "Exported weights"), then `fc.weight [K, D]` and `fc.bias [K]`. The encoder comes from
/// a `SimCLRModel` built as `simclr pretrain` builds it (same initialisation from the same seed);
/// its projection head is never used.
///
/// Legend: B views, D = widths[2], K classes.
public final class ClassifierModel {
    /// Prefix of the encoder's tensors in state dicts and `classifier.safetensors`.
    public static let encoderPrefix = "encoder."

    public let configuration: ResNetMiniConfiguration
    public let classCount: Int
    /// The encoder (and an unused projection head), initialised as in pretraining.
    public let backbone: SimCLRModel
    /// `fc`: `[K, D]` weight, `[K]` bias.
    public let fc: Linear
    private let input = FeatureMap()
    private let logitsGradient = FeatureMap()

    /// Draws the encoder (and head) as `SimCLRModel(configuration:rng:)`, then `fc` (PyTorch's
    /// Linear default) from the same `rng`.
    ///
    /// - Throws: `ModelError.invalidConfiguration`.
    /// - Precondition: `classCount ≥ 1`.
    public init(configuration: ResNetMiniConfiguration, classCount: Int, rng: inout SplitMix64) throws {
        precondition(classCount >= 1, "ClassifierModel: \(classCount) classes")
        self.configuration = configuration
        self.classCount = classCount
        backbone = try SimCLRModel(configuration: configuration, rng: &rng)
        fc = Linear(inputFeatures: configuration.representationDim, outputFeatures: classCount, name: "fc", rng: &rng)
        backbone.encoder.stemConv.computesInputGradient = false
    }

    public var encoder: ResNetMini { backbone.encoder }

    /// Encoder then `fc` parameters; with `freezeEncoder` only `fc`'s.
    public func parameters(freezeEncoder: Bool) -> [Parameter] {
        (freezeEncoder ? [] : encoder.parameters) + [fc.weight, fc.bias]
    }

    /// Logits `[B, K]` of normalised views `[B, H, W, C]` (NHWC).
    ///
    /// - Parameter mode: `.train` (BatchNorm batch statistics, running statistics updated) for
    ///   end-to-end fine-tuning, `.eval` for a frozen encoder and for inference.
    public func forward(_ views: Tensor, mode: ModelMode) -> Tensor {
        precondition(views.rank == 4 && views.shape[3] == configuration.inputChannels,
                     "ClassifierModel: views \(views.shape), expected [B, H, W, \(configuration.inputChannels)]")
        input.load(nhwc: views)
        let h = encoder.forward(input, mode: mode)
        return fc.forward(h).rowsTensor()
    }

    /// Back-propagates `dL/dlogits` `[B, K]` through `fc` and, unless `throughEncoder` is false,
    /// the encoder (the forward reversed), adding into the parameter gradients. Call after
    /// `forward` on the same views.
    public func backward(logitsGradient gradient: Tensor, throughEncoder: Bool) {
        precondition(gradient.shape == [input.batch, classCount],
                     "ClassifierModel: logits gradient \(gradient.shape), expected [\(input.batch), \(classCount)]")
        logitsGradient.load(rows: gradient)
        let hGradient = fc.backward(logitsGradient)
        if throughEncoder { encoder.backward(hGradient) }
    }

    /// Sets every gradient (encoder and `fc`) to zero.
    public func zeroGradients() {
        for parameter in parameters(freezeEncoder: false) { parameter.zeroGradient() }
    }

    /// `encoder.*` (parameters and BatchNorm buffers, PyTorch order and layouts), `fc.weight`, `fc.bias`.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        encoder.stateDict().map { (Self.encoderPrefix + $0.name, $0.tensor) } + [fc.weight.stateEntry, fc.bias.stateEntry]
    }

    /// Loads encoder tensors given without the prefix (an `encoder.safetensors` export).
    ///
    /// - Throws: `ModelError` naming the first missing or misshapen tensor (nothing changes then).
    public func loadEncoder(stateDict: [(name: String, tensor: Tensor)]) throws {
        try backbone.load(stateDict: stateDict, includeHead: false)
    }

    /// Loads what `stateDict()` returns (all or nothing).
    ///
    /// - Throws: `ModelError` naming the first missing or misshapen tensor.
    public func load(stateDict: [(name: String, tensor: Tensor)]) throws {
        var fcTensors: [String: Tensor] = [:]
        var encoderTensors: [(name: String, tensor: Tensor)] = []
        for (name, tensor) in stateDict {
            if name.hasPrefix(Self.encoderPrefix) {
                encoderTensors.append((String(name.dropFirst(Self.encoderPrefix.count)), tensor))
            } else {
                fcTensors[name] = tensor
            }
        }
        for parameter in [fc.weight, fc.bias] {
            guard let found = fcTensors[parameter.name] else { throw ModelError.missingTensor(name: parameter.name) }
            guard found.shape == parameter.shape else {
                throw ModelError.shapeMismatch(name: parameter.name, expected: parameter.shape, found: found.shape)
            }
        }
        do {
            try backbone.load(stateDict: encoderTensors, includeHead: false)
        } catch ModelError.missingTensor(let name) {
            throw ModelError.missingTensor(name: Self.encoderPrefix + name)
        } catch ModelError.shapeMismatch(let name, let expected, let found) {
            throw ModelError.shapeMismatch(name: Self.encoderPrefix + name, expected: expected, found: found)
        }
        fc.weight.value = fcTensors[fc.weight.name]!.data
        fc.bias.value = fcTensors[fc.bias.name]!.data
    }
}
