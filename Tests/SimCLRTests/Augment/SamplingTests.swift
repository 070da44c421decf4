import SimCLR
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The sampled parameters follow their distributions (fixed seeds; bounds of 5 standard errors).
@Suite struct SamplingTests {
    static let draws = 20_000

    static func expectMean(_ xs: [Double], _ mean: Double, std: Double, _ what: String) {
        let m = xs.reduce(0, +) / Double(xs.count)
        let bound = 5 * std / Double(xs.count).squareRoot()
        #expect(abs(m - mean) < bound, "\(what): mean \(m), expected \(mean) ± \(bound)")
    }

    /// Area fraction ~ U(0.08, 0.5) and log ratio ~ U(log 3/4, log 4/3) when every first attempt fits
    /// (on 1000×1000 rounding moves the area by < 0.3%); positions uniform.
    @Test func cropAreaRatioAndPosition() {
        var rng = SplitMix64(seed: 21)
        let crop = RandomResizedCrop(scale: 0.08...0.5)
        var areas: [Double] = [], logRatios: [Double] = [], tops: [Double] = []
        for _ in 0..<Self.draws {
            let b = crop.sampleBox(height: 1000, width: 1000, using: &rng)
            areas.append(Double(b.height * b.width) / 1e6)
            logRatios.append(log(Double(b.width) / Double(b.height)))
            tops.append((Double(b.top) + 0.5) / Double(1000 - b.height + 1))
        }
        Self.expectMean(areas, 0.29, std: 0.42 / 12.0.squareRoot(), "area fraction")
        #expect(areas.min()! > 0.079 && areas.max()! < 0.501)
        let logSpan = log(4.0 / 3) - log(0.75)
        Self.expectMean(logRatios, 0, std: logSpan / 12.0.squareRoot(), "log ratio")
        #expect(logRatios.min()! > log(0.75) - 0.01 && logRatios.max()! < log(4.0 / 3) + 0.01)
        Self.expectMean(tops, 0.5, std: 1 / 12.0.squareRoot(), "relative top")
    }

    @Test func probabilitiesOfFlipJitterGrayscaleAndBlur() throws {
        let config = AugmentationConfig.Preset.simclr.config
        let pipeline = try AugmentationPipeline(config: config, channels: 3, outputHeight: 96, outputWidth: 96)
        var rng = SplitMix64(seed: 22)
        var flips: [Double] = [], jitters: [Double] = [], grays: [Double] = [], blurs: [Double] = []
        var brightness: [Double] = [], hues: [Double] = [], sigmas: [Double] = []
        var orders: [SIMD4<UInt8>: Int] = [:]
        for _ in 0..<Self.draws {
            let p = pipeline.sampleParameters(sourceHeight: 96, sourceWidth: 96, using: &rng)
            flips.append(p.flipped ? 1 : 0)
            jitters.append(p.colorJitter == nil ? 0 : 1)
            grays.append(p.grayscale ? 1 : 0)
            blurs.append(p.blurSigma == nil ? 0 : 1)
            if let j = p.colorJitter {
                brightness.append(Double(j.brightness!))
                hues.append(Double(j.hue!))
                orders[j.order, default: 0] += 1
            }
            if let s = p.blurSigma { sigmas.append(s) }
        }
        func bernoulli(_ xs: [Double], _ p: Double, _ what: String) { Self.expectMean(xs, p, std: (p * (1 - p)).squareRoot(), what) }
        bernoulli(flips, 0.5, "flip")
        bernoulli(jitters, 0.8, "jitter")
        bernoulli(grays, 0.2, "grayscale")
        bernoulli(blurs, 0.5, "blur")
        // Strength 1: brightness U(0.2, 1.8), hue U(−0.2, 0.2); σ U(0.1, 2).
        Self.expectMean(brightness, 1, std: 1.6 / 12.0.squareRoot(), "brightness")
        #expect(brightness.min()! >= 0.2 && brightness.max()! <= 1.8)
        Self.expectMean(hues, 0, std: 0.4 / 12.0.squareRoot(), "hue")
        #expect(hues.allSatisfy { abs($0) <= 0.2 })
        Self.expectMean(sigmas, 1.05, std: 1.9 / 12.0.squareRoot(), "sigma")
        #expect(sigmas.min()! >= 0.1 && sigmas.max()! <= 2)
        // All 24 orders, each near 1/24 of the jittered views.
        #expect(orders.count == 24)
        let expected = Double(jitters.reduce(0, +)) / 24
        for (order, n) in orders {
            #expect(Set([order[0], order[1], order[2], order[3]]) == [0, 1, 2, 3])
            #expect(abs(Double(n) - expected) < 5 * expected.squareRoot(), "order \(order): \(n) vs \(expected)")
        }
    }

    @Test func presetsWithoutBlurNeverDrawIt() throws {
        let pipeline = try AugmentationPipeline(config: .preset(named: "fashion-mnist"), channels: 1, outputHeight: 28, outputWidth: 28)
        #expect(pipeline.blurKernelSize == nil)
        var rng = SplitMix64(seed: 23)
        for _ in 0..<500 { #expect(pipeline.sampleParameters(sourceHeight: 28, sourceWidth: 28, using: &rng).blurSigma == nil) }
    }
}
