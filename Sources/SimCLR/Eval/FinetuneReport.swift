import Foundation

/// What `simclr finetune` measured, written as `report.json` in its output folder: the label
/// subset (with its file list), then one entry per trained classifier (the fine-tuned encoder and,
/// with `--baseline from-scratch`, the same protocol from a random-init encoder) with its test
/// top-1, top-5, per-class accuracy, confusion matrix and times.
public struct FinetuneReport: Codable, Sendable, Equatable, JSONDocument {
    public static let fileName = "report.json"

    /// One trained classifier evaluated on the test folder.
    public struct Result: Codable, Sendable, Equatable {
        /// `fine-tuned`, `linear (frozen encoder)` or `from-scratch`.
        public var name: String
        /// The pretrained encoder file, nil for a random-init encoder.
        public var encoder: String?
        /// The folder holding its checkpoint and `classifier.safetensors`.
        public var folder: String
        public var freezeEncoder: Bool
        public var epochs: Int
        public var steps: Int
        /// Mean cross-entropy and batch top-1 on the training views in the last epoch of
        /// `metrics.jsonl` (nil when no epoch is recorded).
        public var lastEpochLoss: Double?
        public var lastEpochTrainTop1: Double?
        /// Wall-clock seconds of training (the epochs recorded in `metrics.jsonl`, over every
        /// session of a resumed run) and of the test evaluation.
        public var trainSeconds: Double
        public var evaluationSeconds: Double
        public var test: ClassificationMetrics

        enum CodingKeys: String, CodingKey {
            case name, encoder, folder, epochs, steps, test
            case freezeEncoder = "freeze_encoder"
            case lastEpochLoss = "last_epoch_loss"
            case lastEpochTrainTop1 = "last_epoch_train_top1"
            case trainSeconds = "train_seconds"
            case evaluationSeconds = "evaluation_seconds"
        }

        public init(
            name: String, encoder: String?, folder: String, freezeEncoder: Bool, epochs: Int, steps: Int,
            lastEpochLoss: Double?, lastEpochTrainTop1: Double?, trainSeconds: Double, evaluationSeconds: Double,
            test: ClassificationMetrics
        ) {
            self.name = name
            self.encoder = encoder
            self.folder = folder
            self.freezeEncoder = freezeEncoder
            self.epochs = epochs
            self.steps = steps
            self.lastEpochLoss = lastEpochLoss
            self.lastEpochTrainTop1 = lastEpochTrainTop1
            self.trainSeconds = trainSeconds
            self.evaluationSeconds = evaluationSeconds
            self.test = test
        }
    }

    public var train: String
    public var test: String
    public var classNames: [String]
    public var labels: LabelSubsetRule
    public var seed: UInt64
    /// Labelled training images per class, `[K]`, and their paths relative to `train`.
    public var labelledPerClass: [Int]
    public var labelledFiles: [String]
    public var results: [Result]

    enum CodingKeys: String, CodingKey {
        case train, test, labels, seed, results
        case classNames = "class_names"
        case labelledPerClass = "labelled_per_class"
        case labelledFiles = "labelled_files"
    }

    /// The report frame of `trainer`'s run (no results yet).
    public init(trainer: FinetuneTrainer) {
        let c = trainer.configuration
        train = c.training.data
        test = c.test
        classNames = c.classNames
        labels = c.labels
        seed = c.training.seed
        labelledPerClass = trainer.subset.countsPerClass
        labelledFiles = trainer.labelledImages.samples.map(\.relativePath)
        results = []
    }

    /// Evaluates `trainer`'s current weights on `testSet` (eval mode, whole images) and appends
    /// the result named `name`.
    ///
    /// - Throws: `ProbeInputError` if the test images do not fit the classifier.
    public mutating func append(
        name: String, trainer: FinetuneTrainer, summary: TrainingSummary, testSet: ImageDataset, testPath: String
    ) throws {
        let start = System.now()
        let classifier = try trainer.classifier()
        let logits = try classifier.logits(of: testSet, path: testPath)
        let metrics = ClassificationMetrics(scores: logits, labels: testSet.labels)
        let c = trainer.configuration
        let epochs = (try? MetricsLog.records(atPath: trainer.outputFolder + "/" + MetricsLog.fileName)) ?? []
        let epochRecords = epochs.filter { $0.kind == .epoch }
        let trainingSeconds = epochRecords.compactMap(\.seconds).reduce(0, +)
        results.append(Result(
            name: name, encoder: c.encoder, folder: trainer.outputFolder, freezeEncoder: c.freezeEncoder,
            epochs: c.training.epochs, steps: summary.step, lastEpochLoss: epochRecords.last?.loss,
            lastEpochTrainTop1: epochRecords.last?.positiveTop1, trainSeconds: trainingSeconds,
            evaluationSeconds: System.now() - start, test: metrics))
    }

    /// One row per result: test top-1, top-5 (percent), epochs, training seconds; then the
    /// per-class accuracy of each.
    public func formattedTable() -> String {
        var lines = [
            "\(labelledFiles.count) labelled training images (\(labels)), \(results.first?.test.sampleCount ?? 0) test images",
            "classifier                  top-1   top-5  epochs  train s",
        ]
        for r in results {
            lines.append(
                r.name.padding(toLength: 26, withPad: " ", startingAt: 0)
                    + String(format: " %6.2f  %6.2f  %6d  %7.1f", 100 * r.test.top1, 100 * r.test.top5, r.epochs, r.trainSeconds))
        }
        let width = max(8, (classNames.map(\.count).max() ?? 0) + 1)
        lines.append("per-class top-1 (" + results.map(\.name).joined(separator: " | ") + ")")
        for (c, name) in classNames.enumerated() {
            let values = results.map { $0.test.perClassAccuracy[c].map { String(format: "%6.2f%%", 100 * $0) } ?? "      -" }
            lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0) + " " + values.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
