import Foundation
import SimCLR
import SimCLRTestSupport
import Synchronization
import Testing

/// `imagefolder-edge/expected.json` (fixtures README section 5) and the channel policy of DESIGN.md.
@Suite struct ImageFolderTests {
    /// A writable copy of `imagefolder-edge/root` in which every sample with `symlink_to` is a
    /// real symlink: checkouts without symlink support (git `core.symlinks=false`, plain copies)
    /// turn it into a small text file holding the target, which is then rightly "not a PNG".
    static let fixtureRoot: String = {
        let source = Fixtures.url("imagefolder-edge/root").path
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("imagefolder-edge-\(getpid())").path
        let fm = FileManager.default
        try? fm.removeItem(atPath: copy)
        let enumerator = fm.enumerator(atPath: source)
        while let relative = enumerator?.nextObject() as? String {
            let from = source + "/" + relative, to = copy + "/" + relative
            if let target = try? fm.destinationOfSymbolicLink(atPath: from) {
                try? fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try? fm.createSymbolicLink(atPath: to, withDestinationPath: target)
            } else if (try? fm.attributesOfItem(atPath: from)[.type] as? FileAttributeType) == .typeDirectory {
                try? fm.createDirectory(atPath: to, withIntermediateDirectories: true)
            } else {
                try? fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                fm.createFile(atPath: to, contents: fm.contents(atPath: from))
            }
        }
        let expected = (try? Fixtures.json("imagefolder-edge/expected.json")) as? [String: Any]
        for sample in expected?["samples"] as? [[String: Any]] ?? [] {
            guard let path = sample["path"] as? String, let target = sample["symlink_to"] as? String else { continue }
            try? fm.removeItem(atPath: copy + "/" + path)
            try? fm.createSymbolicLink(atPath: copy + "/" + path, withDestinationPath: target)
        }
        return copy
    }()

    static func expected() throws -> [String: Any] {
        try #require(try Fixtures.json("imagefolder-edge/expected.json") as? [String: Any])
    }

    @Test func fixtureListingAndOrder() throws {
        let expected = try Self.expected()
        let listing = try ImageFolderListing.scan(root: Self.fixtureRoot)
        #expect(listing.classNames == expected["classes"] as? [String])
        let classToIndex = try #require(expected["class_to_idx"] as? [String: Int])
        for (name, index) in classToIndex { #expect(listing.classNames[index] == name) }
        let samples = try #require(expected["samples"] as? [[String: Any]])
        #expect(listing.files.map(\.relativePath) == samples.map { $0["path"] as! String })
        #expect(listing.files.map(\.label) == samples.map { $0["class_index"] as! Int })
        let perClass = try #require(expected["num_samples_per_class"] as? [String: Int])
        #expect(listing.fileCountPerClass == listing.classNames.map { perClass[$0] ?? -1 })
        let ignoredPaths = Set(listing.ignored.map(\.relativePath))
        let loadedPaths = Set(listing.files.map(\.relativePath))
        for entry in try #require(expected["ignored"] as? [[String: Any]]) {
            let path = try #require(entry["path"] as? String)
            #expect(ignoredPaths.contains(path), "\(path) should be reported as ignored (\(entry["why"] ?? ""))")
            #expect(!loadedPaths.contains(path))
        }
    }

    /// Pixels of every sample by SHA-256 of its own decode; in the automatic (RGB) dataset the
    /// grayscale samples are replicated.
    @Test func fixtureLoadPixels() throws {
        let samples = try #require(try Self.expected()["samples"] as? [[String: Any]])
        let (dataset, report) = try ImageDataset.loadImageFolder(root: Self.fixtureRoot)
        #expect(dataset.count == samples.count)
        #expect(dataset.channels == 3)
        let perClass = try #require(try Self.expected()["num_samples_per_class"] as? [String: Int])
        let classes = try #require(try Self.expected()["classes"] as? [String])
        #expect(report.emptyClasses == classes.filter { perClass[$0] == 0 })
        #expect(report.replicatedToRGB == samples.filter { $0["channels"] as? Int == 1 }.count)
        for (index, sample) in samples.enumerated() {
            let path = try #require(sample["path"] as? String)
            let native = try PNG.decode(path: Self.fixtureRoot + "/" + path)
            #expect(native.width == sample["width"] as? Int && native.height == sample["height"] as? Int)
            #expect(native.channels == sample["channels"] as? Int, "\(path)")
            #expect(SHA256.hexDigest(native.pixels) == sample["sha256"] as? String, "\(path)")
            let loaded = dataset.images[index]
            #expect(loaded == (native.channels == 1 ? ChannelPolicy.replicatedToRGB(native) : native), "\(path)")
            #expect(dataset.samples[index].relativePath == path)
            #expect(dataset.samples[index].label == sample["class_index"] as? Int)
        }
    }

