#if canImport(Glibc)
import Glibc
#endif

/// Random crop of a random area fraction and aspect ratio, resized to the view size
/// (torchvision `RandomResizedCrop`, SimCLR's main augmentation; Chen et al. 2020, arXiv 2002.05709, App. A).
///
/// `scale` is the crop area as a fraction of the image area; `ratio` is width / height.
/// Resampling is bilinear with half-pixel centres (`align_corners=False`) and torchvision's
/// `antialias=True` triangle filter, which widens the filter when downsampling (PIL's method) and is
/// exactly plain bilinear when upsampling, the usual case for small images.
public struct RandomResizedCrop: Codable, Sendable, Equatable {
    /// Crop area as a fraction of the image area, sampled uniformly; within (0, 1].
    public var scale: ClosedRange<Double>
    /// Crop aspect ratio width / height; its logarithm is sampled uniformly; positive.
    public var ratio: ClosedRange<Double>

    /// Attempts at a crop that fits before the centre-crop fallback (torchvision: 10).
    public static let maximumAttempts = 10

    public init(scale: ClosedRange<Double> = 0.08...1.0, ratio: ClosedRange<Double> = (3.0 / 4.0)...(4.0 / 3.0)) {
        self.scale = scale
        self.ratio = ratio
    }

    /// A crop rectangle in source pixels: rows `top..<top+height`, columns `left..<left+width`.
    public struct Box: Sendable, Equatable {
        public var top: Int
        public var left: Int
        public var height: Int
        public var width: Int

        public init(top: Int, left: Int, height: Int, width: Int) {
            self.top = top
            self.left = left
            self.height = height
            self.width = width
        }
    }

    /// torchvision's `RandomResizedCrop.get_params`: up to 10 attempts of area `A = U(scale)·H·W` and
    /// ratio `r = exp(U(log ratio))`, `w = round(√(A·r))`, `h = round(√(A/r))` (round half to even, as
    /// Python), accepted when `0 < w ≤ W` and `0 < h ≤ H` with a uniform position; otherwise the
    /// centre crop whose ratio is clamped to `ratio`.
    public func sampleBox(height: Int, width: Int, using rng: inout SplitMix64) -> Box {
        let area = Double(height * width)
        let logLower = log(ratio.lowerBound), logUpper = log(ratio.upperBound)
        for _ in 0..<Self.maximumAttempts {
            let targetArea = area * rng.uniform(scale.lowerBound, scale.upperBound)
            let aspect = exp(rng.uniform(logLower, logUpper))
            // Compared as Double first: an extreme ratio (1e300, 1e-45) gives sides beyond Int.
            let wd = (targetArea * aspect).squareRoot().rounded(.toNearestOrEven)
            let hd = (targetArea / aspect).squareRoot().rounded(.toNearestOrEven)
            if wd >= 1, wd <= Double(width), hd >= 1, hd <= Double(height) {
                let w = Int(wd), h = Int(hd)
                let top = AugmentationRandom.index(below: height - h + 1, using: &rng)
                let left = AugmentationRandom.index(below: width - w + 1, using: &rng)
                return Box(top: top, left: left, height: h, width: w)
            }
        }
        return centreFallback(height: height, width: width)
    }

    /// The fallback crop: the whole image, narrowed to the nearest allowed aspect ratio, centred;
    /// at least one pixel each way.
    public func centreFallback(height: Int, width: Int) -> Box {
        let inputRatio = Double(width) / Double(height)
        var w = width, h = height
        // Each side stays within 1…its image side, however extreme the ratio (0.001, 1e6).
        if inputRatio < ratio.lowerBound {
            h = Int(min(max((Double(w) / ratio.lowerBound).rounded(.toNearestOrEven), 1), Double(height)))
        } else if inputRatio > ratio.upperBound {
            w = Int(min(max((Double(h) * ratio.upperBound).rounded(.toNearestOrEven), 1), Double(width)))
        }
        return Box(top: (height - h) / 2, left: (width - w) / 2, height: h, width: w)
    }
}
