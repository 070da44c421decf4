import Foundation
import Synchronization
@testable import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct ExactNearestNeighborsTests {
    /// Gaussian rows with `classes` labels; few classes give deep rankings (R large), many give
    /// queries whose first relevant item lies beyond the first max(R, 8) (the MRR second pass).
    static func data(rows: Int, dimension: Int, classes: Int, seed: UInt64) -> (Tensor, [Int], [[Double]]) {
        var rng = SplitMix64(seed: seed)
        let values = (0..<(rows * dimension)).map { _ in Float(rng.nextNormal()) }
        let labels = (0..<rows).map { _ in Int(rng.next() % UInt64(classes)) }
        let doubles = (0..<rows).map { r in (0..<dimension).map { Double(values[r * dimension + $0]) } }
        return (Tensor(shape: [rows, dimension], data: values), labels, doubles)
    }

    /// The blocked search against a Double full sort, both metrics, leave-one-out and gallery,
    /// shallow and deep rankings, several block sizes.
    @Test(arguments: [RetrievalMetric.cosine, .euclidean], [2, 7, 60])
    func matchesFullSortReference(metric: RetrievalMetric, classes: Int) throws {
        let (q, ql, qd) = Self.data(rows: 70, dimension: 6, classes: classes, seed: 11)
        let (g, gl, gd) = Self.data(rows: 90, dimension: 6, classes: classes, seed: 12)
        for blocking in [RetrievalEvaluation.Blocking(), .init(taskRows: 3, galleryBlockSize: 13, sampleSize: 20, candidateSlack: 1)] {
            let loo = try RetrievalEvaluation.run(queries: q, queryLabels: ql, labelCount: classes, metric: metric, blocking: blocking)
            let looReference = RetrievalReference.metrics(queries: qd, queryLabels: ql, gallery: nil, galleryLabels: nil, metric: metric)
            Self.expectClose(loo.overall, looReference, "\(metric) \(classes) classes leave-one-out")
            let cross = try RetrievalEvaluation.run(
                queries: q, queryLabels: ql, gallery: (g, gl), labelCount: classes, metric: metric, blocking: blocking)
            let crossReference = RetrievalReference.metrics(queries: qd, queryLabels: ql, gallery: gd, galleryLabels: gl, metric: metric)
            Self.expectClose(cross.overall, crossReference, "\(metric) \(classes) classes gallery")
        }
    }

    static func expectClose(_ a: RetrievalMetrics, _ b: RetrievalMetrics, _ context: String) {
        #expect(a.queriesEvaluated == b.queriesEvaluated && a.queriesSkipped == b.queriesSkipped, "\(context)")
        for (x, y, name) in [(a.precisionAt1, b.precisionAt1, "P@1"), (a.rPrecision, b.rPrecision, "R-precision"),
                             (a.mapAtR, b.mapAtR, "MAP@R"), (a.meanReciprocalRank, b.meanReciprocalRank, "MRR")] {
            #expect(abs(x - y) <= 1e-9, "\(context) \(name): \(x) vs \(y)")
        }
        #expect(a.recallAtK == b.recallAtK, "\(context) recall@k")
    }

    /// `nearest` returns exactly the first k of the full ranking, ties to the lower index.
    @Test func nearestListsTheTopKInOrder() {
        // Rows 0, 2, 5 identical: every query ties among them.
        var rows: [Float] = [1, 0, 0.2, 0.9, 1, 0, -1, 0.1, 0.5, 0.5, 1, 0, 0, -1]
        rows += [0.3, 0.3]
        let gallery = Tensor(shape: [8, 2], data: rows)
        var search = ExactNearestNeighbors(gallery: gallery, metric: .cosine)
        search.blocking.galleryBlockSize = 3
        search.blocking.candidateSlack = 1
        let lists = Mutex<[[Int]]>([])
        search.nearest(queries: Tensor(shape: [1, 2], data: [1, 0.01]), depths: [4], excludingSelf: false) { _, neighbours in
            lists.withLock { $0.append(Array(neighbours)) }
        }
        #expect(lists.withLock { $0 } == [[0, 2, 5, 4]])
    }

    /// Duplicate rows tie exactly, so they rank by index, whatever the gallery's size: a last,
    /// partial block computed through another BLAS path once rounded them apart (helper report,
    /// 2026-12-03: 257 copies of one image ranked copy 256 first).
    @Test(arguments: [RetrievalMetric.cosine, .euclidean], [257, 258, 260, 269, 513])
    func duplicatesRankByIndex(metric: RetrievalMetric, copies: Int) {
        // A 28×28 image's pixels, as `--baseline raw-pixels` ranks them.
        var rng = SplitMix64(seed: 0)
        let row = (0..<784).map { _ in Float(rng.next() % 256) / 255 }
        let gallery = Tensor(shape: [copies, 784], data: Array((0..<copies).map { _ in row }.joined()))
        let search = ExactNearestNeighbors(gallery: gallery, metric: metric)
        let lists = Mutex([[Int]](repeating: [], count: copies))
        search.nearest(queries: gallery, depths: [Int](repeating: 3, count: copies), excludingSelf: true) { query, neighbours in
            lists.withLock { $0[query] = Array(neighbours) }
        }
        let found = lists.withLock { $0 }
        for query in [0, 1, copies - 1] {
            #expect(found[query] == Array((0..<4).filter { $0 != query }.prefix(3)), "\(metric) \(copies) copies, query \(query)")
        }
        let single = Mutex<[Int]>([])
        search.nearest(queries: Tensor(shape: [1, 784], data: row), depths: [4], excludingSelf: false) { _, neighbours in
            single.withLock { $0 = Array(neighbours) }
        }
        #expect(single.withLock { $0 } == [0, 1, 2, 3], "\(metric) \(copies) copies, one query")
    }

    /// Quickselect puts the k largest first with the k-th largest at k − 1.
    @Test func selectLargestAgreesWithSort() {
        var rng = SplitMix64(seed: 5)
        for count in [1, 2, 3, 10, 100, 1000] {
            for k in Set([1, count / 2 + 1, count]) {
                var keys = (0..<count).map { _ in rng.next() % 50 << 32 | UInt64(rng.next() % 1_000_000) }
                let sorted = keys.sorted(by: >)
                keys.withUnsafeMutableBufferPointer { RankingKey.selectLargest($0.baseAddress!, count: count, k: k) }
                #expect(Set(keys.prefix(k)) == Set(sorted.prefix(k)), "count \(count) k \(k)")
                #expect(keys[k - 1] == sorted[k - 1], "count \(count) k \(k)")
            }
        }
    }

    @Test func badInputIsATypedError() {
        let x = Tensor(shape: [3, 2], data: [1, 0, 0, 1, .nan, 1])
        #expect(throws: RetrievalError.nonFiniteFeatures(role: "queries", row: 2)) {
            try RetrievalEvaluation.run(queries: x, queryLabels: [0, 0, 1], labelCount: 2)
        }
        #expect(throws: RetrievalError.countMismatch(role: "queries", rows: 3, labels: 2)) {
            try RetrievalEvaluation.run(queries: x, queryLabels: [0, 0], labelCount: 2)
        }
        let g = Tensor(shape: [2, 3], data: [1, 0, 0, 0, 1, 0])
        #expect(throws: RetrievalError.dimensionMismatch(query: 2, gallery: 3)) {
            try RetrievalEvaluation.run(queries: Tensor(shape: [1, 2], data: [1, 0]), queryLabels: [0], gallery: (g, [0, 1]), labelCount: 2)
        }
    }

    /// Queries whose label the gallery lacks are skipped and counted, overall and in their class.
    @Test func absentLabelsAreSkippedAndCounted() throws {
        let g = Tensor(shape: [3, 2], data: [1, 0, 0, 1, 1, 1])
        let q = Tensor(shape: [3, 2], data: [1, 0.1, 0.1, 1, 1, 0])
        let result = try RetrievalEvaluation.run(queries: q, queryLabels: [0, 2, 2], gallery: (g, [0, 1, 1]), labelCount: 3)
        #expect(result.overall.queriesEvaluated == 1 && result.overall.queriesSkipped == 2)
        #expect(result.perClass[2]?.queriesSkipped == 2 && result.perClass[1] == nil)
        #expect(result.overall.precisionAt1 == 1)
    }
}

