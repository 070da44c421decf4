import ArgumentParser
import Foundation
import SimCLR
import Testing
@testable import SimCLRCLI

@Suite struct AugmentPreviewCommandTests {
    @Test func defaultsAndValidation() throws {
        let command = try SimCLRCommand.AugmentPreview.parse(["--out", "grid.png"])
        #expect(command.data == "datasets/fashion-mnist-mini/train" && command.count == 8 && command.seed == 0)
        #expect(throws: (any Error).self) { try SimCLRCommand.AugmentPreview.parse([]) }  // --out is required
        #expect {
            try SimCLRCommand.AugmentPreview.parse(["--out", "g.png", "--count", "0"])
        } throws: { error in
            SimCLRCommand.AugmentPreview.message(for: error) == "--count must be at least 1, got 0"
        }
    }

    /// End to end on a 3-image ImageFolder of 8×8 gray PNGs: 3 rows of 128-px cells (16× magnified).
    @Test func writesTheGridPNG() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("augment-preview-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/shirt", withIntermediateDirectories: true)
        for i in 0..<3 {
            let image = DecodedImage(width: 8, height: 8, channels: 1, pixels: (0..<64).map { UInt8(($0 * 4 + i * 50) % 256) })
            try PNG.write(image, to: root + "/shirt/\(i).png")
        }
        let out = root + "/grid.png"
        let command = try SimCLRCommand.AugmentPreview.parse(["--data", root, "--out", out, "--count", "5", "--preset", "gray28"])
        try command.run()
        let grid = try PNG.decode(path: out)
        #expect(grid.channels == 1 && grid.height == 3 * 128 + 4 * 4 && grid.width == 3 * 128 + 4 * 4)
    }
}
