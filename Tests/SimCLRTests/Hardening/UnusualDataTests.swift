import Foundation
import SimCLR
import Testing

/// Issue 19, family 3: legal but unusual data works or fails with one line.
@Suite struct UnusualDataTests {
    @Test func fileSystemNamesRoundTrip() {
        let raw: [UInt8] = Array("caf".utf8) + [0xE9, 0xFF] + Array(".png".utf8)
        let name = FileSystemName.decode(raw)
        #expect(FileSystemName.bytes(name) == raw)
        #expect(FileSystemName.decode(Array("été.png".utf8)) == "été.png")
        #expect(FileSystemName.bytes("été.png") == Array("été.png".utf8))
    }

    /// A class folder and a file whose names are not UTF-8 are listed, keep their label, and load.
    @Test func nonUTF8NamesKeepTheirClassAndLoad() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("non-utf8-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let image = DecodedImage(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        let folders: [[UInt8]] = [Array("a".utf8), Array("b".utf8) + [0xFF], Array("c".utf8)]
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for folder in folders {
            let path = root + "/" + FileSystemName.decode(folder)
            #expect(FileSystemName.withCString(path) { mkdir($0, 0o755) } == 0)
            let file = path + "/" + FileSystemName.decode([0xFE] + Array("x.png".utf8))
            let bytes = try PNG.encode(image)
            let fd = FileSystemName.withCString(file) { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
            #expect(fd >= 0)
            _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        let (dataset, _) = try ImageDataset.loadImageFolder(root: root)
        #expect(dataset.classNames.count == 3)
        #expect(dataset.labels == [0, 1, 2])
        #expect(dataset.classNames.map { FileSystemName.bytes($0) } == folders)
    }
}
