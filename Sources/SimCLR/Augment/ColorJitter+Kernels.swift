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

    /// Rotates the hue by `shift` turns through HSV (torchvision `_rgb2hsv`, `(h + shift) mod 1`,
    /// `_hsv2rgb`); exactly the identity on gray pixels (zero chroma); identity unless 3 channels.
    public static func adjustHue(_ pixels: UnsafeMutablePointer<Float>, pixelCount: Int, channels: Int, shift: Float) {
        guard channels == 3 else { return }
        for i in 0..<pixelCount {
            let p = pixels + 3 * i
            let r = p[0], g = p[1], b = p[2]
            let maxc = max(r, g, b), minc = min(r, g, b)
            if maxc == minc { continue }  // gray: s = 0, hsv -> rgb gives (v, v, v) back
            let chroma = maxc - minc
            let s = chroma / maxc
            let inverseChroma = 1 / chroma
            let rc = (maxc - r) * inverseChroma, gc = (maxc - g) * inverseChroma, bc = (maxc - b) * inverseChroma
            var h: Float
            if maxc == r {
                h = bc - gc
            } else if maxc == g {
                h = 2 + rc - bc
            } else {
                h = 4 + gc - rc
            }
            h = h / 6 + 1 + shift  // h / 6 ∈ [−1/6, 1): torchvision's fmod(h / 6 + 1, 1), then + shift, mod 1
            h -= floorf(h)
            let v = maxc
            let h6 = h * 6
            let sector = floorf(h6)
            let fraction = h6 - sector
            let pv = min(max(v * (1 - s), 0), 1)
            let qv = min(max(v * (1 - s * fraction), 0), 1)
            let tv = min(max(v * (1 - s * (1 - fraction)), 0), 1)
            switch Int(sector) % 6 {
            case 0: (p[0], p[1], p[2]) = (v, tv, pv)
            case 1: (p[0], p[1], p[2]) = (qv, v, pv)
            case 2: (p[0], p[1], p[2]) = (pv, v, tv)
            case 3: (p[0], p[1], p[2]) = (pv, qv, v)
            case 4: (p[0], p[1], p[2]) = (tv, pv, v)
            default: (p[0], p[1], p[2]) = (v, pv, qv)
            }
        }
    }
}
