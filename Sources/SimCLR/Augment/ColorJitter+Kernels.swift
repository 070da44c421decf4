#if canImport(Glibc)
import Glibc
#endif

/// The four colour ops on HWC floats in [0, 1], with torchvision's tensor formulas
/// (`torchvision.transforms.functional_tensor`): `blend(a, b, f) = clamp(f·a + (1 − f)·b, 0, 1)`.
extension ColorJitter {
    /// `clamp(f · x)`: blend with black.
    public static func adjustBrightness(_ pixels: UnsafeMutablePointer<Float>, count: Int, factor f: Float) {
        for i in 0..<count { pixels[i] = min(max(f * pixels[i], 0), 1) }
    }

    /// Blend with the mean of the image's luma (the mean of the image itself on 1 channel).
    public static func adjustContrast(_ pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int, factor f: Float) {
        var sum: Float = 0
        if channels == 3 {
            for i in 0..<pixelCount { sum += RandomGrayscale.luma(pixels + 3 * i) }
        } else {
            // Four partial sums in a fixed order: the same result every run, and no serial add chain.
            let count = pixelCount * channels
            var partial: (Float, Float, Float, Float) = (0, 0, 0, 0)
            var i = 0
            while i + 4 <= count {
                partial.0 += pixels[i]
                partial.1 += pixels[i + 1]
                partial.2 += pixels[i + 2]
                partial.3 += pixels[i + 3]
                i += 4
            }
            while i < count {
                partial.0 += pixels[i]
                i += 1
            }
            sum = ((partial.0 + partial.1) + (partial.2 + partial.3)) / Float(channels)
        }
        let offset = (1 - f) * sum / Float(pixelCount)
        for i in 0..<(pixelCount * channels) { pixels[i] = min(max(f * pixels[i] + offset, 0), 1) }
    }

    /// Blend each pixel with its own luma; identity unless 3 channels.
    public static func adjustSaturation(_ pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int, factor f: Float) {
        guard channels == 3 else { return }
        for i in 0..<pixelCount {
            let p = pixels + 3 * i
            let offset = (1 - f) * RandomGrayscale.luma(p)
            p[0] = min(max(f * p[0] + offset, 0), 1)
            p[1] = min(max(f * p[1] + offset, 0), 1)
            p[2] = min(max(f * p[2] + offset, 0), 1)
        }
    }

    /// Rotates the hue by `shift` turns through HSV, as torchvision (`_rgb2hsv`, `(h + shift) mod 1`,
    /// `_hsv2rgb`), written without branches: channel n ∈ {R: 5, G: 3, B: 1} is
    /// `v − v·s·clamp(min(k, 4 − k), 0, 1)` with `k = (n + 6h) mod 6`, the same piecewise-linear
    /// function as torchvision's six-sector table. Exactly the identity on gray pixels (s = 0);
    /// identity unless 3 channels.
    public static func adjustHue(_ pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int, shift: Float) {
        guard channels == 3 else { return }
        for i in 0..<pixelCount {
            let p = pixels + 3 * i
            let r = p[0], g = p[1], b = p[2]
            let v = max(r, g, b), chroma = v - min(r, g, b)
            let s = v > 0 ? chroma / v : 0
            let inverseChroma = chroma > 0 ? 1 / chroma : 0
            let rc = (v - r) * inverseChroma, gc = (v - g) * inverseChroma, bc = (v - b) * inverseChroma
            let sector = v == r ? bc - gc : (v == g ? 2 + rc - bc : 4 + gc - rc)
            var h = sector / 6 + 1 + shift  // sector / 6 ∈ [−1/6, 1): torchvision's fmod(· + 1, 1), + shift, mod 1
            h -= floorf(h)
            let h6 = 6 * h, vs = v * s
            p[0] = v - vs * hueRamp(5 + h6)
            p[1] = v - vs * hueRamp(3 + h6)
            p[2] = v - vs * hueRamp(1 + h6)
        }
    }

    /// `clamp(min(k, 4 − k), 0, 1)` for `k` taken mod 6, with `k ∈ [1, 12)`.
    @inline(__always)
    private static func hueRamp(_ k: Float) -> Float {
        let m = k >= 6 ? k - 6 : k
        return max(0, min(min(m, 4 - m), 1))
    }
}
