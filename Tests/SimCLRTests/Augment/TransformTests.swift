import SimCLR
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Known answers for each transform.
@Suite struct TransformTests {
    @Test func flipTwiceIsIdentityAndFlipMirrors() {
        let h = 3, w = 5, c = 3
        let original = AugmentTestData.floats(h * w * c, seed: 1)
        var x = original
        x.withUnsafeMutableBufferPointer { RandomHorizontalFlip.apply(to: $0, height: h, width: w, channels: c) }
        #expect(x != original)
        for y in 0..<h {
            for col in 0..<w {
                for k in 0..<c { #expect(x[(y * w + col) * c + k] == original[(y * w + (w - 1 - col)) * c + k]) }
            }
        }
        x.withUnsafeMutableBufferPointer { RandomHorizontalFlip.apply(to: $0, height: h, width: w, channels: c) }
        #expect(x == original)
    }

    @Test func brightnessContrastSaturationOfOneAreIdentity() {
        let original = AugmentTestData.floats(16 * 3, seed: 2)
        var x = original
        x.withUnsafeMutableBufferPointer { p in
            ColorJitter.adjustBrightness(p.baseAddress!, count: 48, factor: 1)
            ColorJitter.adjustContrast(p.baseAddress!, pixelCount: 16, channels: 3, factor: 1)
            ColorJitter.adjustSaturation(p.baseAddress!, pixelCount: 16, channels: 3, factor: 1)
        }
        #expect(x == original)
    }

    @Test func brightnessScalesAndClamps() {
        var x: [Float] = [0, 0.25, 0.5, 0.9]
        x.withUnsafeMutableBufferPointer { ColorJitter.adjustBrightness($0.baseAddress!, count: 4, factor: 1.5) }
        #expect(x == [0, 0.375, 0.75, 1])
    }

    /// Contrast 0 gives the mean luma everywhere (torchvision blends with the grayscale mean).
    @Test func contrastZeroGivesMeanLuma() {
        var x: [Float] = [1, 0, 0, 0, 1, 0]  // a red and a green pixel
        x.withUnsafeMutableBufferPointer { ColorJitter.adjustContrast($0.baseAddress!, pixelCount: 2, channels: 3, factor: 0) }
        let mean: Float = (0.299 + 0.587) / 2
        for v in x { #expect(abs(v - mean) < 1e-6) }
        var g: [Float] = [0.2, 0.4, 0.9]
        g.withUnsafeMutableBufferPointer { ColorJitter.adjustContrast($0.baseAddress!, pixelCount: 3, channels: 1, factor: 0.5) }
        #expect(zip(g, [0.35, 0.45, 0.7] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func saturationZeroIsGrayscale() {
        let original = AugmentTestData.floats(10 * 3, seed: 3)
        var a = original, b = original
        a.withUnsafeMutableBufferPointer { ColorJitter.adjustSaturation($0.baseAddress!, pixelCount: 10, channels: 3, factor: 0) }
        b.withUnsafeMutableBufferPointer { RandomGrayscale.apply(to: $0.baseAddress!, pixelCount: 10, channels: 3) }
        #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func lumaCoefficientsAreBT601() {
        var x: [Float] = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]
        x.withUnsafeMutableBufferPointer { RandomGrayscale.apply(to: $0.baseAddress!, pixelCount: 4, channels: 3) }
        #expect(Array(x[0..<9]) == [0.299, 0.299, 0.299, 0.587, 0.587, 0.587, 0.114, 0.114, 0.114])
        #expect(x[9...].allSatisfy { abs($0 - 1) < 1e-6 })
    }

    @Test func hueHalfTwiceIsIdentityOnInGamutColours() {
        let original = AugmentTestData.floats(200 * 3, seed: 4)
        var x = original
        x.withUnsafeMutableBufferPointer { p in
            ColorJitter.adjustHue(p.baseAddress!, pixelCount: 200, channels: 3, shift: 0.5)
            ColorJitter.adjustHue(p.baseAddress!, pixelCount: 200, channels: 3, shift: 0.5)
        }
        let worst = zip(x, original).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-5, "max difference \(worst)")
        var once = original
        once.withUnsafeMutableBufferPointer { ColorJitter.adjustHue($0.baseAddress!, pixelCount: 200, channels: 3, shift: 0.5) }
        #expect(zip(once, original).map { abs($0 - $1) }.max()! > 0.1)
    }

