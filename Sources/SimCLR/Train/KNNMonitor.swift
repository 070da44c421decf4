import Foundation

/// Weighted kNN top-1 accuracy of the encoder being trained, on a held-out folder, every few
/// epochs: the training images (no augmentation, eval mode) are the memory bank, as the monitor of
/// Wu et al. 2018 (arXiv 1805.01978; k = 200, temperature 0.1). It goes through the exported
/// files and `FrozenEncoder`, so it measures exactly what `simclr probe --knn` would see.
public struct KNNMonitor {
    /// Training images without augmentation: the labelled memory bank.
    public var bank: ImageDataset
    /// Held-out images with the same classes.
    public var heldOut: ImageDataset
    /// Measure after every `every`-th epoch (and after the last one).
    public var every: Int
    public var neighborCount: Int
    public var temperature: Float

    /// - Precondition: `every >= 1`.
    public init(bank: ImageDataset, heldOut: ImageDataset, every: Int = 1, neighborCount: Int = 200, temperature: Float = 0.1) {
        precondition(every >= 1, "KNNMonitor: every must be ≥ 1, got \(every)")
        self.bank = bank
        self.heldOut = heldOut
        self.every = every
        self.neighborCount = neighborCount
        self.temperature = temperature
    }

    /// Whether to measure after epoch `epoch` (1-based) of `epochs`.
    public func isDue(epoch: Int, of epochs: Int) -> Bool { epoch % every == 0 || epoch == epochs }

    /// Top-1 accuracy (0…1) of `checkpoint`'s encoder on `heldOut`.
    ///
    /// - Throws: `FileWriteError` (temporary export), `EncoderLoadError`, `ProbeInputError`
    ///   (images of another size or channel count).
    public func accuracy(of checkpoint: TrainingCheckpoint) throws -> Double {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simclr-knn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try checkpoint.exportEncoder(to: folder, includeHead: false, checkpointPath: "memory")
        let encoder = try FrozenEncoder.load(weightsPath: folder + "/" + EncoderManifest.weightsFileName)
        let classifier = WeightedKNNClassifier(
            trainFeatures: try encoder.representations(of: bank, path: "kNN memory bank"), labels: bank.labels,
            classCount: max(bank.classNames.count, heldOut.classNames.count), neighborCount: neighborCount,
            temperature: temperature)
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
