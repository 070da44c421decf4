import Foundation

/// Weighted kNN top-1 accuracy of the encoder being trained, on a held-out folder, every few
/// epochs: the training images (no augmentation, eval mode) are the memory bank, as the monitor of
/// Wu et al. 2018 (arXiv 1805.01978; k = 200, temperature 0.1). An observer: it copies the
/// model's encoder weights into its own `FrozenEncoder` in memory at the end of a due epoch and
/// adds `knn_top1` to the epoch record, so it measures exactly what `simclr probe --knn` would see
/// of the exported encoder, without files.
public final class KNNMonitor: TrainingObserver {
    /// Training images without augmentation: the labelled memory bank.
    public let bank: ImageDataset
    /// Held-out images with the same classes.
    public let heldOut: ImageDataset
    /// Measure after every `every`-th epoch (and after the last one).
    public let every: Int
    /// Where the held-out images come from, for messages.
    public let heldOutPath: String
    public let neighborCount: Int
    public let temperature: Float
    private var encoder: FrozenEncoder?

    /// - Throws: `ProbeInputError.classMismatch` when the held-out classes differ from the bank's.
    /// - Precondition: `every >= 1`.
    public init(
        bank: ImageDataset, heldOut: ImageDataset, heldOutPath: String, every: Int = 1, neighborCount: Int = 200,
        temperature: Float = 0.1
    ) throws(ProbeInputError) {
        precondition(every >= 1, "KNNMonitor: every must be ≥ 1, got \(every)")
        guard heldOut.classNames == bank.classNames else {
            throw .classMismatch(path: heldOutPath, found: heldOut.classNames, expected: bank.classNames)
        }
        self.bank = bank
        self.heldOut = heldOut
        self.every = every
        self.heldOutPath = heldOutPath
        self.neighborCount = neighborCount
        self.temperature = temperature
    }

    /// Whether to measure after epoch `epoch` (1-based) of `epochs`.
    public func isDue(epoch: Int, of epochs: Int) -> Bool { epoch % every == 0 || epoch == epochs }

    /// Builds the evaluation copy and checks, before the first step, that both folders fit the
    /// model (one image size, the model's channels).
    ///
    /// - Throws: `ProbeInputError` naming the folder; `EncoderLoadError` for an invalid model.
    public func runWillStart(_ trainer: Trainer) throws {
        let configuration = trainer.configuration
        encoder = try FrozenEncoder.randomInit(
            description: EncoderDescription(
                configuration: configuration.model, normalization: configuration.augmentation.normalization,
                initializationSeed: configuration.seed),
            seed: configuration.seed)
        for (dataset, path) in [(bank, "kNN memory bank \(configuration.data)"), (heldOut, "kNN held-out data \(heldOutPath)")] {
            _ = try dataset.commonImageSize(path: path)
            guard dataset.channels == configuration.model.inputChannels else {
                throw ProbeInputError.channelMismatch(path: path, found: dataset.channels, expected: configuration.model.inputChannels)
            }
        }
    }

    public func epochWillEnd(_ record: inout MetricsRecord, trainer: Trainer) throws {
        guard let encoder, isDue(epoch: record.epoch, of: trainer.configuration.epochs) else { return }
        try encoder.load(stateDict: trainer.model.stateDict(includeHead: false), path: "the model being trained")
        record.knnTop1 = try accuracy(of: encoder)
    }

    /// Top-1 accuracy (0…1) of `encoder` on `heldOut` with `bank` as memory.
    ///
    /// - Throws: `ProbeInputError` (images of another size or channel count).
    public func accuracy(of encoder: FrozenEncoder) throws -> Double {
        let classifier = WeightedKNNClassifier(
            trainFeatures: try encoder.representations(of: bank, path: "kNN memory bank"), labels: bank.labels,
            classCount: bank.classNames.count, neighborCount: neighborCount, temperature: temperature)
        let scores = classifier.scores(for: try encoder.representations(of: heldOut, path: "kNN held-out data"))
        let classes = scores.shape[1]
        let labels = heldOut.labels
        var correct = 0
        scores.withUnsafeBufferPointer { s in
            for row in 0..<labels.count {
                var best = 0
                for c in 1..<classes where s[row * classes + c] > s[row * classes + best] { best = c }
                if best == labels[row] { correct += 1 }
            }
        }
        return Double(correct) / Double(max(1, labels.count))
    }
}
