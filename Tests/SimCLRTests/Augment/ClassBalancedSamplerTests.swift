import SimCLR
import Testing

/// Class-balanced batches (`--samples-per-class`): M images of batch size / M classes, seeded
/// per (seed, epoch, step), and a resumed loader that continues with the same batches.
@Suite struct ClassBalancedSamplerTests {
    /// 5 classes of sizes 4, 6, 9, 0 (an empty class keeps its index) and 3.
    static let labels: [Int] = [0, 0, 0, 0] + Array(repeating: 1, count: 6) + Array(repeating: 2, count: 9) + [4, 4, 4]

    @Test func everyBatchHoldsMDistinctImagesOfBatchSizeOverMDistinctClasses() throws {
        let sampler = try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 3, batchSize: 9, seed: 4)
        #expect(sampler.classMembers.count == 4, "the empty class takes no part")
        var seenClasses = Set<Int>(), seenImages = Set<Int>()
        for epoch in 0..<3 {
            for step in 0..<20 {
                let batch = sampler.imageIndices(epoch: epoch, step: step)
                #expect(batch.count == 9 && Set(batch).count == 9, "distinct images")
                let classes = batch.map { Self.labels[$0] }
                for group in 0..<3 {
                    let slice = classes[(3 * group)..<(3 * group + 3)]
                    #expect(Set(slice).count == 1, "M consecutive images of one class: \(classes)")
                }
                #expect(Set(classes).count == 3, "batch size / M distinct classes")
                seenClasses.formUnion(classes)
                seenImages.formUnion(batch)
            }
        }
        #expect(seenClasses == [0, 1, 2, 4])
        #expect(seenImages.count == Self.labels.count, "every image is drawn sooner or later")
        // M = 1 and M = the whole of a class (the copy path of the draw).
        let one = try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 1, batchSize: 4, seed: 1).imageIndices(epoch: 0, step: 0)
        #expect(Set(one.map { Self.labels[$0] }).count == 4)
        let whole = try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 3, batchSize: 12, seed: 1).imageIndices(epoch: 0, step: 0)
        #expect(whole.filter { Self.labels[$0] == 4 }.sorted() == [19, 20, 21])
    }

    @Test func batchesDependOnlyOnSeedEpochAndStep() throws {
        let a = try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 2, batchSize: 6, seed: 7)
        let b = try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 2, batchSize: 6, seed: 7)
        let c = try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 2, batchSize: 6, seed: 8)
        #expect(a.imageIndices(epoch: 2, step: 5) == b.imageIndices(epoch: 2, step: 5))
        #expect((0..<10).map { a.imageIndices(epoch: 0, step: $0) } != (0..<10).map { c.imageIndices(epoch: 0, step: $0) })
        #expect((0..<10).map { a.imageIndices(epoch: 0, step: $0) } != (0..<10).map { a.imageIndices(epoch: 1, step: $0) })
    }

    @Test func refusesAnMThatDoesNotFit() {
        #expect(throws: AugmentationError.self) { try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 4, batchSize: 8, seed: 0) }
        #expect(throws: AugmentationError.self) { try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 2, batchSize: 7, seed: 0) }
        #expect(throws: AugmentationError.self) { try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 2, batchSize: 10, seed: 0) }
        #expect(throws: AugmentationError.self) { try ClassBalancedSampler(labels: Self.labels, samplesPerClass: 0, batchSize: 4, seed: 0) }
    }

    /// The loader's batches follow the sampler; one started from a batch's `resumeState` gives
    /// exactly the batches (indices and pixels) that followed it.
    @Test func loaderUsesTheSamplerAndResumesExactly() throws {
        let dataset = AugmentTestData.dataset(count: 23, height: 8, width: 8, channels: 1)  // labels i % 3
        var config = AugmentTestData.plainConfig()
        config.colorJitter = ColorJitter(strength: 0.5)
        let loader = try ViewBatchLoader(dataset: dataset, config: config, batchSize: 6, seed: 3, epochs: 2, samplesPerClass: 2)
        var batches: [ViewBatch] = []
        while let batch = loader.next() { batches.append(batch) }
        #expect(batches.count == 2 * (23 / 6))
        let sampler = try ClassBalancedSampler(labels: dataset.labels, samplesPerClass: 2, batchSize: 6, seed: 3)
        for batch in batches {
            #expect(batch.batchImageIndices == sampler.imageIndices(epoch: batch.epoch, step: batch.step))
            #expect(Set(batch.batchImageIndices.map { dataset.labels[$0] }).count == 3)
        }
        let resumed = try ViewBatchLoader(
            dataset: dataset, config: config, batchSize: 6, seed: 3, epochs: 2, start: batches[4].resumeState, samplesPerClass: 2)
        var rest: [ViewBatch] = []
        while let batch = resumed.next() { rest.append(batch) }
        #expect(rest.map(\.batchImageIndices) == batches[5...].map(\.batchImageIndices))
        #expect(rest.map(\.views) == batches[5...].map(\.views))
    }
}