@Suite struct RankingKeyTests {
    /// The vector left-pack lists exactly the columns a scalar compare keeps: every length 0…40
    /// (whole groups of 8 and tails), thresholds below, inside and above the values, −∞ entries
    /// (leave-one-out's own column), NaN and ±0.
    @Test func columnFilterMatchesAScalarCompare() {
        var rng = SplitMix64(seed: 21)
        for count in 0...40 {
            var row = (0..<count).map { _ in Float(rng.nextNormal()) }
            for j in stride(from: 0, to: count, by: 7) { row[j] = [-Float.infinity, .nan, 0, -0][j / 7 % 4] }
            for threshold: Float in [-.greatestFiniteMagnitude, -1, 0, 0.5, 3] {
                var kept = [UInt32](repeating: .max, count: count)
                let found = row.withUnsafeBufferPointer { r in
                    kept.withUnsafeMutableBufferPointer { k in
                        ColumnFilter.columns(of: r.baseAddress!, count: count, atLeast: threshold, into: k.baseAddress!)
                    }
                }
                let expected = (0..<count).filter { row[$0] >= threshold }.map(UInt32.init)
                #expect(Array(kept[0..<found]) == expected, "count \(count), threshold \(threshold)")
            }
        }
    }

    /// The radix sort agrees with a comparison sort, with many equal similarities (ties by index)
    /// and negative, zero and positive values.
    @Test func radixSortAgreesWithSort() {
        var rng = SplitMix64(seed: 9)
        for count in [1, 2, 7, 100, 3000] {
            for distinctValues in [3, 1000] {
                let values: [Float] = (0..<distinctValues).map { _ in Float(rng.nextNormal()) } + [0, -0.0, 1e-30, -1e30]
                var keys = (0..<count).map { i in RankingKey.make(values[Int(rng.next() % UInt64(values.count))], index: i * 7 % 100_003) }
                let expected = keys.sorted(by: >)
                var scratch = [UInt64](repeating: 0, count: max(count, 1))
                keys.withUnsafeMutableBufferPointer { k in
                    scratch.withUnsafeMutableBufferPointer { RankingKey.sortDescending(k.baseAddress!, count: count, scratch: $0.baseAddress!) }
                }
                #expect(keys == expected, "count \(count), \(distinctValues) values")
            }
        }
        #expect(RankingKey.value(RankingKey.make(-2.5, index: 3)) == -2.5 && RankingKey.index(RankingKey.make(-2.5, index: 3)) == 3)
        #expect(RankingKey.make(-0.0, index: 1) > RankingKey.make(0, index: 2), "−0 equals +0: the lower index wins")
    }
}

