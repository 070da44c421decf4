import Foundation
import SimCLR
import Testing

@Suite struct DatasetInspectionTests {
    /// Duplicates (same pixels, different files/classes), a bad file, an ignored file, one PNG.
    @Test func reportsDuplicatesRejectedAndIgnored() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["a", "b"] { try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true) }
        let image = DecodedImage(width: 3, height: 2, channels: 3, pixels: Array(0..<18))
        let other = DecodedImage(width: 3, height: 2, channels: 1, pixels: Array(0..<6))
        try PNG.write(image, to: root + "/a/1.png")
        try PNG.write(image, to: root + "/b/2.png", compressionLevel: 0)  // other bytes, same pixels
        try PNG.write(other, to: root + "/b/3.png")
        try Data([0]).write(to: URL(fileURLWithPath: root + "/b/4.png"))
        try Data().write(to: URL(fileURLWithPath: root + "/b/notes.txt"))

        let inspection = try DatasetInspection.inspect(path: root)
        #expect(inspection.classes.map(\.count) == [1, 2])
        #expect(inspection.samples.map(\.path) == ["a/1.png", "b/2.png", "b/3.png"])
        #expect(inspection.samples[0].sha256 == SHA256.hexDigest(image.pixels))
        #expect(inspection.samples.map(\.classIndex) == [0, 1, 1])
        #expect(inspection.duplicateGroups == [["a/1.png", "b/2.png"]])
        #expect(inspection.rejected.map(\.path) == ["b/4.png"])
        #expect(inspection.ignored.map(\.relativePath) == ["b/notes.txt"])
        #expect(inspection.sizeHistogram.map(\.size) == ["3x2x3", "3x2x1"])
        #expect(inspection.summary.contains("mixed grayscale and RGB"))

        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(inspection)) as? [String: Any]
        let first = try #require((json?["samples"] as? [[String: Any]])?.first)
        #expect(first["class_index"] as? Int == 0 && first["sha256"] as? String == SHA256.hexDigest(image.pixels))
        #expect((json?["duplicate_groups"] as? [[String]])?.count == 1)

        let single = try DatasetInspection.inspect(path: root + "/b/3.png")
        #expect(single.samples.map(\.path) == ["3.png"] && single.samples[0].classIndex == nil && single.classes.isEmpty)
    }
}