    @Test func hueRotatesPrimariesByThirds() {
        var x: [Float] = [1, 0, 0, 0, 0.5, 0]
        x.withUnsafeMutableBufferPointer { ColorJitter.adjustHue($0.baseAddress!, pixelCount: 2, channels: 3, shift: 1.0 / 3) }
        #expect(zip(x, [0, 1, 0, 0, 0, 0.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    /// torchvision's `adjust_hue` on one pixel, ported line by line (`_rgb2hsv`, `_hsv2rgb` six-sector table).
    static func torchvisionHue(_ r: Float, _ g: Float, _ b: Float, _ shift: Float) -> [Float] {
        let maxc = max(r, g, b), minc = min(r, g, b), eqc = maxc == minc
        let cr = maxc - minc
        let s = cr / (eqc ? 1 : maxc)
        let divisor = eqc ? 1 : cr
        let rc = (maxc - r) / divisor, gc = (maxc - g) / divisor, bc = (maxc - b) / divisor
        let hr: Float = maxc == r ? bc - gc : 0
        let hg: Float = maxc == g && maxc != r ? 2 + rc - bc : 0
        let hb: Float = maxc != g && maxc != r ? 4 + gc - rc : 0
        var h = fmodf((hr + hg + hb) / 6 + 1, 1)
        h = h + shift
        h -= floorf(h)
        let i = floorf(h * 6), f = h * 6 - i
        let p = min(max(maxc * (1 - s), 0), 1), q = min(max(maxc * (1 - s * f), 0), 1), t = min(max(maxc * (1 - s * (1 - f)), 0), 1)
        let v = maxc
        switch Int(i) % 6 {
        case 0: return [v, t, p]
        case 1: return [q, v, p]
        case 2: return [p, v, t]
        case 3: return [p, q, v]
        case 4: return [t, p, v]
        default: return [v, p, q]
        }
    }

    @Test(arguments: [Float(-0.5), -0.2, 0.01, 0.25, 0.5])
    func hueMatchesTorchvisionSectorTable(shift: Float) {
        let original = AugmentTestData.floats(500 * 3, seed: 6) + [1, 1, 0, 0, 1, 1, 0.5, 0.5, 0.2]
        var x = original
        let count = original.count / 3
        x.withUnsafeMutableBufferPointer { ColorJitter.adjustHue($0.baseAddress!, pixelCount: count, channels: 3, shift: shift) }
        var worst: Float = 0
        for i in 0..<count {
            let expected = Self.torchvisionHue(original[3 * i], original[3 * i + 1], original[3 * i + 2], shift)
            for k in 0..<3 { worst = max(worst, abs(x[3 * i + k] - expected[k])) }
        }
        #expect(worst < 2e-6, "max difference \(worst)")
    }

    @Test(arguments: [Float(-0.5), -0.13, 0.07, 0.5])
    func constantGrayIsUnchangedByHue(shift: Float) {
        let original = [Float](repeating: 0.37, count: 12) + [0, 0, 0, 1, 1, 1]
        var x = original
        x.withUnsafeMutableBufferPointer { ColorJitter.adjustHue($0.baseAddress!, pixelCount: 6, channels: 3, shift: shift) }
        #expect(x == original)
    }

    @Test func saturationHueAndGrayscaleAreIdentityOnOneChannel() {
        let original = AugmentTestData.floats(20, seed: 5)
        var x = original
        x.withUnsafeMutableBufferPointer { p in
            ColorJitter.adjustSaturation(p.baseAddress!, pixelCount: 20, channels: 1, factor: 0.2)
            ColorJitter.adjustHue(p.baseAddress!, pixelCount: 20, channels: 1, shift: 0.3)
            RandomGrayscale.apply(to: p.baseAddress!, pixelCount: 20, channels: 1)
        }
        #expect(x == original)
    }

    @Test func jitterAppliesOpsInTheDrawnOrder() {
        // brightness 2 then contrast 0 -> mean of clamped values; contrast 0 then brightness 2 -> 2·mean.
        let original: [Float] = [0.1, 0.3, 0.8]
        func run(_ order: SIMD4<UInt8>) -> [Float] {
            var x = original
            let p = ColorJitter.Parameters(order: order, brightness: 2, contrast: 0)
            x.withUnsafeMutableBufferPointer { ColorJitter.apply(p, to: $0.baseAddress!, pixelCount: 3, channels: 1) }
            return x
        }
        let brightnessFirst = run([0, 1, 2, 3]), contrastFirst = run([1, 0, 3, 2])
        #expect(brightnessFirst.allSatisfy { abs($0 - Float(0.2 + 0.6 + 1.0) / 3) < 1e-6 })
        #expect(contrastFirst.allSatisfy { abs($0 - 2 * Float(0.4) / 1) < 1e-6 })
    }

    @Test func gaussianKernelSizeAndShape() {
        let blur = GaussianBlur()
        #expect(blur.kernelSize(height: 224, width: 224) == 23)
        #expect(blur.kernelSize(height: 64, width: 96) == 7)
        #expect(blur.kernelSize(height: 32, width: 32) == nil)
        #expect(GaussianBlur(probability: 0).kernelSize(height: 224, width: 224) == nil)
        var k = [Float](repeating: 0, count: 7)
        k.withUnsafeMutableBufferPointer { GaussianBlur.fillKernel($0.baseAddress!, size: 7, sigma: 1) }
        #expect(abs(k.reduce(0, +) - 1) < 1e-6)
        for i in 0..<3 { #expect(k[i] == k[6 - i] && k[i] < k[i + 1]) }
        // exp(-x²/2) ratios for σ = 1.
        #expect(abs(k[2] / k[3] - Float(0.60653066)) < 1e-5)
    }

    /// A blur keeps a constant image and, with reflect padding, a left–right linear ramp's interior.
    @Test func blurKeepsConstantsAndRamps() throws {
        let config = AugmentationConfig(
            crop: RandomResizedCrop(scale: 1...1, ratio: 1...1),
            horizontalFlip: RandomHorizontalFlip(probability: 0),
            colorJitter: ColorJitter(strength: 0, probability: 0),
            grayscale: RandomGrayscale(probability: 0),
            blur: GaussianBlur(probability: 1, minimumSide: 8),
            normalization: Normalization(mean: [0], std: [1]))
        let constant = DecodedImage(width: 16, height: 16, channels: 1, pixels: [UInt8](repeating: 100, count: 256))
        let pipeline = try AugmentationPipeline(config: config, channels: 1, outputHeight: 16, outputWidth: 16)
        #expect(pipeline.blurKernelSize == 3)
        let parameters = AugmentationPipeline.ViewParameters(crop: .init(top: 0, left: 0, height: 16, width: 16), blurSigma: 1.5)
        let view = pipeline.renderView(constant, parameters: parameters)
        #expect(view.allSatisfy { abs($0 - 100 / 255) < 1e-6 })
        let ramp = DecodedImage(width: 16, height: 16, channels: 1, pixels: (0..<256).map { UInt8(($0 % 16) * 10) })
        let blurred = pipeline.renderView(ramp, parameters: parameters)
        for y in 0..<16 {
            for x in 1..<15 { #expect(abs(blurred[y * 16 + x] - Float(x * 10) / 255) < 1e-5) }
        }
        #expect(blurred[0] > 0)  // reflect: the edge sees its neighbour on both sides
    }

    @Test func normalizationStandardises() throws {
        var config = AugmentTestData.plainConfig()
        config.normalization = Normalization(mean: [0.5, 0.25, 0], std: [0.5, 0.25, 2])
        let image = DecodedImage(width: 1, height: 1, channels: 3, pixels: [255, 0, 51])
        let pipeline = try AugmentationPipeline(config: config, channels: 3, outputHeight: 1, outputWidth: 1)
        let view = pipeline.renderView(image, parameters: .init(crop: .init(top: 0, left: 0, height: 1, width: 1)))
        #expect(zip(view, [1, -1, 0.1] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 })
    }
}
