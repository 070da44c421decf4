/// Exact k-nearest-neighbour search by blocked sgemm: the similarities of a block of queries
/// against a block of gallery items are one `cblas_sgemm`, and each query keeps only its best
/// candidates, so the full query × gallery matrix (10,000 × 60,000 for Fashion-MNIST's test
/// against its training set) is never held.
///
/// Ranking (fixtures README section 7): by cosine similarity of L2-normalised rows or by
/// Euclidean distance of the raw rows (`RetrievalMetric`), best first, exact ties to the lower
/// gallery index. With `excludingSelf` (leave-one-out: the queries *are* the gallery) query i
/// never sees gallery item i.
///
/// Legend: m queries, n gallery items, D features, B queries per block, G gallery items per
/// block, k_q the depth asked for query q.
public struct ExactNearestNeighbors: Sendable {
    public let metric: RetrievalMetric
    /// Gallery rows ready for the product: normalised (cosine) or `[2g, −‖g‖²]` (Euclidean),
    /// `[n, D′]` with D′ = D (cosine) or D + 1 (Euclidean), in the visiting order `order`.
    private let prepared: Tensor
    /// `order[p]`: the gallery index stored at row p of `prepared` (a fixed seeded permutation,
    /// so that any block is a uniform sample; results do not depend on it).
    private let order: [UInt32]
    /// `position[i]`: the row of `prepared` holding gallery item i.
    private let position: [Int]
    /// Rows of `prepared` that are bit-identical to another row, in increasing order, and for
    /// each the first row of its group. BLAS kernels round a dot product differently by the
    /// position of its row in a call and by the call's shape, so duplicates (duplicate images)
    /// would tie only by chance:
    /// their similarities are recomputed by one fixed-order loop, equal within a group, and the
    /// group ranks by index as exact ties do.
    private let duplicates: [Int]
    private let firstOfGroup: [Int]
    /// How the work is cut; the results do not depend on it.
    public struct Blocking: Sendable {
        /// Queries per task (at most; the queries are cut into a multiple of the worker count of
        /// equal tasks, fewer rows when deep rankings need more candidate memory): a task runs one
        /// core's single-threaded sgemm against each gallery block; enough rows that the gallery
        /// block, packed once per product, serves many queries.
        public var taskRows: Int
        /// Gallery items per block: a task's `[taskRows, G]` similarities (512 KB by default) stay
        /// in the core's L2 cache between the product that writes them and the pass that reads
        /// them. With D = 128, OpenBLAS runs `[512…1024, 128]·[128, 256]` at its large-matrix speed.
        public var galleryBlockSize: Int
        /// Gallery items (rounded up to whole blocks) from which each query estimates its threshold.
        public var sampleSize: Int
        /// A query keeping k candidates compacts its buffer when it holds max(2k, k + slack).
        public var candidateSlack: Int

        public init(taskRows: Int = 512, galleryBlockSize: Int = 256, sampleSize: Int = 2048,
                    candidateSlack: Int = 1024) {
            self.taskRows = taskRows
            self.galleryBlockSize = galleryBlockSize
            self.sampleSize = sampleSize
            self.candidateSlack = candidateSlack
        }
    }
    public var blocking = Blocking()
    /// Upper bound on the candidate buffers of the tasks running at once, in bytes.
    public var candidateBudgetBytes = 128 << 20
    /// How many standard deviations the sampled threshold is lowered by (lower: fewer
    /// candidates, more queries searched again; results do not depend on it).
    var estimateMargin = 3.0

    /// n, the number of gallery items.
    public var galleryCount: Int { prepared.shape[0] }
    /// D, the feature dimension queries must have.
    public let dimension: Int

    /// - Parameter gallery: `[n, D]`, finite, n < 2³².
    /// - Precondition: `gallery` is a non-empty 2-D tensor.
    public init(gallery: Tensor, metric: RetrievalMetric) {
        precondition(gallery.rank == 2 && gallery.shape[0] > 0 && gallery.shape[0] < Int(UInt32.max),
                     "ExactNearestNeighbors: gallery \(gallery.shape)")
        self.metric = metric
        self.dimension = gallery.shape[1]
        let n = gallery.shape[0]
        var order = (0..<n).map { UInt32($0) }
        var rng = SplitMix64(seed: 0x5EED)
        order.shuffle(using: &rng)
        var position = [Int](repeating: 0, count: n)
        for (p, index) in order.enumerated() { position[Int(index)] = p }
        let shuffled = Self.prepare(gallery, metric: metric, isGallery: true, rowOrder: order)
        self.prepared = shuffled
        (self.duplicates, self.firstOfGroup) = Self.duplicateRows(shuffled)
        self.order = order
        self.position = position
    }

