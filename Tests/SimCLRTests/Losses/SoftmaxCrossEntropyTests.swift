import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// Softmax cross-entropy: the hand-written `(softmax − onehot) / B` against central differences of
/// the loss, known values, and the probabilities.
@Suite struct SoftmaxCrossEntropyTests {
    static func logits(rows: Int, classes: Int, scale: Double, seed: UInt64) -> Tensor {
        var rng = SplitMix64(seed: seed)
        return Tensor(shape: [rows, classes], data: (0..<(rows * classes)).map { _ in Float(rng.uniform(-scale, scale)) })
    }

    @Test(arguments: [(1, 2), (5, 3), (8, 10), (16, 7)])
    func gradientMatchesCentralDifferences(rows: Int, classes: Int) {
        var logits = Self.logits(rows: rows, classes: classes, scale: 3, seed: UInt64(rows * 31 + classes))
        let labels = (0..<rows).map { ($0 * 7 + 3) % classes }
        var gradient = Tensor(shape: [0])
        _ = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels, gradient: &gradient)
        #expect(gradient.shape == [rows, classes])
        // Double reference of the loss, straight from the definition.
        func loss() -> Double {
            (0..<rows).map { r -> Double in
                let row = (0..<classes).map { Double(logits.data[r * classes + $0]) }
                let m = row.max()!
                return m + log(row.map { exp($0 - m) }.reduce(0, +)) - row[labels[r]]
            }.reduce(0, +) / Double(rows)
        }
        let indices = Array(0..<(rows * classes))
        let numeric = GradientCheck.centralDifferences(
            indices: indices, step: 1e-3, perturb: { logits.data[$0] += $1 }, loss: loss)
        let scale = max(gradient.data.map { abs(Double($0)) }.max()!, 1e-2)
        for (index, value) in zip(indices, numeric) {
            #expect(abs(Double(gradient.data[index]) - value) <= 2e-3 * scale, "element \(index): \(gradient.data[index]) vs \(value)")
        }
        // Every row of the gradient sums to 0 (softmax sums to 1, one-hot sums to 1).
        for r in 0..<rows {
            #expect(abs(gradient.data[(r * classes)..<((r + 1) * classes)].reduce(0, +)) < 1e-6)
        }
    }

    @Test func knownValues() {
        var gradient = Tensor(shape: [0])
        // Equal logits: loss log K, gradient (1/K − onehot)/B; no hit (ties go to class 0, label 2).
        let uniform = SoftmaxCrossEntropy.lossAndGradient(
            logits: Tensor(shape: [2, 4], repeating: 1.5), labels: [2, 0], gradient: &gradient)
        #expect(abs(uniform.loss - Float(log(4.0))) < 1e-6)
        #expect(uniform.top1 == 0.5)
        #expect(abs(gradient.data[2] - (0.25 - 1) / 2) < 1e-7 && abs(gradient.data[0] - 0.25 / 2) < 1e-7)
        // Huge logits stay finite (max-subtracted): a confident right answer costs about 0.
        let large = SoftmaxCrossEntropy.lossAndGradient(
            logits: Tensor(shape: [1, 3], data: [1000, -1000, 500]), labels: [0], gradient: &gradient)
        #expect(large.loss.isFinite && large.loss < 1e-6 && large.top1 == 1)
        #expect(gradient.data.allSatisfy { $0.isFinite })
    }

    @Test func probabilitiesAreSoftmaxRows() {
        let logits = Self.logits(rows: 6, classes: 5, scale: 20, seed: 4)
        let p = SoftmaxCrossEntropy.probabilities(logits: logits)
        for r in 0..<6 {
            let row = (0..<5).map { Double(logits.data[r * 5 + $0]) }
            let m = row.max()!
            let z = row.map { exp($0 - m) }.reduce(0, +)
            for c in 0..<5 { #expect(abs(Double(p.data[r * 5 + c]) - exp(row[c] - m) / z) < 1e-6) }
        }
    }
}
