import ArgumentParser
import SimCLR

/// One row of an evaluation (`probe`, `retrieval`): a name and how it turns an ImageDataset into
/// a feature matrix `[n, D]` — the trained encoder, raw pixels, or a random-init encoder.
struct FeatureSource {
    /// Baseline rows beside the trained encoder.
    enum Baseline: String, ExpressibleByArgument, CaseIterable {
        case rawPixels = "raw-pixels"
        case randomInit = "random-init"
    }

    var name: String
    /// Features of `dataset` (loaded from `path`, named in errors).
    var features: (_ dataset: ImageDataset, _ path: String) throws -> Tensor

    /// The trained encoder's row (named "encoder") when there is one, then one row per baseline.
    ///
    /// - Parameters:
    ///   - output: h or z of the encoders (raw pixels ignore it).
    ///   - defaultDescription: the architecture of the random-init baseline when there is no
    ///     trained encoder (the trained encoder's otherwise, with its initialisation seed).
    static func list(
        trained: FrozenEncoder?, baselines: [Baseline], output: EmbeddingOutput = .h, batchSize: Int,
        defaultDescription: () throws -> EncoderDescription
    ) throws -> [FeatureSource] {
        func encoderRow(_ name: String, _ encoder: FrozenEncoder) -> FeatureSource {
            FeatureSource(name: name) { dataset, path in
                let progress = CountProgress(label: "features of \(path)")
                defer { progress.finish() }
                return try encoder.representations(of: dataset, path: path, batchSize: batchSize, output: output, progress: progress.update)
            }
        }
        var sources = trained.map { [encoderRow("encoder", $0)] } ?? []
        for baseline in baselines {
            switch baseline {
            case .rawPixels:
                sources.append(FeatureSource(name: baseline.rawValue) { dataset, path in try dataset.pixelFeatures(path: path) })
            case .randomInit:
                let description = try trained?.description ?? defaultDescription()
                sources.append(encoderRow(baseline.rawValue, try FrozenEncoder.randomInit(description: description, seed: description.initializationSeed)))
            }
        }
        return sources
    }
}

extension EmbeddingOutput: ExpressibleByArgument {}
extension RetrievalMetric: ExpressibleByArgument {}
