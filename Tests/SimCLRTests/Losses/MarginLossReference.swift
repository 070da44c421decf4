import Foundation
import SimCLR

/// Slow Double references for the margin losses over 2N views, written from their
/// definitions in `ContrastiveLoss+Views.swift` / `TripletLoss+Views.swift`, with plain loops.
enum MarginLossReference {
    enum Objective {
        case contrastive(ContrastiveLoss.Mining)
        case triplet(TripletLoss.Mining, EmbeddingDistance)
    }

    static func loss(_ z: [Double], rows: Int, dimension: Int, normalize: Bool, margin: Double, _ objective: Objective) -> Double {
        var x = z
        if normalize {
            for r in 0..<rows {
                var sum = 0.0
                for c in 0..<dimension { sum += x[r * dimension + c] * x[r * dimension + c] }
                let norm = max(sum.squareRoot(), 1e-12)
                for c in 0..<dimension { x[r * dimension + c] /= norm }
            }
        }
        func distance(_ i: Int, _ j: Int, _ metric: EmbeddingDistance) -> Double {
            var sum = 0.0
            let shift: Double
            switch metric {
            case .squaredEuclidean: shift = 0
            case .euclidean(let epsilon): shift = Double(epsilon)
            }
            for c in 0..<dimension {
                let d = x[i * dimension + c] - x[j * dimension + c] + shift
                sum += d * d
            }
            if case .squaredEuclidean = metric { return sum }
            return sum.squareRoot()
        }
        let n = rows / 2
        var total = 0.0, active = 0
        for r in 0..<rows {
            let positive = (r + n) % rows
            let negatives = (0..<rows).filter { $0 != r && $0 != positive }
            switch objective {
            case .contrastive(let mining):
                let plain = EmbeddingDistance.euclidean(epsilon: 0)
                total += pow(distance(r, positive, plain), 2)
                let pushes = negatives.map { pow(max(0, margin - distance(r, $0, plain)), 2) }
                if mining == .allPairs {
                    total += pushes.isEmpty ? 0 : pushes.reduce(0, +) / Double(pushes.count)
                } else if let nearest = negatives.min(by: { distance(r, $0, plain) < distance(r, $1, plain) }) {
                    total += pow(max(0, margin - distance(r, nearest, plain)), 2)
                }
            case .triplet(let mining, let metric):
                let pull = distance(r, positive, metric)
                if mining == .batchAll {
                    for k in negatives {
                        let hinge = pull - distance(r, k, metric) + margin
                        if hinge > 0 {
                            total += hinge
                            active += 1
                        }
                    }
                } else if let nearest = negatives.min(by: { distance(r, $0, metric) < distance(r, $1, metric) }) {
                    total += max(0, pull - distance(r, nearest, metric) + margin)
                }
            }
        }
        if case .triplet(.batchAll, _) = objective { return total / Double(max(active, 1)) }
        return total / Double(rows)
    }
}