    /// The rows of `x` (`[n, w]`) equal bit for bit to another row, ascending, and the first
    /// row of each one's group.
    static func duplicateRows(_ x: Tensor) -> (rows: [Int], first: [Int]) {
        let n = x.shape[0], w = x.shape[1]
        return x.withUnsafeBufferPointer { p in
            var firstWith: [RowBits: Int] = [:]
            firstWith.reserveCapacity(n)
            var first = [Int](repeating: -1, count: n)  // -1: no earlier equal row
            var inGroup = [Bool](repeating: false, count: n)
            for r in 0..<n {
                let bits = RowBits(UnsafeRawBufferPointer(start: p.baseAddress! + r * w, count: 4 * w))
                if let earlier = firstWith[bits] {
                    first[r] = earlier
                    inGroup[r] = true
                    inGroup[earlier] = true
                } else {
                    firstWith[bits] = r
                }
            }
            let rows = (0..<n).filter { inGroup[$0] }
            return (rows, rows.map { first[$0] < 0 ? $0 : first[$0] })
        }
    }

    /// A row's bytes as a dictionary key (valid while the tensor's storage is), hashed once by a
    /// word-wise multiply–xorshift (the standard hasher over every byte cost more than the rest
    /// of the gallery's preparation); equality compares the bytes.
    private struct RowBits: Hashable {
        let bytes: UnsafeRawBufferPointer
        let digest: UInt64

        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
            var i = 0
            while i + 8 <= bytes.count {
                h = (h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
                h ^= h >> 32
                i += 8
            }
            while i < bytes.count {
                h = (h ^ UInt64(bytes[i])) &* 0xFF51_AFD7_ED55_8CCD
                i += 1
            }
            self.digest = h
        }

        static func == (a: RowBits, b: RowBits) -> Bool { a.digest == b.digest && a.bytes.elementsEqual(b.bytes) }
        func hash(into hasher: inout Hasher) { hasher.combine(digest) }
    }

    /// Overwrites the similarities of the duplicate rows in columns `galleryStart..<galleryStart
    /// + columns` (C row r at `c + r·ldc`) with a fixed-order dot product of the query row and the
    /// group's first row.
    static func equaliseDuplicates(
        _ c: UnsafeMutablePointer<Float>, ldc: Int, queries: UnsafePointer<Float>, rows: Int, width: Int,
        gallery: UnsafePointer<Float>, galleryStart: Int, columns: Int, duplicates: [Int], firstOfGroup: [Int]
    ) {
        guard !duplicates.isEmpty else { return }
        var low = 0, high = duplicates.count  // the first duplicate ≥ galleryStart
        while low < high {
            let middle = (low + high) / 2
            if duplicates[middle] < galleryStart { low = middle + 1 } else { high = middle }
        }
        var i = low
        while i < duplicates.count && duplicates[i] < galleryStart + columns {
            let row = gallery + firstOfGroup[i] * width, column = duplicates[i] - galleryStart
            for r in 0..<rows { c[r * ldc + column] = fixedOrderDot(queries + r * width, row, count: width) }
            i += 1
        }
    }

