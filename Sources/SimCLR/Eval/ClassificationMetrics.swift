/// Accuracy figures of a classifier on a labelled set, from per-class scores.
///
/// A sample's rank is the number of classes scored strictly higher than its true class, plus
/// those scored equally with a lower index (ties go to the lower index, as `argmax`). It is a
/// top-k hit when rank < k.
public struct ClassificationMetrics: Sendable, Codable, Equatable {
    public var sampleCount: Int
    /// Fraction of samples whose top-scored class is the label, in [0, 1].
    public var top1: Double
    /// Fraction whose label is among the 5 top-scored classes (all classes when K < 5).
    public var top5: Double
    /// Top-1 accuracy per true class, `[K]`; nil for a class with no samples.
    public var perClassAccuracy: [Double?]
    /// `confusionMatrix[true][predicted]` counts, `[K][K]`.
    public var confusionMatrix: [[Int]]

    /// - Parameters:
    ///   - scores: `[m, K]`; larger means more likely (logits, probabilities or kNN votes).
    ///   - labels: `[m]`, each in `0..<K`.
    /// - Precondition: shapes agree and labels are in range.
    public init(scores: Tensor, labels: [Int]) {
        precondition(scores.rank == 2 && scores.shape[0] == labels.count,
                     "ClassificationMetrics: scores \(scores.shape) vs labels [\(labels.count)]")
        let m = scores.shape[0], k = scores.shape[1]
        precondition(labels.allSatisfy { (0..<k).contains($0) }, "ClassificationMetrics: labels must lie in 0..<\(k)")
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var top1Hits = 0, top5Hits = 0
        scores.withUnsafeBufferPointer { s in
            for row in 0..<m {
                let base = row * k
                let label = labels[row]
                let target = s[base + label]
                var predicted = 0
                var rank = 0
                for j in 0..<k {
                    let value = s[base + j]
                    if value > s[base + predicted] { predicted = j }
                    if value > target || (value == target && j < label) { rank += 1 }
                }
                confusion[label][predicted] += 1
                if rank < 1 { top1Hits += 1 }
                if rank < 5 { top5Hits += 1 }
            }
        }
        sampleCount = m
        top1 = m > 0 ? Double(top1Hits) / Double(m) : 0
        top5 = m > 0 ? Double(top5Hits) / Double(m) : 0
        confusionMatrix = confusion
        perClassAccuracy = (0..<k).map { c in
            let total = confusion[c].reduce(0, +)
            return total > 0 ? Double(confusion[c][c]) / Double(total) : nil
        }
    }
}
