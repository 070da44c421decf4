import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// Plain JSON arrays and objects of `metric-learning/metric.json` cases (read with
/// `MetricFixtures.cases`, which the labelled-loss tests own).
enum MetricValues {
    static func doubles(_ object: Any?) -> [Double] { (object as? [Any] ?? []).compactMap { ($0 as? NSNumber)?.doubleValue } }
    static func expected(_ fixture: LossFixtureCase) -> [String: Any] { fixture["expected"] as? [String: Any] ?? [:] }
}

/// The retrieval metrics straight from their definitions (fixtures README §7), in Double with a
/// full sort per query: the slow reference for the blocked search.
enum RetrievalReference {
    static func metrics(
        queries: [[Double]], queryLabels: [Int], gallery: [[Double]]?, galleryLabels: [Int]?, metric: RetrievalMetric
    ) -> RetrievalMetrics {
        let leaveOneOut = gallery == nil
        let g = gallery ?? queries, gl = galleryLabels ?? queryLabels
        func normalized(_ x: [Double]) -> [Double] {
            let norm = max(x.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            return x.map { $0 / norm }
        }
        var p1 = 0.0, rp = 0.0, map = 0.0, mrr = 0.0, evaluated = 0, skipped = 0
        var recall = [Double](repeating: 0, count: RetrievalMetrics.recallKs.count)
        for (i, q) in queries.enumerated() {
            var scored: [(Double, Int)] = []
            for (j, item) in g.enumerated() where !(leaveOneOut && i == j) {
                let s: Double
                switch metric {
                case .cosine: s = zip(normalized(q), normalized(item)).reduce(0) { $0 + $1.0 * $1.1 }
                case .euclidean: s = -zip(q, item).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                }
                scored.append((s, j))
            }
            scored.sort { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            let relevance = scored.map { gl[$0.1] == queryLabels[i] }
            let r = relevance.filter { $0 }.count
            guard r > 0 else {
                skipped += 1
                continue
            }
            evaluated += 1
            p1 += relevance[0] ? 1 : 0
            for (slot, k) in RetrievalMetrics.recallKs.enumerated() where relevance.prefix(k).contains(true) { recall[slot] += 1 }
            var hits = 0, ap = 0.0
            for index in 0..<r where relevance[index] {
                hits += 1
                ap += Double(hits) / Double(index + 1)
            }
            rp += Double(hits) / Double(r)
            map += ap / Double(r)
            mrr += 1 / Double(relevance.firstIndex(of: true)! + 1)
        }
        let n = Double(max(evaluated, 1))
        var recallAtK: [String: Double] = [:]
        for (slot, k) in RetrievalMetrics.recallKs.enumerated() { recallAtK[String(k)] = recall[slot] / n }
        return RetrievalMetrics(precisionAt1: p1 / n, recallAtK: recallAtK, rPrecision: rp / n, mapAtR: map / n,
                                meanReciprocalRank: mrr / n, queriesEvaluated: evaluated, queriesSkipped: skipped)
    }
}
