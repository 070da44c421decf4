import Foundation

/// A resnet-mini encoder used for evaluation only: eval-mode BatchNorm (running statistics), no
/// augmentation, images scaled to [0, 1] and normalised with the training mean/std, giving the
/// representation h (before the projection head), as in SimCLR's linear evaluation (Chen et al.
/// 2020, arXiv 2002.05709, §4).
///
/// Legend: n images, B batch size, H×W image size, C channels, D = widths[2].
public final class FrozenEncoder {
    public let description: EncoderDescription
    /// Tensors of the loaded file that belong to no part of the model (neither encoder nor
    /// head): ignored, for the caller to warn about.
    public private(set) var unusedTensorNames: [String] = []
    private let model: SimCLRModel
    /// `model.encoder` with BatchNorm folded, built on first use after each change of weights.
    private var folded: FoldedResNetMini?
    /// h as the head's input `[D, B, 1, 1]`, for z.
    private let representationMap = FeatureMap()
    /// Whether the projection head was loaded (z available).
    public private(set) var hasHead = false

    /// The trained encoder: `encoder.json` beside `weightsPath` gives the architecture, and every
    /// encoder tensor of `weightsPath` must be present with the right shape and finite values
    /// (`head.*` too when `includeHead`, for z: an export made with `simclr export --with-head`,
    /// or a checkpoint). A folder stands for its `encoder.safetensors`.
    ///
    /// - Throws: `EncoderLoadError` naming the file at fault.
    public static func load(weightsPath given: String, includeHead: Bool = false) throws(EncoderLoadError) -> FrozenEncoder {
        // A run folder stands for the encoder.safetensors inside it.
        var isFolder: ObjCBool = false
        let weightsPath = FileManager.default.fileExists(atPath: given, isDirectory: &isFolder) && isFolder.boolValue
            ? (given.hasSuffix("/") ? given : given + "/") + EncoderManifest.weightsFileName : given
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw .unreadable(path: weightsPath, reason: "no such file")
        }
        let manifestPath = EncoderDescription.manifestPath(besideWeights: weightsPath)
        let description = try EncoderDescription.read(path: manifestPath)
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile.read(path: weightsPath)
        } catch {
            throw .unreadable(path: weightsPath, reason: "\(error)")
        }
        let encoder = try randomInit(description: description, seed: description.initializationSeed)
        do {
            try encoder.model.load(stateDict: file.tensors, includeHead: includeHead)
        } catch {
            if let modelError = error as? ModelError, case .unusableValues = modelError {
                throw .unusableWeights(path: weightsPath, reason: "\(error)")
            }
            if includeHead, !file.tensors.contains(where: { $0.name.hasPrefix("head.") }) {
                throw .noProjectionHead(path: weightsPath)
            }
            throw .weightsMismatch(path: weightsPath, reason: "\(error)")
        }
        let known = Set(encoder.model.stateDict(includeHead: true).map(\.name))
        encoder.unusedTensorNames = file.tensors.map(\.name).filter { !known.contains($0) }
        encoder.hasHead = includeHead
        return encoder
    }

    /// The same architecture, untrained: initialised exactly as `simclr pretrain` initialises it
    /// from `seed` (`SimCLRModel(configuration:rng:)` with `SplitMix64(seed:)`), BatchNorm running
    /// statistics at their initial values (mean 0, variance 1); the head too, so z is available.
    ///
    /// - Throws: `EncoderLoadError.invalidDescription` if the configuration is invalid.
    public static func randomInit(description: EncoderDescription, seed: UInt64) throws(EncoderLoadError) -> FrozenEncoder {
        var rng = SplitMix64(seed: seed)
        do {
            let encoder = FrozenEncoder(description: description, model: try SimCLRModel(configuration: description.configuration, rng: &rng))
            encoder.hasHead = true  // randomly initialised like the encoder
            return encoder
        } catch {
            throw .invalidDescription(path: "encoder.json", reason: "\(error)")
        }
    }

    private init(description: EncoderDescription, model: SimCLRModel) {
        self.description = description
        self.model = model
    }

    /// Replaces the weights and BatchNorm buffers by `stateDict`'s encoder tensors (PyTorch names;
    /// `head.*` ignored), e.g. a copy of a model being trained, without going through files.
    ///
    /// - Throws: `EncoderLoadError.weightsMismatch` naming `path` when a tensor is missing or
    ///   has another shape.
    public func load(stateDict: [(name: String, tensor: Tensor)], path: String) throws(EncoderLoadError) {
        folded = nil
        do {
            try model.load(stateDict: stateDict, includeHead: false)
        } catch {
            throw .weightsMismatch(path: path, reason: "\(error)")
        }
    }

    /// D, the size of h.
    public var representationDim: Int { description.configuration.representationDim }

    /// D, or P for `.z`: the width of `output`.
    public func dimension(of output: EmbeddingOutput) -> Int {
        output == .h ? representationDim : description.configuration.projectionDim
    }

    /// h `[B, D]` (or z `[B, P]` for `.z`) of already normalised views `[B, H, W, C]` (NHWC), in
    /// eval mode, through the folded encoder (`FoldedResNetMini`).
    ///
    /// - Precondition: C is the encoder's input channel count; `.z` needs `hasHead`.
    public func representations(ofViews views: Tensor, output: EmbeddingOutput = .h) -> Tensor {
        precondition(output == .h || hasHead, "FrozenEncoder: z needs the projection head (load with includeHead)")
        let encoder = folded ?? FoldedResNetMini(model.encoder)
        folded = encoder
        let h = encoder.representations(ofViews: views)
        guard output == .z else { return h }
        representationMap.load(rows: h)
        return model.head.forward(representationMap, mode: .eval).rowsTensor()
    }

    /// Checks, before any work, that `dataset`'s images fit this encoder: its channel count and
    /// the `image_size` of `encoder.json` (square images of that side).
    ///
    /// - Throws: `ProbeInputError.channelMismatch` or `.encoderImageSize` naming `path` (and the
    ///   first image of another size).
    public func checkFits(_ dataset: ImageDataset, path: String) throws(ProbeInputError) {
        let channels = description.configuration.inputChannels
        guard dataset.channels == channels else {
            throw .channelMismatch(path: path, found: dataset.channels, expected: channels)
        }
        let side = description.configuration.imageSize
        for (sample, image) in zip(dataset.samples, dataset.images) where image.height != side || image.width != side {
            throw .encoderImageSize(path: path, file: sample.relativePath, found: [image.height, image.width], expected: side)
        }
    }

    /// h `[n, D]` (or z `[n, P]` for `.z`) for every image of `dataset`, in dataset order,
    /// computed in batches of `batchSize` in eval mode.
    ///
    /// - Throws: `ProbeInputError.imageSizeMismatch` if the images do not all have one size, or
    ///   `.channelMismatch` if their channel count is not the encoder's.
    public func representations(
        of dataset: ImageDataset, path: String, batchSize: Int = 256, output: EmbeddingOutput = .h,
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(ProbeInputError) -> Tensor {
        let (height, width) = try dataset.commonImageSize(path: path)
        let channels = description.configuration.inputChannels
        guard dataset.channels == channels else {
            throw .channelMismatch(path: path, found: dataset.channels, expected: channels)
        }
        let n = dataset.count, d = dimension(of: output)
        var h = Tensor(shape: [n, d])
        let mean = (0..<channels).map { Float(description.normalization.mean(channel: $0)) }
        let inverseStd = (0..<channels).map { 1 / Float(description.normalization.std(channel: $0)) }
        let imageSize = height * width * channels
        var batch = Tensor(shape: [min(batchSize, n), height, width, channels])
        var first = 0
        while first < n {
            let count = min(batchSize, n - first)
            if batch.shape[0] != count { batch = Tensor(shape: [count, height, width, channels]) }
            batch.withUnsafeMutableBufferPointer { views in
                let out = SendablePointer(views.baseAddress!)
                let start = first
                // Each chunk writes the pixels of its own images only.
                Parallel.forEachChunk(count, minimumChunk: 16) { images in
                    for i in images {
                        dataset.images[start + i].pixels.withUnsafeBufferPointer { pixels in
                            let target = out.base + i * imageSize
                            for q in 0..<(height * width) {
                                for c in 0..<channels {
                                    let p = q * channels + c
                                    target[p] = (Float(pixels[p]) * (1 / 255) - mean[c]) * inverseStd[c]
                                }
                            }
                        }
                    }
                }
            }
            representations(ofViews: batch, output: output).withUnsafeBufferPointer { source in
                h.withUnsafeMutableBufferPointer { target in
                    (target.baseAddress! + first * d).update(from: source.baseAddress!, count: count * d)
                }
            }
            first += count
            progress?(first, n)
        }
        return h
    }
}

/// Which output of the frozen model an evaluation uses: the representation h (after global
/// pooling, what SimCLR evaluates) or the projection z (after the head, what the loss saw).
public enum EmbeddingOutput: String, Sendable, Codable, CaseIterable {
    case h
    case z
}
