import ArgumentParser
import SimCLR
import Testing
@testable import SimCLRCLI

@Suite struct AugmentationOptionsTests {
    @Test func presetThenOverrides() throws {
        let options = try AugmentationOptions.parse([
            "--preset", "cifar", "--jitter-strength", "1", "--hue", "0.05", "--crop-scale", "0.3,0.9",
            "--view-size", "24x20", "--normalize-mean", "0.5", "--blur-sigma", "0.2, 1.5",
        ])
        let config = try options.config()
        #expect(config.colorJitter.brightness == 0.8 && config.colorJitter.hue == 0.05)
        #expect(config.crop.scale == 0.3...0.9 && config.blur.sigma == 0.2...1.5)
        #expect(config.outputSize == .init(height: 24, width: 20))
        #expect(config.normalization.mean == [0.5] && config.normalization.std == Normalization.cifar10.std)
    }

    @Test func defaultIsTheFashionMNISTPreset() throws {
        #expect(try AugmentationOptions.parse([]).config() == AugmentationConfig.preset(named: "fashion-mnist"))
    }

    @Test func rejectsMalformedValues() throws {
        #expect(throws: (any Error).self) { try AugmentationOptions.parse(["--crop-scale", "0.9,0.2"]) }
        #expect(throws: (any Error).self) { try AugmentationOptions.parse(["--view-size", "0x4"]) }
        #expect(throws: AugmentationError.self) { try AugmentationOptions.parse(["--preset", "nope"]).config() }
        #expect(throws: ValidationError.self) { try AugmentationOptions.parse(["--normalize-std", "0.3,x"]).config() }
    }
}
