import ArgumentParser
import SimCLR

/// Options of every subcommand that loads an ImageFolder dataset (`--channels`,
/// `--skip-bad-images`, `--max-pixels`), and the load itself with progress and warnings on stderr.
struct ImageFolderLoadOptions: ParsableArguments {
    @Option(help: "Channels of the dataset: 1 (RGB images converted with ITU-R 601 luma) or 3 (grayscale replicated). Default: 3 if any image is RGB, else 1.")
    var channels: Int?

    @Flag(help: "Skip images that fail to decode (they are listed) instead of stopping at the first one.")
    var skipBadImages = false

    @Option(help: "Largest width x height a PNG header may claim.")
    var maxPixels: Int = PNG.defaultMaximumPixels

    func validate() throws {
        if let channels, channels != 1 && channels != 3 {
            throw ValidationError("--channels must be 1 or 3, got \(channels)")
        }
        guard maxPixels >= 1 else { throw ValidationError("--max-pixels must be at least 1, got \(maxPixels)") }
    }

    var imageFolderOptions: ImageFolderOptions {
        let policy: ChannelPolicy = switch channels {
        case 1: .convertToGrayscale
        case 3: .rgb
        default: .automatic
        }
        return ImageFolderOptions(channels: policy, skipBadImages: skipBadImages, maximumPixels: maxPixels)
    }

    /// Loads `root`, showing decode progress and printing the report's warnings to stderr.
    /// - Throws: `DatasetError`.
    func load(root: String) throws -> ImageDataset {
        let progress = CountProgress(label: "decoding \(root)")
        let (dataset, report) = try ImageDataset.loadImageFolder(root: root, options: imageFolderOptions, progress: progress.update)
        progress.finish()
        for line in report.warnings { writeStandardError("simclr: \(line)\n") }
        return dataset
    }
}
