/// Retrieval quality of one embedding over a set of queries (Musgrave, Belongie & Lim 2020, "A
/// Metric Learning Reality Check", arXiv 2003.08505, §3.2; definitions of
/// `shared/fixtures/README.md` section 7).
///
/// For a query with R relevant gallery items (same label; the query itself excluded in
/// leave-one-out) and rel_i = 1 when the i-th ranked item is relevant:
/// - `precisionAt1` = rel_1;
/// - `recallAtK[k]` = 1 if any of the first k items is relevant (k = 1, 2, 4, 8; pytorch-
///   metric-learning and Musgrave et al. call this Recall@K);
/// - `rPrecision` = (relevant among the first R) / R;
/// - `mapAtR` = (1/R) Σ_{i ≤ R} P@i · rel_i, P@i the precision of the first i;
/// - `meanReciprocalRank` = 1 / rank of the first relevant item in the whole ranking.
/// Every value is the mean over the evaluated queries, a fraction in 0…1. Queries with R = 0
/// (label absent from the gallery, or alone in leave-one-out) are skipped and counted.
/// P@1, R-precision and MAP@R equal pytorch-metric-learning's `AccuracyCalculator` with exact kNN.
public struct RetrievalMetrics: Sendable, Codable, Equatable {
    /// The k of `recallAtK`.
    public static let recallKs = [1, 2, 4, 8]

    public var precisionAt1: Double
    /// Keyed by k as text ("1", "2", "4", "8"), as in the fixture and the JSON report.
    public var recallAtK: [String: Double]
    public var rPrecision: Double
    public var mapAtR: Double
    public var meanReciprocalRank: Double
    public var queriesEvaluated: Int
    public var queriesSkipped: Int

    enum CodingKeys: String, CodingKey {
        case precisionAt1 = "precision_at_1"
        case recallAtK = "recall_at_k"
        case rPrecision = "r_precision"
        case mapAtR = "map_at_r"
        case meanReciprocalRank = "mean_reciprocal_rank"
        case queriesEvaluated = "queries_evaluated"
        case queriesSkipped = "queries_skipped"
    }

    public init(precisionAt1: Double, recallAtK: [String: Double], rPrecision: Double, mapAtR: Double,
                meanReciprocalRank: Double, queriesEvaluated: Int, queriesSkipped: Int) {
        self.precisionAt1 = precisionAt1
        self.recallAtK = recallAtK
        self.rPrecision = rPrecision
        self.mapAtR = mapAtR
        self.meanReciprocalRank = meanReciprocalRank
        self.queriesEvaluated = queriesEvaluated
        self.queriesSkipped = queriesSkipped
    }
}

/// Sums of per-query values, turned into means by `metrics`.
struct RetrievalAccumulator {
    var precisionAt1 = 0.0
    var recall = [Double](repeating: 0, count: RetrievalMetrics.recallKs.count)
    var rPrecision = 0.0
    var mapAtR = 0.0
    var reciprocalRank = 0.0
    var evaluated = 0
    var skipped = 0

    /// Adds one query from its relevance flags in rank order (at least max(R, 8) of them unless
    /// the gallery is smaller) and the 1-based rank of its first relevant item.
    mutating func add(relevance: [Bool], relevantCount r: Int, firstRelevantRank: Int) {
        let (hits, averagePrecision) = Self.precisionSums(relevantCount: r) { relevance[$0] }
        add(relevantCount: r, firstRelevantRank: firstRelevantRank, hitsInFirstR: hits, averagePrecisionSum: averagePrecision)
    }

    /// One query's sums from the gallery indices it ranked first (at least max(R, 8) unless the
    /// gallery is smaller), in rank order: what `add(relevance:…)` derives from its flags, in one
    /// pass over the ranking without an array; nil when none of them is relevant.
    static func querySums(neighbours: UnsafeBufferPointer<Int>, galleryLabels: UnsafeBufferPointer<Int32>, label: Int32, relevantCount r: Int)
        -> (firstRelevantRank: Int, hitsInFirstR: Int, averagePrecisionSum: Double)?
    {
        var first = 0
        while first < neighbours.count && galleryLabels[neighbours[first]] != label { first += 1 }
        guard first < neighbours.count else { return nil }
        let (hits, averagePrecision) = precisionSums(relevantCount: r) { galleryLabels[neighbours[$0]] == label }
        return (first + 1, hits, averagePrecision)
    }

    /// The relevant items among the first R and Σ_{i ≤ R} P@i · rel_i.
    @inline(__always)
    static func precisionSums(relevantCount r: Int, isRelevant: (Int) -> Bool) -> (hits: Int, averagePrecision: Double) {
        // Branch-free (relevance is a coin flip the predictor cannot learn): an irrelevant rank
        // adds exactly +0. The integer term becomes a Double through the bits of 2⁵² + term
        // (exact below 2⁵²), not a conversion instruction, whose false register dependency
        // would chain the iterations. 1/i from a table while it lasts: a multiply costs a
        // fraction of a divide.
        var hits = 0, averagePrecision = 0.0
        @inline(__always) func term(_ i: Int, _ inverse: Double) -> Double {
            let relevant = isRelevant(i) ? 1 : 0
            hits &+= relevant
            let exponent: UInt64 = 0x4330_0000_0000_0000  // the bits of 2⁵²
            return (Double(bitPattern: exponent | UInt64(relevant &* hits)) - 0x1p52) * inverse
        }
        let tabled = min(r, reciprocals.count)
        reciprocals.withUnsafeBufferPointer { inverse in
            for i in 0..<tabled { averagePrecision += term(i, inverse[i]) }
        }
        for i in tabled..<max(tabled, r) { averagePrecision += term(i, 1 / Double(i &+ 1)) }
        return (hits, averagePrecision)
    }

    /// `reciprocals[i]` = 1 / (i + 1), for the ranks most rankings reach.
    private static let reciprocals = (1...(1 << 16)).map { 1 / Double($0) }

    /// Adds one query: P@1 and Recall@K follow from the rank of the first relevant item.
    mutating func add(relevantCount r: Int, firstRelevantRank: Int, hitsInFirstR: Int, averagePrecisionSum: Double) {
        evaluated += 1
        precisionAt1 += firstRelevantRank == 1 ? 1 : 0
        for (slot, k) in RetrievalMetrics.recallKs.enumerated() where firstRelevantRank <= k {
            recall[slot] += 1
        }
        rPrecision += Double(hitsInFirstR) / Double(r)
        mapAtR += averagePrecisionSum / Double(r)
        reciprocalRank += 1 / Double(firstRelevantRank)
    }

    /// Means over the evaluated queries (0 when none was evaluated).
    var metrics: RetrievalMetrics {
        let n = Double(max(evaluated, 1))
        var recallAtK: [String: Double] = [:]
        for (slot, k) in RetrievalMetrics.recallKs.enumerated() { recallAtK[String(k)] = recall[slot] / n }
        return RetrievalMetrics(
            precisionAt1: precisionAt1 / n, recallAtK: recallAtK, rPrecision: rPrecision / n, mapAtR: mapAtR / n,
            meanReciprocalRank: reciprocalRank / n, queriesEvaluated: evaluated, queriesSkipped: skipped)
    }
}
