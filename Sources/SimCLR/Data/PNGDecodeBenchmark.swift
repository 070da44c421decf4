import Foundation

/// Measures PNG decoding throughput on all cores (`Parallel.workerCount`), for `simclr bench`.
public enum PNGDecodeBenchmark {
    public struct Result: Sendable {
        /// Number of images in the dataset.
        public var images: Int
        /// Decoding from bytes already in memory, images per second (best of the repeats).
        public var decodeImagesPerSecond: Double
        /// `ImageDataset.loadImageFolder` end to end (listing, reading, decoding), images per
        /// second (best of the repeats).
        public var loadImagesPerSecond: Double
    }

    /// Decodes every PNG of the ImageFolder at `root` `repeats` times, after one warm-up pass.
    /// - Throws: `DatasetError` if the folder cannot be listed, read or decoded.
    public static func measure(root: String, repeats: Int = 3) throws(DatasetError) -> Result {
        let listing = try ImageFolderListing.scan(root: root)
        let paths = listing.files.map(listing.path(of:))
        var files: [[UInt8]] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .unreadable(path: path, reason: "cannot read the file")
            }
            files.append([UInt8](data))
        }
        var bestDecode = Double.infinity, bestLoad = Double.infinity
        for iteration in 0...repeats {
            let start = System.now()
            let failures = decodeAll(files, names: paths)
            if let failure = failures { throw .badImage(failure) }
            let decode = System.now() - start
            let loadStart = System.now()
            _ = try ImageDataset.loadImageFolder(root: root)
            let load = System.now() - loadStart
            if iteration > 0 {
                bestDecode = min(bestDecode, decode)
                bestLoad = min(bestLoad, load)
            }
        }
        return Result(images: files.count, decodeImagesPerSecond: Double(files.count) / bestDecode,
                      loadImagesPerSecond: Double(files.count) / bestLoad)
    }

    /// Decodes all `files`; returns the first error, if any.
    private static func decodeAll(_ files: [[UInt8]], names: [String]) -> PNGError? {
        let errors = UnsafeMutableBufferPointer<PNGError?>.allocate(capacity: max(1, files.count))
        errors.initialize(repeating: nil)
        defer {
            errors.deinitialize()  // a PNGError holds strings
            errors.deallocate()
        }
        let output = SendablePointer(errors.baseAddress!)
        // Chunks are disjoint index ranges: each error slot is written by one thread.
        Parallel.forEachChunk(files.count) { range in
            for index in range {
                do throws(PNGError) { _ = try PNG.decode(bytes: files[index], name: names[index]) } catch {
                    (output.base + index).pointee = error
                }
            }
        }
        return errors.compactMap { $0 }.first
    }
}
