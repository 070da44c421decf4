/// The triplet margin loss over a labelled batch (`--supervision labels --loss triplet`): every
/// row is an anchor, the other rows with its label are its positives, the rest its negatives,
/// with Euclidean distances D (no epsilon; between the rows of z, or of z/‖z‖ with `.l2`
/// normalisation) and hinge terms `max(0, D(a, p) − D(a, n) + m)`. The derivative of max(0, x)
/// at x = 0 is taken as 0, and a distance of exactly 0 has gradient 0.
///
/// - `.batchHard` (Hermans, Beyer & Leibe 2017, arXiv 1703.07737): per anchor with a positive
///   and a negative, the farthest positive and the nearest negative (first index on ties); the
///   mean over those anchors (inactive ones count as 0). Equals pytorch-metric-learning's
///   `TripletMarginLoss` with `BatchHardMiner` and `MeanReducer` (fixtures README §7).
/// - `.batchAll`: every (a, p, n); the mean over the active triplets (hinge > 0), 0 with no
///   gradient when none is (pytorch-metric-learning's default `AvgNonZeroReducer`; as
///   `TripletLoss`'s view version).
/// - `.semiHard` (Schroff, Kalenichenko & Philbin 2015, arXiv 1503.03832; TensorFlow Addons'
///   `triplet_semihard_loss`): per ordered (a, p), the nearest negative farther than p,
///   `D(a, n) > D(a, p)`, or the farthest negative when there is none; the mean over the
///   (a, p) pairs that have a negative.
///
/// The in-batch accuracy counts the anchors with a positive whose nearest other row is a positive
/// (strictly).
///
/// - Complexity: B²·P for the distances, two sgemms for the gradient, and per anchor O(B) for
///   `.batchHard`, O(|positives|·|negatives|) for the other two.
public final class LabeledTripletLoss: ViewEmbeddingLoss {
    /// Margin m > 0, in Euclidean distance units (at most 2 apart on the unit sphere).
    public let margin: Float
    public let mining: TripletMining
    public let normalization: EmbeddingNormalization
    let matrix = ViewDistanceMatrix()
    let anchorLosses = LossWorkspace()
    let anchorCounts = LossWorkspace()
    let anchorHits = LossWorkspace()

    /// - Throws: `LossError.nonPositiveMargin` unless `margin` is finite and > 0.
    public init(margin: Float, mining: TripletMining = .batchHard, normalization: EmbeddingNormalization = .l2) throws(LossError) {
        guard margin > 0, margin.isFinite else { throw .nonPositiveMargin(margin) }
        self.margin = margin
        self.mining = mining
        self.normalization = normalization
    }

    /// The loss with the views' own pairing as labels (one positive per anchor).
    public func lossAndGradient(embeddings: Tensor, embeddingGradient: inout Tensor) throws(LossError) -> ViewLossResult {
        try lossAndGradient(embeddings: embeddings, labels: nil, embeddingGradient: &embeddingGradient)
    }

    public func lossAndGradient(
        embeddings: Tensor, labels: [Int]?, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "LabeledTripletLoss: embeddings must be [B, P], got \(embeddings.shape)")
        let rows = embeddings.shape[0], dimension = embeddings.shape[1]
        let classes = BatchClasses(labels: try BatchClasses.resolve(labels, rows: rows))
        if embeddingGradient.shape != embeddings.shape { embeddingGradient = Tensor(shape: embeddings.shape) }
        embeddings.withUnsafeBufferPointer { z in
            matrix.prepare(z.baseAddress!, rows: rows, dimension: dimension,
                           normalization: normalization, metric: .euclidean(epsilon: 0))
        }
        let losses = SendablePointer(anchorLosses.reserve(rows)), counts = SendablePointer(anchorCounts.reserve(rows))
        let hits = SendablePointer(anchorHits.reserve(rows))
        let distances = SendablePointer(matrix.distances), coefficients = SendablePointer(matrix.coefficients)
        let margin = self.margin, mining = self.mining
        classes.classOf.withUnsafeBufferPointer { classBuffer in
            let classOf = SendableConstPointer(classBuffer.baseAddress!)
            // Each chunk writes only the W rows and slots of its own anchors, and has its own
            // scratch: no overlap.
            Parallel.forEachChunk(rows, minimumChunk: max(1, 4096 / rows)) { range in
                let scratch = AnchorScratch(rows: rows)
                defer { scratch.deallocate() }
                for anchor in range {
                    let row = AnchorRow(
                        anchor: anchor, rows: rows, distances: distances.base + anchor * rows,
                        coefficients: coefficients.base + anchor * rows, classOf: classOf.base, scratch: scratch)
                    let result: (loss: Float, count: Float)
                    switch mining {
                    case .batchHard: result = row.batchHard(margin: margin)
                    case .batchAll: result = row.batchAll(margin: margin)
                    case .semiHard: result = row.semiHard(margin: margin)
                    }
                    losses.base[anchor] = result.loss
                    counts.base[anchor] = result.count
                    hits.base[anchor] = row.positiveIsNearest ? 1 : 0
                }
            }
        }
        var sum: Double = 0, denominator: Double = 0, hitCount = 0, anchors = 0
        for anchor in 0..<rows {
            sum += Double(losses.base[anchor])
            denominator += Double(counts.base[anchor])
            if classes.counts[classes.classOf[anchor]] > 1 {
                anchors += 1
                hitCount += Int(hits.base[anchor])
            }
        }
        let scale = Float(1 / max(denominator, 1))
        embeddingGradient.withUnsafeMutableBufferPointer { dz in
            matrix.gradient(scale: scale, into: dz.baseAddress!)
        }
        return ViewLossResult(
            loss: Float(sum / max(denominator, 1)), positiveTop1Accuracy: Float(hitCount) / Float(max(anchors, 1)))
    }
}

