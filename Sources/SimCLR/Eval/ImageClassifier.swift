import Foundation

/// `classifier.json`, written beside `classifier.safetensors` by `simclr finetune`: the encoder's
/// fields of `encoder.json` (so `EncoderDescription.read` reads it too), the classes in label
/// order, and the fine-tuning recipe.
///
/// ```json
/// {"architecture": "resnet-mini", "classifier": "linear", "widths": [32, 64, 128],
///  "input_channels": 1, "image_size": 28, "representation_dim": 128, "projection_dim": 128,
///  "num_classes": 10, "class_names": ["0", …], "normalization": {"mean": [0.286], "std": [0.353]},
///  "training": {...FinetuneConfiguration...}}
/// ```
public struct ClassifierManifest: Codable, Sendable, Equatable, JSONDocument {
    public static let fileName = "classifier.json"
    public static let weightsFileName = "classifier.safetensors"

    public var architecture: String
    public var classifier: String
    public var widths: [Int]
    public var inputChannels: Int
    /// Side of the square images the classifier takes, in pixels.
    public var imageSize: Int
    public var representationDim: Int
    public var projectionDim: Int
    public var classCount: Int
    public var classNames: [String]
    /// Per-channel mean/std applied to pixels scaled to [0, 1] before the encoder.
    public var normalization: Normalization
    public var training: FinetuneConfiguration

    enum CodingKeys: String, CodingKey {
        case architecture, classifier, widths, normalization, training
        case inputChannels = "input_channels"
        case imageSize = "image_size"
        case representationDim = "representation_dim"
        case projectionDim = "projection_dim"
        case classCount = "num_classes"
        case classNames = "class_names"
    }

    public init(configuration: FinetuneConfiguration) {
        let model = configuration.training.model
        architecture = EncoderManifest.architectureName
        classifier = "linear"
        widths = model.widths
        inputChannels = model.inputChannels
        imageSize = model.imageSize
        representationDim = model.representationDim
        projectionDim = model.projectionDim
        classCount = configuration.classNames.count
        classNames = configuration.classNames
        normalization = configuration.training.augmentation.normalization
        training = configuration
    }
}

extension TrainingCheckpoint {
    /// Writes `classifier.safetensors` (the checkpoint's model tensors: `encoder.*`, `fc.weight`,
    /// `fc.bias`) and `classifier.json` into `folder`, both atomically.
    ///
    /// - Throws: `CheckpointError.corrupt` if the stored arguments cannot be read,
    ///   `EncodingError` if they cannot be written as JSON (before any file is written),
    ///   `FileWriteError` if a file cannot be written.
    public func exportClassifier(to folder: String, checkpointPath: String) throws {
        let configuration = try FinetuneConfiguration.decode(json: arguments, path: checkpointPath)
        let manifest = try ClassifierManifest(configuration: configuration).jsonBytes()  // before any write
        try SafetensorsFile(tensors: model, metadata: ["format": "pt"])
            .write(to: folder + "/" + ClassifierManifest.weightsFileName)
        try AtomicFile.write(manifest, to: folder + "/" + ClassifierManifest.fileName)
    }
}

/// A fine-tuned classifier for inference: the encoder in eval mode (`FrozenEncoder`: whole
/// images scaled to [0, 1] and normalised as in training), then `logits = h·fcᵀ + b`.
///
/// Legend: n images, D = representation size, K classes.
public final class ImageClassifier {
    public let classNames: [String]
    public let encoder: FrozenEncoder
    /// `[K, D]` row-major, as `fc.weight`.
    private let weight: [Float]
    private let bias: [Float]

