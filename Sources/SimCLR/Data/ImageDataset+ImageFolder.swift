/// Options for `ImageDataset.loadImageFolder`.
public struct ImageFolderOptions: Sendable {
    public var channels: ChannelPolicy
    /// Skip files that fail to decode (listed in the report) instead of stopping.
    public var skipBadImages: Bool
    /// Largest `width · height` a PNG header may claim.
    public var maximumPixels: Int

    public init(channels: ChannelPolicy = .automatic, skipBadImages: Bool = false, maximumPixels: Int = PNG.defaultMaximumPixels) {
        self.channels = channels
        self.skipBadImages = skipBadImages
        self.maximumPixels = maximumPixels
    }
}

/// What happened while loading an ImageFolder, beyond the dataset itself.
public struct ImageFolderLoadReport: Sendable {
    /// Files that failed to decode and were skipped (only with `skipBadImages`).
    public var skipped: [PNGError]
    /// Entries never considered (hidden, wrong extension, top-level files, ...).
    public var ignored: [ImageFolderListing.Ignored]
    /// Classes that ended up with no sample; they keep their index.
    public var emptyClasses: [String]
    /// Grayscale images replicated to RGB, and RGB images converted to gray.
    public var replicatedToRGB: Int
    public var convertedToGrayscale: Int

    /// Lines worth showing the user (warnings), empty when there is nothing to say.
    public var warnings: [String] {
        var lines: [String] = []
        if !skipped.isEmpty {
            lines.append("skipped \(skipped.count) bad image(s):")
            lines += skipped.map { "  \($0)" }
        }
        for name in emptyClasses { lines.append("class '\(name)' has no images (it keeps its index)") }
        return lines
    }
}

extension ImageDataset {
    /// Lists the ImageFolder tree at `root` (see `ImageFolderListing`) and decodes every image
    /// on all cores, into one channel count chosen by `options.channels`.
    ///
    /// - Parameter progress: called from worker threads with (decoded, total) about every 1%.
    /// - Throws: `DatasetError`: listing errors, `.noImages`, `.badImage` for the first file (in
    ///   load order) that fails to decode unless `options.skipBadImages`,
    ///   `.rgbInGrayscaleDataset` with `ChannelPolicy.grayscale`.
    public static func loadImageFolder(
        root: String, options: ImageFolderOptions = ImageFolderOptions(),
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(DatasetError) -> (dataset: ImageDataset, report: ImageFolderLoadReport) {
        let listing = try ImageFolderListing.scan(root: root)
        guard !listing.files.isEmpty else { throw .noImages(root: listing.root) }
        let results = PNGBatchDecoder.decode(
            paths: listing.files.map(listing.path(of:)), maximumPixels: options.maximumPixels,
            stopAtFirstError: !options.skipBadImages, progress: progress)
        var report = ImageFolderLoadReport(skipped: [], ignored: listing.ignored, emptyClasses: [], replicatedToRGB: 0, convertedToGrayscale: 0)
        var samples: [Sample] = []
        var images: [DecodedImage] = []
        for (file, result) in zip(listing.files, results) {
            switch result {
            case .success(let image):
                samples.append(Sample(relativePath: file.relativePath, label: file.label))
                images.append(image)
            case .failure(let error):
                guard options.skipBadImages else { throw .badImage(error) }
                report.skipped.append(error)
            case nil:
                continue  // not attempted: an earlier file failed and is thrown above
            }
        }
        guard !images.isEmpty else { throw .noImages(root: listing.root) }
        let channels = try unifyChannels(&images, samples: samples, listing: listing, policy: options.channels, report: &report)
        var counts = [Int](repeating: 0, count: listing.classNames.count)
        for sample in samples { counts[sample.label] += 1 }
        report.emptyClasses = zip(listing.classNames, counts).filter { $0.1 == 0 }.map(\.0)
        let dataset = ImageDataset(classNames: listing.classNames, samples: samples, images: images, channels: channels)
        return (dataset, report)
    }

    /// Brings every image to the dataset's channel count; returns that count.
    private static func unifyChannels(
        _ images: inout [DecodedImage], samples: [Sample], listing: ImageFolderListing,
        policy: ChannelPolicy, report: inout ImageFolderLoadReport
    ) throws(DatasetError) -> Int {
        let anyRGB = images.contains { $0.channels == 3 }
        let channels: Int
        switch policy {
        case .automatic: channels = anyRGB ? 3 : 1
        case .rgb: channels = 3
        case .grayscale, .convertToGrayscale: channels = 1
        }
        for index in images.indices where images[index].channels != channels {
            if channels == 3 {
                images[index] = ChannelPolicy.replicatedToRGB(images[index])
                report.replicatedToRGB += 1
            } else if policy == .convertToGrayscale {
                images[index] = ChannelPolicy.luma(images[index])
                report.convertedToGrayscale += 1
            } else {
                throw .rgbInGrayscaleDataset(file: listing.root + "/" + samples[index].relativePath)
            }
        }
        return channels
    }

    /// Number of samples per class, indexed by label.
    public var sampleCountPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for sample in samples { counts[sample.label] += 1 }
        return counts
    }
}
