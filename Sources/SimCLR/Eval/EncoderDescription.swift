import Foundation

/// Why a frozen encoder could not be loaded; each case names the file and the reason.
public enum EncoderLoadError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case invalidDescription(path: String, reason: String)
    case unsupportedArchitecture(path: String, name: String)
    /// The weights do not fit the architecture in `encoder.json` (missing tensor, other shape).
    case weightsMismatch(path: String, reason: String)
    /// The weights hold NaN/infinite values or negative variances (a diverged run).
    case unusableWeights(path: String, reason: String)
    /// z was asked for but the file holds no `head.*` tensors.
    case noProjectionHead(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .invalidDescription(let path, let reason): return "\(path) is not a usable encoder.json: \(reason)"
        case .unsupportedArchitecture(let path, let name):
            return "\(path): architecture '\(name)' is not supported (only 'resnet-mini')"
        case .unusableWeights(let path, let reason):
            return "\(path): \(reason); refusing to compute features from it"
        case .weightsMismatch(let path, let reason):
            return "\(path) does not match encoder.json beside it: \(reason)"
                + "\n---> HINT: pass the encoder.safetensors written together with that encoder.json."
        case .noProjectionHead(let path):
            return "\(path) holds no projection head (head.*), needed for z"
                + "\n---> HINT: export with `simclr export --checkpoint run/checkpoint.safetensors --with-head --out dir`, or use --features h."
        }
    }
}

/// What `simclr probe` and `simclr embed` need from `encoder.json` (written beside
/// `encoder.safetensors` by `simclr pretrain`): the architecture, how to feed it images, and the
/// seed its weights were initialised from (for the random-init baseline).
///
/// The reader is tolerant: it needs `widths` and `input_channels`; `architecture` (must be
/// `resnet-mini` when present), `image_size` (28), `projection_dim` (128), `normalization`
/// (`{"mean": [...], "std": [...]}`, default mean 0 / std 1) and `training.seed` (0) are optional,
/// and other keys are ignored.
public struct EncoderDescription: Sendable, Equatable {
    public var configuration: ResNetMiniConfiguration
    /// Per-channel mean/std applied to pixels scaled to [0, 1] before the encoder.
    public var normalization: Normalization
    /// The seed the trained model was initialised from.
    public var initializationSeed: UInt64

    public init(configuration: ResNetMiniConfiguration, normalization: Normalization, initializationSeed: UInt64) {
        self.configuration = configuration
        self.normalization = normalization
        self.initializationSeed = initializationSeed
    }

    /// The default resnet-mini for `dataset`'s images (its channels, the side of its images),
    /// initialised from `seed` as `simclr pretrain` would, normalised with the set's pixel
    /// mean/std: the random-init baseline when no trained encoder is given.
    ///
    /// - Throws: `ProbeInputError` if the images do not share one size.
    public static func defaultDescription(for dataset: ImageDataset, path: String, seed: UInt64) throws(ProbeInputError) -> EncoderDescription {
        let (height, _) = try dataset.commonImageSize(path: path)
        return EncoderDescription(
            configuration: ResNetMiniConfiguration(inputChannels: dataset.channels, imageSize: height),
            normalization: dataset.pixelNormalization(), initializationSeed: seed)
    }

    /// `encoder.json` in the folder of `weightsPath`.
    public static func manifestPath(besideWeights weightsPath: String) -> String {
        URL(fileURLWithPath: weightsPath).deletingLastPathComponent().appendingPathComponent("encoder.json").path
    }

    /// Reads and checks `encoder.json`.
    ///
    /// - Throws: `EncoderLoadError` naming `path`: unreadable file, invalid JSON, missing or
    ///   invalid fields, or another architecture.
    public static func read(path: String) throws(EncoderLoadError) -> EncoderDescription {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        let file: ManifestFile
        do {
            file = try JSONDecoder().decode(ManifestFile.self, from: data)
        } catch {
            throw .invalidDescription(path: path, reason: "\(error)")
        }
        if let name = file.architecture, name != "resnet-mini" { throw .unsupportedArchitecture(path: path, name: name) }
        let configuration = ResNetMiniConfiguration(
            widths: file.widths, inputChannels: file.inputChannels, imageSize: file.imageSize ?? 28,
            projectionDim: file.projectionDim ?? 128)
        do {
            try configuration.validate()
        } catch {
            throw .invalidDescription(path: path, reason: "\(error)")
        }
        let normalization = file.normalization ?? Normalization(mean: [0], std: [1])
        let channels = configuration.inputChannels
        guard [1, channels].contains(normalization.mean.count), [1, channels].contains(normalization.std.count),
            normalization.std.allSatisfy({ $0 > 0 })
        else {
            throw .invalidDescription(
                path: path, reason: "normalization needs 1 or \(channels) means and positive stds, got \(normalization)")
        }
        return EncoderDescription(
            configuration: configuration, normalization: normalization, initializationSeed: file.training?.seed ?? 0)
    }

    /// The subset of `encoder.json` read here.
    private struct ManifestFile: Decodable {
        struct Training: Decodable { var seed: UInt64? }
        var architecture: String?
        var widths: [Int]
        var inputChannels: Int
        var imageSize: Int?
        var projectionDim: Int?
        var normalization: Normalization?
        var training: Training?

        enum CodingKeys: String, CodingKey {
            case architecture, widths, normalization, training
            case inputChannels = "input_channels"
            case imageSize = "image_size"
            case projectionDim = "projection_dim"
        }
    }
}
