import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// Every entry of `pngsuite/expected.json` and `png-edge/expected.json` (fixtures README
/// sections 2–4): decoded pixels by SHA-256, the image before compositing where given, and
/// errors by kind, each naming the file.
@Suite struct PNGFixtureTests {
    static func entries(_ folder: String) throws -> [(name: String, entry: [String: Any])] {
        let root = try #require(try Fixtures.json("\(folder)/expected.json") as? [String: Any])
        let files = try #require(root["files"] as? [String: [String: Any]])
        return files.sorted { $0.key < $1.key }.map { (name: $0.key, entry: $0.value) }
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: Fixtures.url("\(folder)/\(name)")))
    }

    /// Checks `image` against a fixture's pixel fields (`width`, `height`, `channels`, `sha256`,
    /// `first16`, `num_bytes`); `width`/`height` are taken from `size` when the object lacks them.
    static func check(_ image: DecodedImage, _ expected: [String: Any], size: [String: Any], file: String) {
        #expect(image.width == size["width"] as? Int, "\(file) width")
        #expect(image.height == size["height"] as? Int, "\(file) height")
        #expect(image.channels == expected["channels"] as? Int, "\(file) channels")
        #expect(image.pixels.count == expected["num_bytes"] as? Int, "\(file) byte count")
        #expect(Array(image.pixels.prefix(16)) == (expected["first16"] as? [Int])?.map(UInt8.init), "\(file) first16")
        #expect(SHA256.hexDigest(image.pixels) == expected["sha256"] as? String, "\(file) sha256")
    }

    static func checkDecodes(_ folder: String, _ name: String, _ entry: [String: Any]) throws {
        let bytes = try bytes(folder, name)
        let image = try PNG.decode(bytes: bytes, name: name)
        check(image, entry, size: entry, file: name)
        if let withAlpha = entry["decoded_with_alpha"] as? [String: Any] {
            let raw = try PNG.decodeKeepingAlpha(bytes: bytes, name: name)
            check(raw, withAlpha, size: entry, file: "\(name) (with alpha)")
        }
    }

    @Test func pngSuite() throws {
        let entries = try Self.entries("pngsuite")
        let root = try #require(try Fixtures.json("pngsuite/expected.json") as? [String: Any])
        let count = try #require(root["count"] as? [String: Int])
        var valid = 0, invalid = 0
        for (name, entry) in entries {
            if entry["valid"] as? Bool == true {
                valid += 1
                do { try Self.checkDecodes("pngsuite", name, entry) } catch {
                    Issue.record("\(name) should decode: \(error)")
                }
            } else {
                invalid += 1
                let bytes = try Self.bytes("pngsuite", name)
                do {
                    let image = try PNG.decode(bytes: bytes, name: name)
                    Issue.record("\(name) (\(entry["reason"] ?? "")) decoded to \(image.width)x\(image.height)")
                } catch {
                    #expect(error.file == name && "\(error)".contains(name) && !error.reason.isEmpty)
                }
            }
        }
        #expect(valid > 0 && valid == count["valid"] && invalid == count["invalid"])
    }

    /// The fixture's `error_kind` for an error.
    static func kind(_ error: PNGError) -> String {
        switch error {
        case .empty: "empty"
        case .notPNG: "not_png"
        case .truncated: "truncated"
        case .crc: "crc"
        case .corrupt: "corrupt"
        case .sizeLimit: "size_limit"
        case .unreadable, .outOfMemory, .cannotWrite: "other"
        }
    }

    @Test func pngEdge() throws {
        let entries = try Self.entries("png-edge")
        #expect(!entries.isEmpty)
        for (name, entry) in entries {
            let bytes = try Self.bytes("png-edge", name)
            #expect(bytes.count == entry["file_size"] as? Int, "\(name): damaged checkout?")
            #expect(SHA256.hexDigest(bytes) == entry["file_sha256"] as? String, "\(name): damaged checkout?")
            switch entry["expect"] as? String {
            case "decode":
                do { try Self.checkDecodes("png-edge", name, entry) } catch {
                    Issue.record("\(name) should decode: \(error)")
                }
            case "error":
                let kind = try #require(entry["error_kind"] as? String, "\(name) has no error_kind")
                do {
                    _ = try PNG.decode(bytes: bytes, name: name)
                    Issue.record("\(name) should fail with \(kind)")
                } catch {
                    #expect(Self.kind(error) == kind, "\(name): expected \(kind), got \(error)")
                    #expect("\(error)".hasPrefix(name + ": "))
                }
            default:
                Issue.record("\(name): unknown expect \(entry["expect"] ?? "nil")")
            }
        }
    }

    /// The decompression bomb is refused from its first 33 bytes (signature + IHDR), so no
    /// pixel memory or IDAT data can be involved.
    @Test func bombRefusedFromHeaderAlone() throws {
        let bytes = try Self.bytes("png-edge", "bomb_100000x100000_rgb8.png")
        for prefix in [Array(bytes.prefix(33)), bytes] {
            #expect {
                try PNG.decode(bytes: prefix, name: "bomb.png")
            } throws: { error in
                guard case .sizeLimit(let file, let reason) = error as? PNGError else { return false }
                return file == "bomb.png" && reason.contains("100000x100000")
            }
        }
        let prefix = Array(bytes.prefix(33))
        let peak = System.peakResidentBytes
        for _ in 0..<1000 { _ = try? PNG.decode(bytes: prefix, name: "bomb.png") }
        #expect(System.peakResidentBytes - peak < 64 << 20)
    }

    /// The limit is configurable and compares `width · height` (17×13 = 221 pixels).
    @Test func limitIsConfigurable() throws {
        let bytes = try Self.bytes("png-edge", "rgb8_adam7.png")
        #expect(throws: PNGError.self) { try PNG.decode(bytes: bytes, name: "a", maximumPixels: 220) }
        #expect(try PNG.decode(bytes: bytes, name: "a", maximumPixels: 221).width == 17)
    }
}
