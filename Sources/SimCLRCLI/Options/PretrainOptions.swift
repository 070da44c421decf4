import ArgumentParser
import Foundation
import SimCLR

extension OptimizerKind: ExpressibleByArgument {}
extension ContrastiveLossKind: ExpressibleByArgument {}
extension LearningRateScaling: ExpressibleByArgument {}
extension Supervision: ExpressibleByArgument {}
extension TripletMining: ExpressibleByArgument {}

/// The training arguments of `simclr pretrain`. Every option is optional: a new run applies the
/// given ones to `TrainingConfiguration`'s defaults (`TrainingDefaults`, one place), `--resume`
/// applies them to the stored arguments, where they must not change anything.
struct PretrainOptions: ParsableArguments {
    @Option(help: "ImageFolder root of the training images (root/<class>/*.png) (default \(TrainingDefaults.data)).")
    var data: String?

    @Option(help: "Passes over the dataset (default \(TrainingDefaults.epochs)).")
    var epochs: Int?

    @Option(help: "Images per step N; each step sees 2N views, plus K·N small ones with --small-crops K (default \(TrainingDefaults.batchSize)).")
    var batchSize: Int?

    @Option(help: "Loss over the views: ntxent, dcl (NT-Xent without the positive in the denominator, Yeh et al. 2022; views only), contrastive, triplet (default ntxent).")
    var loss: ContrastiveLossKind?

    @Option(help: "Where the positives come from: views (the other view of the image, SimCLR) or labels (images of the same class folder: ntxent becomes SupCon, contrastive runs over every labelled pair, triplet mines by --mining) (default \(TrainingDefaults.supervision.rawValue)).")
    var supervision: Supervision?

    @Option(help: "Triplets of --loss triplet: batch-hard, batch-all, or semi-hard (labels only) (default \(TrainingDefaults.mining.rawValue)).")
    var mining: TripletMining?

    @Option(help: "Draw each batch as M images from each of batch-size / M random classes (pytorch-metric-learning's MPerClassSampler); default: a shuffled epoch.")
    var samplesPerClass: Int?

    // `.unconditional`: a negative value (`--lr -1`) is read as the value, so the range check names
    // it, instead of being taken for an unknown flag.
    @Option(parsing: .unconditional, help: "NT-Xent temperature τ > 0 (default \(TrainingDefaults.temperature)).")
    var temperature: Float?

    @Option(parsing: .unconditional, help: "Margin of the contrastive and triplet losses (default \(TrainingDefaults.margin)).")
    var margin: Float?

    @Option(help: "sgd, lars or adamw (default lars).")
    var optimizer: OptimizerKind?

    @Option(parsing: .unconditional, help: "Base learning rate before --lr-scaling (default: \(Self.optimizerDefaults(\.learningRate))).")
    var lr: Double?

    @Option(help: "linear (lr·B/256), sqrt (lr·√B) or none (default: \(Self.optimizerDefaults(\.scaling))).")
    var lrScaling: LearningRateScaling?

    @Option(parsing: .unconditional, help: "Weight decay; BatchNorm and bias parameters excluded (default: \(Self.optimizerDefaults(\.weightDecay))).")
    var weightDecay: Double?

    @Option(parsing: .unconditional, help: "Momentum of sgd and lars (default \(TrainingDefaults.momentum)).")
    var momentum: Double?

    @Option(help: "Epochs of linear warmup before the cosine decay (default: a tenth of --epochs).")
    var warmupEpochs: Double?

    @Option(help: ArgumentHelp(
        "Channel widths of the three ResNet-mini stages (default \(TrainingDefaults.widths.map(String.init).joined(separator: ","))).",
        valueName: "w1,w2,w3"))
    var widths: String?

    @Option(help: "Size P of the projection z (default \(TrainingDefaults.projectionDim)).")
    var projectionDim: Int?

    @Option(help: "Side of the square images the encoder is for (encoder.json's image_size: what probe, embed and retrieval feed it) and of the training views unless --view-size, in pixels (default \(TrainingDefaults.imageSize)).")
    var imageSize: Int?

    @Option(help: "Seed of the initial weights, data order and augmentation (default \(TrainingDefaults.seed)).")
    var seed: UInt64?

    // `.unconditional`: `--small-crops -1` reaches the range check, which names the flag.
    @Option(parsing: .unconditional, help: "Multi-crop (SwAV): K small views per image besides the two full-size ones, all views of an image positives of each other (NT-Xent with several positives: SupCon with labels = image index); views/s then counts both kinds; 0 turns it off (default \(TrainingDefaults.smallCrops); DINO's --local_crops_number).")
    var smallCrops: Int?

    @Option(parsing: .unconditional, help: "Side of the small multi-crop views in pixels, at most the full views' side (--view-size, else --image-size; default \(TrainingDefaults.smallCropSize)).")
    var smallCropSize: Int?

    @Option(help: ArgumentHelp(
        "Crop area fraction range of the small views (default \(TrainingDefaults.smallCropScale.lowerBound),\(TrainingDefaults.smallCropScale.upperBound); DINO's --local_crops_scale).",
        valueName: "low,high"))
    var smallCropScale: AugmentationOptions.Interval?

