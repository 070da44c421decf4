/// A decoded image: UInt8 samples 0–255, row-major HWC (channel-interleaved).
///
/// `channels` is 1 (grayscale) or 3 (RGB), following the PNG conventions of
/// `shared/fixtures/README.md` section 2.
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// `height · width · channels` bytes, row-major HWC.
    public var pixels: [UInt8]

    /// - Precondition: `pixels.count == height · width · channels`.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(
            pixels.count == width * height * channels,
            "DecodedImage: \(width)x\(height)x\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}
