/// Every parameter of the SimCLR view pipeline: crop → flip → colour jitter → grayscale → blur →
/// normalisation (Chen et al. 2020, arXiv 2002.05709, App. A). Codable so the CLI can set each field
/// and checkpoints can store the exact recipe.
public struct AugmentationConfig: Codable, Sendable, Equatable {
    /// View size in pixels.
    public struct Size: Codable, Sendable, Equatable {
        public var height: Int
        public var width: Int

        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }
    }

    /// View size; `nil` keeps each image's own size (all images must then share one size).
    public var outputSize: Size?
    public var crop: RandomResizedCrop
    public var horizontalFlip: RandomHorizontalFlip
    public var colorJitter: ColorJitter
    public var grayscale: RandomGrayscale
    public var blur: GaussianBlur
    public var normalization: Normalization

    public init(
        outputSize: Size? = nil,
        crop: RandomResizedCrop = RandomResizedCrop(),
        horizontalFlip: RandomHorizontalFlip = RandomHorizontalFlip(),
        colorJitter: ColorJitter = ColorJitter(strength: 1),
        grayscale: RandomGrayscale = RandomGrayscale(),
        blur: GaussianBlur = GaussianBlur(),
        normalization: Normalization
    ) {
        self.outputSize = outputSize
        self.crop = crop
        self.horizontalFlip = horizontalFlip
        self.colorJitter = colorJitter
        self.grayscale = grayscale
        self.blur = blur
        self.normalization = normalization
    }

    /// Checks every range for a dataset with `channels` channels.
    ///
    /// - Throws: `AugmentationError.invalidParameter` naming the first field out of range, or
    ///   `.normalizationChannelMismatch` when mean/std have neither 1 nor `channels` values.
    public func validate(channels: Int) throws(AugmentationError) {
        func check(_ ok: Bool, _ name: String, _ value: Any, _ expected: String) throws(AugmentationError) {
            if !ok { throw .invalidParameter(name: name, value: "\(value)", expected: expected) }
        }
        func probability(_ p: Double, _ name: String) throws(AugmentationError) {
            try check(p >= 0 && p <= 1, name, p, "a probability in [0, 1]")
        }
        if let size = outputSize {
            let pixels = MemoryBudget.product([size.height, size.width]) ?? .max
            try check(
                size.height >= 1 && size.width >= 1 && pixels <= PNG.defaultMaximumPixels, "outputSize",
                "\(size.height)x\(size.width)", "positive height and width, at most \(PNG.defaultMaximumPixels) pixels")
        }
        try check(crop.scale.lowerBound > 0 && crop.scale.upperBound <= 1, "crop.scale", crop.scale, "a range within (0, 1]")
        try check(crop.ratio.lowerBound > 0 && crop.ratio.upperBound.isFinite, "crop.ratio", crop.ratio, "a positive finite range")
        try probability(horizontalFlip.probability, "horizontalFlip.probability")
        try probability(colorJitter.probability, "colorJitter.probability")
        for (name, v) in [("brightness", colorJitter.brightness), ("contrast", colorJitter.contrast), ("saturation", colorJitter.saturation)] {
            try check(v >= 0 && v.isFinite, "colorJitter.\(name)", v, "a finite value ≥ 0")
        }
        try check(colorJitter.hue >= 0 && colorJitter.hue <= 0.5, "colorJitter.hue", colorJitter.hue, "a value in [0, 0.5]")
        try probability(grayscale.probability, "grayscale.probability")
        try probability(blur.probability, "blur.probability")
        try check(blur.sigma.lowerBound > 0 && blur.sigma.upperBound.isFinite, "blur.sigma", blur.sigma, "a positive finite range")
        try check(blur.kernelFraction > 0 && blur.kernelFraction <= 1, "blur.kernelFraction", blur.kernelFraction, "a value in (0, 1]")
        try check(blur.minimumSide >= 0, "blur.minimumSide", blur.minimumSide, "a value ≥ 0")
        for (name, values) in [("mean", normalization.mean), ("std", normalization.std)] {
            guard values.count == 1 || values.count == channels else {
                throw .normalizationChannelMismatch(name: name, count: values.count, channels: channels)
            }
            try check(values.allSatisfy(\.isFinite), "normalization.\(name)", values, "finite values")
        }
        try check(normalization.std.allSatisfy { $0 > 0 }, "normalization.std", normalization.std, "positive values")
    }
}
