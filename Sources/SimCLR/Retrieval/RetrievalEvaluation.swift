/// Retrieval metrics of an embedding, overall and per query class: exact kNN
/// (`ExactNearestNeighbors`), then `RetrievalMetrics` per query.
///
/// Legend: m queries, n gallery items, D features.
public enum RetrievalEvaluation {
    /// The result: overall metrics and, per query label, the same metrics over that label's queries.
    public struct Result: Sendable, Equatable {
        public var overall: RetrievalMetrics
        /// Indexed by label; nil for labels with no query.
        public var perClass: [RetrievalMetrics?]
        public var seconds: Double
    }

    /// Block sizes of the search; the results do not depend on them.
    public typealias Blocking = ExactNearestNeighbors.Blocking

    /// Evaluates `queries` against `gallery`, or leave-one-out within `queries` when `gallery` is nil.
    ///
    /// - Parameters:
    ///   - queries: `[m, D]` embeddings, `queryLabels` `[m]`.
    ///   - gallery: `[n, D]` embeddings with `galleryLabels` `[n]`, or nil for leave-one-out.
    ///   - labelCount: labels lie in `0..<labelCount` (queries and gallery share one label space;
    ///     a query label with no gallery item is skipped and counted).
    /// - Throws: `RetrievalError` for an empty set, mismatched shapes, labels out of range or
    ///   non-finite features.
    /// - Complexity: 2·m·n·D flops in blocked sgemm, plus sorting max(R, 8) candidates per query.
    public static func run(
        queries: Tensor, queryLabels: [Int], gallery: (features: Tensor, labels: [Int])? = nil,
        labelCount: Int, metric: RetrievalMetric = .cosine, blocking: Blocking = Blocking()
    ) throws(RetrievalError) -> Result {
        let start = System.now()
        try RetrievalError.check(queries, labels: queryLabels, labelCount: labelCount, role: "queries")
        if let gallery {
            try RetrievalError.check(gallery.features, labels: gallery.labels, labelCount: labelCount, role: "gallery")
            guard gallery.features.shape[1] == queries.shape[1] else {
                throw .dimensionMismatch(query: queries.shape[1], gallery: gallery.features.shape[1])
            }
        }
        let leaveOneOut = gallery == nil
        let galleryFeatures = gallery?.features ?? queries
        let galleryLabels = gallery?.labels ?? queryLabels
        var perLabel = [Int](repeating: 0, count: labelCount)
        for label in galleryLabels { perLabel[label] += 1 }
        let n = galleryLabels.count
        let available = leaveOneOut ? n - 1 : n
        let relevantCounts = queryLabels.map { perLabel[$0] - (leaveOneOut ? 1 : 0) }
        let maxK = RetrievalMetrics.recallKs.max()!
        let depths = relevantCounts.map { r in r > 0 ? min(max(r, maxK), available) : 0 }

        // Per-query sums, written concurrently by the search (each query once) and added up
        // in query order afterwards, so the result does not depend on the scheduling.
        typealias Sums = (firstRelevantRank: Int, hitsInFirstR: Int, averagePrecisionSum: Double)
        let m = queryLabels.count
        let sums = UnsafeMutablePointer<Sums?>.allocate(capacity: m)
        sums.initialize(repeating: nil, count: m)
        // A query whose first max(R, 8) hold nothing relevant: their relevance flags.
        let unranked = UnsafeMutablePointer<[Bool]?>.allocate(capacity: m)
        unranked.initialize(repeating: nil, count: m)
        defer {
            sums.deinitialize(count: m)
            sums.deallocate()
            unranked.deinitialize(count: m)
            unranked.deallocate()
        }
        var search = ExactNearestNeighbors(gallery: galleryFeatures, metric: metric)
        search.blocking = blocking
        // 4 bytes a label: the rankings visit the gallery's labels in random order.
        let compactLabels = galleryLabels.map { Int32($0) }
        compactLabels.withUnsafeBufferPointer { labelBuffer in
            let labels = SendableConstPointer(labelBuffer.baseAddress!), count = labelBuffer.count
            let output = (sums: SendablePointer(sums), unranked: SendablePointer(unranked))
            search.nearest(queries: queries, depths: depths, excludingSelf: leaveOneOut) { query, neighbours in
                let labels = UnsafeBufferPointer(start: labels.base, count: count)
                let label = Int32(queryLabels[query])
                if let found = RetrievalAccumulator.querySums(
                    neighbours: neighbours, galleryLabels: labels, label: label, relevantCount: relevantCounts[query]) {
                    output.sums.base[query] = found
                } else {
                    output.unranked.base[query] = neighbours.map { labels[$0] == label }
                }
            }
        }
        var overall = RetrievalAccumulator()
        var perClass = [RetrievalAccumulator](repeating: RetrievalAccumulator(), count: labelCount)
        var missing: [(query: Int, relevance: [Bool])] = []
        for query in 0..<m {
            let label = queryLabels[query], r = relevantCounts[query]
            if let found = sums[query] {
                overall.add(relevantCount: r, firstRelevantRank: found.firstRelevantRank, hitsInFirstR: found.hitsInFirstR,
                            averagePrecisionSum: found.averagePrecisionSum)
                perClass[label].add(relevantCount: r, firstRelevantRank: found.firstRelevantRank, hitsInFirstR: found.hitsInFirstR,
                                    averagePrecisionSum: found.averagePrecisionSum)
            } else if let relevance = unranked[query] {
                missing.append((query, relevance))
            }
        }
        if !missing.isEmpty {
            let ranks = search.rankOfFirstRelevant(
                queries: queries, rows: missing.map(\.query), excludingSelf: leaveOneOut
            ) { query, index in galleryLabels[index] == queryLabels[query] }
            for ((query, relevance), rank) in zip(missing, ranks) {
                let label = queryLabels[query]
                // R > 0, so a relevant item exists; it ranks below the first max(R, 8).
                let rank = rank ?? available
                overall.add(relevance: relevance, relevantCount: relevantCounts[query], firstRelevantRank: rank)
                perClass[label].add(relevance: relevance, relevantCount: relevantCounts[query], firstRelevantRank: rank)
            }
        }
        for (query, r) in relevantCounts.enumerated() where r <= 0 {
            overall.skipped += 1
            perClass[queryLabels[query]].skipped += 1
        }
        return Result(
            overall: overall.metrics,
            perClass: perClass.map { $0.evaluated + $0.skipped > 0 ? $0.metrics : nil },
            seconds: System.now() - start)
    }
}