/// Per-chunk scratch of `LabeledTripletLoss`: one anchor's positives and negatives (indices and
/// distances, contiguous), the positives sorted by a distance, and per-bucket tallies.
struct AnchorScratch {
    let positives: UnsafeMutablePointer<Int>
    let negatives: UnsafeMutablePointer<Int>
    let negativeDistances: UnsafeMutablePointer<Float>
    /// `(distance bits << 32) | position in positives`, ascending after `sortPositives`:
    /// distances are ≥ 0, so their bit patterns order as the values.
    let sortedPositives: UnsafeMutablePointer<UInt64>
    /// Per bucket (0...|P|): negatives in it, the sum of their distances, the nearest one.
    let bucketCounts: UnsafeMutablePointer<Int>
    let bucketSums: UnsafeMutablePointer<Double>
    let bucketNearest: UnsafeMutablePointer<Int>

    init(rows: Int) {
        positives = .allocate(capacity: rows)
        negatives = .allocate(capacity: rows)
        negativeDistances = .allocate(capacity: rows)
        sortedPositives = .allocate(capacity: rows)
        bucketCounts = .allocate(capacity: rows + 1)
        bucketSums = .allocate(capacity: rows + 1)
        bucketNearest = .allocate(capacity: rows + 1)
    }

    func deallocate() {
        positives.deallocate()
        negatives.deallocate()
        negativeDistances.deallocate()
        sortedPositives.deallocate()
        bucketCounts.deallocate()
        bucketSums.deallocate()
        bucketNearest.deallocate()
    }
}

/// One anchor's row of the distance matrix, split into positives and negatives; the mining rules
/// write the anchor's row of W (`ViewDistanceMatrix.coefficients`) and return the anchor's loss
/// sum and its count towards the mean's denominator.
struct AnchorRow {
    let anchor: Int
    let distances: UnsafeMutablePointer<Float>
    let coefficients: UnsafeMutablePointer<Float>
    let scratch: AnchorScratch
    let positiveCount: Int
    let negativeCount: Int

    init(
        anchor: Int, rows: Int, distances: UnsafeMutablePointer<Float>, coefficients: UnsafeMutablePointer<Float>,
        classOf: UnsafePointer<Int>, scratch: AnchorScratch
    ) {
        self.anchor = anchor
        self.distances = distances
        self.coefficients = coefficients
        self.scratch = scratch
        var p = 0, n = 0
        let own = classOf[anchor]
        for k in 0..<rows where k != anchor {
            if classOf[k] == own {
                scratch.positives[p] = k
                p += 1
            } else {
                scratch.negatives[n] = k
                scratch.negativeDistances[n] = distances[k]
                n += 1
            }
        }
        positiveCount = p
        negativeCount = n
    }

    /// ∂D/∂x_a divided by x_a − x_k for the Euclidean distance (0 at D = 0).
    @inline(__always)
    func coefficient(_ k: Int) -> Float { EmbeddingDistance.euclidean(epsilon: 0).differenceCoefficient(distance: distances[k]) }

    /// Whether the nearest other row is a positive (strictly nearer than every negative).
    var positiveIsNearest: Bool {
        guard positiveCount > 0 else { return false }
        var nearestPositive = Float.infinity, nearestNegative = Float.infinity
        for i in 0..<positiveCount { nearestPositive = min(nearestPositive, distances[scratch.positives[i]]) }
        for i in 0..<negativeCount { nearestNegative = min(nearestNegative, scratch.negativeDistances[i]) }
        return nearestPositive < nearestNegative
    }

    func batchHard(margin: Float) -> (loss: Float, count: Float) {
        guard positiveCount > 0, negativeCount > 0 else { return (0, 0) }
        var farthest = scratch.positives[0], nearest = scratch.negatives[0]
        for i in 1..<positiveCount where distances[scratch.positives[i]] > distances[farthest] { farthest = scratch.positives[i] }
        for i in 1..<negativeCount where scratch.negativeDistances[i] < distances[nearest] { nearest = scratch.negatives[i] }
        let hinge = distances[farthest] - distances[nearest] + margin
        guard hinge > 0 else { return (0, 1) }
        coefficients[farthest] += coefficient(farthest)
        coefficients[nearest] -= coefficient(nearest)
        return (hinge, 1)
    }

