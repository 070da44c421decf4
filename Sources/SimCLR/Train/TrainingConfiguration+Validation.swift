import Foundation

extension TrainingConfiguration {
    /// The largest value any size argument may take (`--image-size`, each of `--widths`,
    /// `--projection-dim`, `--batch-size`): small enough that the products of the memory estimate
    /// cannot overflow, far above any run this machine could hold.
    public static let sizeLimit = 1 << 20
    /// The smallest view side (`--image-size`, `--view-size`, `--small-crop-size`): the third stage
    /// still sees 2×2.
    public static let minimumViewSide = 8
    /// The most small views per image (`--small-crops`; SwAV uses 6, DINO 8–10).
    public static let maximumSmallCrops = 16

    /// Checks every argument's range, then the memory the run's activations would need against
    /// the machine's, before anything is allocated. The one place these rules live: the
    /// command-line tool reports the error as it is.
    ///
    /// - Parameter physicalMemory: bytes of RAM to compare against (default: this machine's).
    /// - Throws: `TrainingConfigurationError` naming the first argument out of range;
    ///   `AugmentationError` for augmentation parameters (`AugmentationConfig.validate`).
    public func validate(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        func require(_ ok: Bool, _ key: String, _ requirement: String, _ value: Any) throws {
            if !ok { throw TrainingConfigurationError.outOfRange(key: key, requirement: requirement, value: "\(value)") }
        }
        let limit = Self.sizeLimit
        try require(epochs >= 1, "epochs", "must be at least 1", epochs)
        try require(
            batchSize >= 2 && batchSize <= limit, "batch_size",
            "must be at least 2 (each image's negatives are the other images) and at most \(limit)", batchSize)
        try require(temperature > 0 && temperature.isFinite, "temperature", "must be > 0", temperature)
        try require(margin > 0 && margin.isFinite, "margin", "must be > 0", margin)
        if let samplesPerClass {
            try require(
                samplesPerClass >= 1 && samplesPerClass <= limit, "samples_per_class", "must be between 1 and \(limit)",
                samplesPerClass)
            try require(
                batchSize % samplesPerClass == 0, "batch_size",
                "must be a multiple of --samples-per-class (\(samplesPerClass)): each batch holds M images of batch size / M classes",
                batchSize)
        }
        try require(
            loss != .dcl || supervision == .views, "loss",
            "dcl is self-supervised (--supervision views); with labels use ntxent (SupCon)", loss.rawValue)
        try require(
            mining != .semiHard || supervision == .labels, "mining", "semi-hard needs --supervision labels", mining.rawValue)
        try require(
            mining == TrainingDefaults.mining || loss == .triplet, "mining", "applies to --loss triplet only",
            mining.rawValue)
        try require(learningRate > 0 && learningRate.isFinite, "lr", "must be > 0", learningRate)
        try require(weightDecay >= 0 && weightDecay.isFinite, "weight_decay", "must be ≥ 0", weightDecay)
        try require(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1)", momentum)
        try require(trustCoefficient > 0 && trustCoefficient.isFinite, "trust_coefficient", "must be > 0", trustCoefficient)
        try require(
            warmupEpochs >= 0 && warmupEpochs <= Double(epochs), "warmup_epochs",
            "must be between 0 and --epochs (\(epochs))", warmupEpochs)
        try require(
            model.widths.count == 3 && model.widths.allSatisfy({ $0 >= 1 && $0 <= limit }), "widths",
            "must be three integers between 1 and \(limit)", model.widths.map(String.init).joined(separator: ","))
        try require(
            model.projectionDim >= 1 && model.projectionDim <= limit, "projection_dim", "must be between 1 and \(limit)",
            model.projectionDim)
        try require(
            model.imageSize >= Self.minimumViewSide && model.imageSize <= limit, "image_size",
            "must be between \(Self.minimumViewSide) and \(limit)", model.imageSize)
        try require(model.inputChannels == 1 || model.inputChannels == 3, "channels", "must be 1 or 3", model.inputChannels)
        let views = viewSize
        try require(
            min(views.height, views.width) >= Self.minimumViewSide && max(views.height, views.width) <= limit, "view_size",
            "must be between \(Self.minimumViewSide) and \(limit) on each side", "\(views.height)x\(views.width)")
        if let multiCrop {
            try require(
                multiCrop.count >= 1 && multiCrop.count <= Self.maximumSmallCrops, "small_crops",
                "must be between 0 (off) and \(Self.maximumSmallCrops)", multiCrop.count)
            let fullSide = min(views.height, views.width)
            try require(
                multiCrop.size >= Self.minimumViewSide && multiCrop.size <= fullSide, "small_crop_size",
                "must be between \(Self.minimumViewSide) and \(viewSizeFlag) (\(fullSide))", multiCrop.size)
            try require(
                multiCrop.scale.lowerBound > 0 && multiCrop.scale.upperBound <= 1, "small_crop_scale",
                "must be a range low,high within (0, 1]", "\(multiCrop.scale.lowerBound),\(multiCrop.scale.upperBound)")
            try require(
                loss == .ntxent || supervision == .labels, "small_crops",
                "needs --loss ntxent (the views of an image are each other's positives) or --supervision labels",
                multiCrop.count)
        }
        let needed = estimatedActivationBytes
        guard needed <= physicalMemory / 2 else {
            throw TrainingConfigurationError.tooMuchMemory(
                sizes: "\(viewSizeDescription) with --batch-size \(batchSize), --widths "
                    + model.widths.map(String.init).joined(separator: ",") + " and --projection-dim \(model.projectionDim)"
                    + (multiCrop.map { " (plus --small-crops \($0.count) of --small-crop-size \($0.size))" } ?? ""),
                neededBytes: needed, availableBytes: physicalMemory)
        }
        try augmentation.validate(channels: model.inputChannels)
    }

