import Foundation

/// Everything that defines a pretraining run: stored as JSON in checkpoints (`arguments`) and in
/// `encoder.json` (`training`), so a run can be resumed and its weights traced to their recipe.
/// Keys are snake_case, as the CLI flags.
public struct TrainingConfiguration: Codable, Sendable, Equatable {
    /// The ImageFolder root the images came from (for the record; the trainer gets the images).
    public var data: String
    /// Passes over the dataset.
    public var epochs: Int
    /// N, images per step (2N views).
    public var batchSize: Int
    public var loss: ContrastiveLossKind
    /// Where the loss takes its positives: the other view (`views`, SimCLR) or the images of
    /// the same class (`labels`).
    public var supervision: Supervision
    /// Which triplets `--loss triplet` uses (`semi-hard` with label supervision only).
    public var mining: TripletMining
    /// M: batches are drawn M images from each of batch size / M random classes
    /// (pytorch-metric-learning's `MPerClassSampler`); nil: a seeded shuffle of all images.
    public var samplesPerClass: Int?
    /// NT-Xent temperature τ > 0 (dimensionless).
    public var temperature: Float
    /// Margin of the contrastive and triplet losses (embedding distance units).
    public var margin: Float
    public var optimizer: OptimizerKind
    /// Base learning rate, before `learningRateScaling` and the schedule.
    public var learningRate: Double
    public var learningRateScaling: LearningRateScaling
    /// Weight decay λ (L2 for SGD/LARS, decoupled for AdamW); BatchNorm and bias parameters excluded.
    public var weightDecay: Double
    /// Momentum m of SGD and LARS.
    public var momentum: Double
    /// LARS trust coefficient η.
    public var trustCoefficient: Double
    /// Epochs of linear warmup (may be fractional).
    public var warmupEpochs: Double
    /// Seeds the initial weights and every view (data order and augmentation).
    public var seed: UInt64
    public var model: ResNetMiniConfiguration
    /// The view pipeline; its `outputSize` is the full-size views' size (`simclr pretrain` always
    /// sets it; nil makes views of each image's own size, see `viewSize`).
    public var augmentation: AugmentationConfig
    /// Small views besides the two full-size ones (`--small-crops`, SwAV's multi-crop); nil: the
    /// two views of SimCLR only. Left out of the JSON when nil, so such runs store what they
    /// stored before multi-crop existed.
    public var multiCrop: MultiCropConfig?

    enum CodingKeys: String, CodingKey {
        case data, epochs, loss, temperature, margin, optimizer, momentum, seed, model, augmentation
        case supervision, mining
        case batchSize = "batch_size"
        case samplesPerClass = "samples_per_class"
        case learningRate = "lr"
        case learningRateScaling = "lr_scaling"
        case weightDecay = "weight_decay"
        case trustCoefficient = "trust_coefficient"
        case warmupEpochs = "warmup_epochs"
        case multiCrop = "multi_crop"
    }

    public init(
        data: String = TrainingDefaults.data, epochs: Int = TrainingDefaults.epochs,
        batchSize: Int = TrainingDefaults.batchSize, loss: ContrastiveLossKind = .ntxent,
        supervision: Supervision = TrainingDefaults.supervision, mining: TripletMining = TrainingDefaults.mining,
        samplesPerClass: Int? = nil,
        temperature: Float = TrainingDefaults.temperature, margin: Float = TrainingDefaults.margin,
        optimizer: OptimizerKind = .lars, learningRate: Double? = nil, learningRateScaling: LearningRateScaling? = nil,
        weightDecay: Double? = nil, momentum: Double = TrainingDefaults.momentum,
        trustCoefficient: Double = TrainingDefaults.trustCoefficient, warmupEpochs: Double? = nil,
        seed: UInt64 = TrainingDefaults.seed, model: ResNetMiniConfiguration = ResNetMiniConfiguration(),
        augmentation: AugmentationConfig, multiCrop: MultiCropConfig? = nil
    ) {
        self.data = data
        self.epochs = epochs
        self.batchSize = batchSize
        self.loss = loss
        self.supervision = supervision
        self.mining = mining
        self.samplesPerClass = samplesPerClass
        self.temperature = temperature
        self.margin = margin
        self.optimizer = optimizer
        let defaults = Self.defaults(for: optimizer)
        self.learningRate = learningRate ?? defaults.learningRate
        self.learningRateScaling = learningRateScaling ?? defaults.scaling
        self.weightDecay = weightDecay ?? defaults.weightDecay
        self.momentum = momentum
        self.trustCoefficient = trustCoefficient
        self.warmupEpochs = warmupEpochs ?? TrainingDefaults.warmupEpochs(epochs: epochs)
        self.seed = seed
        self.model = model
        self.augmentation = augmentation
        self.multiCrop = multiCrop
    }

