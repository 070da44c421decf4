import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// Reads `metric-learning/metric.json` (fixtures README §7); every test iterates over all the
/// cases of a section, whatever their number.
enum MetricFixtures {
    static func cases(_ section: String) -> [LossFixtureCase] {
        let document = (try? Fixtures.json("metric-learning/metric.json")) as? [String: Any]
        return (document?[section] as? [[String: Any]] ?? []).map(LossFixtureCase.init)
    }
}

@Suite struct LabeledLossTests {
    /// The loss a fixture case of `section` describes.
    static func loss(section: String, _ fixture: LossFixtureCase) throws -> any ViewEmbeddingLoss {
        let normalization: EmbeddingNormalization = fixture["normalize"] as? Bool == true ? .l2 : .none
        let margin = Float(LossFixtures.number(fixture["margin"]))
        switch section {
        case "supcon": return try SupConLoss(temperature: Float(LossFixtures.number(fixture["tau"])))
        case "triplet_batch_hard": return try LabeledTripletLoss(margin: margin, mining: .batchHard, normalization: normalization)
        default: return try LabeledContrastiveLoss(margin: margin, normalization: normalization)
        }
    }

    static let sections = ["supcon", "triplet_batch_hard", "contrastive_balanced"]

    @Test(arguments: sections)
    func fixtureFileHasCases(section: String) {
        #expect(MetricFixtures.cases(section).count > 0, "\(section)")
    }

    /// Every case of the three sections: the loss to 1e-4 relative and dL/dz to 1e-4 of the
    /// case's largest gradient (fixtures README §7).
    @Test(arguments: sections.flatMap { section in MetricFixtures.cases(section).map { (section, $0) } })
    func matchesFixture(section: String, fixture: LossFixtureCase) throws {
        let z = LossFixtures.tensor(fixture["z"])
        let labels = LossFixtures.integers(fixture["labels"])
        try #require(labels.count == z.shape[0] && z.rank == 2, "\(fixture.name): labels for every row")
        var gradient = Tensor(shape: [0])
        let result = try Self.loss(section: section, fixture).lossAndGradient(embeddings: z, labels: labels, embeddingGradient: &gradient)
        let expected = LossFixtures.number(fixture["loss"])
        #expect(abs(Double(result.loss) - expected) <= 1e-4 * max(1, abs(expected)), "\(fixture.name): \(result.loss) vs \(expected)")
        let reference = LossFixtures.doubles(fixture["grad_z"])
        #expect(gradient.shape == z.shape)
        #expect(Tolerance.relativeToScale(gradient.data, reference, floor: 1e-6) <= 1e-4, "\(fixture.name) grad_z")
    }

    /// The labelled losses: the value against the slow Double reference, and dL/dz against its
    /// central differences; labels with a singleton class (an anchor without positives) and
    /// classes of 2 to 4 rows, raw and normalised rows.
    @Test(arguments: [
        LabeledLossReference.Objective.supCon(temperature: 0.1), .supCon(temperature: 0.5), .contrastive(margin: 0.9),
        .triplet(.batchHard, margin: 0.4), .triplet(.batchAll, margin: 0.4), .triplet(.semiHard, margin: 0.4),
    ])
    func gradientMatchesFiniteDifferencesOfTheDefinition(objective: LabeledLossReference.Objective) throws {
        let labels = [0, 1, 2, 0, 1, 7, 2, 0, 1, 1, 2, 3]
        let dimension = 5
        let z = randomEmbeddings(rows: labels.count, columns: dimension, seed: 29)
        for normalization in [EmbeddingNormalization.none, .l2] {
            let normalize = normalization == .l2
            let loss: any ViewEmbeddingLoss
            switch objective {
            case .supCon(let temperature):
                guard normalization == .l2 else { continue }  // SupCon always normalises
                loss = try SupConLoss(temperature: Float(temperature))
            case .contrastive(let margin): loss = try LabeledContrastiveLoss(margin: Float(margin), normalization: normalization)
            case .triplet(let mining, let margin):
                loss = try LabeledTripletLoss(margin: Float(margin), mining: mining, normalization: normalization)
            }
            let reference = { (x: [Double]) in
                LabeledLossReference.loss(x, labels: labels, dimension: dimension, normalize: normalize, objective)
            }
            var gradient = Tensor(shape: [0])
            let result = try loss.lossAndGradient(embeddings: z, labels: labels, embeddingGradient: &gradient)
            let expected = reference(z.data.map(Double.init))
            #expect(expected > 0.01, "\(objective) \(normalization): the case should have active terms")
            #expect(abs(Double(result.loss) - expected) <= 1e-5 * max(1, expected), "\(objective) \(normalization): \(result.loss) vs \(expected)")
            let numeric = numericalGradient(of: z, step: 1e-6, reference)
            #expect(Tolerance.relativeToScale(gradient.data, numeric) < 1e-4, "\(objective) \(normalization)")
        }
    }

