/// Verification quality of pair scores: the ROC curve and its summaries, as face verification
/// reports them (LFW protocol, Huang et al. 2007; definitions of `shared/fixtures/README.md`
/// section 7, cross-checked with scikit-learn's `roc_curve`/`roc_auc_score`).
///
/// A pair is predicted "same" when its score ≥ a threshold t. The ROC keeps every distinct
/// threshold (no point dropped), from (FPR 0, TPR 0) to (1, 1):
/// - `rocAUC`: trapezoidal area under it, so tied scores of a positive and a negative count one half;
/// - `eer`: the equal error rate, where FPR = FNR = 1 − TPR, linearly interpolated between the
///   two ROC points around the crossing;
/// - `tarAtFAR[f]`: the largest TPR (true accept rate) among ROC points with FPR (false accept
///   rate) ≤ f, for f = 1e-3, 1e-2, 1e-1;
/// - `bestAccuracy`: the largest fraction of correct decisions over t ∈ {every score, +∞}, and
///   `bestThreshold`, that t (nil for +∞: everything "different").
/// Rates and accuracy are fractions in 0…1.
public struct VerificationMetrics: Sendable, Codable, Equatable {
    /// The f of `tarAtFAR`.
    public static let falseAcceptRates = [1e-3, 1e-2, 1e-1]

    public var rocAUC: Double
    public var eer: Double
    /// Keyed by the FAR as text ("0.001", "0.01", "0.1"), as in the fixture and the JSON report.
    public var tarAtFAR: [String: Double]
    public var bestAccuracy: Double
    public var bestThreshold: Double?
    public var positives: Int
    public var negatives: Int

    enum CodingKeys: String, CodingKey {
        case rocAUC = "roc_auc", eer, tarAtFAR = "tar_at_far", bestAccuracy = "best_accuracy"
        case bestThreshold = "best_threshold", positives, negatives
    }

    /// One point of the ROC: below `threshold` pairs are called different.
    public struct ROCPoint: Sendable, Equatable {
        public var falsePositiveRate: Double
        public var truePositiveRate: Double
        /// The score threshold; +∞ for the first point (0, 0).
        public var threshold: Double
    }

    /// The ROC with every distinct score as a threshold, highest first, starting at (0, 0).
    ///
    /// - Precondition: `scores.count == same.count`, at least one positive and one negative.
    /// - Complexity: O(p log p) for p pairs (one sort).
    public static func rocCurve(scores: [Double], same: [Bool]) -> [ROCPoint] {
        precondition(scores.count == same.count, "rocCurve: \(scores.count) scores, \(same.count) labels")
        let positives = same.filter { $0 }.count, negatives = same.count - positives
        precondition(positives > 0 && negatives > 0, "rocCurve: needs positives and negatives")
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var points = [ROCPoint(falsePositiveRate: 0, truePositiveRate: 0, threshold: .infinity)]
        var truePositives = 0, falsePositives = 0, i = 0
        while i < order.count {
            let threshold = scores[order[i]]
            while i < order.count && scores[order[i]] == threshold {
                if same[order[i]] { truePositives += 1 } else { falsePositives += 1 }
                i += 1
            }
            points.append(ROCPoint(falsePositiveRate: Double(falsePositives) / Double(negatives),
                                   truePositiveRate: Double(truePositives) / Double(positives), threshold: threshold))
        }
        return points
    }

    /// The metrics of `scores` (higher = more alike) for pairs labelled `same`.
    ///
    /// - Throws: `VerificationError.needBothKinds` unless there is at least one same and one
    ///   different pair, `.nonFiniteScore` for NaN or infinite scores.
    public static func compute(scores: [Double], same: [Bool]) throws(VerificationError) -> VerificationMetrics {
        precondition(scores.count == same.count, "VerificationMetrics: \(scores.count) scores, \(same.count) labels")
        let positives = same.filter { $0 }.count, negatives = same.count - positives
        guard positives > 0 && negatives > 0 else { throw .needBothKinds(same: positives, different: negatives) }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteScore(pair: bad) }
        let roc = rocCurve(scores: scores, same: same)
        var auc = 0.0
        for k in 1..<roc.count {
            auc += (roc[k].falsePositiveRate - roc[k - 1].falsePositiveRate)
                * (roc[k].truePositiveRate + roc[k - 1].truePositiveRate) / 2
        }
        // FNR − FPR falls from 1 at (0, 0) to −1 at (1, 1): the first point at or below 0.
        func gap(_ p: ROCPoint) -> Double { 1 - p.truePositiveRate - p.falsePositiveRate }
        var eer = 0.0
        for k in roc.indices where gap(roc[k]) <= 0 {
            if gap(roc[k]) == 0 || k == 0 {
                eer = roc[k].falsePositiveRate
            } else {
                let t = gap(roc[k - 1]) / (gap(roc[k - 1]) - gap(roc[k]))
                eer = roc[k - 1].falsePositiveRate + t * (roc[k].falsePositiveRate - roc[k - 1].falsePositiveRate)
            }
            break
        }
        var tar: [String: Double] = [:]
        for f in falseAcceptRates { tar[farKey(f)] = trueAcceptRate(atFalseAcceptRate: f, roc: roc) }
        var bestAccuracy = -1.0, bestThreshold: Double? = nil
        for point in roc {
            let correct = point.truePositiveRate * Double(positives) + (1 - point.falsePositiveRate) * Double(negatives)
            let accuracy = correct / Double(positives + negatives)
            if accuracy > bestAccuracy {
                bestAccuracy = accuracy
                bestThreshold = point.threshold.isFinite ? point.threshold : nil
            }
        }
        return VerificationMetrics(
            rocAUC: auc, eer: eer, tarAtFAR: tar, bestAccuracy: bestAccuracy, bestThreshold: bestThreshold,
            positives: positives, negatives: negatives)
    }

    /// The largest TPR among the points of `roc` with FPR ≤ `f` (0 when none; the first point
    /// (0, 0) always qualifies for f ≥ 0).
    public static func trueAcceptRate(atFalseAcceptRate f: Double, roc: [ROCPoint]) -> Double {
        roc.filter { $0.falsePositiveRate <= f }.map(\.truePositiveRate).max() ?? 0
    }

    /// "0.001", "0.01", "0.1": the key of FAR `f` in `tarAtFAR`.
    public static func farKey(_ f: Double) -> String { "\(f)" }
}

/// Bad input to verification metrics.
public enum VerificationError: Error, CustomStringConvertible, Equatable {
    case needBothKinds(same: Int, different: Int)
    case nonFiniteScore(pair: Int)

    public var description: String {
        switch self {
        case .needBothKinds(let same, let different):
            return "verification needs same and different pairs, got \(same) same and \(different) different"
        case .nonFiniteScore(let pair): return "pair \(pair + 1) has a NaN or infinite score"
        }
    }
}
