extension TrainingConfiguration {
    /// Reads the stored arguments; keys added after a checkpoint was written (`supervision`,
    /// `mining`, `samples_per_class`, `multi_crop`) take the values that reproduce that run.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            data: try c.decode(String.self, forKey: .data), epochs: try c.decode(Int.self, forKey: .epochs),
            batchSize: try c.decode(Int.self, forKey: .batchSize), loss: try c.decode(ContrastiveLossKind.self, forKey: .loss),
            supervision: try c.decodeIfPresent(Supervision.self, forKey: .supervision) ?? .views,
            mining: try c.decodeIfPresent(TripletMining.self, forKey: .mining) ?? .batchHard,
            samplesPerClass: try c.decodeIfPresent(Int.self, forKey: .samplesPerClass),
            temperature: try c.decode(Float.self, forKey: .temperature), margin: try c.decode(Float.self, forKey: .margin),
            optimizer: try c.decode(OptimizerKind.self, forKey: .optimizer),
            learningRate: try c.decode(Double.self, forKey: .learningRate),
            learningRateScaling: try c.decode(LearningRateScaling.self, forKey: .learningRateScaling),
            weightDecay: try c.decode(Double.self, forKey: .weightDecay), momentum: try c.decode(Double.self, forKey: .momentum),
            trustCoefficient: try c.decode(Double.self, forKey: .trustCoefficient),
            warmupEpochs: try c.decode(Double.self, forKey: .warmupEpochs), seed: try c.decode(UInt64.self, forKey: .seed),
            model: try c.decode(ResNetMiniConfiguration.self, forKey: .model),
            augmentation: try c.decode(AugmentationConfig.self, forKey: .augmentation),
            multiCrop: try c.decodeIfPresent(MultiCropConfig.self, forKey: .multiCrop))
    }
}