    /// Σ a[j]·b[j] in one fixed order (16 lanes, then the lanes and the tail), whatever the
    /// rows' positions: equal inputs give equal sums.
    @inline(__always)
    static func fixedOrderDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var j = 0
        while j + 16 <= count {
            lanes += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD16<Float>.self)
                * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD16<Float>.self)
            j += 16
        }
        var sum = lanes.sum()
        while j < count {
            sum += a[j] * b[j]
            j += 1
        }
        return sum
    }

    /// Rows as the product needs them: normalised for cosine; `[2g, −‖g‖²]` (gallery) or
    /// `[q, 1]` (queries) for Euclidean, so that one dot product gives 2q·g − ‖g‖². Row p of the
    /// result is made from row `rowOrder[p]` of `x` (row p without an order). Rows are
    /// independent, so the cores split them.
    static func prepare(_ x: Tensor, metric: RetrievalMetric, isGallery: Bool, rowOrder: [UInt32]? = nil) -> Tensor {
        let rows = x.shape[0], d = x.shape[1], width = metric == .euclidean ? d + 1 : d
        var out = Tensor(shape: [rows, width])
        x.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                let s = SendableConstPointer(source.baseAddress!), t = SendablePointer(target.baseAddress!)
                Parallel.forEachChunk(rows, minimumChunk: 4096) { chunk in
                    for p in chunk {
                        let row = s.base + (rowOrder.map { Int($0[p]) } ?? p) * d, out = t.base + p * width
                        var squares: Float = 0
                        for j in 0..<d { squares += row[j] * row[j] }
                        switch metric {
                        case .cosine:
                            let inverse = 1 / max(squares.squareRoot(), 1e-12)
                            for j in 0..<d { out[j] = row[j] * inverse }
                        case .euclidean:
                            for j in 0..<d { out[j] = isGallery ? 2 * row[j] : row[j] }
                            out[d] = isGallery ? -squares : 1
                        }
                    }
                }
            }
        }
        return out
    }

    /// The best `depths[q]` gallery items of every query, best first.
    ///
    /// `visit(q, neighbours)` is called once per query with `depths[q] > 0`, in no particular
    /// order and concurrently from the worker threads (for distinct queries); `neighbours` holds
    /// gallery indices and is valid only during the call.
    ///
    /// How the candidates stay few: the gallery is visited in a fixed pseudo-random order
    /// (`order`), so its first `sampleSize` items are a uniform sample of it; from them each query
    /// estimates a similarity below which its best k_q almost surely do not fall (the sample's
    /// quantile k_q/n, lowered by three standard deviations) and keeps only items above it. At
    /// the end the estimate is checked (at least k_q kept items above it); a query for which it
    /// was too high is searched again without it, so the result is exact either way.
    ///
    /// - Parameters:
    ///   - queries: `[m, D]`.
    ///   - depths: `[m]`, each in `0...n` (`0...n−1` with `excludingSelf`); 0 skips the query.
    ///   - excludingSelf: leave-one-out; requires the queries to be the gallery (m = n, same rows).
    /// - Precondition: shapes as above.
    /// - Complexity: one sgemm `[B, D′]·[D′, G]` per pair of blocks (2·m·n·D′ flops in all), a
    ///   compare per similarity, and per query a linear radix sort of its candidates (about
    ///   1.15·k_q + the sample's best when the estimate holds).
    public func nearest(
        queries: Tensor, depths: [Int], excludingSelf: Bool,
        visit: @Sendable (_ query: Int, _ neighbours: UnsafeBufferPointer<Int>) -> Void
    ) {
        let n = galleryCount
        precondition(queries.rank == 2 && queries.shape[1] == dimension && depths.count == queries.shape[0],
                     "ExactNearestNeighbors: queries \(queries.shape), depths [\(depths.count)], gallery [\(n), \(dimension)]")
        precondition(!excludingSelf || queries.shape[0] == n, "ExactNearestNeighbors: leave-one-out needs the gallery as queries")
        let available = excludingSelf ? n - 1 : n
        precondition(depths.allSatisfy { $0 >= 0 && $0 <= available }, "ExactNearestNeighbors: depths must lie in 0...\(available)")
        let q = Self.prepare(queries, metric: metric, isGallery: false)
        search(queries: q, rows: Array(0..<queries.shape[0]), depths: depths, excludingSelf: excludingSelf, estimate: true, visit: visit)
    }

    /// `nearest` over the prepared query rows `rows` (global indices); `estimate` enables the
    /// sampled threshold (off when searching again for the queries it failed).
    ///
    /// The queries are cut into equal tasks of at most `taskRows`, as many as a multiple of the
    /// worker count; each task runs on one core with single-threaded sgemm (as the convolutions
    /// do) through every gallery block, keeping its candidates in its worker's buffers, then
    /// sorts and visits its queries. The cores wait for each other only once, at the end.
    private func search(
        queries q: Tensor, rows queryRows: [Int], depths: [Int], excludingSelf: Bool, estimate: Bool,
        visit: @Sendable (_ query: Int, _ neighbours: UnsafeBufferPointer<Int>) -> Void
    ) {
        let n = galleryCount, width = prepared.shape[1], m = queryRows.count
        let g = min(blocking.galleryBlockSize, n)
        let sample = min(n, (min(blocking.sampleSize, n) + g - 1) / g * g)  // whole blocks
        let deepest = queryRows.map { depths[$0] }.max() ?? 0
        guard deepest > 0 else { return }
        let capacity = max(2 * deepest, deepest + blocking.candidateSlack, estimate ? sample + deepest : 0)
        let workers = Parallel.workerCount
        let limit = max(1, min(blocking.taskRows, m, candidateBudgetBytes / (8 * capacity * workers)))
        let tasks = min(m, (m + workers * limit - 1) / (workers * limit) * workers)
        let rowsPerTask = (m + tasks - 1) / tasks  // the largest task; each worker's buffers hold one
        let slots = workers * rowsPerTask
        let block = UnsafeMutablePointer<Float>.allocate(capacity: slots * width)
        let similarities = UnsafeMutablePointer<Float>.allocate(capacity: slots * g)
        let scratch = UnsafeMutablePointer<UInt64>.allocate(capacity: workers * capacity)
        let kept = UnsafeMutablePointer<UInt32>.allocate(capacity: workers * g)
        let candidates = UnsafeMutablePointer<UInt64>.allocate(capacity: slots * capacity)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        let taskDepths = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        let selves = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        let failed = UnsafeMutablePointer<Bool>.allocate(capacity: slots)
        let taskQueries = UnsafeMutablePointer<Int>.allocate(capacity: slots)
        let searchAgain = UnsafeMutablePointer<Bool>.allocate(capacity: m)
        searchAgain.initialize(repeating: false, count: m)
        defer {
            block.deallocate()
            similarities.deallocate()
            scratch.deallocate()
            kept.deallocate()
            candidates.deallocate()
            counts.deallocate()
            taskDepths.deallocate()
            selves.deallocate()
            failed.deallocate()
            taskQueries.deallocate()
            searchAgain.deallocate()
        }
        let shared = (block: SendablePointer(block), similarities: SendablePointer(similarities), scratch: SendablePointer(scratch),
                      kept: SendablePointer(kept),
                      candidates: SendablePointer(candidates), counts: SendablePointer(counts),
                      depths: SendablePointer(taskDepths), selves: SendablePointer(selves), failed: SendablePointer(failed),
                      queries: SendablePointer(taskQueries), searchAgain: SendablePointer(searchAgain))
        let margin = estimateMargin
        q.withUnsafeBufferPointer { qp in
            prepared.withUnsafeBufferPointer { gp in
                order.withUnsafeBufferPointer { op in
                    let gallery = SendableConstPointer(gp.baseAddress!), order = SendableConstPointer(op.baseAddress!)
                    let source = SendableConstPointer(qp.baseAddress!)
                    BLAS.withSingleThreadedCalls {
                        // Task t owns query rows [t·m/tasks, (t+1)·m/tasks) and their
                        // `searchAgain` flags; worker w owns slots [w·rowsPerTask, …) of every
                        // per-row buffer and scratch w. Nothing overlaps.
                        Parallel.forEachTask(tasks, workers: workers) { task, worker in
                            let rows = (task * m / tasks)..<((task + 1) * m / tasks), first = worker * rowsPerTask
                            for (r, i) in rows.enumerated() {
                                let query = queryRows[i], slot = first + r
                                shared.queries.base[slot] = query
                                shared.depths.base[slot] = depths[query]
                                shared.selves.base[slot] = excludingSelf ? position[query] : -1
                                shared.failed.base[slot] = false
                                (shared.block.base + slot * width).update(from: source.base + query * width, count: width)
                            }
                            Self.runTask(
                                rows: 0..<rows.count, width: width, galleryCount: n,
                                galleryBlock: g, sample: sample, capacity: capacity, estimate: estimate, margin: margin,
                                duplicates: duplicates, firstOfGroup: firstOfGroup,
                                gallery: gallery.base, order: order.base, block: shared.block.base + first * width,
                                similarities: shared.similarities.base + first * g, scratch: shared.scratch.base + worker * capacity,
                                kept: shared.kept.base + worker * g,
                                candidates: shared.candidates.base + first * capacity, counts: shared.counts.base + first,
                                depths: shared.depths.base + first, selves: shared.selves.base + first,
                                failed: shared.failed.base + first, queries: shared.queries.base + first, visit: visit)
                            for (r, i) in rows.enumerated() where shared.depths.base[first + r] > 0 && shared.failed.base[first + r] {
                                shared.searchAgain.base[i] = true
                            }
                        }
                    }
                }
            }
        }
        let retry = (0..<m).filter { searchAgain[$0] }.map { queryRows[$0] }
        if !retry.isEmpty {
            precondition(estimate, "ExactNearestNeighbors: non-finite features (query \(retry[0]))")
            search(queries: q, rows: retry, depths: depths, excludingSelf: excludingSelf, estimate: false, visit: visit)
        }
    }

    /// One task of `search`: its query rows `rows` through the whole gallery, then each
    /// row's check, sort and visit (`queries[r]` is row r's global index). `scratch` holds
    /// `capacity` keys; the threshold is estimated once the first `sample` columns are in.
    private static func runTask(
        rows: Range<Int>, width: Int, galleryCount n: Int, galleryBlock g: Int, sample: Int, capacity: Int, estimate: Bool,
        margin: Double, duplicates: [Int], firstOfGroup: [Int],
        gallery: UnsafePointer<Float>, order: UnsafePointer<UInt32>, block: UnsafeMutablePointer<Float>,
        similarities: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt64>, kept: UnsafeMutablePointer<UInt32>,
        candidates: UnsafeMutablePointer<UInt64>, counts: UnsafeMutablePointer<Int>, depths: UnsafeMutablePointer<Int>,
        selves: UnsafeMutablePointer<Int>, failed: UnsafeMutablePointer<Bool>, queries: UnsafeMutablePointer<Int>,
        visit: @Sendable (_ query: Int, _ neighbours: UnsafeBufferPointer<Int>) -> Void
    ) {
        var thresholds = [Float](repeating: -.infinity, count: rows.count)
        var estimates = [Float](repeating: -.infinity, count: rows.count)
        for r in rows { counts[r] = 0 }
        var galleryStart = 0
        while galleryStart < n {
            let columns = min(g, n - galleryStart)
            BLAS.sgemm(.none, .transposed, m: rows.count, n: columns, k: width,
                       a: block + rows.lowerBound * width, lda: width, b: gallery + galleryStart * width, ldb: width,
                       c: similarities, ldc: columns)
            equaliseDuplicates(similarities, ldc: columns, queries: block + rows.lowerBound * width, rows: rows.count, width: width,
                               gallery: gallery, galleryStart: galleryStart, columns: columns, duplicates: duplicates,
                               firstOfGroup: firstOfGroup)
            for (local, r) in rows.enumerated() {
                // Leave-one-out: query r is gallery row selves[r]; hide it where it falls here.
                let own = selves[r] - galleryStart
                if selves[r] >= 0 && own >= 0 && own < columns { similarities[local * columns + own] = -.infinity }
                let depth = depths[r]
                guard depth > 0 else { continue }
                let keys = candidates + r * capacity
                collect(row: similarities + local * columns, count: columns, order: order + galleryStart, depth: depth,
                        candidates: keys, capacity: capacity, filled: &counts[r], threshold: &thresholds[local], kept: kept)
                let sampled = galleryStart + columns
                if estimate && galleryStart < sample && sampled >= sample && sampled < n && thresholds[local] == -.infinity {
                    // Expected rank of the depth-th best in this uniform sample, lowered by `margin` σ.
                    let expected = Double(depth) * Double(sampled) / Double(n)
                    let rank = Int(max(1, expected + margin * expected.squareRoot() + 1).rounded(.up))
                    if rank < counts[r] {
                        // The sample's best `rank` first; the rest are ≤ the estimate and are
                        // dropped (if one was needed after all, the final check sends the query
                        // to the exact search).
                        RankingKey.selectLargest(keys, count: counts[r], k: rank)
                        estimates[local] = RankingKey.value(keys[rank - 1])
                        thresholds[local] = estimates[local]
                        counts[r] = rank
                    }
                }
            }
            galleryStart += columns
        }
        for (local, r) in rows.enumerated() where depths[r] > 0 {
            let keys = candidates + r * capacity
            let depth = depths[r], count = counts[r]
            // The radix sort is linear: sorting every candidate costs less than selecting first.
            RankingKey.sortDescending(keys, count: count, scratch: scratch)
            // Exact only if the best `depth` all lie above the sampled estimate (−∞ without one).
            if count < depth || !(RankingKey.value(keys[depth - 1]) > estimates[local]) {
                failed[r] = true  // the sampled threshold was too high: searched again without it
                continue
            }
            // The best `depth` as gallery indices, in place (Int and UInt64 share size and
            // alignment), here on the task's core rather than on the visiting thread.
            keys.withMemoryRebound(to: Int.self, capacity: depth) { slots in
                for i in 0..<depth { slots[i] = RankingKey.index(UInt64(UInt(bitPattern: slots[i]))) }
                visit(queries[r], UnsafeBufferPointer(start: slots, count: depth))
            }
        }
    }

    /// Appends the similarities of one query row that can still reach its best `depth`
    /// (at least `threshold`), compacting to the best `depth` when the buffer fills.
    /// `order[j]` is the gallery index of column j; `kept` is scratch for `count` columns.
    ///
    /// Two stages: `ColumnFilter` lists the columns that reach the threshold without a branch
    /// (about a tenth of them are kept with MAP@R's depth R ≈ n/10), then keys are made for those.
    ///
    /// A compaction's threshold (the depth-th best so far) only rises, and an item equal to it
    /// ranks below every kept item with that value only if its index is higher; gallery indices
    /// do not arrive in increasing order, so equal items are kept (`>=` after a compaction).
    @inline(__always)
    static func collect(
        row: UnsafePointer<Float>, count: Int, order: UnsafePointer<UInt32>, depth: Int,
        candidates: UnsafeMutablePointer<UInt64>, capacity: Int, filled: inout Int, threshold: inout Float,
        kept: UnsafeMutablePointer<UInt32>
    ) {
        // -∞ marks the query itself (leave-one-out) and is never kept, even while the threshold is -∞.
        var floor = max(threshold, -Float.greatestFiniteMagnitude), n = filled
        let found = ColumnFilter.columns(of: row, count: count, atLeast: floor, into: kept)
        for i in 0..<found {
            let column = Int(truncatingIfNeeded: kept[i]), value = row[column]
            if n == capacity {
                RankingKey.selectLargest(candidates, count: n, k: depth)
                n = depth
                threshold = max(threshold, RankingKey.value(candidates[depth - 1]))
                floor = max(floor, threshold)
            }
            guard value >= floor else { continue }  // only after a compaction raised the floor
            candidates[n] = RankingKey.make(value, index: Int(order[column]))
            n &+= 1
        }
        filled = n
    }

    /// The 1-based rank, in the whole ranking, of the best gallery item `relevant` accepts, for
    /// each query in `rows` (nil when it accepts none). Two sweeps over the gallery for those
    /// queries: the best relevant key, then how many items rank above it.
    ///
    /// - Complexity: 2 × (2·|rows|·n·D′) flops.
    public func rankOfFirstRelevant(
        queries: Tensor, rows queryRows: [Int], excludingSelf: Bool, relevant: (_ query: Int, _ galleryIndex: Int) -> Bool
    ) -> [Int?] {
        let n = galleryCount, width = prepared.shape[1]
        let all = Self.prepare(queries, metric: metric, isGallery: false)
        let b = 64, g = min(blocking.galleryBlockSize, n)
        var similarities = [Float](repeating: 0, count: b * g)
        var result: [Int?] = []
        var subset = [Float](repeating: 0, count: b * width)
        var start = 0
        while start < queryRows.count {
            let rows = Array(queryRows[start..<min(start + b, queryRows.count)])
            for (r, query) in rows.enumerated() {
                for j in 0..<width { subset[r * width + j] = all.data[query * width + j] }
            }
            var best = [UInt64?](repeating: nil, count: rows.count)
            var above = [Int](repeating: 0, count: rows.count)
            for sweep in 0..<2 {
                var galleryStart = 0
                while galleryStart < n {
                    let columns = min(g, n - galleryStart)
                    subset.withUnsafeBufferPointer { qp in
                        prepared.withUnsafeBufferPointer { gp in
                            similarities.withUnsafeMutableBufferPointer { sp in
                                BLAS.sgemm(.none, .transposed, m: rows.count, n: columns, k: width,
                                           a: qp.baseAddress!, lda: width, b: gp.baseAddress! + galleryStart * width, ldb: width,
                                           c: sp.baseAddress!, ldc: columns)
                                Self.equaliseDuplicates(
                                    sp.baseAddress!, ldc: columns, queries: qp.baseAddress!, rows: rows.count, width: width,
                                    gallery: gp.baseAddress!, galleryStart: galleryStart, columns: columns, duplicates: duplicates,
                                    firstOfGroup: firstOfGroup)
                            }
                        }
                    }
                    for (r, query) in rows.enumerated() {
                        for j in 0..<columns {
                            let index = Int(order[galleryStart + j])
                            if excludingSelf && index == query { continue }
                            let key = RankingKey.make(similarities[r * columns + j], index: index)
                            if sweep == 0 {
                                if relevant(query, index) && key > (best[r] ?? 0) { best[r] = key }
                            } else if let target = best[r], key > target {
                                above[r] += 1
                            }
                        }
                    }
                    galleryStart += columns
                }
            }
            for r in rows.indices { result.append(best[r] == nil ? nil : above[r] + 1) }
            start += rows.count
        }
        return result
    }
}
