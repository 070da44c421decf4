/// Replaces RGB by its ITU-R BT.601 luma, kept as 3 channels, with probability `probability`
/// (torchvision `RandomGrayscale`). Identity on 1-channel images.
public struct RandomGrayscale: Codable, Sendable, Equatable {
    /// Probability of converting, in [0, 1].
    public var probability: Double

    /// ITU-R BT.601 luma weights for R, G, B (PIL `convert("L")`; torchvision uses 0.2989 for R).
    public static let lumaWeights: (red: Float, green: Float, blue: Float) = (0.299, 0.587, 0.114)

    public init(probability: Double = 0.2) {
        self.probability = probability
    }

    /// Draws whether to convert.
    public func sample(using rng: inout SplitMix64) -> Bool {
        rng.nextDouble() < probability
    }

    /// Luma of one RGB pixel.
    @inline(__always)
    static func luma(_ p: UnsafeMutablePointer<Float>) -> Float {
        lumaWeights.red * p[0] + lumaWeights.green * p[1] + lumaWeights.blue * p[2]
    }

    /// Converts `pixelCount` HWC pixels in place (no-op unless `channels == 3`).
    public static func apply(to pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int) {
        guard channels == 3 else { return }
        for i in 0..<pixelCount {
            let p = pixels + 3 * i
            let l = luma(p)
            p[0] = l
            p[1] = l
            p[2] = l
        }
    }
}
