/// Why an image dataset could not be listed or loaded. Every case names the path and the reason.
public enum DatasetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The dataset root (or a folder inside it) could not be read.
    case unreadable(path: String, reason: String)
    /// The root is neither a folder nor a PNG file.
    case notADirectory(path: String)
    /// The root has no class folder (immediate non-hidden subfolder).
    case noClasses(root: String)
    /// The class folders hold no loadable `.png` file.
    case noImages(root: String)
    /// An image failed to decode (and bad images are not being skipped).
    case badImage(PNGError)
    /// An RGB image in a dataset that must be grayscale.
    case rgbInGrayscaleDataset(file: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read: \(reason)"
        case .notADirectory(let path):
            return "\(path): not a folder of class subfolders (or a PNG file)"
        case .noClasses(let root):
            return "\(root): no class folders found (expected root/<class>/*.png; hidden folders are skipped)"
        case .noImages(let root):
            return "\(root): no .png files in any class folder"
        case .badImage(let error):
            return "\(error)\n---> HINT: --skip-bad-images skips such files and lists them."
        case .rgbInGrayscaleDataset(let file):
            return "\(file): RGB image in a grayscale dataset\n---> HINT: --channels 1 converts RGB to gray (ITU-R 601 luma)."
        }
    }
}
