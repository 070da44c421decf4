/// A labelled image dataset decoded once into memory (ImageFolder semantics, see DESIGN.md).
public struct ImageDataset: Sendable {
    /// One loaded image and where it came from.
    public struct Sample: Sendable, Equatable {
        /// Path relative to the dataset root, `/`-separated.
        public var relativePath: String
        /// Class index: position of the class folder in `classNames`.
        public var label: Int

        public init(relativePath: String, label: Int) {
            self.relativePath = relativePath
            self.label = label
        }
    }

    /// Class folder names sorted by code point; a label is an index into this list.
    public var classNames: [String]
    /// Samples in load order; `images[i]` is the decoded pixels of `samples[i]`.
    public var samples: [Sample]
    public var images: [DecodedImage]
    /// Channel count shared by every image (1 or 3).
    public var channels: Int

    public init(classNames: [String], samples: [Sample], images: [DecodedImage], channels: Int) {
        precondition(samples.count == images.count, "ImageDataset: \(samples.count) samples, \(images.count) images")
        self.classNames = classNames
        self.samples = samples
        self.images = images
        self.channels = channels
    }

    public var count: Int { samples.count }
    public var labels: [Int] { samples.map(\.label) }
}
