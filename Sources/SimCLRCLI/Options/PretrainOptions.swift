import ArgumentParser
import Foundation
import SimCLR

extension OptimizerKind: ExpressibleByArgument {}
extension ContrastiveLossKind: ExpressibleByArgument {}
extension LearningRateScaling: ExpressibleByArgument {}

/// The training arguments of `simclr pretrain`. Options without a default here take theirs from
/// `TrainingConfiguration` (some depend on --optimizer), so `--resume` can tell which were given.
struct PretrainOptions: ParsableArguments {
    static let defaultData = "datasets/fashion-mnist-mini/train"

    @Option(help: "ImageFolder root of the training images (root/<class>/*.png).")
    var data: String = PretrainOptions.defaultData

    @Option(help: "Passes over the dataset (default 5).")
    var epochs: Int?

    @Option(help: "Images per step N; each step sees 2N views (default 256).")
    var batchSize: Int?

    @Option(help: "Loss over the views: ntxent, contrastive, triplet (default ntxent).")
    var loss: ContrastiveLossKind?

    // `.unconditional`: a negative value (`--lr -1`) is read as the value, so the range check names
    // it, instead of being taken for an unknown flag.
    @Option(parsing: .unconditional, help: "NT-Xent temperature τ > 0 (default 0.5).")
    var temperature: Float?

    @Option(parsing: .unconditional, help: "Margin of the contrastive and triplet losses (default 1).")
    var margin: Float?

    @Option(help: "sgd, lars or adamw (default lars).")
    var optimizer: OptimizerKind?

    @Option(parsing: .unconditional, help: "Base learning rate before --lr-scaling (default: lars 0.075, sgd 0.06, adamw 0.001).")
    var lr: Double?

    @Option(help: "linear (lr·B/256), sqrt (lr·√B) or none (default: lars sqrt, sgd linear, adamw none).")
    var lrScaling: LearningRateScaling?

    @Option(parsing: .unconditional, help: "Weight decay; BatchNorm and bias parameters excluded (default: lars 1e-6, sgd 5e-4, adamw 1e-6).")
    var weightDecay: Double?

    @Option(parsing: .unconditional, help: "Momentum of sgd and lars (default 0.9).")
    var momentum: Double?

    @Option(help: "Epochs of linear warmup before the cosine decay (default: a tenth of --epochs).")
    var warmupEpochs: Double?

    @Option(help: ArgumentHelp("Channel widths of the three ResNet-mini stages (default 32,64,128).", valueName: "w1,w2,w3"))
    var widths: String?

    @Option(help: "Size P of the projection z (default 128).")
    var projectionDim: Int?

    @Option(help: "Side of the square views in pixels (default 28).")
    var imageSize: Int?

    @Option(help: "Seed of the initial weights, data order and augmentation (default 0).")
    var seed: UInt64?

    @OptionGroup(title: "Augmentation")
    var augmentation: AugmentationOptions

    /// Names of the training flags given on the command line (for `--resume`, which takes them
    /// from the checkpoint).
    var givenTrainingFlags: [String] {
        let flags: [(String, Bool)] = [
            ("--batch-size", batchSize != nil), ("--loss", loss != nil), ("--temperature", temperature != nil),
            ("--margin", margin != nil), ("--optimizer", optimizer != nil), ("--lr", lr != nil),
            ("--lr-scaling", lrScaling != nil), ("--weight-decay", weightDecay != nil),
            ("--momentum", momentum != nil), ("--warmup-epochs", warmupEpochs != nil), ("--widths", widths != nil),
            ("--projection-dim", projectionDim != nil), ("--image-size", imageSize != nil), ("--seed", seed != nil),
            ("--preset", augmentation.preset != AugmentationConfig.Preset.fashionMNIST.rawValue),
            ("--view-size", augmentation.viewSize != nil), ("--crop-scale", augmentation.cropScale != nil),
            ("--crop-ratio", augmentation.cropRatio != nil), ("--flip-probability", augmentation.flipProbability != nil),
            ("--jitter-strength", augmentation.jitterStrength != nil), ("--brightness", augmentation.brightness != nil),
            ("--contrast", augmentation.contrast != nil), ("--saturation", augmentation.saturation != nil),
            ("--hue", augmentation.hue != nil), ("--jitter-probability", augmentation.jitterProbability != nil),
            ("--grayscale-probability", augmentation.grayscaleProbability != nil),
            ("--blur-probability", augmentation.blurProbability != nil), ("--blur-sigma", augmentation.blurSigma != nil),
            ("--blur-kernel-fraction", augmentation.blurKernelFraction != nil),
            ("--blur-minimum-side", augmentation.blurMinimumSide != nil),
            ("--normalize-mean", augmentation.normalizeMean != nil), ("--normalize-std", augmentation.normalizeStd != nil),
        ]
        return flags.filter(\.1).map(\.0)
    }

