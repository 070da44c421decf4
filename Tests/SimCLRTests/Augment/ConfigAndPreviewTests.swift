import Foundation
import SimCLR
import Testing

@Suite struct AugmentationConfigTests {
    @Test func presetsByNameAndAlias() throws {
        let fmnist = try AugmentationConfig.preset(named: "fashion-mnist")
        #expect(try AugmentationConfig.preset(named: "gray28") == fmnist)
        #expect(fmnist.crop.scale == 0.2...1.0 && fmnist.blur.probability == 0)
        #expect(fmnist.colorJitter == ColorJitter(brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1, probability: 0.8))
        #expect(fmnist.normalization == Normalization(mean: [0.2860], std: [0.3530]))
        let cifar = try AugmentationConfig.preset(named: "cifar")
        #expect(cifar.crop.scale == 0.08...1.0 && cifar.normalization.mean.count == 3)
        let simclr = try AugmentationConfig.preset(named: "simclr")
        #expect(simclr.colorJitter.brightness == 0.8 && simclr.colorJitter.hue == 0.2 && simclr.blur.probability == 0.5)
        #expect(throws: AugmentationError.unknownPreset(name: "mnist", known: AugmentationConfig.Preset.allNames)) {
            try AugmentationConfig.preset(named: "mnist")
        }
        #expect("\(AugmentationError.unknownPreset(name: "mnist", known: ["cifar"]))".contains("'mnist'"))
    }

    @Test func codableRoundTrip() throws {
        var config = try AugmentationConfig.preset(named: "simclr")
        config.outputSize = .init(height: 64, width: 48)
        config.crop.ratio = 0.5...2
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(AugmentationConfig.self, from: data) == config)
    }

    @Test func validationNamesTheBadField() throws {
        var config = try AugmentationConfig.preset(named: "cifar")
        config.colorJitter.hue = 0.7
        #expect(throws: AugmentationError.invalidParameter(name: "colorJitter.hue", value: "0.7", expected: "a value in [0, 0.5]")) {
            try config.validate(channels: 3)
        }
        let cifar = try AugmentationConfig.preset(named: "cifar")
        #expect(throws: AugmentationError.normalizationChannelMismatch(name: "mean", count: 3, channels: 1)) {
            try cifar.validate(channels: 1)
        }
        var zeroStd = cifar
        zeroStd.normalization.std = [0.2, 0, 0.2]
        #expect(throws: AugmentationError.self) { try zeroStd.validate(channels: 3) }
        try AugmentationConfig.preset(named: "fashion-mnist").validate(channels: 3)  // one value broadcasts
    }

    @Test func mixedImageSizesNeedAnOutputSize() throws {
        let a = DecodedImage(width: 4, height: 4, channels: 1, pixels: [UInt8](repeating: 0, count: 16))
        let b = DecodedImage(width: 5, height: 4, channels: 1, pixels: [UInt8](repeating: 0, count: 20))
        let dataset = ImageDataset(classNames: ["x"], samples: [.init(relativePath: "a.png", label: 0), .init(relativePath: "b.png", label: 0)], images: [a, b], channels: 1)
        var config = try AugmentationConfig.preset(named: "gray28")
        #expect(throws: AugmentationError.mixedImageSizes(first: "4x4", other: "5x4", path: "b.png")) {
            try AugmentationPipeline(config: config, dataset: dataset)
        }
        config.outputSize = .init(height: 6, width: 6)
        #expect(try AugmentationPipeline(config: config, dataset: dataset).viewElementCount == 36)
    }
}

@Suite struct AugmentationPreviewTests {
    @Test func gridLayoutOriginalsAndViews() throws {
        let dataset = AugmentTestData.dataset(count: 5, height: 6, width: 7, channels: 3)
        let config = try AugmentationConfig.preset(named: "cifar")
        let grid = try AugmentationPreview.grid(dataset: dataset, config: config, seed: 3, count: 3, scale: 2, gap: 1, background: 9)
        let cellH = 12, cellW = 14
        #expect(grid.height == 3 * cellH + 4 && grid.width == 3 * cellW + 4 && grid.channels == 3)
        let schedule = try ViewBatchSchedule(imageCount: 5, batchSize: 1, dropLast: false, seed: 3)
        let indices = Array(schedule.permutation(epoch: 0).prefix(3))
        let pipeline = try AugmentationPipeline(config: config, dataset: dataset)
        func pixel(_ y: Int, _ x: Int, _ k: Int) -> UInt8 { grid.pixels[(y * grid.width + x) * 3 + k] }
        for (row, index) in indices.enumerated() {
            let top = 1 + row * (cellH + 1)
            let image = dataset.images[index]
            for y in 0..<cellH {
                for x in 0..<cellW {
                    for k in 0..<3 { #expect(pixel(top + y, 1 + x, k) == image.pixels[((y / 2) * 7 + x / 2) * 3 + k]) }
                }
            }
            for view in 0..<2 {
                var rng = schedule.viewGenerator(epoch: 0, image: index, view: view)
                let parameters = pipeline.sampleParameters(sourceHeight: 6, sourceWidth: 7, using: &rng)
                let expected = pipeline.renderView(image, parameters: parameters, normalize: false)
                let left = 1 + (1 + view) * (cellW + 1)
                for y in 0..<cellH {
                    for x in 0..<cellW {
                        let v = expected[((y / 2) * 7 + x / 2) * 3]
                        #expect(pixel(top + y, left + x, 0) == UInt8((v * 255).rounded()))
                    }
                }
            }
            #expect(pixel(top - 1, 5, 0) == 9 && pixel(top + 3, cellW + 1, 2) == 9)  // gaps
        }
    }

    @Test func automaticScaleMagnifiesSmallImages() throws {
        let dataset = AugmentTestData.dataset(count: 2, height: 28, width: 28, channels: 1)
        let grid = try AugmentationPreview.grid(dataset: dataset, config: .preset(named: "gray28"), seed: 1, count: 8)
        #expect(grid.height == 2 * 112 + 3 * 4 && grid.width == 3 * 112 + 4 * 4 && grid.channels == 1)
    }
}
