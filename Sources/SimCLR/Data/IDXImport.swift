import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Converts an IDX image/label pair (MNIST, Fashion-MNIST) into an ImageFolder tree of PNGs:
/// `<output>/<class folder>/<index>.png`, index = position in the IDX file, zero-padded so that
/// name order is file order.
public enum IDXImport {
    /// Fashion-MNIST class folders (Xiao, Rasul & Vollgraf 2017, arXiv 1708.07747), prefixed
    /// with the label so that sorted order equals label order: 0 T-shirt/top … 9 Ankle boot.
    public static let fashionMNISTClassFolders = [
        "00-tshirt-top", "01-trouser", "02-pullover", "03-dress", "04-coat",
        "05-sandal", "06-shirt", "07-sneaker", "08-bag", "09-ankle-boot",
    ]

    /// The Fashion-MNIST file names of a split (`train` or `t10k`), inside the source folder.
    public static func fashionMNISTFiles(split: String, in folder: String) -> (images: String, labels: String) {
        func pick(_ base: String) -> String {
            let gz = "\(folder)/\(base).gz"
            return access(gz, F_OK) == 0 ? gz : "\(folder)/\(base)"
        }
        return (pick("\(split)-images-idx3-ubyte"), pick("\(split)-labels-idx1-ubyte"))
    }

    /// The indices kept when at most `perClassLimit` images per class are wanted: the first ones
    /// of each class in file order (all indices when `nil`).
    public static func selectedIndices(labels: [UInt8], perClassLimit: Int?) -> [Int] {
        guard let limit = perClassLimit else { return Array(labels.indices) }
        var taken = [Int](repeating: 0, count: 256)
        return labels.indices.filter { index in
            let label = Int(labels[index])
            taken[label] += 1
            return taken[label] <= limit
        }
    }

    /// Reads `imagesPath` (`[count, rows, columns]`) and `labelsPath` (`[count]`) and writes
    /// grayscale PNGs under `output`, on all cores. The tree is built in a hidden sibling folder
    /// and renamed into place at the end, so `output` is never left half-written (with
    /// `overwrite`, the previous tree is removed only after the new one is in place).
    ///
    /// - Parameters:
    ///   - classFolders: folder name per label; labels must be `< classFolders.count`.
    ///   - perClassLimit: keep only the first `perClassLimit` images of each class.
    ///   - overwrite: replace an existing `output` instead of failing.
    ///   - progress: called from worker threads with (written, total) about every 1%.
    /// - Returns: the number of images written.
    /// - Throws: `IDXError` naming the file: malformed input (`.badMagic`, `.truncated`,
    ///   `.trailingBytes`, `.countMismatch`, `.labelOutOfRange`), `.outputExists`, `.cannotWrite`.
    @discardableResult
    public static func run(
        imagesPath: String, labelsPath: String, output: String, classFolders: [String] = fashionMNISTClassFolders,
        perClassLimit: Int? = nil, overwrite: Bool = false,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(IDXError) -> Int {
        let images = try IDXArray.read(path: imagesPath, expectedDimensions: 3)
        let labels = try IDXArray.read(path: labelsPath, expectedDimensions: 1)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw .countMismatch(images: imagesPath, imageCount: images.dimensions[0], labels: labelsPath, labelCount: labels.dimensions[0])
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classFolders.count }) {
            throw .labelOutOfRange(file: labelsPath, index: bad, label: Int(labels.bytes[bad]), classCount: classFolders.count)
        }
        let replacing = access(output, F_OK) == 0
        if replacing && !overwrite { throw .outputExists(path: output) }
        let staging = stagingPath(for: output, suffix: "partial")
        if access(staging, F_OK) == 0 { try removeTree(staging) }
        try makeFolder(staging, parents: true)
        for folder in classFolders { try makeFolder(staging + "/" + folder, parents: false) }

        let selected = selectedIndices(labels: labels.bytes, perClassLimit: perClassLimit)
        try writeImages(images, labels: labels.bytes, selected: selected, into: staging, classFolders: classFolders, progress: progress)
        // The previous import stays intact until the new one is complete.
        let previous = stagingPath(for: output, suffix: "previous")
        if replacing {
            if access(previous, F_OK) == 0 { try removeTree(previous) }
            guard rename(output, previous) == 0 else { throw .cannotWrite(path: output, reason: errnoText()) }
        }
        guard rename(staging, output) == 0 else { throw .cannotWrite(path: output, reason: errnoText()) }
        if replacing { try removeTree(previous) }
        return selected.count
    }

    /// Encodes and writes `selected` images; chunks are disjoint ranges of `selected`, and every
    /// index maps to its own file, so no two threads touch the same file.
    private static func writeImages(
        _ images: IDXArray, labels: [UInt8], selected: [Int], into folder: String, classFolders: [String],
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?
    ) throws(IDXError) {
        let rows = images.dimensions[1], columns = images.dimensions[2], size = rows * columns
        let digits = max(5, String(max(0, images.dimensions[0] - 1)).count)
        let failure = Mutex<IDXError?>(nil)
        let done = Atomic<Int>(0)
        let reportEvery = max(1, selected.count / 100)
        Parallel.forEachChunk(selected.count) { range in
            for position in range {
                if failure.withLock({ $0 != nil }) { return }
                let index = selected[position]
                let pixels = Array(images.bytes[(index * size)..<((index + 1) * size)])
                let image = DecodedImage(width: columns, height: rows, channels: 1, pixels: pixels)
                let name = String(index)
                let path = "\(folder)/\(classFolders[Int(labels[index])])/\(String(repeating: "0", count: max(0, digits - name.count)))\(name).png"
                do throws(PNGError) {
                    try PNG.write(image, to: path, atomically: false)
                } catch {
                    failure.withLock { $0 = $0 ?? .cannotWrite(path: path, reason: error.reason) }
                    return
                }
                let finished = done.wrappingAdd(1, ordering: .relaxed).newValue
                if let progress, finished % reportEvery == 0 || finished == selected.count { progress(finished, selected.count) }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// `parent/.name.<suffix>`: hidden, so an interrupted import is never loaded as a class.
    static func stagingPath(for output: String, suffix: String) -> String {
        let trimmed = output.hasSuffix("/") ? String(output.dropLast()) : output
        guard let slash = trimmed.lastIndex(of: "/") else { return ".\(trimmed).\(suffix)" }
        return "\(trimmed[...slash]).\(trimmed[trimmed.index(after: slash)...]).\(suffix)"
    }

    private static func makeFolder(_ path: String, parents: Bool) throws(IDXError) {
        if parents, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let parent = String(path[..<slash])
            if access(parent, F_OK) != 0 { try makeFolder(parent, parents: true) }
        }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw .cannotWrite(path: path, reason: errnoText()) }
    }

    /// Removes a folder tree (symlinks inside are removed, not followed).
    private static func removeTree(_ path: String) throws(IDXError) {
        do { try FileManager.default.removeItem(atPath: path) } catch {
            throw .cannotWrite(path: path, reason: "cannot remove the previous import: \(error.localizedDescription)")
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
