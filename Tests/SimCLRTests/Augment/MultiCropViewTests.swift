import SimCLR
import Testing

/// Multi-crop's small views: layout, their own random streams and recipe, the full-size views
/// left exactly as without them, and resume.
@Suite(.serialized) struct MultiCropViewTests {
    static let dataset = ViewBatchTests.dataset
    static let multiCrop = MultiCropConfig(count: 3, size: 8, scale: 0.1...0.5)

    @Test func smallViewsFollowTheirLayoutStreamsAndRecipe() throws {
        let config = try ViewBatchTests.config()
        let loader = try ViewBatchLoader(
            dataset: Self.dataset, config: config, batchSize: 5, seed: 12, epochs: 1, multiCrop: Self.multiCrop)
        let plain = try ViewBatchLoader(dataset: Self.dataset, config: config, batchSize: 5, seed: 12, epochs: 1)
        let small = try #require(loader.smallViewPipeline)
        #expect(small.outputHeight == 8 && small.outputWidth == 8 && small.config.crop.scale == 0.1...0.5)
        #expect(small.config.colorJitter == config.colorJitter && small.config.normalization == config.normalization)
        let batch = try #require(loader.next()), plainBatch = try #require(plain.next())
        #expect(batch.views == plainBatch.views, "small views leave the full-size ones as they were")
        #expect(plainBatch.smallViews == nil)
        let smallViews = try #require(batch.smallViews)
        #expect(smallViews.shape == [15, 8, 8, 3])
        let stride = small.viewElementCount
        for (i, image) in batch.imageIndices.enumerated() {
            for j in 0..<3 {
                var rng = loader.schedule.viewGenerator(epoch: 0, image: image, view: 2 + j)
                let source = Self.dataset.images[image]
                let parameters = small.sampleParameters(sourceHeight: source.height, sourceWidth: source.width, using: &rng)
                let row = j * 5 + i
                #expect(Array(smallViews.data[(row * stride)..<((row + 1) * stride)]) == small.renderView(source, parameters: parameters))
            }
        }
    }

    @Test func resumingContinuesWithTheSameSmallViews() throws {
        let config = try ViewBatchTests.config()
        let first = try ViewBatchLoader(
            dataset: Self.dataset, config: config, batchSize: 6, seed: 4, epochs: 2, multiCrop: Self.multiCrop)
        var batches: [ViewBatch] = []
        while let b = first.next() { batches.append(b) }
        let resumed = try ViewBatchLoader(
            dataset: Self.dataset, config: config, batchSize: 6, seed: 4, epochs: 2, start: batches[1].resumeState,
            multiCrop: Self.multiCrop)
        var rest: [ViewBatch] = []
        while let b = resumed.next() { rest.append(b) }
        #expect(rest.count == batches.count - 2)
        for (a, b) in zip(batches[2...], rest) { #expect(a.views == b.views && a.smallViews == b.smallViews) }
    }

    @Test func refusesNoSmallViewsOrABadRecipe() throws {
        let config = try ViewBatchTests.config()
        #expect(throws: AugmentationError.invalidParameter(
            name: "multiCrop.count", value: "0", expected: "at least 1 (nil for no small views)")) {
            try ViewBatchLoader(
                dataset: Self.dataset, config: config, batchSize: 5, seed: 1, epochs: 1,
                multiCrop: MultiCropConfig(count: 0))
        }
        #expect(throws: AugmentationError.self) {
            try ViewBatchLoader(
                dataset: Self.dataset, config: config, batchSize: 5, seed: 1, epochs: 1,
                multiCrop: MultiCropConfig(count: 2, size: 8, scale: 0...0.5))
        }
    }
}