    /// Classes of 36 rows (more than 32 positives per anchor: the sort path of the mining) in
    /// all three minings: the loss against the reference and sampled coordinates of dL/dz
    /// against its central differences.
    @Test(arguments: TripletMining.allCases)
    func largeClassesMatchTheDefinition(mining: TripletMining) throws {
        let labels = (0..<72).map { $0 % 2 }, dimension = 4
        let z = randomEmbeddings(rows: labels.count, columns: dimension, seed: 71)
        let objective = LabeledLossReference.Objective.triplet(mining, margin: 0.3)
        let reference = { (x: [Double]) in LabeledLossReference.loss(x, labels: labels, dimension: dimension, normalize: true, objective) }
        var gradient = Tensor(shape: [0])
        let result = try LabeledTripletLoss(margin: 0.3, mining: mining).lossAndGradient(embeddings: z, labels: labels, embeddingGradient: &gradient)
        let expected = reference(z.data.map(Double.init))
        #expect(expected > 0.01 && abs(Double(result.loss) - expected) <= 1e-5 * max(1, expected), "\(result.loss) vs \(expected)")
        var x = z.data.map(Double.init)
        let indices = GradientCheck.sampleIndices(size: z.count, count: 24, seed: 5)
        let numeric = indices.map { i -> Double in
            let saved = x[i]
            x[i] = saved + 1e-6
            let plus = reference(x)
            x[i] = saved - 1e-6
            let minus = reference(x)
            x[i] = saved
            return (plus - minus) / 2e-6
        }
        let scale = max(gradient.data.map { abs(Double($0)) }.max()!, 1e-6)
        for (i, value) in zip(indices, numeric) {
            #expect(abs(Double(gradient.data[i]) - value) <= 1e-4 * scale, "\(mining) [\(i)]: \(gradient.data[i]) vs \(value)")
        }
    }

    /// With labels = image index (rows i and i+N share a label, or no labels at all) SupCon is
    /// NT-Xent: the same loss, gradient and in-batch accuracy, for any label values and blocking.
    @Test(arguments: [(1, 4, Float(0.5)), (5, 8, 0.1), (16, 3, 0.5)])
    func supConWithImageLabelsIsNTXent(images: Int, dimension: Int, temperature: Float) throws {
        let z = randomEmbeddings(rows: 2 * images, columns: dimension, seed: UInt64(images))
        var expectedGradient = Tensor(shape: [0])
        let expected = try NTXentLoss(temperature: temperature).lossAndGradient(embeddings: z, embeddingGradient: &expectedGradient)
        let labels = (0..<(2 * images)).map { 1000 - 3 * ($0 % images) }
        for (supCon, rowLabels) in [
            (try SupConLoss(temperature: temperature), Optional(labels)), (try SupConLoss(temperature: temperature), nil),
            (try SupConLoss(temperature: temperature, logitBlockBytes: 1), labels),
        ] {
            var gradient = Tensor(shape: [0])
            let result = try supCon.lossAndGradient(embeddings: z, labels: rowLabels, embeddingGradient: &gradient)
            #expect(abs(result.loss - expected.loss) <= 1e-6 * max(1, expected.loss), "\(result.loss) vs \(expected.loss)")
            #expect(result.positiveTop1Accuracy == expected.positiveTop1Accuracy)
            #expect(Tolerance.relativeToScale(gradient.data, expectedGradient.data, floor: 1e-2) < 1e-5)
        }
    }

    /// No row with a positive (all labels distinct) gives 0 and a zero gradient; one class only
    /// (no negatives) gives finite SupCon and margin losses without NaN; the view pairing needs
    /// 2N rows.
    @Test func degenerateBatchesGiveNoNaN() throws {
        let z = randomEmbeddings(rows: 6, columns: 3, seed: 3)
        let losses: [any ViewEmbeddingLoss] = [
            try SupConLoss(temperature: 0.5), try LabeledContrastiveLoss(margin: 1),
        ] + TripletMining.allCases.map { try! LabeledTripletLoss(margin: 1, mining: $0) }
        for loss in losses {
            var gradient = Tensor(shape: [0])
            let distinct = try loss.lossAndGradient(embeddings: z, labels: Array(0..<6), embeddingGradient: &gradient)
            #expect(distinct.loss.isFinite && gradient.data.allSatisfy(\.isFinite), "\(loss)")
            if !(loss is LabeledContrastiveLoss) {
                #expect(distinct.loss == 0 && gradient.data.allSatisfy { $0 == 0 }, "\(loss): no positives")
            }
            let single = try loss.lossAndGradient(embeddings: z, labels: [4, 4, 4, 4, 4, 4], embeddingGradient: &gradient)
            #expect(single.loss.isFinite && gradient.data.allSatisfy(\.isFinite), "\(loss): one class")
            if loss is LabeledTripletLoss { #expect(single.loss == 0, "no negatives: no triplet") }
            #expect(throws: LossError.oddViewCount(rows: 5)) {
                try loss.lossAndGradient(embeddings: Tensor(shape: [5, 3]), embeddingGradient: &gradient)
            }
            #expect(throws: LossError.emptyBatch) {
                try loss.lossAndGradient(embeddings: Tensor(shape: [0, 3]), labels: [], embeddingGradient: &gradient)
            }
        }
    }

    /// Well-separated classes: every anchor's nearest row is a positive (accuracy 1); mixing one
    /// row into the wrong class lowers it.
    @Test func inBatchAccuracyCountsNearestPositives() throws {
        let z = Tensor(shape: [6, 2], data: [1, 0, 0.9, 0.1, 0.95, -0.1, -1, 0, -0.9, 0.1, -0.95, -0.1])
        for loss in [try SupConLoss(temperature: 0.5), try LabeledContrastiveLoss(margin: 1), try LabeledTripletLoss(margin: 1)] as [any ViewEmbeddingLoss] {
            var gradient = Tensor(shape: [0])
            #expect(try loss.lossAndGradient(embeddings: z, labels: [0, 0, 0, 1, 1, 1], embeddingGradient: &gradient).positiveTop1Accuracy == 1)
            #expect(try loss.lossAndGradient(embeddings: z, labels: [0, 0, 1, 1, 1, 0], embeddingGradient: &gradient).positiveTop1Accuracy < 1)
        }
    }
}