    @Test func symlinksAreFollowedOrSkipped() throws {
        // Every sample the fixture declares a symlink: the link is kept and decodes as its target.
        let samples = try #require(try Self.expected()["samples"] as? [[String: Any]])
        for sample in samples {
            guard let path = sample["path"] as? String, let target = sample["symlink_to"] as? String else { continue }
            let link = Self.fixtureRoot + "/" + path
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
            let resolved = URL(fileURLWithPath: link).deletingLastPathComponent().appendingPathComponent(target).standardized.path
            #expect(try PNG.decode(path: link) == PNG.decode(path: resolved), "\(path)")
        }
        let (root, cleanup) = try Self.makeTree()
        defer { cleanup() }
        try FileManager.default.createSymbolicLink(atPath: root + "/a/4.png", withDestinationPath: "missing.png")
        try FileManager.default.createSymbolicLink(atPath: root + "/a/5.png", withDestinationPath: root + "/b")
        let listing = try ImageFolderListing.scan(root: root)
        #expect(listing.files.map(\.relativePath) == ["a/1.png", "a/2.png", "a/3.png"])
        #expect(Set(listing.ignored.map(\.relativePath)) == ["a/4.png", "a/5.png"])
    }

    /// The fixture's RGB samples (from `expected.json`, in listing order): the first stops a
    /// grayscale load, and each is converted by luma under `--channels 1`.
    @Test func grayscalePolicies() throws {
        let samples = try #require(try Self.expected()["samples"] as? [[String: Any]])
        let rgb = samples.enumerated().filter { $0.element["channels"] as? Int == 3 }
        let firstRGB = try #require(rgb.first?.element["path"] as? String, "the fixture needs an RGB sample")
        #expect {
            try ImageDataset.loadImageFolder(root: Self.fixtureRoot, options: ImageFolderOptions(channels: .grayscale))
        } throws: { error in
            guard case .rgbInGrayscaleDataset(let file) = error as? DatasetError else { return false }
            return file.hasSuffix(firstRGB) && "\(error)".contains("--channels 1")
        }
        let (gray, report) = try ImageDataset.loadImageFolder(
            root: Self.fixtureRoot, options: ImageFolderOptions(channels: .convertToGrayscale))
        #expect(gray.channels == 1 && gray.images.allSatisfy { $0.channels == 1 })
        #expect(report.convertedToGrayscale == rgb.count)
        for (index, sample) in rgb {
            let path = try #require(sample["path"] as? String)
            #expect(gray.images[index] == ChannelPolicy.luma(try PNG.decode(path: Self.fixtureRoot + "/" + path)), "\(path)")
        }
    }

    /// Pillow `convert("L")` values for pure colours.
    @Test func lumaMatchesITU601() {
        let rgb = DecodedImage(width: 5, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 10, 20, 30])
        #expect(ChannelPolicy.luma(rgb).pixels == [76, 150, 29, 255, 18])
        #expect(ChannelPolicy.replicatedToRGB(DecodedImage(width: 2, height: 1, channels: 1, pixels: [7, 9])).pixels == [7, 7, 7, 9, 9, 9])
    }

    /// A temporary ImageFolder: `a/` with two images and one broken file, an empty `b/`.
    static func makeTree() throws -> (root: String, cleanup: () -> Void) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("imagefolder-\(UUID().uuidString)").path
        for folder in ["a", "b"] { try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true) }
        let image = DecodedImage(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        try PNG.write(image, to: root + "/a/1.png")
        try PNG.write(image, to: root + "/a/3.png")
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: root + "/a/2.png"))
        return (root, { try? FileManager.default.removeItem(atPath: root) })
    }

    @Test func badImageStopsOrIsSkipped() throws {
        let (root, cleanup) = try Self.makeTree()
        defer { cleanup() }
        #expect {
            try ImageDataset.loadImageFolder(root: root)
        } throws: { error in
            guard case .badImage(.notPNG(let file)) = error as? DatasetError else { return false }
            return file == root + "/a/2.png" && "\(error)".contains("--skip-bad-images")
        }
        let (dataset, report) = try ImageDataset.loadImageFolder(root: root, options: ImageFolderOptions(skipBadImages: true))
        #expect(dataset.samples.map(\.relativePath) == ["a/1.png", "a/3.png"])
        #expect(report.skipped.map(\.file) == [root + "/a/2.png"])
        #expect(dataset.classNames == ["a", "b"] && report.emptyClasses == ["b"])
        #expect(dataset.sampleCountPerClass == [2, 0])
        #expect(report.warnings.count == 3)
    }

    @Test func progressReachesTotal() throws {
        let (root, cleanup) = try Self.makeTree()
        defer { cleanup() }
        let highest = Mutex(0)
        _ = try ImageDataset.loadImageFolder(root: root, options: ImageFolderOptions(skipBadImages: true)) { done, total in
            #expect(total == 3)
            highest.withLock { $0 = max($0, done) }
        }
        #expect(highest.withLock { $0 } == 3)
    }

    @Test func rootErrors() throws {
        #expect(throws: DatasetError.unreadable(path: "/nonexistent", reason: "No such file or directory")) {
            try ImageFolderListing.scan(root: "/nonexistent")
        }
        let file = Fixtures.url("png-edge/one_pixel_gray8.png").path
        #expect(throws: DatasetError.notADirectory(path: file)) { try ImageFolderListing.scan(root: file) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty + "/.hidden", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: DatasetError.noClasses(root: empty)) { try ImageFolderListing.scan(root: empty) }
        try FileManager.default.createDirectory(atPath: empty + "/only", withIntermediateDirectories: true)
        #expect(throws: DatasetError.noImages(root: empty)) { try ImageDataset.loadImageFolder(root: empty) }
    }
}
