import Foundation
import SimCLR
import Testing

@Suite struct WeightedKNNClassifierTests {
    @Test func votesWithExponentialCosineWeights() {
        // Bank on the unit circle (scaled rows: normalisation must remove the scale):
        // 0° class 0, 90° class 1, 180° class 1, 45° class 0.
        let bank = Tensor(shape: [4, 2], data: [2, 0, 0, 3, -1, 0, 5, 5])
        let knn = WeightedKNNClassifier(trainFeatures: bank, labels: [0, 1, 1, 0], classCount: 3, neighborCount: 2, temperature: 0.5)
        // Query at 80°: nearest are 90° (cos 10°) and 45° (cos 35°).
        let angle = 80.0 * Double.pi / 180
        let query = Tensor(shape: [1, 2], data: [Float(cos(angle)), Float(sin(angle))])
        let votes = knn.scores(for: query)
        // Max-subtracted weights exp((s − s_max)/τ): the nearest neighbour weighs 1.
        let expected1 = exp((cos(10 * Double.pi / 180) - cos(10 * Double.pi / 180)) / 0.5)
        let expected0 = exp((cos(35 * Double.pi / 180) - cos(10 * Double.pi / 180)) / 0.5)
        #expect(abs(Double(votes.data[1]) - expected1) < 1e-4 * expected1)
        #expect(abs(Double(votes.data[0]) - expected0) < 1e-4 * expected0)
        #expect(votes.data[2] == 0)
        let metrics = ClassificationMetrics(scores: votes, labels: [1])
        #expect(metrics.top1 == 1)
    }

    @Test func manyWeakNeighboursCanOutvoteOneClose() {
        // One class-0 point right at the query, three class-1 points 60° away; k = 4, τ = 1:
        // e^1 = 2.72 < 3·e^0.5 = 4.95, so class 1 wins; with τ = 0.1 class 0 wins.
        let bank = Tensor(shape: [4, 2], data: [1, 0, 0.5, 0.8660254, 0.5, -0.8660254, 0.5, 0.8660254])
        let query = Tensor(shape: [1, 2], data: [1, 0])
        let soft = WeightedKNNClassifier(trainFeatures: bank, labels: [0, 1, 1, 1], classCount: 2, neighborCount: 4, temperature: 1)
        let sharp = WeightedKNNClassifier(trainFeatures: bank, labels: [0, 1, 1, 1], classCount: 2, neighborCount: 4, temperature: 0.1)
        #expect(ClassificationMetrics(scores: soft.scores(for: query), labels: [1]).top1 == 1)
        #expect(ClassificationMetrics(scores: sharp.scores(for: query), labels: [0]).top1 == 1)
    }

    @Test func blockedSearchMatchesBruteForce() {
        // More queries than one block, more neighbours than classes.
        var rng = SplitMix64(seed: 3)
        let n = 300, m = 150, d = 6, k = 4, neighbours = 17
        let bank = Tensor(shape: [n, d], data: (0..<(n * d)).map { _ in Float(rng.nextNormal()) })
        let queries = Tensor(shape: [m, d], data: (0..<(m * d)).map { _ in Float(rng.nextNormal()) })
        let labels = (0..<n).map { _ in Int(rng.next() % UInt64(k)) }
        let votes = WeightedKNNClassifier(trainFeatures: bank, labels: labels, classCount: k, neighborCount: neighbours, temperature: 0.1)
            .scores(for: queries)
        func unit(_ t: Tensor, _ r: Int) -> [Double] {
            let row = (0..<d).map { Double(t.data[r * d + $0]) }
            let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            return row.map { $0 / norm }
        }
        var worst = 0.0
        for q in 0..<m {
            let u = unit(queries, q)
            let sims = (0..<n).map { i in zip(u, unit(bank, i)).map { $0 * $1 }.reduce(0, +) }
            let top = sims.indices.sorted { sims[$0] > sims[$1] }.prefix(neighbours)
            var expected = [Double](repeating: 0, count: k)
            let largest = sims[top.first!]
            for i in top { expected[labels[i]] += exp((sims[i] - largest) / 0.1) }
            for c in 0..<k { worst = max(worst, abs(Double(votes.data[q * k + c]) - expected[c]) / expected.max()!) }
        }
        #expect(worst < 1e-4)
    }
}
