import Foundation
import SimCLR
import Testing

/// Issue 19, family 1: sizes from flags and file headers are checked with overflow-safe
/// arithmetic against a stated limit before anything is allocated (`MemoryBudget`).
@Suite struct SizeLimitTests {
    @Test func productReportsOverflowAndNegativeFactors() {
        #expect(MemoryBudget.product([3, 4, 5]) == 60)
        #expect(MemoryBudget.product([Int.max, 2]) == nil)
        #expect(MemoryBudget.product([1 << 62, 1 << 62, 0]) == nil)  // overflows before the 0
        #expect(MemoryBudget.product([-1, 5]) == nil)
        #expect(!MemoryBudget.fits([100_000, 100_000, 100_000], bytesPerElement: 4))
        #expect(MemoryBudget.fits([28, 28], bytesPerElement: 4, limit: 4 * 784))
    }

    /// A safetensors header whose shape overflows Int, or whose byte ranges overlap, is refused.
    @Test func safetensorsShapesAndRangesAreChecked() throws {
        func file(_ header: String, dataBytes: Int) -> [UInt8] {
            var json = Array(header.utf8)
            while json.count % 8 != 0 { json.append(0x20) }
            let length = UInt64(json.count)
            return (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) } + json + [UInt8](repeating: 0, count: dataBytes)
        }
        let huge = file(#"{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904,4],"data_offsets":[0,16]}}"#, dataBytes: 16)
        #expect(throws: SafetensorsError.self) { try SafetensorsFile.parse(huge, path: "huge.safetensors") }
        let overlap = file(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            dataBytes: 12)
        #expect {
            try SafetensorsFile.parse(overlap, path: "overlap.safetensors")
        } throws: { "\($0)".contains("overlap") && "\($0)".contains("overlap.safetensors") }
        let reversed = file(#"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}"#, dataBytes: 8)
        #expect(throws: SafetensorsError.self) { try SafetensorsFile.parse(reversed, path: "reversed.safetensors") }
    }

    /// IDX sizes are checked before the data is read: a header claiming 2^96 bytes, or more
    /// than the limit, is refused at once, also from a small gzip that would inflate to gigabytes.
    @Test func idxHeadersAreCheckedBeforeReading() throws {
        let header: [UInt8] = [0, 0, 8, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        #expect {
            try IDXArray.parse(header, file: "huge-idx", expectedDimensions: 3)
        } throws: { error in
            guard case .tooLarge(let file, _, _) = error as? IDXError else { return false }
            return file == "huge-idx"
        }
        // 1000 × 1000 × 1000 bytes claimed, limit 1 MB: refused after reading 16 bytes.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bomb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let claim: [UInt8] = [0, 0, 8, 3, 0, 0, 0x03, 0xE8, 0, 0, 0x03, 0xE8, 0, 0, 0x03, 0xE8]
        try Data(claim + [UInt8](repeating: 0, count: 4096)).write(to: URL(fileURLWithPath: path))
        #expect(throws: IDXError.tooLarge(file: path, dimensions: [1000, 1000, 1000], limitBytes: 1 << 20)) {
            try IDXArray.read(path: path, expectedDimensions: 3, limitBytes: 1 << 20)
        }
    }

    /// encoder.json widths that would need more memory than the machine are refused by the
    /// configuration check, before any weight is allocated.
    @Test func modelSizesAreBounded() {
        #expect(throws: ModelError.self) {
            try ResNetMiniConfiguration(widths: [100_000, 100_000, 100_000], inputChannels: 1, imageSize: 28, projectionDim: 128).validate()
        }
        #expect(throws: ModelError.self) {
            try ResNetMiniConfiguration(widths: [Int.max, 1, 1], inputChannels: 1, imageSize: 28, projectionDim: 128).validate()
        }
        #expect(throws: Never.self) { try ResNetMiniConfiguration().validate() }
    }

    /// View sizes beyond the PNG pixel limit are refused, naming the flag.
    @Test func viewSizeIsBoundedAndNamedByFlag() {
        var config = AugmentationConfig(normalization: Normalization(mean: [0.5], std: [0.25]))
        config.outputSize = .init(height: 100_000, width: 100_000)
        #expect {
            try config.validate(channels: 1)
        } throws: { "\($0)".hasPrefix("--view-size 100000x100000") }
    }

    /// Extreme crop ratios (0.001, 1e6, 1e-45, 1e300) give crops inside the image, at least a
    /// pixel each way, instead of trapping.
    @Test(arguments: [0.001, 1e6, 1e-45, 1e300])
    func extremeCropRatiosStayInsideTheImage(ratio: Double) {
        let crop = RandomResizedCrop(scale: 0.2...1.0, ratio: ratio...ratio)
        var rng = SplitMix64(seed: 1)
        for _ in 0..<50 {
            let box = crop.sampleBox(height: 28, width: 28, using: &rng)
            #expect(box.height >= 1 && box.width >= 1 && box.top >= 0 && box.left >= 0)
            #expect(box.top + box.height <= 28 && box.left + box.width <= 28)
        }
    }
}
