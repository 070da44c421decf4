import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// IDX reading and the PNG round trip of `simclr dataset import-idx`.
@Suite struct IDXImportTests {
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
    static var hasFashionMNIST: Bool {
        FileManager.default.fileExists(atPath: fashionMNIST + "/train-images-idx3-ubyte.gz")
    }
    static var fullImport: String { Fixtures.packageRoot.appendingPathComponent("datasets/fashion-mnist").path }
    static var mini: String { Fixtures.packageRoot.appendingPathComponent("datasets/fashion-mnist-mini").path }

    static func header(dimensions: [Int]) -> [UInt8] {
        [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { d in (0..<4).map { UInt8(truncatingIfNeeded: d >> (24 - 8 * $0)) } }
    }

    static func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("idx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Checks every PNG under `folder` against the IDX arrays: the file name is the index, the
    /// class folder the label, the pixels the IDX bytes. Returns the number of images checked.
    @discardableResult
    static func verify(folder: String, images: IDXArray, labels: IDXArray, classFolders: [String] = IDXImport.fashionMNISTClassFolders) throws -> Int {
        let (dataset, _) = try ImageDataset.loadImageFolder(root: folder)
        #expect(dataset.classNames == classFolders)
        #expect(dataset.channels == 1)
        let size = images.dimensions[1] * images.dimensions[2]
        var seen = Set<Int>()
        for (sample, image) in zip(dataset.samples, dataset.images) {
            let name = sample.relativePath.split(separator: "/").last!.dropLast(4)
            let index = try #require(Int(name), "\(sample.relativePath)")
            #expect(seen.insert(index).inserted)
            #expect(Int(labels.bytes[index]) == sample.label, "\(sample.relativePath)")
            #expect(image.width == images.dimensions[2] && image.height == images.dimensions[1])
            #expect(image.pixels[...] == images.bytes[(index * size)..<((index + 1) * size)], "\(sample.relativePath)")
        }
        return dataset.count
    }

    @Test func syntheticRoundTripRawAndGzip() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var rng = SplitMix64(seed: 5)
        let count = 23, rows = 3, columns = 4
        let pixels = (0..<(count * rows * columns)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let labelBytes = (0..<count).map { UInt8($0 * 7 % 3) }
        try Data(Self.header(dimensions: [count, rows, columns]) + pixels).write(to: URL(fileURLWithPath: folder + "/images"))
        try Data(Self.header(dimensions: [count]) + labelBytes).write(to: URL(fileURLWithPath: folder + "/labels"))
        let classes = ["a", "b", "c"]
        #expect(try IDXImport.run(imagesPath: folder + "/images", labelsPath: folder + "/labels", output: folder + "/out", classFolders: classes) == count)
        let images = IDXArray(dimensions: [count, rows, columns], bytes: pixels)
        let labels = IDXArray(dimensions: [count], bytes: labelBytes)
        #expect(try Self.verify(folder: folder + "/out", images: images, labels: labels, classFolders: classes) == count)

        #expect(throws: IDXError.outputExists(path: folder + "/out")) {
            try IDXImport.run(imagesPath: folder + "/images", labelsPath: folder + "/labels", output: folder + "/out", classFolders: classes)
        }
        // gzip-compressed input, per-class limit, overwrite
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-k", folder + "/images", folder + "/labels"]
        try gzip.run()
        gzip.waitUntilExit()
        #expect(try IDXArray.read(path: folder + "/images.gz", expectedDimensions: 3) == images)
        #expect(try IDXImport.run(
            imagesPath: folder + "/images.gz", labelsPath: folder + "/labels.gz", output: folder + "/out",
            classFolders: classes, perClassLimit: 2, overwrite: true) == 6)
        #expect(try Self.verify(folder: folder + "/out", images: images, labels: labels, classFolders: classes) == 6)
        #expect(!FileManager.default.fileExists(atPath: folder + "/.out.partial"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/.out.previous"))