    /// Checks the arguments that depend on the training images, before any work: with
    /// `--supervision labels` every non-empty class needs at least 2 images and there must be at
    /// least 2 classes; with `--samples-per-class M` every non-empty class needs M images and
    /// there must be batch size / M of them. Empty classes (kept by ImageFolder) take no part.
    ///
    /// - Throws: `TrainingConfigurationError.datasetDoesNotFit` naming the class.
    public func validate(dataset: ImageDataset) throws(TrainingConfigurationError) {
        var sizes = [Int](repeating: 0, count: dataset.classNames.count)
        for label in dataset.labels where sizes.indices.contains(label) { sizes[label] += 1 }
        let present = sizes.indices.filter { sizes[$0] > 0 }
        guard let smallest = present.min(by: { sizes[$0] < sizes[$1] }) else { return }
        let name = dataset.classNames[smallest], count = sizes[smallest]
        let images = count == 1 ? "1 image" : "\(count) images"
        if supervision == .labels {
            guard count >= 2 else {
                throw .datasetDoesNotFit(
                    key: "supervision", value: "labels", data: data,
                    reason: "class '\(name)' has \(images); every class needs at least 2 (a positive besides its own views)")
            }
            guard present.count >= 2 else {
                throw .datasetDoesNotFit(
                    key: "supervision", value: "labels", data: data,
                    reason: "it has a single class ('\(name)'), so no image has a negative; use --supervision views")
            }
        }
        if let samplesPerClass {
            guard samplesPerClass <= count else {
                throw .datasetDoesNotFit(
                    key: "samples_per_class", value: "\(samplesPerClass)", data: data,
                    reason: "class '\(name)' has only \(images); M must be at most the smallest class")
            }
            guard batchSize / samplesPerClass <= present.count else {
                throw .datasetDoesNotFit(
                    key: "samples_per_class", value: "\(samplesPerClass)", data: data,
                    reason: "--batch-size \(batchSize) needs \(batchSize / samplesPerClass) classes of M images, the folder has \(present.count)")
            }
        }
    }

