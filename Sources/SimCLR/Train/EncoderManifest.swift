import Foundation

/// `encoder.json`, written beside `encoder.safetensors`: what a consumer (`simclr probe`,
/// `simclr embed`, PyTorch) needs to rebuild the encoder and feed it images the way it was trained.
///
/// ```json
/// {"architecture": "resnet-mini", "widths": [32, 64, 128], "input_channels": 1, "image_size": 28,
///  "representation_dim": 128, "projection_dim": 128, "includes_head": false,
///  "normalization": {"mean": [0.286], "std": [0.353]}, "training": {...TrainingConfiguration...}}
/// ```
public struct EncoderManifest: Codable, Sendable, Equatable, JSONDocument {
    /// The only architecture so far (DESIGN.md "Model").
    public static let architectureName = "resnet-mini"
    /// The file name beside the weights.
    public static let fileName = "encoder.json"
    /// The weights' file name.
    public static let weightsFileName = "encoder.safetensors"

    public var architecture: String
    public var widths: [Int]
    public var inputChannels: Int
    /// Side of the square views the encoder was trained on, in pixels.
    public var imageSize: Int
    /// D, the size of h (= widths[2]).
    public var representationDim: Int
    /// P, the size of z (the head's output).
    public var projectionDim: Int
    /// Whether `head.*` tensors are in the weights file.
    public var includesHead: Bool
    /// Per-channel mean/std applied to pixels scaled to [0, 1] before the encoder.
    public var normalization: Normalization
    public var training: TrainingConfiguration

    enum CodingKeys: String, CodingKey {
        case architecture, widths, normalization, training
        case inputChannels = "input_channels"
        case imageSize = "image_size"
        case representationDim = "representation_dim"
        case projectionDim = "projection_dim"
        case includesHead = "includes_head"
    }

    public init(training: TrainingConfiguration, includesHead: Bool) {
        architecture = Self.architectureName
        widths = training.model.widths
        inputChannels = training.model.inputChannels
        imageSize = training.model.imageSize
        representationDim = training.model.representationDim
        projectionDim = training.model.projectionDim
        self.includesHead = includesHead
        normalization = training.augmentation.normalization
        self.training = training
    }

    /// The model configuration the manifest describes.
    public var modelConfiguration: ResNetMiniConfiguration {
        ResNetMiniConfiguration(
            widths: widths, inputChannels: inputChannels, imageSize: imageSize, projectionDim: projectionDim)
    }

    /// Reads `encoder.json`.
    ///
    /// - Throws: `CheckpointError.unreadable` / `.corrupt` naming the file.
    public static func read(path: String) throws(CheckpointError) -> EncoderManifest {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode(EncoderManifest.self, from: data)
        } catch {
            throw .corrupt(path: path, reason: "not an encoder manifest: \(error)")
        }
    }
}

extension TrainingCheckpoint {
    /// Writes `encoder.safetensors` (the model tensors in PyTorch names; `head.*` only with
    /// `includeHead`) and `encoder.json` into `folder`, both atomically.
    ///
    /// - Throws: `CheckpointError.corrupt` if the stored arguments cannot be read,
    ///   `EncodingError` if they cannot be written as JSON (before any file is written),
    ///   `FileWriteError` if a file cannot be written.
    public func exportEncoder(to folder: String, includeHead: Bool, checkpointPath: String) throws {
        let training = try TrainingConfiguration.decode(json: arguments, path: checkpointPath)
        let tensors = model.filter { includeHead || !$0.name.hasPrefix("head.") }
        let manifest = try EncoderManifest(training: training, includesHead: includeHead).jsonBytes()  // before any write
        try SafetensorsFile(tensors: tensors, metadata: ["format": "pt"])
            .write(to: folder + "/" + EncoderManifest.weightsFileName)
        try AtomicFile.write(manifest, to: folder + "/" + EncoderManifest.fileName)
    }
}
