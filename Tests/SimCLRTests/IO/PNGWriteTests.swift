import Foundation
import SimCLR
import Testing

@Suite struct PNGWriteTests {
    static func randomImage(width: Int, height: Int, channels: Int, seed: UInt64) -> DecodedImage {
        var rng = SplitMix64(seed: seed)
        let pixels = (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    @Test(arguments: [(1, 28, 28), (3, 7, 5), (1, 1, 1), (3, 33, 2)])
    func encodeDecodeRoundTrip(channels: Int, width: Int, height: Int) throws {
        let image = Self.randomImage(width: width, height: height, channels: channels, seed: UInt64(width))
        for level in [0, 6, 9] {
            let bytes = try PNG.encode(image, compressionLevel: level)
            #expect(try PNG.decode(bytes: bytes, name: "x") == image)
        }
    }

    @Test func writeThenReadFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("png-write-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("a.png").path
        let image = Self.randomImage(width: 9, height: 4, channels: 3, seed: 1)
        try PNG.write(image, to: path)
        #expect(try PNG.decode(path: path) == image)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.png"])
    }

    @Test func unsupportedChannelsAreRefused() {
        let image = Self.randomImage(width: 2, height: 2, channels: 2, seed: 3)
        #expect {
            try PNG.encode(image, name: "ga.png")
        } throws: { error in
            guard case .cannotWrite(let file, _) = error as? PNGError else { return false }
            return file == "ga.png"
        }
    }

    @Test func missingFileAndFolderAreUnreadable() {
        for path in ["/nonexistent/x.png", FileManager.default.temporaryDirectory.path] {
            #expect {
                try PNG.decode(path: path)
            } throws: { error in
                guard case .unreadable(let file, let reason) = error as? PNGError else { return false }
                return file == path && !reason.isEmpty
            }
        }
    }
}
