import Foundation

/// What a checkpoint remembers of its training images, so `--resume` on a folder whose images
/// changed (classes removed, images added) is refused instead of running a short epoch with a
/// jumped learning rate: the image count and a SHA-256 of the listing (class names, then every
/// file's relative path and label, in dataset order). Pixels are not hashed (a resume would have
/// to decode every image first); renaming, adding or removing files changes the hash.
public struct DatasetIdentity: Sendable, Equatable, Codable, CustomStringConvertible {
    public var imageCount: Int
    /// Hex SHA-256 of the listing.
    public var listingHash: String

    public init(imageCount: Int, listingHash: String) {
        self.imageCount = imageCount
        self.listingHash = listingHash
    }

    public init(_ dataset: ImageDataset) {
        var hasher = SHA256()
        for name in dataset.classNames { hasher.update(FileSystemName.bytes(name) + [0]) }
        hasher.update([0])
        for sample in dataset.samples {
            hasher.update(FileSystemName.bytes(sample.relativePath) + [0] + Array(String(sample.label).utf8) + [0])
        }
        let digest = hasher.finalize().map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        self.init(imageCount: dataset.count, listingHash: digest)
    }

    enum CodingKeys: String, CodingKey {
        case imageCount = "images"
        case listingHash = "listing_sha256"
    }

    /// `2000 images, listing 1a2b3c4d…`
    public var description: String { "\(imageCount) images, listing \(listingHash.prefix(12))…" }

    /// The checkpoint metadata text (JSON, sorted keys).
    var json: String { "{\"images\":\(imageCount),\"listing_sha256\":\"\(listingHash)\"}" }

    /// Parses `json`; nil if it is not one.
    static func parse(_ text: String) -> DatasetIdentity? {
        try? JSONDecoder().decode(DatasetIdentity.self, from: Data(text.utf8))
    }
}
