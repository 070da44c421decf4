/// The architecture of `resnet-mini` + projection head (DESIGN.md "Model"); stored in
/// `encoder.json` (keys `widths`, `input_channels`, `image_size`, `projection_dim`).
public struct ResNetMiniConfiguration: Codable, Sendable, Equatable {
    /// Channel widths `[w1, w2, w3]` of the stem/stage 1, stage 2 and stage 3.
    public var widths: [Int]
    /// Image channels C: 1 (grayscale) or 3 (RGB).
    public var inputChannels: Int
    /// Side of the square images the encoder is for, in pixels (≥ 8): what `probe`, `embed` and
    /// `retrieval` feed it, and the training views' side unless the run's augmentation sets
    /// another (`--view-size`, FixRes-style training at a lower resolution). The network itself
    /// accepts any size.
    public var imageSize: Int
    /// P, the size of z.
    public var projectionDim: Int

    public init(
        widths: [Int] = TrainingDefaults.widths, inputChannels: Int = 1, imageSize: Int = TrainingDefaults.imageSize,
        projectionDim: Int = TrainingDefaults.projectionDim
    ) {
        self.widths = widths
        self.inputChannels = inputChannels
        self.imageSize = imageSize
        self.projectionDim = projectionDim
    }

    /// D, the size of the representation h (= w3).
    public var representationDim: Int { widths[2] }

    enum CodingKeys: String, CodingKey {
        case widths
        case inputChannels = "input_channels"
        case imageSize = "image_size"
        case projectionDim = "projection_dim"
    }

    /// - Throws: `ModelError.invalidConfiguration` naming the offending value.
    public func validate() throws {
        guard widths.count == 3, widths.allSatisfy({ $0 >= 1 }) else {
            throw ModelError.invalidConfiguration("widths must be three positive integers, got \(widths)")
        }
        guard inputChannels == 1 || inputChannels == 3 else {
            throw ModelError.invalidConfiguration("input channels must be 1 or 3, got \(inputChannels)")
        }
        guard imageSize >= 8 else {
            throw ModelError.invalidConfiguration("image size must be at least 8, got \(imageSize)")
        }
        guard projectionDim >= 1 else {
            throw ModelError.invalidConfiguration("projection dim must be positive, got \(projectionDim)")
        }
        let limit = Self.sizeLimit
        guard widths.allSatisfy({ $0 <= limit }), projectionDim <= limit, imageSize <= limit else {
            throw ModelError.invalidConfiguration(
                "widths \(widths), projection dim \(projectionDim) and image size \(imageSize) must each be at most \(limit)")
        }
        // Weights, gradients and up to two optimizer buffers: four Float32 copies.
        let bytes = UInt64(parameterCount) * 16
        guard bytes <= MemoryBudget.limitBytes else {
            throw ModelError.invalidConfiguration(
                "widths \(widths) with projection dim \(projectionDim) need \(MemoryBudget.describe(bytes)) of parameters and optimizer state, more than half of this machine's memory")
        }
    }

    /// The largest width, projection dim or image size accepted (as `TrainingConfiguration.sizeLimit`):
    /// with it, `parameterCount` cannot overflow.
    public static let sizeLimit = 1 << 20

    /// Learned parameters of encoder + head (convolutions 3×3 and 1×1 shortcuts, head linears; the
    /// small BatchNorm vectors counted once per channel, four each).
    /// - Precondition: sizes within `sizeLimit` (checked by `validate`).
    public var parameterCount: Int {
        let c = inputChannels, w1 = widths[0], w2 = widths[1], w3 = widths[2], p = projectionDim
        let convolutions = 9 * (c * w1 + 2 * w1 * w1 + w1 * w2 + w2 * w2 + w2 * w3 + w3 * w3) + w1 * w2 + w2 * w3
        let head = w3 * w3 + w3 + w3 * p + p
        let batchNorm = 4 * (3 * w1 + 3 * w2 + 3 * w3 + w3)
        return convolutions + head + batchNorm
    }
}