        // a gzip stream cut short
        let gz = try Data(contentsOf: URL(fileURLWithPath: folder + "/images.gz"))
        try gz.prefix(gz.count / 2).write(to: URL(fileURLWithPath: folder + "/cut.gz"))
        #expect {
            try IDXArray.read(path: folder + "/cut.gz", expectedDimensions: 3)
        } throws: { error in
            switch error as? IDXError {
            case .unreadable(let file, _), .truncated(let file, _, _): return file == folder + "/cut.gz"
            default: return false
            }
        }
    }

    @Test func malformedInput() throws {
        let head = Self.header(dimensions: [2, 2, 2])
        #expect(throws: IDXError.badMagic(file: "f", found: [0, 0, 8, 1], expectedDimensions: 3)) {
            try IDXArray.parse(Self.header(dimensions: [8]) + [UInt8](repeating: 0, count: 8), file: "f", expectedDimensions: 3)
        }
        #expect(throws: IDXError.badMagic(file: "f", found: [0xff, 0xd8], expectedDimensions: 3)) {
            try IDXArray.parse([0xff, 0xd8], file: "f", expectedDimensions: 3)
        }
        #expect(throws: IDXError.truncated(file: "f", expectedBytes: 16, actualBytes: 10)) {
            try IDXArray.parse(Array(head.prefix(10)), file: "f", expectedDimensions: 3)
        }
        #expect(throws: IDXError.truncated(file: "f", expectedBytes: 24, actualBytes: 23)) {
            try IDXArray.parse(head + [UInt8](repeating: 1, count: 7), file: "f", expectedDimensions: 3)
        }
        #expect(throws: IDXError.trailingBytes(file: "f", expectedBytes: 24, actualBytes: 25)) {
            try IDXArray.parse(head + [UInt8](repeating: 1, count: 9), file: "f", expectedDimensions: 3)
        }
        #expect(try IDXArray.parse(head + [UInt8](repeating: 1, count: 8), file: "f", expectedDimensions: 3).dimensions == [2, 2, 2])

        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(head + [UInt8](repeating: 1, count: 8)).write(to: URL(fileURLWithPath: folder + "/images"))
        try Data(Self.header(dimensions: [3]) + [0, 1, 2]).write(to: URL(fileURLWithPath: folder + "/labels3"))
        try Data(Self.header(dimensions: [2]) + [0, 12]).write(to: URL(fileURLWithPath: folder + "/labels2"))
        #expect(throws: IDXError.countMismatch(images: folder + "/images", imageCount: 2, labels: folder + "/labels3", labelCount: 3)) {
            try IDXImport.run(imagesPath: folder + "/images", labelsPath: folder + "/labels3", output: folder + "/out")
        }
        #expect(throws: IDXError.labelOutOfRange(file: folder + "/labels2", index: 1, label: 12, classCount: 10)) {
            try IDXImport.run(imagesPath: folder + "/images", labelsPath: folder + "/labels2", output: folder + "/out")
        }
        #expect {
            try IDXArray.read(path: folder + "/missing", expectedDimensions: 1)
        } throws: { error in
            guard case .unreadable(let file, _) = error as? IDXError else { return false }
            return file == folder + "/missing" && "\(error)".contains("missing")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/out"))
    }

    /// The committed slice: 200 per class (train) and 50 per class (test), the first of each
    /// class in file order; pixels and labels equal the IDX source.
    @Test(.enabled(if: hasFashionMNIST, "dataset-fashion-mnist is not installed (/usr/share/datasets/fashion-mnist): mini slice not compared with its source"))
    func miniSliceMatchesSource() throws {
        for (split, folder, perClass) in [("train", "train", 200), ("t10k", "test", 50)] {
            let files = IDXImport.fashionMNISTFiles(split: split, in: Self.fashionMNIST)
            let images = try IDXArray.read(path: files.images, expectedDimensions: 3)
            let labels = try IDXArray.read(path: files.labels, expectedDimensions: 1)
            let (dataset, _) = try ImageDataset.loadImageFolder(root: Self.mini + "/" + folder)
            #expect(dataset.sampleCountPerClass == [Int](repeating: perClass, count: 10))
            let expectedIndices = IDXImport.selectedIndices(labels: labels.bytes, perClassLimit: perClass)
            let indices = dataset.samples.map { Int($0.relativePath.split(separator: "/").last!.dropLast(4))! }
            #expect(indices.sorted() == expectedIndices)
            try Self.verify(folder: Self.mini + "/" + folder, images: images, labels: labels)
        }
    }

    @Test(.enabled(
        if: hasFashionMNIST && FileManager.default.fileExists(atPath: fullImport + "/test"),
        "datasets/fashion-mnist not imported (Scripts/prepare-fashion-mnist.sh): full round trip skipped"))
    func fullImportMatchesSource() throws {
        for (split, folder, count) in [("train", "train", 60_000), ("t10k", "test", 10_000)] {
            let files = IDXImport.fashionMNISTFiles(split: split, in: Self.fashionMNIST)
            let images = try IDXArray.read(path: files.images, expectedDimensions: 3)
            let labels = try IDXArray.read(path: files.labels, expectedDimensions: 1)
            #expect(try Self.verify(folder: Self.fullImport + "/" + folder, images: images, labels: labels) == count)
        }
    }
}