    @OptionGroup(title: "Augmentation")
    var augmentation: AugmentationOptions

    /// `lars 0.075, sgd 0.06, adamw 0.001` for help texts.
    static func optimizerDefaults<T>(_ field: KeyPath<(learningRate: Double, scaling: LearningRateScaling, weightDecay: Double), T>) -> String {
        OptimizerKind.allCases.map { "\($0.rawValue) \(TrainingConfiguration.defaults(for: $0)[keyPath: field])" }
            .joined(separator: ", ")
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

    /// A new run: the given flags applied to the defaults, for a dataset with `channels` channels,
    /// then checked by the library.
    ///
    /// - Throws: `ValidationError` naming the first bad flag.
    func configuration(channels: Int) throws -> TrainingConfiguration {
        var configuration = TrainingConfiguration(
            augmentation: try augmentationConfiguration(channels: channels, imageSize: imageSize ?? TrainingDefaults.imageSize))
        configuration.model.inputChannels = channels
        try apply(to: &configuration)
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }

    /// Sets every given flag in `c` (the optimizer's own defaults follow a changed --optimizer
    /// unless given too). Applied to a checkpoint's arguments (`resuming`: --data and --epochs are
    /// the trainer's to apply), flags equal to the stored ones change nothing.
    ///
    /// - Throws: `ValidationError` for a malformed --widths or augmentation flag.
    func apply(to c: inout TrainingConfiguration, resuming: Bool = false) throws {
        if let data, !resuming { c.data = data }
        if let epochs, !resuming {
            c.epochs = epochs
            if warmupEpochs == nil { c.warmupEpochs = TrainingDefaults.warmupEpochs(epochs: epochs) }
        }
        if let batchSize { c.batchSize = batchSize }
        if let loss { c.loss = loss }
        if let supervision { c.supervision = supervision }
        if let mining { c.mining = mining }
        if let samplesPerClass { c.samplesPerClass = samplesPerClass }
        if let temperature { c.temperature = temperature }
        if let margin { c.margin = margin }
        if let optimizer, optimizer != c.optimizer {
            c.optimizer = optimizer
            (c.learningRate, c.learningRateScaling, c.weightDecay) = TrainingConfiguration.defaults(for: optimizer)
        }
        if let lr { c.learningRate = lr }
        if let lrScaling { c.learningRateScaling = lrScaling }
        if let weightDecay { c.weightDecay = weightDecay }
        if let momentum { c.momentum = momentum }
        if let warmupEpochs { c.warmupEpochs = warmupEpochs }
        if widths != nil { c.model.widths = try parsedWidths() }
        if let projectionDim { c.model.projectionDim = projectionDim }
        if let imageSize { c.model.imageSize = imageSize }
        if let seed { c.seed = seed }
        try applyMultiCrop(to: &c)
        if givesAugmentation {
            c.augmentation = try augmentationConfiguration(channels: c.model.inputChannels, imageSize: c.model.imageSize)
        }
    }

    /// Sets `c.multiCrop` from the small-crop flags: `--small-crops 0` turns it off, K ≥ 1 on
    /// (ranges are `TrainingConfiguration.validate`'s to check); the size and scale flags change
    /// the small views of a run that has them.
    ///
    /// - Throws: `ValidationError` for --small-crop-size / --small-crop-scale without small crops.
    func applyMultiCrop(to c: inout TrainingConfiguration) throws {
        let count = smallCrops ?? c.multiCrop?.count ?? TrainingDefaults.smallCrops
        guard count != 0 else {
            if smallCropSize != nil || smallCropScale != nil {
                throw ValidationError("--small-crop-size and --small-crop-scale need --small-crops K ≥ 1")
            }
            c.multiCrop = nil
            return
        }
        var multiCrop = c.multiCrop ?? MultiCropConfig(count: count)
        multiCrop.count = count
        if let smallCropSize { multiCrop.size = smallCropSize }
        if let smallCropScale { multiCrop.scale = smallCropScale.range }
        c.multiCrop = multiCrop
    }

    /// The augmentation flags applied to the preset, with views of `--view-size`, else square
    /// views of `imageSize`.
    ///
    /// - Throws: `ValidationError` naming the bad flag or parameter.
    func augmentationConfiguration(channels: Int, imageSize: Int) throws -> AugmentationConfig {
        do {
            var config = try augmentation.config()
            // The sizes are TrainingConfiguration.validate's to check (range, then memory).
            config.outputSize = nil
            try config.validate(channels: channels)
            config.outputSize = augmentation.viewSize?.size ?? .init(height: imageSize, width: imageSize)
            return config
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func parsedWidths() throws -> [Int] {
        guard let text = widths else { return TrainingDefaults.widths }
        let values = text.split(separator: ",", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard values.count == 3, values.allSatisfy({ $0 >= 1 }), text.split(separator: ",").count == 3 else {
            throw ValidationError("--widths must be three positive integers w1,w2,w3, got '\(text)'")
        }
        return values
    }
}