    /// Fills `sortedPositives` with the keys of `D(a, p) + shift`.
    func sortPositives(shift: Float) {
        let keys = scratch.sortedPositives
        for i in 0..<positiveCount {
            keys[i] = UInt64((distances[scratch.positives[i]] + shift).bitPattern) << 32 | UInt64(i)
        }
        if positiveCount <= 32 {
            // Insertion sort: the usual few positives, no allocation.
            for i in 1..<max(positiveCount, 1) {
                let key = keys[i]
                var j = i
                while j > 0 && keys[j - 1] > key {
                    keys[j] = keys[j - 1]
                    j -= 1
                }
                keys[j] = key
            }
        } else {
            var buffer = UnsafeMutableBufferPointer(start: keys, count: positiveCount)
            buffer.sort()
        }
    }

    /// The number of sorted positives whose key is below `key`.
    @inline(__always)
    func positivesBelow(_ key: UInt64) -> Int {
        var low = 0, high = positiveCount
        while low < high {
            let middle = (low + high) / 2
            if scratch.sortedPositives[middle] < key { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @inline(__always)
    func sortedValue(_ t: Int) -> Float { Float(bitPattern: UInt32(truncatingIfNeeded: scratch.sortedPositives[t] >> 32)) }

    @inline(__always)
    func sortedPositive(_ t: Int) -> Int { scratch.positives[Int(scratch.sortedPositives[t] & 0xFFFF_FFFF)] }

    /// Every (p, n) with `D(a, n) < D(a, p) + m`. With the positives sorted by s_p = D(a, p) + m,
    /// negative n falls in bucket b_n = #{p : s_p ≤ D(a, n)}: it is in a triplet with the |P| − b_n
    /// positives above it, and the t-th positive's active negatives are those of buckets ≤ t, so
    /// one running count and distance sum give its hinge sum `k·s_t − Σ D(a, n)`.
    ///
    /// - Complexity: O(|P| log |P| + |N| log |P|) per anchor instead of |P|·|N|.
    func batchAll(margin: Float) -> (loss: Float, count: Float) {
        guard positiveCount > 0, negativeCount > 0 else { return (0, 0) }
        sortPositives(shift: margin)
        let counts = scratch.bucketCounts, sums = scratch.bucketSums
        counts.update(repeating: 0, count: positiveCount + 1)
        sums.update(repeating: 0, count: positiveCount + 1)
        for j in 0..<negativeCount {
            let d = scratch.negativeDistances[j]
            let bucket = positivesBelow((UInt64(d.bitPattern) + 1) << 32)
            counts[bucket] += 1
            sums[bucket] += Double(d)
            if bucket < positiveCount {
                let n = scratch.negatives[j]
                coefficients[n] -= Float(positiveCount - bucket) * coefficient(n)
            }
        }
        var loss: Double = 0, active = 0, k = 0, sum: Double = 0
        for t in 0..<positiveCount {
            k += counts[t]
            sum += sums[t]
            guard k > 0 else { continue }
            let p = sortedPositive(t)
            loss += Double(k) * Double(sortedValue(t)) - sum
            active += k
            coefficients[p] += Float(k) * coefficient(p)
        }
        return (Float(loss), Float(active))
    }

    /// Per positive, the nearest negative with `D(a, n) > D(a, p)` (lowest index on ties), else
    /// the farthest negative. With the positives sorted by D(a, p), negative n serves the
    /// b_n = #{p : D(a, p) < D(a, n)} nearest positives; a suffix minimum over the buckets gives
    /// each positive its negative.
    ///
    /// - Complexity: O(|P| log |P| + |N| log |P|) per anchor.
    func semiHard(margin: Float) -> (loss: Float, count: Float) {
        guard negativeCount > 0 else { return (0, 0) }
        guard positiveCount > 0 else { return (0, 0) }
        sortPositives(shift: 0)
        let negativeDistances = scratch.negativeDistances, nearest = scratch.bucketNearest
        var farthest = 0
        for j in 1..<negativeCount where negativeDistances[j] > negativeDistances[farthest] { farthest = j }
        nearest.update(repeating: -1, count: positiveCount + 1)
        for j in 0..<negativeCount {
            let bucket = positivesBelow(UInt64(negativeDistances[j].bitPattern) << 32)
            if nearest[bucket] < 0 || negativeDistances[j] < negativeDistances[nearest[bucket]] { nearest[bucket] = j }
        }
        var loss: Float = 0, best = -1
        for t in stride(from: positiveCount - 1, through: 0, by: -1) {
            let candidate = nearest[t + 1]
            if candidate >= 0 && (best < 0 || negativeDistances[candidate] < negativeDistances[best]) { best = candidate }
            let chosen = best >= 0 ? best : farthest
            let p = sortedPositive(t)
            let hinge = distances[p] - negativeDistances[chosen] + margin
            guard hinge > 0 else { continue }
            loss += hinge
            let n = scratch.negatives[chosen]
            coefficients[p] += coefficient(p)
            coefficients[n] -= coefficient(n)
        }
        return (loss, Float(positiveCount))
    }
}