    /// Views per image in a step: the two full-size views plus `multiCrop`'s small ones.
    public var viewsPerImage: Int { 2 + (multiCrop?.count ?? 0) }

    /// Views per step over all processes (both kinds): what views/s counts.
    public var viewsPerStep: Int { viewsPerImage * batchSize }

    /// Per-optimizer defaults: LARS 0.075·√B with λ 1e-6 (SimCLR, arXiv 2002.05709 App. B.9),
    /// SGD 0.06·B/256 with λ 5e-4 (the common CIFAR SimCLR recipe with SGD), AdamW 1e-3 with λ 1e-6.
    public static func defaults(for optimizer: OptimizerKind)
        -> (learningRate: Double, scaling: LearningRateScaling, weightDecay: Double)
    {
        switch optimizer {
        case .lars: return (0.075, .squareRoot, 1e-6)
        case .sgd: return (0.06, .linear, 5e-4)
        case .adamw: return (1e-3, .none, 1e-6)
        }
    }

    /// The learning rate at the end of warmup: the base scaled by the batch size.
    public var peakLearningRate: Double { learningRateScaling.scaled(base: learningRate, batchSize: batchSize) }

    /// The optimizer over `parameters` that this configuration names.
    public func makeOptimizer(parameters: [Parameter]) -> any Optimizer {
        switch optimizer {
        case .sgd:
            return MomentumSGD(
                parameters: parameters, rule: .pytorch, momentum: Float(momentum), weightDecay: Float(weightDecay))
        case .lars:
            return MomentumSGD(
                parameters: parameters, rule: .lars(trustCoefficient: Float(trustCoefficient)),
                momentum: Float(momentum), weightDecay: Float(weightDecay))
        case .adamw:
            return AdamW(parameters: parameters, weightDecay: Float(weightDecay))
        }
    }

    /// The loss this configuration names. With multi-crop and `supervision == .views`, NT-Xent
    /// with several positives per anchor: SupCon with labels = image index (the trainer passes
    /// them; with two views it is exactly NT-Xent).
    ///
    /// - Throws: `LossError` for a non-positive temperature or margin.
    public func makeLoss() throws(LossError) -> any ViewEmbeddingLoss {
        var settings = ViewLossSettings()
        settings.temperature = temperature
        settings.contrastiveMargin = margin
        settings.tripletMargin = margin
        switch supervision {
        case .views where multiCrop != nil:
            // `validate()` allows --loss ntxent only here.
            return try SupConLoss(temperature: temperature)
        case .views:
            // `validate()` refuses semi-hard mining here.
            settings.tripletMining = mining == .batchAll ? .batchAll : .batchHard
            return try loss.makeLoss(settings)
        case .labels:
            switch loss {
            case .ntxent: return try SupConLoss(temperature: temperature)
            case .dcl: preconditionFailure("validate() refuses --loss dcl with --supervision labels")
            case .contrastive: return try LabeledContrastiveLoss(margin: margin, normalization: settings.normalization)
            case .triplet: return try LabeledTripletLoss(margin: margin, mining: mining, normalization: settings.normalization)
            }
        }
    }

    /// The architecture as checkpoints record it: `{"architecture": "resnet-mini", "widths",
    /// "input_channels", "image_size", "projection_dim"}` (sorted keys).
    public var architectureJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Encoding a struct of Ints cannot fail.
        var object = (try? JSONSerialization.jsonObject(with: encoder.encode(model))) as? [String: Any] ?? [:]
        object["architecture"] = EncoderManifest.architectureName
        let data = (try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The configuration as one JSON object text (sorted keys).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Every field is a number, string, array or nested Codable struct: encoding cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses `json` (a checkpoint's `arguments`).
    ///
    /// - Throws: `CheckpointError.corrupt` naming `path` if it is not a configuration.
    public static func decode(json: String, path: String) throws(CheckpointError) -> TrainingConfiguration {
        do {
            return try JSONDecoder().decode(TrainingConfiguration.self, from: Data(json.utf8))
        } catch {
            throw .corrupt(path: path, reason: "the stored training arguments cannot be read: \(error)")
        }
    }
}
