import SimCLR
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// RandomResizedCrop: the box sampler and the bilinear resize.
@Suite struct CropTests {
    /// PyTorch `F.interpolate(mode="bilinear", align_corners=False)` along one axis, written from
    /// its formula: source `(i + 0.5)·s − 0.5` clamped at 0, neighbours clamped to the edge.
    static func torchBilinear(_ input: [Float], inH: Int, inW: Int, outH: Int, outW: Int) -> [Float] {
        func taps(_ i: Int, _ inSize: Int, _ outSize: Int) -> (Int, Int, Float) {
            let src = max((Float(i) + 0.5) * Float(inSize) / Float(outSize) - 0.5, 0)
            let i0 = min(Int(src), inSize - 1)
            return (i0, min(i0 + 1, inSize - 1), src - Float(i0))
        }
        var out = [Float](repeating: 0, count: outH * outW)
        for y in 0..<outH {
            let (y0, y1, ly) = taps(y, inH, outH)
            for x in 0..<outW {
                let (x0, x1, lx) = taps(x, inW, outW)
                let top = (1 - lx) * input[y0 * inW + x0] + lx * input[y0 * inW + x1]
                let bottom = (1 - lx) * input[y1 * inW + x0] + lx * input[y1 * inW + x1]
                out[y * outW + x] = (1 - ly) * top + ly * bottom
            }
        }
        return out
    }

    static let image = DecodedImage(
        width: 9, height: 7, channels: 1,
        pixels: AugmentTestData.floats(63, seed: 8).map { UInt8($0 * 255) })

    @Test func fullCropToSameSizeIsIdentity() throws {
        var rng = SplitMix64(seed: 1)
        let config = AugmentTestData.plainConfig()
        let square = DecodedImage(width: 6, height: 6, channels: 3, pixels: (0..<108).map { UInt8($0 * 2) })
        let box = config.crop.sampleBox(height: 6, width: 6, using: &rng)
        #expect(box == .init(top: 0, left: 0, height: 6, width: 6))
        let pipeline = try AugmentationPipeline(config: config, channels: 3, outputHeight: 6, outputWidth: 6)
        let view = pipeline.renderView(square, parameters: .init(crop: box))
        #expect(view == square.pixels.map { Float($0) / 255 })
    }

    /// Scale 1 and ratio 1 on a square image is a plain resize; upsampling equals PyTorch bilinear.
    @Test(arguments: [(20, 20), (13, 29), (7, 9)])
    func fullCropUpsamplingEqualsTorchBilinear(outH: Int, outW: Int) throws {
        let config = AugmentTestData.plainConfig()
        let pipeline = try AugmentationPipeline(config: config, channels: 1, outputHeight: outH, outputWidth: outW)
        let image = Self.image
        let view = pipeline.renderView(image, parameters: .init(crop: .init(top: 0, left: 0, height: 7, width: 9)))
        let expected = Self.torchBilinear(image.pixels.map { Float($0) / 255 }, inH: 7, inW: 9, outH: outH, outW: outW)
        #expect(zip(view, expected).map { abs($0 - $1) }.max()! < 1e-5)
    }

    /// Downsampling by 2 uses the antialiased triangle filter: taps [1, 3, 3, 1] / 8, edge-renormalised.
    @Test func downsamplingByTwoIsAntialiased() throws {
        let row: [UInt8] = [0, 80, 160, 240, 40, 120, 200, 255]
        let image = DecodedImage(width: 8, height: 1, channels: 1, pixels: row)
        let pipeline = try AugmentationPipeline(config: AugmentTestData.plainConfig(), channels: 1, outputHeight: 1, outputWidth: 4)
        let view = pipeline.renderView(image, parameters: .init(crop: .init(top: 0, left: 0, height: 1, width: 8)))
        let x = row.map { Float($0) / 255 }
        let expected: [Float] = [
            (3 * x[0] + 3 * x[1] + x[2]) / 7,
            (x[1] + 3 * x[2] + 3 * x[3] + x[4]) / 8,
            (x[3] + 3 * x[4] + 3 * x[5] + x[6]) / 8,
            (x[5] + 3 * x[6] + 3 * x[7]) / 7,
        ]
        #expect(zip(view, expected).map { abs($0 - $1) }.max()! < 1e-6)
    }

    /// The crop reads the box only, and a flipped render is the unflipped render mirrored.
    @Test func cropReadsTheBoxAndFlipIsFusedExactly() throws {
        let pipeline = try AugmentationPipeline(config: AugmentTestData.plainConfig(), channels: 1, outputHeight: 5, outputWidth: 4)
        let box = RandomResizedCrop.Box(top: 2, left: 3, height: 5, width: 4)
        let view = pipeline.renderView(Self.image, parameters: .init(crop: box))
        for y in 0..<5 {
            for x in 0..<4 { #expect(view[y * 4 + x] == Float(Self.image.pixels[(2 + y) * 9 + 3 + x]) / 255) }
        }
        let bigger = try AugmentationPipeline(config: AugmentTestData.plainConfig(), channels: 1, outputHeight: 11, outputWidth: 10)
        var mirrored = bigger.renderView(Self.image, parameters: .init(crop: box))
        mirrored.withUnsafeMutableBufferPointer { RandomHorizontalFlip.apply(to: $0, height: 11, width: 10, channels: 1) }
        #expect(bigger.renderView(Self.image, parameters: .init(crop: box, flipped: true)) == mirrored)
    }

    /// torchvision's fallback: no attempt fits a 10×100 image at scale 1, so the centre crop with
    /// the ratio clamped to 4/3 is used: h = 10, w = round(13.33) = 13, left = (100 − 13) / 2.
    @Test func centreCropFallbackAfterTenAttempts() {
        var rng = SplitMix64(seed: 3)
        let crop = RandomResizedCrop(scale: 1...1)
        #expect(crop.sampleBox(height: 10, width: 100, using: &rng) == .init(top: 0, left: 43, height: 10, width: 13))
        #expect(crop.sampleBox(height: 100, width: 10, using: &rng) == .init(top: 43, left: 0, height: 13, width: 10))
        #expect(crop.centreFallback(height: 30, width: 35) == .init(top: 0, left: 0, height: 30, width: 35))
    }

    /// Boxes always fit and sizes follow the rounding formula within the image.
    @Test func sampledBoxesFitTheImage() {
        var rng = SplitMix64(seed: 4)
        let crop = RandomResizedCrop(scale: 0.08...1)
        for _ in 0..<2000 {
            let b = crop.sampleBox(height: 28, width: 28, using: &rng)
            #expect(b.top >= 0 && b.left >= 0 && b.height >= 1 && b.width >= 1 && b.top + b.height <= 28 && b.left + b.width <= 28)
        }
    }
}