    /// The run these flags describe, for a dataset with `channels` channels.
    ///
    /// - Throws: `ValidationError` naming the first bad flag.
    func configuration(channels: Int) throws -> TrainingConfiguration {
        let epochs = self.epochs ?? 5
        let configuration = TrainingConfiguration(
            data: data, epochs: epochs, batchSize: batchSize ?? 256, loss: loss ?? .ntxent,
            temperature: temperature ?? 0.5, margin: margin ?? 1, optimizer: optimizer ?? .lars, learningRate: lr,
            learningRateScaling: lrScaling, weightDecay: weightDecay, momentum: momentum ?? 0.9,
            warmupEpochs: warmupEpochs, seed: seed ?? 0,
            model: ResNetMiniConfiguration(
                widths: try parsedWidths(), inputChannels: channels, imageSize: imageSize ?? 28,
                projectionDim: projectionDim ?? 128),
            augmentation: try augmentationConfiguration(channels: channels))
        try Self.check(configuration)
        return configuration
    }

    /// The augmentation flags applied to the preset, with square views of `--image-size`.
    ///
    /// - Throws: `ValidationError` naming the bad flag or parameter.
    func augmentationConfiguration(channels: Int) throws -> AugmentationConfig {
        guard augmentation.viewSize == nil else {
            throw ValidationError("pretrain sets the view size with --image-size; drop --view-size")
        }
        do {
            var config = try augmentation.config()
            let side = imageSize ?? 28
            config.outputSize = .init(height: side, width: side)
            try config.validate(channels: channels)
            return config
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func parsedWidths() throws -> [Int] {
        guard let text = widths else { return [32, 64, 128] }
        let values = text.split(separator: ",", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard values.count == 3, values.allSatisfy({ $0 >= 1 }), text.split(separator: ",").count == 3 else {
            throw ValidationError("--widths must be three positive integers w1,w2,w3, got '\(text)'")
        }
        return values
    }

    /// Range checks of every number, with the flag's name in the message.
    static func check(_ c: TrainingConfiguration) throws {
        func require(_ ok: Bool, _ message: @autoclosure () -> String) throws {
            if !ok { throw ValidationError(message()) }
        }
        try require(c.epochs >= 1, "--epochs must be at least 1, got \(c.epochs)")
        try require(c.batchSize >= 2, "--batch-size must be at least 2 (each image's negatives are the other images), got \(c.batchSize)")
        try require(c.temperature > 0 && c.temperature.isFinite, "--temperature must be > 0, got \(c.temperature)")
        try require(c.margin > 0 && c.margin.isFinite, "--margin must be > 0, got \(c.margin)")
        try require(c.learningRate > 0 && c.learningRate.isFinite, "--lr must be > 0, got \(c.learningRate)")
        try require(c.weightDecay >= 0 && c.weightDecay.isFinite, "--weight-decay must be ≥ 0, got \(c.weightDecay)")
        try require(c.momentum >= 0 && c.momentum < 1, "--momentum must be in [0, 1), got \(c.momentum)")
        try require(
            c.warmupEpochs >= 0 && c.warmupEpochs <= Double(c.epochs),
            "--warmup-epochs must be between 0 and --epochs (\(c.epochs)), got \(c.warmupEpochs)")
        try require(c.model.projectionDim >= 1, "--projection-dim must be at least 1, got \(c.model.projectionDim)")
        try require(c.model.imageSize >= 8, "--image-size must be at least 8, got \(c.model.imageSize)")
    }
}
