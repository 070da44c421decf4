/// Mirrors a view left–right with probability `probability` (torchvision `RandomHorizontalFlip`).
///
/// In the pipeline the flip is folded into the crop's resampling taps; `apply` is the standalone
/// kernel.
public struct RandomHorizontalFlip: Codable, Sendable, Equatable {
    /// Probability of flipping, in [0, 1].
    public var probability: Double

    public init(probability: Double = 0.5) {
        self.probability = probability
    }

    /// Draws whether to flip.
    public func sample(using rng: inout SplitMix64) -> Bool {
        rng.nextDouble() < probability
    }

    /// Mirrors an HWC buffer of `height · width · channels` floats in place.
    public static func apply(to pixels: UnsafeMutableBufferPointer<Float>, height: Int, width: Int, channels: Int) {
        precondition(
            pixels.count == height * width * channels,
            "RandomHorizontalFlip: buffer of \(pixels.count) for [\(height), \(width), \(channels)]")
        let base = pixels.baseAddress!
        for y in 0..<height {
            let row = base + y * width * channels
            var left = 0, right = width - 1
            while left < right {
                for k in 0..<channels {
                    let a = row[left * channels + k]
                    row[left * channels + k] = row[right * channels + k]
                    row[right * channels + k] = a
                }
                left += 1
                right -= 1
            }
        }
    }
}
