import Foundation
import SimCLR

/// Slow Double references for the label-supervised losses, written from their definitions
/// (fixtures README §7 and the doc comments of `SupConLoss`, `LabeledContrastiveLoss`,
/// `LabeledTripletLoss`) with plain loops over rows, pairs and triplets.
enum LabeledLossReference {
    enum Objective {
        case supCon(temperature: Double)
        case contrastive(margin: Double)
        case triplet(TripletMining, margin: Double)
    }

    /// Rows of `z` `[rows, dimension]`, L2-normalised (max(‖z‖, 1e-12)) when `normalize`.
    static func rows(_ z: [Double], rows: Int, dimension: Int, normalize: Bool) -> [[Double]] {
        (0..<rows).map { r in
            let row = Array(z[(r * dimension)..<((r + 1) * dimension)])
            guard normalize else { return row }
            let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return row.map { $0 / norm }
        }
    }

    static func loss(_ z: [Double], labels: [Int], dimension: Int, normalize: Bool, _ objective: Objective) -> Double {
        let count = labels.count
        switch objective {
        case .supCon(let temperature):
            let u = rows(z, rows: count, dimension: dimension, normalize: true)
            func s(_ i: Int, _ j: Int) -> Double { zip(u[i], u[j]).reduce(0) { $0 + $1.0 * $1.1 } / temperature }
            var total = 0.0, anchors = 0
            for i in 0..<count {
                let positives = (0..<count).filter { $0 != i && labels[$0] == labels[i] }
                guard !positives.isEmpty else { continue }
                let denominator = (0..<count).filter { $0 != i }.reduce(0.0) { $0 + exp(s(i, $1)) }
                total += -positives.reduce(0.0) { $0 + log(exp(s(i, $1)) / denominator) } / Double(positives.count)
                anchors += 1
            }
            return anchors > 0 ? total / Double(anchors) : 0
        case .contrastive(let margin):
            let x = rows(z, rows: count, dimension: dimension, normalize: normalize)
            var similar = 0.0, similarCount = 0, dissimilar = 0.0, dissimilarCount = 0
            for i in 0..<count {
                for j in (i + 1)..<count {
                    let d = distance(x[i], x[j])
                    if labels[i] == labels[j] {
                        similar += d * d
                        similarCount += 1
                    } else {
                        dissimilar += pow(max(0, margin - d), 2)
                        dissimilarCount += 1
                    }
                }
            }
            return similar / Double(max(similarCount, 1)) + dissimilar / Double(max(dissimilarCount, 1))
        case .triplet(let mining, let margin):
            let x = rows(z, rows: count, dimension: dimension, normalize: normalize)
            var total = 0.0, denominator = 0
            for a in 0..<count {
                let positives = (0..<count).filter { $0 != a && labels[$0] == labels[a] }
                let negatives = (0..<count).filter { labels[$0] != labels[a] }
                guard !negatives.isEmpty else { continue }
                let dp = positives.map { distance(x[a], x[$0]) }, dn = negatives.map { distance(x[a], x[$0]) }
                switch mining {
                case .batchHard:
                    guard let hardest = dp.max() else { continue }
                    total += max(0, hardest - dn.min()! + margin)
                    denominator += 1
                case .batchAll:
                    for p in dp {
                        for n in dn where p - n + margin > 0 {
                            total += p - n + margin
                            denominator += 1
                        }
                    }
                case .semiHard:
                    for p in dp {
                        let n = dn.filter { $0 > p }.min() ?? dn.max()!
                        total += max(0, p - n + margin)
                        denominator += 1
                    }
                }
            }
            return total / Double(max(denominator, 1))
        }
    }

    static func distance(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }
}
