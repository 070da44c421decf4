import Foundation

/// The defaults of `simclr finetune`, in one place (the configuration and the CLI help read them).
/// Optimizer-dependent defaults are `TrainingConfiguration.defaults(for:)`.
public enum FinetuneDefaults {
    /// Passes over the labelled subset (SimCLR fine-tunes for 30–60 epochs on 1–10% of ImageNet).
    public static let epochs = 30
    /// N images per step (2N augmented views).
    public static let batchSize = 64
    /// SGD with momentum (the usual fine-tuning and linear-evaluation optimizer).
    public static let optimizer = OptimizerKind.sgd
    /// SGD's base learning rate, scaled linearly with the batch size (0.1 at batch 64). Pretraining's
    /// SGD default (0.06, i.e. 0.015 at batch 64) fine-tunes too slowly: on the mini set with 10% of
    /// the labels and a 2-epoch 8-16-32 encoder, 30 epochs reached 38.2% test top-1 with 0.06,
    /// 56.0% with 0.4 and 59.4% with 1.0. The other optimizers keep pretraining's defaults.
    public static let learningRate = 0.4
}

/// Everything that defines a fine-tuning run, stored as the checkpoint's `arguments` and in
/// `classifier.json` (`training`), so the run can be resumed and its classifier traced to its
/// recipe. The optimizer, schedule, batch, seed, model shape and view pipeline are a
/// `TrainingConfiguration` (`training`; its loss fields are unused), so they are validated and
/// turned into an optimizer by the same code as pretraining.
public struct FinetuneConfiguration: Codable, Sendable, Equatable {
    /// Epochs, batch size, optimizer, learning rate and schedule, seed (weights of `fc` and of a
    /// from-scratch encoder, label subset, views), the encoder's shape, and the augmentation.
    /// `training.data` is the training ImageFolder.
    public var training: TrainingConfiguration
    /// The test ImageFolder the report measures.
    public var test: String
    /// The pretrained `encoder.safetensors`; nil for a randomly initialised encoder (the
    /// from-scratch baseline).
    public var encoder: String?
    public var labels: LabelSubsetRule
    /// Train `fc` only, on the encoder's eval-mode representation (linear evaluation by SGD).
    public var freezeEncoder: Bool
    /// The training folder's classes, in label order.
    public var classNames: [String]

    enum CodingKeys: String, CodingKey {
        case training, test, encoder, labels
        case freezeEncoder = "freeze_encoder"
        case classNames = "class_names"
    }

    public init(
        training: TrainingConfiguration, test: String, encoder: String?, labels: LabelSubsetRule = .all,
        freezeEncoder: Bool = false, classNames: [String]
    ) {
        self.training = training
        self.test = test
        self.encoder = encoder
        self.labels = labels
        self.freezeEncoder = freezeEncoder
        self.classNames = classNames
    }

    /// A fine-tuning recipe with the defaults of `FinetuneDefaults`: SGD with base learning rate
    /// `FinetuneDefaults.learningRate` (linear scaling, SGD's weight decay), a tenth of the epochs
    /// of warmup, views of `model.imageSize`.
    public static func training(
        data: String, model: ResNetMiniConfiguration, augmentation: AugmentationConfig, epochs: Int = FinetuneDefaults.epochs,
        batchSize: Int = FinetuneDefaults.batchSize, optimizer: OptimizerKind = FinetuneDefaults.optimizer,
        seed: UInt64 = TrainingDefaults.seed
    ) -> TrainingConfiguration {
        var augmentation = augmentation
        augmentation.outputSize = .init(height: model.imageSize, width: model.imageSize)
        return TrainingConfiguration(
            data: data, epochs: epochs, batchSize: batchSize, optimizer: optimizer,
            learningRate: optimizer == .sgd ? FinetuneDefaults.learningRate : nil, seed: seed, model: model,
            augmentation: augmentation)
    }

    /// Checks the label rule, the class list and every training argument (the pretraining rules).
    ///
    /// - Throws: `LabelSubsetError`, `TrainingConfigurationError`, `AugmentationError`.
    public func validate() throws {
        try labels.validate()
        guard classNames.count >= 2 else {
            throw TrainingConfigurationError.outOfRange(
                key: "class_names", requirement: "a classifier needs at least 2 classes", value: "\(classNames)")
        }
        try training.validate()
    }

    /// The architecture as checkpoints record it (sorted keys): the encoder's, plus `classes`.
    public var architectureJSON: String {
        var object = (try? JSONSerialization.jsonObject(with: Data(training.architectureJSON.utf8))) as? [String: Any] ?? [:]
        object["classes"] = classNames.count
        object["classifier"] = "linear"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: .sortedKeys)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The configuration as one JSON object text (sorted keys).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Numbers, strings, arrays and nested Codable structs only: encoding cannot fail.
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Parses a checkpoint's `arguments`.
    ///
    /// - Throws: `CheckpointError.corrupt` naming `path` if it is not a fine-tuning configuration
    ///   (e.g. a pretraining checkpoint).
    public static func decode(json: String, path: String) throws(CheckpointError) -> FinetuneConfiguration {
        do {
            return try JSONDecoder().decode(FinetuneConfiguration.self, from: Data(json.utf8))
        } catch {
            throw .corrupt(path: path, reason: "the stored fine-tuning arguments cannot be read (not a `simclr finetune` checkpoint?): \(error)")
        }
    }
}