    /// Checks, for a new run, that square training images all of one side have the side of
    /// `--image-size`: `encoder.json` records `model.imageSize`, and probe, embed and retrieval
    /// then refuse images of any other size, so a run that forgot `--image-size` would train an
    /// encoder unusable on its own images. Folders of mixed or non-square sizes are left alone (the
    /// views are resized crops of any image), as are resumed runs (their size is stored).
    ///
    /// - Throws: `TrainingConfigurationError.datasetDoesNotFit` naming `--image-size` and the
    ///   images' side.
    public func validateImageSize(of dataset: ImageDataset) throws(TrainingConfigurationError) {
        guard let first = dataset.images.first, first.height == first.width, first.height != model.imageSize,
            dataset.images.allSatisfy({ $0.height == first.height && $0.width == first.width })
        else { return }
        let side = first.height
        let hint = side >= Self.minimumViewSide
            ? "pass --image-size \(side) (smaller training views: --view-size)"
            : "the smallest --image-size is \(Self.minimumViewSide): upscale the images"
        throw .datasetDoesNotFit(
            key: "image_size", value: "\(model.imageSize)", data: data,
            reason: "its images are \(side)×\(side), and the encoder would be for \(model.imageSize)×\(model.imageSize) images (encoder.json's image_size, which probe, embed and retrieval demand); \(hint)")
    }

    /// Bytes of the feature maps one training step keeps for its backward pass: about six maps per
    /// stage (convolution outputs, BatchNorm and ReLU caches, the residual) at each stage's
    /// resolution, for 2N full-size views and K·N small ones, as Float32. Saturates at
    /// `UInt64.max` instead of overflowing.
    public var estimatedActivationBytes: UInt64 {
        let full = activationBytes(side: max(viewSize.height, viewSize.width), views: Self.saturatingProduct([2, batchSize]))
        guard let multiCrop else { return full }
        let small = activationBytes(side: multiCrop.size, views: Self.saturatingProduct([multiCrop.count, batchSize]))
        let (bytes, overflow) = full.addingReportingOverflow(small)
        return overflow ? .max : bytes
    }

    /// `estimatedActivationBytes` of `views` views of `side` × `side` pixels.
    private func activationBytes(side: Int, views: UInt64) -> UInt64 {
        let widths = model.widths + [1, 1, 1]
        let perView = [
            Self.saturatingProduct([side, side, model.inputChannels + 7 * min(widths[0], Self.sizeLimit)]),
            Self.saturatingProduct([side / 2 + 1, side / 2 + 1, 7 * min(widths[1], Self.sizeLimit)]),
            Self.saturatingProduct([side / 4 + 1, side / 4 + 1, 7 * min(widths[2], Self.sizeLimit)]),
            Self.saturatingProduct([4, model.projectionDim]),
        ].reduce(UInt64(0)) { sum, term in
            let (value, overflow) = sum.addingReportingOverflow(term)
            return overflow ? .max : value
        }
        let (floats, overflow) = perView.multipliedReportingOverflow(by: views)
        if overflow { return .max }
        let (bytes, overflowBytes) = floats.multipliedReportingOverflow(by: UInt64(MemoryLayout<Float>.size))
        return overflowBytes ? .max : bytes
    }

    /// The product of non-negative factors (negative ones count as 0), `UInt64.max` on overflow.
    static func saturatingProduct(_ factors: [Int]) -> UInt64 {
        var total: UInt64 = 1
        for factor in factors {
            let (value, overflow) = total.multipliedReportingOverflow(by: UInt64(max(factor, 0)))
            if overflow { return .max }
            total = value
        }
        return total
    }

    static func gibibytes(_ bytes: UInt64) -> String {
        bytes == .max ? "more than 16 EiB" : String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
    }
}
