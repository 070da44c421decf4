import Foundation
@testable import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct VerificationTests {
    @Test func needsBothKindsOfPairs() {
        #expect(throws: VerificationError.needBothKinds(same: 2, different: 0)) {
            try VerificationMetrics.compute(scores: [0.1, 0.2], same: [true, true])
        }
    }

    @Test func cosineScoresOfPairs() {
        let e = Tensor(shape: [3, 2], data: [3, 0, 0, 2, 1, 1])
        let scores = PairScores.cosine(e, first: [0, 0, 2], second: [1, 2, 2])
        #expect(abs(scores[0]) < 1e-12 && abs(scores[1] - 0.5.squareRoot()) < 1e-7 && abs(scores[2] - 1) < 1e-7)
    }

    /// The ROC picture: RGB, the requested size, the curve's colour present, written as a PNG
    /// that decodes back.
    @Test func rocCurvePlotWritesAPNG() throws {
        let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.6], same = [true, true, false, false, false, true]
        let metrics = try VerificationMetrics.compute(scores: scores, same: same)
        let image = ROCCurvePlot.image(points: VerificationMetrics.rocCurve(scores: scores, same: same), eer: metrics.eer, size: 100, margin: 10)
        #expect(image.width == 120 && image.height == 120 && image.channels == 3)
        #expect(stride(from: 0, to: image.pixels.count, by: 3).contains { image.pixels[$0] == 31 && image.pixels[$0 + 2] == 180 })
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("roc-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try PNG.write(image, to: path)
        #expect(try PNG.decode(path: path) == image)
    }
}

@Suite struct PairsFileTests {
    @Test func parsesTabsSpacesCommentsAndBlankLines() throws {
        let text = "# header\n\na/1.png b/2.png 1\r\nc d/x y.png\te.png\t0\n  f.png   g.png 0  \n"
        let pairs = try PairsFile.parse(text, path: "p.txt")
        #expect(pairs == [
            VerificationPair(first: "a/1.png", second: "b/2.png", same: true, line: 3),
            VerificationPair(first: "c d/x y.png", second: "e.png", same: false, line: 4),
            VerificationPair(first: "f.png", second: "g.png", same: false, line: 5),
        ])
        #expect(try PairsFile.parse(PairsFile.text(pairs, header: "x"), path: "p").map(\.same) == [true, false, false])
    }

    @Test func malformedLinesNameTheirNumber() {
        #expect(throws: PairsFileError.malformedLine(path: "p.txt", line: 2, text: "a.png b.png",
                                                     reason: "expected 3 fields (path A, path B, 1 or 0), found 2")) {
            try PairsFile.parse("a.png b.png 1\na.png b.png\n", path: "p.txt")
        }
        #expect(throws: PairsFileError.malformedLine(path: "p.txt", line: 1, text: "a b yes",
                                                     reason: "the third field must be 1 (same) or 0 (different), found 'yes'")) {
            try PairsFile.parse("a b yes\n", path: "p.txt")
        }
        #expect(throws: PairsFileError.empty(path: "p.txt")) { try PairsFile.parse("# nothing\n\n", path: "p.txt") }
    }

    static func listing(_ counts: [Int]) -> ImageFolderListing {
        let names = counts.indices.map { "c\($0)" }
        let files = counts.enumerated().flatMap { c, n in (0..<n).map { ImageFolderListing.File(relativePath: "c\(c)/\($0).png", label: c) } }
        return ImageFolderListing(root: "/r", classNames: names, files: files, ignored: [])
    }

    /// Balanced, seeded, no pair twice, same pairs within a class and different pairs across.
    @Test func makePairsIsBalancedSeededAndDistinct() throws {
        let listing = Self.listing([5, 1, 4, 0, 6])
        let pairs = try PairsFile.make(from: listing, count: 41, seed: 7)
        #expect(pairs.count == 41 && pairs.filter(\.same).count == 20)
        #expect(try PairsFile.make(from: listing, count: 41, seed: 7) == pairs)
        #expect(try PairsFile.make(from: listing, count: 41, seed: 8) != pairs)
        let keys = pairs.map { [$0.first, $0.second].sorted() }
        #expect(Set(keys).count == pairs.count)
        for pair in pairs {
            let classA = pair.first.split(separator: "/")[0], classB = pair.second.split(separator: "/")[0]
            #expect((classA == classB) == pair.same && pair.first != pair.second)
        }
        // Every possible same pair (10 + 6 + 15 = 31) when asked for all of them.
        #expect(try PairsFile.make(from: listing, count: 62, seed: 1).filter(\.same).count == 31)
        #expect(throws: PairsFileError.self) { try PairsFile.make(from: listing, count: 64, seed: 1) }
        #expect(throws: PairsFileError.self) { try PairsFile.make(from: Self.listing([1, 1]), count: 2, seed: 1) }
    }

    /// A missing image names its line, before anything is decoded.
    @Test func missingImageNamesItsLine() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try PNG.write(DecodedImage(width: 2, height: 2, channels: 1, pixels: [0, 1, 2, 3]), to: root.appendingPathComponent("a/1.png").path)
        let pairs = try PairsFile.parse("a/1.png a/1.png 1\na/1.png a/2.png 0\n", path: "p.txt")
        #expect(throws: PairsFileError.badImage(path: "p.txt", line: 2, image: "a/2.png", reason: "no such file under \(root.path)")) {
            try PairsFile.images(for: pairs, root: root.path, channels: 1, path: "p.txt")
        }
        let images = try PairsFile.images(for: Array(pairs.prefix(1)), root: root.path, channels: 3, path: "p.txt")
        #expect(images.dataset.count == 1 && images.dataset.channels == 3 && images.first == [0] && images.second == [0])
    }
}