@Suite struct SampledThresholdTests {
    /// A sampled threshold that is often too high (margin −3 σ) sends queries to the exact
    /// search again; the lists are the same as with the default margin and as a full sort.
    @Test(arguments: [RetrievalMetric.cosine, .euclidean])
    func failedEstimatesFallBackToTheExactSearch(metric: RetrievalMetric) {
        let (g, _, gd) = ExactNearestNeighborsTests.data(rows: 400, dimension: 5, classes: 2, seed: 21)
        let (q, _, qd) = ExactNearestNeighborsTests.data(rows: 50, dimension: 5, classes: 2, seed: 22)
        let depths = (0..<50).map { 1 + $0 * 7 % 120 }
        var lists: [[[Int]]] = []
        for margin in [3.0, -3.0] {
            var search = ExactNearestNeighbors(gallery: g, metric: metric)
            search.blocking.galleryBlockSize = 50
            search.blocking.sampleSize = 100
            search.blocking.taskRows = 4
            search.estimateMargin = margin
            let found = Mutex([[Int]](repeating: [], count: 50))
            search.nearest(queries: q, depths: depths, excludingSelf: false) { query, neighbours in
                found.withLock { $0[query] = Array(neighbours) }
            }
            lists.append(found.withLock { $0 })
        }
        #expect(lists[0] == lists[1])
        for (i, query) in qd.enumerated() {
            let scored = gd.enumerated().map { j, item -> (Double, Int) in
                switch metric {
                case .cosine:
                    let dot = zip(query, item).reduce(0) { $0 + $1.0 * $1.1 }
                    return (dot / (query.reduce(0) { $0 + $1 * $1 }.squareRoot() * item.reduce(0) { $0 + $1 * $1 }.squareRoot()), j)
                case .euclidean: return (-zip(query, item).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }, j)
                }
            }.sorted { $0.0 > $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            // Equal to the Double ranking up to Float rounding: the k-th item's score is the k-th best score.
            var score = [Int: Double]()
            for (value, j) in scored { score[j] = value }
            #expect(lists[1][i].count == depths[i])
            #expect(zip(lists[1][i], scored).allSatisfy { abs(score[$0.0]! - $0.1.0) <= 1e-5 }, "query \(i)")
        }
    }
}
