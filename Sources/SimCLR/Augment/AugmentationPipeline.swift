/// The SimCLR view pipeline for one channel count and view size: crop + resize (+ flip) →
/// colour jitter → grayscale → blur → normalisation, with torchvision semantics on Float samples
/// (intermediate values are not rounded to 8 bits, as with torchvision on float tensors).
///
/// Randomness and pixels are separate: `sampleParameters` draws everything a view needs from one
/// generator; `render` is deterministic given those parameters.
public struct AugmentationPipeline: Sendable {
    public let config: AugmentationConfig
    /// Channels of source images and views (1 or 3).
    public let channels: Int
    public let outputHeight: Int
    public let outputWidth: Int
    /// Odd Gaussian kernel size, or `nil` when blur is off for this view size.
    public let blurKernelSize: Int?
    let mean: [Float]
    let inverseStd: [Float]

    /// What one view draws: crop box, flip, jitter factors and order, grayscale, blur σ.
    public struct ViewParameters: Sendable, Equatable {
        public var crop: RandomResizedCrop.Box
        public var flipped: Bool
        /// `nil` when the jitter is not applied to this view.
        public var colorJitter: ColorJitter.Parameters?
        public var grayscale: Bool
        /// σ in pixels, or `nil` when not blurred.
        public var blurSigma: Double?

        public init(crop: RandomResizedCrop.Box, flipped: Bool = false, colorJitter: ColorJitter.Parameters? = nil, grayscale: Bool = false, blurSigma: Double? = nil) {
            self.crop = crop
            self.flipped = flipped
            self.colorJitter = colorJitter
            self.grayscale = grayscale
            self.blurSigma = blurSigma
        }
    }

    /// - Throws: `AugmentationError` when `config` fails `validate(channels:)`.
    public init(config: AugmentationConfig, channels: Int, outputHeight: Int, outputWidth: Int) throws(AugmentationError) {
        try config.validate(channels: channels)
        guard outputHeight >= 1, outputWidth >= 1 else {
            throw .invalidParameter(name: "outputSize", value: "\(outputHeight)x\(outputWidth)", expected: "positive height and width")
        }
        self.config = config
        self.channels = channels
        self.outputHeight = outputHeight
        self.outputWidth = outputWidth
        blurKernelSize = config.blur.kernelSize(height: outputHeight, width: outputWidth)
        mean = (0..<channels).map { Float(config.normalization.mean(channel: $0)) }
        inverseStd = (0..<channels).map { Float(1 / config.normalization.std(channel: $0)) }
    }

    /// A pipeline for `dataset`: views of `config.outputSize`, or of the images' common size.
    ///
    /// - Throws: `AugmentationError.notEnoughImages` for an empty dataset, `.mixedImageSizes` when
    ///   images differ in size and no output size is set, or a validation error.
    public init(config: AugmentationConfig, dataset: ImageDataset) throws(AugmentationError) {
        guard let first = dataset.images.first else { throw .notEnoughImages(count: 0, batchSize: 1) }
        if config.outputSize == nil, let i = dataset.images.firstIndex(where: { $0.height != first.height || $0.width != first.width }) {
            let other = dataset.images[i]
            throw .mixedImageSizes(first: "\(first.width)x\(first.height)", other: "\(other.width)x\(other.height)", path: dataset.samples[i].relativePath)
        }
        let size = config.outputSize ?? AugmentationConfig.Size(height: first.height, width: first.width)
        try self.init(config: config, channels: dataset.channels, outputHeight: size.height, outputWidth: size.width)
    }

    /// Floats in one view: `outputHeight · outputWidth · channels`.
    public var viewElementCount: Int { outputHeight * outputWidth * channels }

    /// Draws one view's parameters, in a fixed order (crop, flip, jitter, grayscale, blur), for a
    /// source of `sourceHeight` × `sourceWidth` pixels.
    public func sampleParameters(sourceHeight: Int, sourceWidth: Int, using rng: inout SplitMix64) -> ViewParameters {
        let crop = config.crop.sampleBox(height: sourceHeight, width: sourceWidth, using: &rng)
        let flipped = config.horizontalFlip.sample(using: &rng)
        let jitter = config.colorJitter.sample(using: &rng)
        let gray = config.grayscale.sample(using: &rng)
        let sigma = blurKernelSize == nil ? nil : config.blur.sample(using: &rng)
        return ViewParameters(crop: crop, flipped: flipped, colorJitter: jitter, grayscale: gray, blurSigma: sigma)
    }

    /// Renders one view of `image` into `output` (`[outputHeight, outputWidth, channels]`, HWC):
    /// samples in [0, 1] before normalisation, standardised when `normalize`.
    ///
    /// - Precondition: `image.channels == channels`; the crop lies inside the image; `scratch` was
    ///   made for this pipeline and an image at least this large.
    public func render(
        _ image: DecodedImage, parameters: ViewParameters, normalize: Bool = true,
        into output: UnsafeMutablePointer<Float>, scratch: AugmentationScratch
    ) {
        precondition(image.channels == channels, "AugmentationPipeline: image has \(image.channels) channels, pipeline \(channels)")
        let box = parameters.crop
        precondition(
            box.top >= 0 && box.left >= 0 && box.height >= 1 && box.width >= 1
                && box.top + box.height <= image.height && box.left + box.width <= image.width,
            "AugmentationPipeline: crop \(box) outside image \(image.width)x\(image.height)")
        precondition(box.height * outputWidth * channels <= scratch.rowsCapacity, "AugmentationPipeline: scratch too small for crop \(box)")
        image.pixels.withUnsafeBufferPointer { source in
            BilinearResize.resample(
                source: source.baseAddress!, sourceWidth: image.width, channels: channels, box: box,
                flipped: parameters.flipped, output: output, outputHeight: outputHeight, outputWidth: outputWidth,
                scratch: scratch)
        }
        let pixelCount = outputHeight * outputWidth
        if let jitter = parameters.colorJitter {
            ColorJitter.apply(jitter, to: output, pixelCount: pixelCount, channels: channels)
        }
        if parameters.grayscale {
            RandomGrayscale.apply(to: output, pixelCount: pixelCount, channels: channels)
        }
        if let sigma = parameters.blurSigma, let size = blurKernelSize {
            GaussianBlur.fillKernel(scratch.blurKernel, size: size, sigma: sigma)
            GaussianBlur.apply(
                to: output, height: outputHeight, width: outputWidth, channels: channels,
                kernel: scratch.blurKernel, size: size, temporary: scratch.rows)
        }
        if normalize {
            mean.withUnsafeBufferPointer { m in
                inverseStd.withUnsafeBufferPointer { s in
                    Normalization.apply(to: output, pixelCount: pixelCount, channels: channels, mean: m.baseAddress!, inverseStd: s.baseAddress!)
                }
            }
        }
    }

    /// One view as a new array (convenience for tests and previews; allocates).
    public func renderView(_ image: DecodedImage, parameters: ViewParameters, normalize: Bool = true) -> [Float] {
        let scratch = AugmentationScratch(pipeline: self, maximumSourceHeight: image.height, maximumSourceWidth: image.width)
        var view = [Float](repeating: 0, count: viewElementCount)
        view.withUnsafeMutableBufferPointer { render(image, parameters: parameters, normalize: normalize, into: $0.baseAddress!, scratch: scratch) }
        return view
    }
}
