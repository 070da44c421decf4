/// Multi-crop views (Caron et al. 2020, SwAV, arXiv 2006.09882, §3.2): besides the two
/// full-size views of every image, `count` small square views of `size` pixels cut with their own
/// crop-area range, so each image has `2 + count` views that are all positives of each other.
///
/// The small views share every other augmentation parameter (flip, colour jitter, grayscale,
/// blur, normalisation) with the full-size recipe; only the output size and the crop scale
/// differ. Other tools' names: DINO's `--local_crops_number` / `--local_crops_scale` (default
/// 0.05–0.4, as here), SwAV's `--nmb_crops` / `--size_crops` / `--min_scale_crops` /
/// `--max_scale_crops`, lightly's `MultiCropTranform(crop_counts, crop_sizes, crop_min_scales,
/// crop_max_scales)`. Ranges are checked by `TrainingConfiguration.validate()`.
public struct MultiCropConfig: Codable, Sendable, Equatable {
    /// K, small views per image (at least 1; "no small views" is a nil `MultiCropConfig`).
    public var count: Int
    /// S, the side of the square small views in pixels.
    public var size: Int
    /// Crop area of the small views as a fraction of the image area, sampled uniformly; within (0, 1].
    public var scale: ClosedRange<Double>

    public init(
        count: Int, size: Int = TrainingDefaults.smallCropSize, scale: ClosedRange<Double> = TrainingDefaults.smallCropScale
    ) {
        self.count = count
        self.size = size
        self.scale = scale
    }

    /// The recipe of the small views: `fullSize`'s with `size × size` output and `scale` as the
    /// crop-area range (the crop's aspect-ratio range is kept).
    public func smallViewConfig(from fullSize: AugmentationConfig) -> AugmentationConfig {
        var config = fullSize
        config.outputSize = .init(height: size, width: size)
        config.crop.scale = scale
        return config
    }
}
