/// Random brightness, contrast, saturation and hue changes in a random order, applied with
/// probability `probability` (torchvision `RandomApply([ColorJitter(...)], p)`; SimCLR's colour
/// distortion, Chen et al. 2020, arXiv 2002.05709, App. A).
///
/// Factors are drawn as torchvision's `ColorJitter.get_params`: brightness, contrast and saturation
/// uniform in `[max(0, 1 − v), 1 + v]`, hue uniform in `[−hue, hue]`; a value of 0 disables that op.
/// Samples are clamped to [0, 1] after each op. Saturation and hue are the identity on 1 channel.
public struct ColorJitter: Codable, Sendable, Equatable {
    /// Brightness spread `v` (dimensionless, ≥ 0).
    public var brightness: Double
    /// Contrast spread `v` (≥ 0).
    public var contrast: Double
    /// Saturation spread `v` (≥ 0).
    public var saturation: Double
    /// Hue spread in turns of the colour wheel, in [0, 0.5].
    public var hue: Double
    /// Probability of applying the jitter at all, in [0, 1].
    public var probability: Double

    public init(brightness: Double, contrast: Double, saturation: Double, hue: Double, probability: Double = 0.8) {
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.hue = hue
        self.probability = probability
    }

    /// SimCLR's colour distortion of strength `s`: brightness, contrast, saturation 0.8·s, hue 0.2·s
    /// (Chen et al. 2020, App. A, `get_color_distortion`).
    public init(strength s: Double, probability: Double = 0.8) {
        self.init(brightness: 0.8 * s, contrast: 0.8 * s, saturation: 0.8 * s, hue: 0.2 * s, probability: probability)
    }

    /// One of the four ops.
    public enum Operation: UInt8, Sendable, CaseIterable {
        case brightness, contrast, saturation, hue
    }

    /// Drawn factors and order for one view.
    public struct Parameters: Sendable, Equatable {
        /// `order[k]` is the raw value of the `k`-th `Operation` to apply (a permutation of 0...3).
        public var order: SIMD4<UInt8>
        /// Multiplicative factors (1 = identity) and hue shift in turns (0 = identity); `nil` when
        /// the op is disabled.
        public var brightness: Float?
        public var contrast: Float?
        public var saturation: Float?
        public var hue: Float?

        public init(order: SIMD4<UInt8> = [0, 1, 2, 3], brightness: Float? = nil, contrast: Float? = nil, saturation: Float? = nil, hue: Float? = nil) {
            self.order = order
            self.brightness = brightness
            self.contrast = contrast
            self.saturation = saturation
            self.hue = hue
        }
    }

    /// Draws whether to apply the jitter and, if so, its order and factors.
    public func sample(using rng: inout SplitMix64) -> Parameters? {
        guard rng.nextDouble() < probability else { return nil }
        var order: SIMD4<UInt8> = [0, 1, 2, 3]
        for i in stride(from: 3, to: 0, by: -1) {
            order.swapAt(i, AugmentationRandom.index(below: i + 1, using: &rng))
        }
        func factor(_ v: Double) -> Float? {
            v > 0 ? Float(rng.uniform(max(0, 1 - v), 1 + v)) : nil
        }
        let b = factor(brightness), c = factor(contrast), s = factor(saturation)
        let h: Float? = hue > 0 ? Float(rng.uniform(-hue, hue)) : nil
        return Parameters(order: order, brightness: b, contrast: c, saturation: s, hue: h)
    }

    /// Applies `parameters` in their order to `pixelCount` HWC pixels with values in [0, 1].
    public static func apply(_ parameters: Parameters, to pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int) {
        for k in 0..<4 {
            switch Operation(rawValue: parameters.order[k])! {
            case .brightness:
                if let f = parameters.brightness { adjustBrightness(pixels, count: pixelCount * channels, factor: f) }
            case .contrast:
                if let f = parameters.contrast { adjustContrast(pixels, pixelCount: pixelCount, channels: channels, factor: f) }
            case .saturation:
                if let f = parameters.saturation { adjustSaturation(pixels, pixelCount: pixelCount, channels: channels, factor: f) }
            case .hue:
                if let f = parameters.hue { adjustHue(pixels, pixelCount: pixelCount, channels: channels, shift: f) }
            }
        }
    }
}

extension SIMD4 where Scalar == UInt8 {
    fileprivate mutating func swapAt(_ i: Int, _ j: Int) {
        let t = self[i]
        self[i] = self[j]
        self[j] = t
    }
}
