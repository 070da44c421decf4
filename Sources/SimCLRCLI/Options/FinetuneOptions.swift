import ArgumentParser
import Foundation
import SimCLR

/// The training arguments of `simclr finetune`. Every option is optional: a new run applies the
/// given ones to the fine-tuning defaults (`FinetuneDefaults`, `TrainingConfiguration.defaults(for:)`),
/// `--resume` applies them to the stored arguments, where they must not change anything.
struct FinetuneOptions: ParsableArguments {
    @Option(help: "Pretrained encoder.safetensors (encoder.json beside it gives widths, image size and normalisation).")
    var encoder: String?

    @Option(help: "Training ImageFolder (root/<class>/*.png); the labelled subset is drawn from it.")
    var train: String?

    @Option(help: "Test ImageFolder with the same classes, images of the encoder's size (whole images, no crop).")
    var test: String?

    @OptionGroup var labels: LabelSubsetOptions

    @Option(help: "Passes over the labelled subset (default \(FinetuneDefaults.epochs)).")
    var epochs: Int?

    @Option(help: "Images per step N; each step trains on their 2N augmented views (default \(FinetuneDefaults.batchSize)).")
    var batchSize: Int?

    @Option(help: "sgd, lars or adamw (default \(FinetuneDefaults.optimizer.rawValue)).")
    var optimizer: OptimizerKind?

    @Option(parsing: .unconditional, help: "Base learning rate before --lr-scaling (default: sgd \(FinetuneDefaults.learningRate), i.e. \(FinetuneDefaults.learningRate * Double(FinetuneDefaults.batchSize) / 256) at batch \(FinetuneDefaults.batchSize); lars and adamw as in pretrain: \(PretrainOptions.optimizerDefaults(\.learningRate))).")
    var lr: Double?

    @Option(help: "linear (lr·B/256), sqrt (lr·√B) or none (default: \(PretrainOptions.optimizerDefaults(\.scaling))).")
    var lrScaling: LearningRateScaling?

    @Option(parsing: .unconditional, help: "Weight decay; BatchNorm and bias parameters excluded (default: \(PretrainOptions.optimizerDefaults(\.weightDecay))).")
    var weightDecay: Double?

    @Option(parsing: .unconditional, help: "Momentum of sgd and lars (default \(TrainingDefaults.momentum)).")
    var momentum: Double?

    @Option(help: "Epochs of linear warmup before the cosine decay (default: a tenth of --epochs).")
    var warmupEpochs: Double?

    @Option(help: "Seed of the label subset, the classifier's initial weights and the views (default \(TrainingDefaults.seed)).")
    var seed: UInt64?

    @Flag(help: "Train only the linear classifier on the frozen encoder's representation (eval-mode BatchNorm): linear evaluation by SGD on augmented views.")
    var freezeEncoder = false

    @OptionGroup(title: "Augmentation (default: the preset's crop and flip only; colour jitter, grayscale and blur only when their flags are given; normalisation from encoder.json)")
    var augmentation: AugmentationOptions

    /// A new run from the pretrained encoder described by `description`, on a training folder
    /// with `classNames`; checked by the library.
    ///
    /// - Throws: `ValidationError` naming the first bad flag.
    func configuration(description: EncoderDescription, classNames: [String]) throws -> FinetuneConfiguration {
        guard let encoder, let train, let test else {
            throw ValidationError("a new run needs --encoder, --train and --test")
        }
        var configuration = FinetuneConfiguration(
            training: FinetuneConfiguration.training(
                data: train, model: description.configuration,
                augmentation: try augmentationConfiguration(description: description)),
            test: test, encoder: encoder, classNames: classNames)
        try apply(to: &configuration, description: description)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }

    /// Sets every given flag in `c`. Applied to a checkpoint's arguments (`resuming`: --epochs,
    /// --train and --test are the trainer's to apply), flags equal to the stored ones change nothing.
    func apply(to c: inout FinetuneConfiguration, description: EncoderDescription? = nil, resuming: Bool = false) throws {
        if let rule = labels.rule { c.labels = rule }
        if let epochs, !resuming {
            c.training.epochs = epochs
            if warmupEpochs == nil { c.training.warmupEpochs = TrainingDefaults.warmupEpochs(epochs: epochs) }
        }
        if let batchSize { c.training.batchSize = batchSize }
        if let optimizer, optimizer != c.training.optimizer {
            c.training.optimizer = optimizer
            (c.training.learningRate, c.training.learningRateScaling, c.training.weightDecay) =
                TrainingConfiguration.defaults(for: optimizer)
            if optimizer == .sgd { c.training.learningRate = FinetuneDefaults.learningRate }
        }
        if let lr { c.training.learningRate = lr }
        if let lrScaling { c.training.learningRateScaling = lrScaling }
        if let weightDecay { c.training.weightDecay = weightDecay }
        if let momentum { c.training.momentum = momentum }
        if let warmupEpochs { c.training.warmupEpochs = warmupEpochs }
        if let seed { c.training.seed = seed }
        if freezeEncoder { c.freezeEncoder = true }
        if resuming && givesAugmentation {
            let stored = EncoderDescription(
                configuration: c.training.model, normalization: c.training.augmentation.normalization, initializationSeed: 0)
            var augmentation = try augmentationConfiguration(description: description ?? stored)
            augmentation.outputSize = c.training.augmentation.outputSize
            c.training.augmentation = augmentation
        }
    }

    /// Whether any augmentation flag was given (the preset counts when it is not the default).
    var givesAugmentation: Bool {
        let a = augmentation
        let given: [Any?] = [
            a.viewSize, a.cropScale, a.cropRatio, a.flipProbability, a.jitterStrength, a.brightness, a.contrast,
            a.saturation, a.hue, a.jitterProbability, a.grayscaleProbability, a.blurProbability, a.blurSigma,
            a.blurKernelFraction, a.blurMinimumSide, a.normalizeMean, a.normalizeStd,
        ]
        return a.preset != AugmentationConfig.Preset.fashionMNIST.rawValue || given.contains { $0 != nil }
    }

    /// The preset with the given flags, for fine-tuning: colour jitter, grayscale and blur off
    /// unless a flag of theirs is given, the encoder's normalisation unless --normalize-* is
    /// given, views of the encoder's image size.
    ///
    /// - Throws: `ValidationError` naming the bad flag or parameter.
    func augmentationConfiguration(description: EncoderDescription) throws -> AugmentationConfig {
        let a = augmentation
        guard a.viewSize == nil else {
            throw ValidationError("finetune makes views of the encoder's image size (encoder.json); drop --view-size")
        }
        do {
            var config = try a.config()
            let jitterGiven: [Any?] = [a.jitterStrength, a.brightness, a.contrast, a.saturation, a.hue, a.jitterProbability]
            if !jitterGiven.contains(where: { $0 != nil }) { config.colorJitter.probability = 0 }
            if a.grayscaleProbability == nil { config.grayscale.probability = 0 }
            if a.blurProbability == nil { config.blur.probability = 0 }
            if a.normalizeMean == nil { config.normalization.mean = description.normalization.mean }
            if a.normalizeStd == nil { config.normalization.std = description.normalization.std }
            let side = description.configuration.imageSize
            config.outputSize = .init(height: side, width: side)
            try config.validate(channels: description.configuration.inputChannels)
            return config
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
