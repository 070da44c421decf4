/// How the numbers of a probe report were obtained, written into `probe.json` so a result can be
/// read without the command line: the feature pipeline, the standardisation, the probe, and the
/// split that chose C (never the test set).
public struct ProbeProtocol: Sendable, Codable, Equatable {
    /// What the images go through before the probe.
    public var features = "whole images (no crop, no augmentation), pixels/255 normalised with the encoder's mean/std, eval-mode BatchNorm, h before the projection head"
    /// How features are scaled for the linear probe.
    public var standardization = "per feature: mean and std of the training features, applied to both sets (kNN: L2-normalised unstandardised features)"
    /// The linear probe.
    public var probe = "multinomial logistic regression, L2 penalty 1/(2C)·‖W‖² (scikit-learn's objective), L-BFGS"
    /// How C was chosen.
    public var regularization: String
    /// Fraction of the training set held out to choose C (nil when C was given).
    public var validationFraction: Double?
    /// Seed of that split.
    public var validationSeed: UInt64?
    /// The share of the training labels the probe saw (nil: all of them).
    public var labelSubset: LabelSubsetRecord?

    /// A label subset drawn by `LabelSubset` (the rule, how many images it kept, its seed).
    public struct LabelSubsetRecord: Sendable, Codable, Equatable {
        public var rule: LabelSubsetRule
        public var images: Int
        public var seed: UInt64

        public init(rule: LabelSubsetRule, images: Int, seed: UInt64) {
            self.rule = rule
            self.images = images
            self.seed = seed
        }
    }

    public init(settings: ProbeEvaluation.Settings, labelSubset: LabelSubsetRecord? = nil) {
        self.labelSubset = labelSubset
        if let fraction = settings.validationFraction {
            regularization = "C chosen from \(settings.regularizationGrid) by top-1 on a held-out \(fraction) of the training set (seed \(settings.seed)), then refit on the whole training set"
            validationFraction = fraction
            validationSeed = settings.seed
        } else {
            regularization = "C = \(settings.probe.inverseRegularization) as given (no validation split)"
        }
    }

    enum CodingKeys: String, CodingKey {
        case features, standardization, probe, regularization
        case validationFraction = "validation_fraction"
        case validationSeed = "validation_seed"
        case labelSubset = "label_subset"
    }
}