    /// Reads `classifier.safetensors` and `classifier.json` from `folder` (a `simclr finetune --out`).
    ///
    /// - Throws: `EncoderLoadError` naming the file at fault.
    public static func load(folder: String) throws(EncoderLoadError) -> ImageClassifier {
        let weightsPath = folder + "/" + ClassifierManifest.weightsFileName
        let manifestPath = folder + "/" + ClassifierManifest.fileName
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw .unreadable(path: weightsPath, reason: "no such file (is \(folder) a `simclr finetune --out` folder of a finished run?)")
        }
        let description = try EncoderDescription.read(path: manifestPath)
        let classNames: [String]
        do {
            classNames = try JSONDecoder().decode(ClassNames.self, from: Data(contentsOf: URL(fileURLWithPath: manifestPath))).classNames
        } catch {
            throw .invalidDescription(path: manifestPath, reason: "no class_names: \(error)")
        }
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile.read(path: weightsPath)
        } catch {
            throw .unreadable(path: weightsPath, reason: "\(error)")
        }
        return try ImageClassifier(description: description, classNames: classNames, stateDict: file.tensors, path: weightsPath)
    }

    private struct ClassNames: Decodable {
        var classNames: [String]
        enum CodingKeys: String, CodingKey { case classNames = "class_names" }
    }

    /// A classifier from `ClassifierModel.stateDict()`-named tensors (`encoder.*`, `fc.*`).
    ///
    /// - Throws: `EncoderLoadError.weightsMismatch` naming `path` when a tensor is missing or has
    ///   another shape than the description and class count give.
    public init(
        description: EncoderDescription, classNames: [String], stateDict: [(name: String, tensor: Tensor)], path: String
    ) throws(EncoderLoadError) {
        let prefix = ClassifierModel.encoderPrefix
        encoder = try FrozenEncoder.randomInit(description: description, seed: 0)
        try encoder.load(
            stateDict: stateDict.filter { $0.name.hasPrefix(prefix) }.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) },
            path: path)
        let (k, d) = (classNames.count, description.configuration.representationDim)
        var byName: [String: Tensor] = [:]
        for (name, tensor) in stateDict { byName[name] = tensor }
        for (name, shape) in [("fc.weight", [k, d]), ("fc.bias", [k])] {
            guard let tensor = byName[name] else {
                throw .weightsMismatch(path: path, reason: "no tensor '\(name)'")
            }
            guard tensor.shape == shape else {
                throw .weightsMismatch(path: path, reason: "'\(name)' has shape \(tensor.shape), \(k) classes and D = \(d) need \(shape)")
            }
        }
        self.classNames = classNames
        weight = byName["fc.weight"]!.data
        bias = byName["fc.bias"]!.data
    }

    /// The square image side and channel count the classifier takes.
    public var imageSize: Int { encoder.description.configuration.imageSize }
    public var channels: Int { encoder.description.configuration.inputChannels }

    /// Checks, before any work, that every image of `dataset` has the classifier's size and
    /// channel count.
    ///
    /// - Throws: `ProbeInputError.imageSizeMismatch` (naming the first other file) or `.channelMismatch`.
    public func check(_ dataset: ImageDataset, path: String) throws(ProbeInputError) {
        guard dataset.channels == channels else {
            throw .channelMismatch(path: path, found: dataset.channels, expected: channels)
        }
        let expected = [imageSize, imageSize, channels]
        for (sample, image) in zip(dataset.samples, dataset.images) where image.height != imageSize || image.width != imageSize {
            throw .imageSizeMismatch(
                path: path, file: sample.relativePath, found: [image.height, image.width, image.channels], expected: expected)
        }
    }

    /// Logits `[n, K]` of every image of `dataset`, in dataset order.
    ///
    /// - Throws: `ProbeInputError` when an image has another size or channel count (before any work).
    public func logits(
        of dataset: ImageDataset, path: String, batchSize: Int = 256, progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(ProbeInputError) -> Tensor {
        try check(dataset, path: path)
        return logits(representations: try encoder.representations(of: dataset, path: path, batchSize: batchSize, progress: progress))
    }

    /// `h·Wᵀ + b`: logits `[n, K]` of representations `[n, D]`.
    public func logits(representations h: Tensor) -> Tensor {
        let (n, d, k) = (h.shape[0], h.shape[1], classNames.count)
        precondition(d == encoder.representationDim, "ImageClassifier: h \(h.shape), expected [n, \(encoder.representationDim)]")
        var out = Tensor(shape: [n, k])
        h.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { y in
                for row in 0..<n {
                    for c in 0..<k {
                        var sum = bias[c]
                        for j in 0..<d { sum += x[row * d + j] * weight[c * d + j] }
                        y[row * k + c] = sum
                    }
                }
            }
        }
        return out
    }
}
