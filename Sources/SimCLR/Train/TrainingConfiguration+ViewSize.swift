extension TrainingConfiguration {
    /// Height × width in pixels of the full-size training views: the augmentation's `outputSize`
    /// (when nil, a library caller's choice, the views keep each image's own size; validation and
    /// messages then take it to be `model.imageSize`). Views smaller than the images the encoder
    /// is for train faster and, evaluated at the full size, see objects at the scale the random
    /// crops zoomed them to (Touvron et al. 2019, "Fixing the train-test resolution discrepancy",
    /// arXiv:1906.06423).
    public var viewSize: AugmentationConfig.Size {
        augmentation.outputSize ?? .init(height: model.imageSize, width: model.imageSize)
    }

    /// Whether the views are square views of `model.imageSize` (no `--view-size` of another size).
    public var viewsAreImageSize: Bool {
        viewSize == .init(height: model.imageSize, width: model.imageSize)
    }

    /// `--image-size`, or `--view-size` when the views differ from the images: the flag that set
    /// the views' size, for messages.
    var viewSizeFlag: String { viewsAreImageSize ? "--image-size" : "--view-size" }

    /// `--image-size 28` or `--view-size 20x20`, for messages.
    var viewSizeDescription: String {
        viewsAreImageSize ? "--image-size \(model.imageSize)" : "--view-size \(viewSize.height)x\(viewSize.width)"
    }
}
