import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct ContrastiveLossTests {
    static func labels(_ fixture: LossFixtureCase) -> [PairLabel] {
        LossFixtures.integers(fixture["y"]).map { $0 == 1 ? .similar : .dissimilar }
    }

    @Test func fixtureFileHasCases() {
        #expect(LossFixtures.cases("contrastive").count > 0)
    }

    /// Every `contrastive` case, in both reductions, loss and both gradients, with the README's
    /// Float tolerances.
    @Test(arguments: LossFixtures.cases("contrastive"))
    func matchesFixture(_ fixture: LossFixtureCase) throws {
        let x1 = LossFixtures.tensor(fixture["x1"]), x2 = LossFixtures.tensor(fixture["x2"])
        let margin = Float(LossFixtures.number(fixture["margin"]))
        for (reduction, suffix) in [(ContrastiveLoss.Reduction.mean, "mean"), (.halfMean, "half_mean")] {
            let loss = try ContrastiveLoss(margin: margin, reduction: reduction)
            let result = loss.lossAndGradients(x1: x1, x2: x2, labels: Self.labels(fixture))
            let expected = LossFixtures.number(fixture["loss_\(suffix)"])
            #expect(abs(Double(result.loss) - expected) <= 1e-4 * max(1, abs(expected)), "\(fixture.name) \(suffix): \(result.loss) vs \(expected)")
            for (actual, key) in [(result.x1Gradient, "grad_x1_\(suffix)"), (result.x2Gradient, "grad_x2_\(suffix)")] {
                let reference = LossFixtures.doubles(fixture[key])
                #expect(actual.data.allSatisfy { $0.isFinite })
                #expect(Tolerance.relativeToScale(actual.data, reference, floor: 1e-2) <= 1e-4, "\(fixture.name) \(key)")
            }
        }
    }

    /// Central differences of the Float loss at D = 0 (similar and dissimilar), D = m exactly,
    /// D > m and generic pairs.
    @Test func gradientMatchesFiniteDifferencesIncludingDegeneratePoints() throws {
        let x1 = Tensor(shape: [6, 3], data: [0.5, -1, 2, 0.5, -1, 2, 0, 0, 0, 0.3, 0.2, 0.1, 1, 1, 1, -0.4, 0.9, 0.2])
        let x2 = Tensor(shape: [6, 3], data: [0.5, -1, 2, 0.5, -1, 2, 1.5, 2, 0, 3.3, 0.2, 0.1, 0.2, 0.7, 1.1, 0.1, 0.3, -0.6])
        let labels: [PairLabel] = [.similar, .dissimilar, .dissimilar, .dissimilar, .similar, .dissimilar]
        let loss = try ContrastiveLoss(margin: 2.5)
        let result = loss.lossAndGradients(x1: x1, x2: x2, labels: labels)
        let numeric1 = numericalGradient(of: x1, step: 1e-3) { loss.lossAndGradients(x1: $0, x2: x2, labels: labels).loss }
        let numeric2 = numericalGradient(of: x2, step: 1e-3) { loss.lossAndGradients(x1: x1, x2: $0, labels: labels).loss }
        #expect(Tolerance.relativeToScale(result.x1Gradient.data, numeric1, floor: 1e-2) < 1e-2)
        #expect(Tolerance.relativeToScale(result.x2Gradient.data, numeric2, floor: 1e-2) < 1e-2)
        #expect(result.x1Gradient.data[3..<9].allSatisfy { $0 == 0 }, "dissimilar at D = 0 and D = m: gradient exactly 0")
    }

    /// The view loss against the slow Double reference and central differences of it.
    @Test(arguments: [ContrastiveLoss.Mining.allPairs, .hardestNegative], [EmbeddingNormalization.none, .l2])
    func viewLossMatchesReference(mining: ContrastiveLoss.Mining, normalization: EmbeddingNormalization) throws {
        let rows = 10, dimension = 4
        let z = randomEmbeddings(rows: rows, columns: dimension, seed: 31)
        let margin: Float = normalization == .l2 ? 1 : 1.5
        let reference = { (x: [Double]) in
            MarginLossReference.loss(x, rows: rows, dimension: dimension, normalize: normalization == .l2,
                                     margin: Double(margin), .contrastive(mining))
        }
        let loss = try ContrastiveLoss(margin: margin, mining: mining, normalization: normalization)
        var gradient = Tensor(shape: [0])
        let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &gradient)
        let expected = reference(z.data.map(Double.init))
        #expect(expected > 0.1, "the case should have active negatives")
        #expect(abs(Double(result.loss) - expected) <= 1e-5 * max(1, expected))
        #expect(Tolerance.relativeToScale(gradient.data, numericalGradient(of: z, step: 1e-6, reference)) < 1e-4)
    }

    @Test func viewLossWithOneImageIsThePositiveTerm() throws {
        let z = Tensor(shape: [2, 2], data: [0, 0, 3, 4])
        var gradient = Tensor(shape: [0])
        let result = try ContrastiveLoss(margin: 1, normalization: .none).lossAndGradient(embeddings: z, embeddingGradient: &gradient)
        #expect(result.loss == 25)
        #expect(gradient.data == [-6, -8, 6, 8])
        #expect(result.positiveTop1Accuracy == 1)
    }

    @Test func rejectsNonPositiveMargins() {
        #expect(throws: LossError.nonPositiveMargin(0)) { try ContrastiveLoss(margin: 0) }
        #expect(throws: LossError.nonPositiveMargin(-1)) { try TripletLoss(margin: -1) }
        var gradient = Tensor(shape: [0])
        #expect(throws: LossError.oddViewCount(rows: 3)) {
            try ContrastiveLoss(margin: 1).lossAndGradient(embeddings: Tensor(shape: [3, 2]), embeddingGradient: &gradient)
        }
    }
}
