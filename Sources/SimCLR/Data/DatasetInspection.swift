#if canImport(Glibc)
import Glibc
#endif

/// The validation pass run before a long training (`simclr dataset inspect`): every file of an
/// ImageFolder tree (or one PNG file) decoded, fingerprinted and checked.
///
/// Exact duplicates are images with the same size, channel count and decoded pixels (SHA-256 of
/// the pixels as in fixtures README section 2): in a contrastive batch they become false
/// negatives.
public struct DatasetInspection: Sendable, Encodable, JSONDocument {
    /// One decoded file.
    public struct Sample: Sendable, Encodable, Equatable {
        /// Path relative to the root (the file name for a single file).
        public var path: String
        /// Class index (`nil` for a single file).
        public var classIndex: Int?
        public var width: Int
        public var height: Int
        /// Channels as decoded (1 or 3), before any dataset channel policy.
        public var channels: Int
        /// SHA-256 of the decoded pixels, hex.
        public var sha256: String

        enum CodingKeys: String, CodingKey {
            case path, width, height, channels, sha256
            case classIndex = "class_index"
        }
    }

    /// A file that would be rejected when loading, and why.
    public struct Rejected: Sendable, Encodable, Equatable {
        public var path: String
        public var error: String
    }

    /// A class: name, index and number of loadable images.
    public struct ClassSummary: Sendable, Encodable, Equatable {
        public var name: String
        public var index: Int
        public var count: Int
    }

    public var root: String
    public var classes: [ClassSummary]
    public var samples: [Sample]
    public var rejected: [Rejected]
    /// Entries skipped by the ImageFolder rules (hidden, extension, top-level, links).
    public var ignored: [ImageFolderListing.Ignored]
    /// Groups (of at least two paths, in load order) with identical decoded images.
    public var duplicateGroups: [[String]]

    enum CodingKeys: String, CodingKey {
        case root, classes, samples, rejected, ignored
        case duplicateGroups = "duplicate_groups"
    }

    /// Inspects `path`: an ImageFolder root, or a single PNG file.
    /// - Parameter progress: called from worker threads with (decoded, total).
    /// - Throws: `DatasetError` when the tree cannot be listed (bad files are reported, not thrown).
    public static func inspect(
        path: String, maximumPixels: Int = PNG.defaultMaximumPixels,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(DatasetError) -> DatasetInspection {
        if ImageFolderListing.kind(of: path, followLinks: true) == .regular {
            let name = String(path.split(separator: "/").last ?? Substring(path))
            let listing = ImageFolderListing(root: path, classNames: [], files: [], ignored: [])
            return inspect(listing: listing, paths: [(path, name, nil)], maximumPixels: maximumPixels, progress: progress)
        }
        let listing = try ImageFolderListing.scan(root: path)
        let paths = listing.files.map { (listing.path(of: $0), $0.relativePath, Optional($0.label)) }
        return inspect(listing: listing, paths: paths, maximumPixels: maximumPixels, progress: progress)
    }

    private static func inspect(
        listing: ImageFolderListing, paths: [(path: String, relative: String, label: Int?)], maximumPixels: Int,
        progress: (@Sendable (Int, Int) -> Void)?
    ) -> DatasetInspection {
        let results = PNGBatchDecoder.decode(paths: paths.map(\.path), maximumPixels: maximumPixels, progress: progress)
        var inspection = DatasetInspection(root: listing.root, classes: [], samples: [], rejected: [], ignored: listing.ignored, duplicateGroups: [])
        var counts = [Int](repeating: 0, count: listing.classNames.count)
        var groups: [String: [String]] = [:]
        var groupOrder: [String] = []
        for (entry, result) in zip(paths, results) {
            switch result {
            case .success(let image):
                let digest = SHA256.hexDigest(image.pixels)
                inspection.samples.append(Sample(
                    path: entry.relative, classIndex: entry.label, width: image.width, height: image.height,
                    channels: image.channels, sha256: digest))
                if let label = entry.label { counts[label] += 1 }
                let key = "\(image.width)x\(image.height)x\(image.channels):\(digest)"
                if groups[key] == nil { groupOrder.append(key) }
                groups[key, default: []].append(entry.relative)
            case .failure(let error):
                inspection.rejected.append(Rejected(path: entry.relative, error: error.reason))
            case nil:
                break  // not reached: decoding does not stop at errors here
            }
        }
        inspection.classes = listing.classNames.enumerated().map { ClassSummary(name: $1, index: $0, count: counts[$0]) }
        inspection.duplicateGroups = groupOrder.compactMap { groups[$0]!.count > 1 ? groups[$0] : nil }
        return inspection
    }

    /// Image sizes as `"W×H×C"` → count, most common first.
    public var sizeHistogram: [(size: String, count: Int)] {
        var counts: [String: Int] = [:]
        for sample in samples { counts["\(sample.width)x\(sample.height)x\(sample.channels)", default: 0] += 1 }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The human-readable report.
    public var summary: String {
        var lines = ["\(root): \(samples.count) image(s) in \(classes.count) class(es)"]
        for summary in classes {
            lines.append("  [\(summary.index)] \(summary.name): \(summary.count)" + (summary.count == 0 ? "  (empty: keeps its index)" : ""))
        }
        lines.append("sizes (width x height x channels):")
        lines += sizeHistogram.map { "  \($0.size): \($0.count)" }
        if Set(samples.map(\.channels)).count > 1 {
            lines.append("  mixed grayscale and RGB: grayscale images will be replicated to RGB (--channels 1 converts to gray)")
        }
        lines.append("rejected (would stop loading unless --skip-bad-images): \(rejected.count)")
        lines += rejected.map { "  \($0.path): \($0.error)" }
        lines.append("ignored: \(ignored.count)")
        lines += ignored.map { "  \($0.relativePath): \($0.reason)" }
        lines.append("exact duplicate groups (false negatives in contrastive batches): \(duplicateGroups.count)")
        lines += duplicateGroups.map { "  " + $0.joined(separator: ", ") }
        return lines.joined(separator: "\n")
    }
}
