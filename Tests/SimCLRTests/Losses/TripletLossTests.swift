import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct TripletLossTests {
    static let variants: [(key: String, distance: EmbeddingDistance)] = [
        ("squared", .squaredEuclidean), ("euclidean_torch_eps", .pytorch), ("euclidean_eps0", .euclidean(epsilon: 0)),
    ]

    @Test func fixtureFileHasCases() {
        #expect(LossFixtures.cases("triplet").count > 0)
    }

    /// Every `triplet` case in all three distance variants: the loss, and the gradients of the
    /// derivative-0-at-the-hinge convention (`grad_*`), skipping only `near_margin_triplets`
    /// whose side of the hinge Float cannot resolve.
    @Test(arguments: LossFixtures.cases("triplet"))
    func matchesFixture(_ fixture: LossFixtureCase) throws {
        let a = LossFixtures.tensor(fixture["a"]), p = LossFixtures.tensor(fixture["p"]), n = LossFixtures.tensor(fixture["n"])
        let margin = Float(LossFixtures.number(fixture["margin"]))
        let dimension = a.shape[1]
        for (key, distance) in Self.variants {
            let variant = try #require(fixture[key] as? [String: Any], "\(fixture.name) has no \(key)")
            let result = try TripletLoss(margin: margin, distance: distance).lossAndGradients(anchors: a, positives: p, negatives: n)
            let expected = LossFixtures.number(variant["loss"])
            #expect(abs(Double(result.loss) - expected) <= 1e-4 * max(1, abs(expected)), "\(fixture.name) \(key): \(result.loss) vs \(expected)")
            let skipped = Set(LossFixtures.integers(variant["near_margin_triplets"]))
            for (actual, field) in [(result.anchorGradient, "grad_a"), (result.positiveGradient, "grad_p"), (result.negativeGradient, "grad_n")] {
                let reference = LossFixtures.doubles(variant[field])
                #expect(actual.data.allSatisfy { $0.isFinite })
                let kept = (0..<a.shape[0]).filter { !skipped.contains($0) }.flatMap { ($0 * dimension)..<(($0 + 1) * dimension) }
                #expect(Tolerance.relativeToScale(kept.map { actual.data[$0] }, kept.map { reference[$0] }, floor: 1e-2) <= 1e-4,
                        "\(fixture.name) \(key) \(field)")
            }
        }
    }

    /// Central differences of the Float loss on inactive triplets, coincident points (a == p,
    /// a == n) and active ones, in every distance variant.
    @Test(arguments: [(EmbeddingDistance.squaredEuclidean, Float(0)), (.pytorch, 1e-6), (.euclidean(epsilon: 0), 0)])
    func gradientMatchesFiniteDifferencesIncludingDegeneratePoints(distance: EmbeddingDistance, epsilon: Float) throws {
        let a = Tensor(shape: [4, 3], data: [0.2, 0.4, -0.3, 1, 0, 0, 0.5, 0.5, 0.5, -0.2, 0.1, 0.7])
        let p = Tensor(shape: [4, 3], data: [0.2, 0.4, -0.3, 1.1, 0.1, 0, 0.9, 0.2, 0.3, -0.1, 0.3, 0.5])
        let n = Tensor(shape: [4, 3], data: [0.6, 0.1, -0.2, 4, 4, 4, 0.5, 0.5, 0.5, 0.3, -0.2, 0.8])
        let loss = try TripletLoss(margin: 0.6, distance: distance)
        let result = loss.lossAndGradients(anchors: a, positives: p, negatives: n)
        #expect(result.loss > 0)
        let checks = [
            (result.anchorGradient, numericalGradient(of: a, step: 1e-3) { loss.lossAndGradients(anchors: $0, positives: p, negatives: n).loss }),
            (result.positiveGradient, numericalGradient(of: p, step: 1e-3) { loss.lossAndGradients(anchors: a, positives: $0, negatives: n).loss }),
            (result.negativeGradient, numericalGradient(of: n, step: 1e-3) { loss.lossAndGradients(anchors: a, positives: p, negatives: $0).loss }),
        ]
        // With ε > 0 the coincident pairs (triplet 0: a == p, triplet 2: a == n) sit ε·√3 from
        // the tip of the distance cone, far inside the step h = 1e-3, so central differences
        // there see the cone's average slope, not the gradient at the point (the fixture's
        // coincident case checks that); only triplets 1 and 3 are compared then.
        let kept = epsilon > 0 ? Array(3..<6) + Array(9..<12) : Array(0..<12)
        for (analytic, numeric) in checks {
            #expect(Tolerance.relativeToScale(kept.map { analytic.data[$0] }, kept.map { numeric[$0] }, floor: 1e-2) < 1e-2)
        }
        #expect(result.anchorGradient.data[3..<6].allSatisfy { $0 == 0 }, "inactive triplet")
    }

    /// The view loss against the slow Double reference and central differences of it.
    @Test(arguments: [TripletLoss.Mining.batchAll, .batchHard], [EmbeddingDistance.squaredEuclidean, .pytorch])
    func viewLossMatchesReference(mining: TripletLoss.Mining, distance: EmbeddingDistance) throws {
        let rows = 12, dimension = 5
        let z = randomEmbeddings(rows: rows, columns: dimension, seed: 41)
        for normalization in [EmbeddingNormalization.none, .l2] {
            let margin: Float = 0.5
            let reference = { (x: [Double]) in
                MarginLossReference.loss(x, rows: rows, dimension: dimension, normalize: normalization == .l2,
                                         margin: Double(margin), .triplet(mining, distance))
            }
            let loss = try TripletLoss(margin: margin, distance: distance, mining: mining, normalization: normalization)
            var gradient = Tensor(shape: [0])
            let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &gradient)
            let expected = reference(z.data.map(Double.init))
            #expect(expected > 0.05, "the case should have active triplets")
            #expect(abs(Double(result.loss) - expected) <= 1e-5 * max(1, expected))
            #expect(Tolerance.relativeToScale(gradient.data, numericalGradient(of: z, step: 1e-6, reference)) < 1e-4,
                    "\(mining) \(distance) \(normalization)")
        }
    }

    /// Well-separated images: no triplet is active, so the loss and the gradient are exactly 0
    /// (batch-all averages over zero triplets without NaN); every positive is the nearest.
    @Test(arguments: TripletLoss.Mining.allCases)
    func noActiveTripletsGiveZeroWithoutNaN(mining: TripletLoss.Mining) throws {
        let z = Tensor(shape: [6, 2], data: [0, 0, 10, 0, 0, 10, 0.1, 0, 10, 0.1, 0, 10.1])
        var gradient = Tensor(shape: [0])
        let result = try TripletLoss(margin: 1, mining: mining, normalization: .none).lossAndGradient(embeddings: z, embeddingGradient: &gradient)
        #expect(result.loss == 0)
        #expect(gradient.data.allSatisfy { $0 == 0 })
        #expect(result.positiveTop1Accuracy == 1)
        let single = Tensor(shape: [2, 2], data: [0, 0, 1, 1])
        let one = try TripletLoss(margin: 1, mining: mining).lossAndGradient(embeddings: single, embeddingGradient: &gradient)
        #expect(one.loss == 0 && gradient.data.allSatisfy { $0 == 0 }, "N = 1 has no negatives")
    }
}
