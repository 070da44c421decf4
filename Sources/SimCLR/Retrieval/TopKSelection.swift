/// The bounded selection behind `ExactNearestNeighbors`: candidates are packed into one `UInt64`
/// key each, ordered exactly as the ranking (higher similarity first, then lower gallery index),
/// so selecting and sorting compare plain integers.
///
/// Key layout: the upper 32 bits are the similarity's bits mapped to an order-preserving unsigned
/// integer (−0 is folded into +0 so that equal floats give equal keys), the lower 32 bits are
/// `UInt32.max − index`. A larger key ranks first. Gallery indices must be below 2³².
enum RankingKey {
    /// The key of gallery item `index` with similarity `value` (finite, or +∞).
    @inline(__always)
    static func make(_ value: Float, index: Int) -> UInt64 {
        let bits = (value + 0).bitPattern  // −0 + 0 = +0
        let ordered = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(ordered) << 32 | UInt64(UInt32.max - UInt32(truncatingIfNeeded: index))
    }

    /// The gallery index stored in `key`.
    @inline(__always)
    static func index(_ key: UInt64) -> Int { Int(UInt32.max - UInt32(truncatingIfNeeded: key)) }

    /// The similarity stored in `key`.
    @inline(__always)
    static func value(_ key: UInt64) -> Float {
        let ordered = UInt32(truncatingIfNeeded: key >> 32)
        return Float(bitPattern: ordered & 0x8000_0000 != 0 ? ordered & 0x7FFF_FFFF : ~ordered)
    }

    /// Rearranges `keys[0..<count]` so that its `k` largest keys occupy `0..<k` (in no order) and
    /// `keys[k − 1]` is the smallest of them (quickselect, median-of-three pivots).
    ///
    /// - Precondition: `1 ≤ k ≤ count`.
    /// - Complexity: O(count) expected.
    static func selectLargest(_ keys: UnsafeMutablePointer<UInt64>, count: Int, k: Int) {
        precondition(k >= 1 && k <= count, "selectLargest: k = \(k), count = \(count)")
        var low = 0, high = count - 1
        let target = k - 1
        while high > low {
            // Median of three as pivot, descending order.
            let middle = low + (high - low) / 2
            if keys[middle] > keys[low] { swap(keys, middle, low) }
            if keys[high] > keys[low] { swap(keys, high, low) }
            if keys[high] > keys[middle] { swap(keys, high, middle) }
            let pivot = keys[middle]  // low ≥ middle ≥ high
            var i = low, j = high
            while i <= j {
                while keys[i] > pivot { i += 1 }
                while keys[j] < pivot { j -= 1 }
                if i <= j {
                    swap(keys, i, j)
                    i += 1
                    j -= 1
                }
            }
            // Now keys[low...j] ≥ pivot ≥ keys[i...high], and j < i.
            if target <= j {
                high = j
            } else if target >= i {
                low = i
            } else {
                return  // keys[j+1..<i] all equal the pivot: target already in place
            }
        }
    }

    /// Sorts `keys[0..<count]` in decreasing order (the ranking order): an LSD radix sort on the
    /// similarity half, then each run of keys the passes left in one bucket (equal, or within a
    /// few units in the last place) sorted on whole keys, which orders equal similarities by
    /// index: an insertion sort for short runs, the standard library's sort for long ones.
    /// `scratch` holds at least `count` keys.
    ///
    /// The digits are those of `top − similarity half` (top: the largest similarity half), which
    /// lies in `0…span`: candidates share a narrow similarity range (above a query's threshold),
    /// so the span usually needs 23–25 bits. Up to 26 bits, two passes of 11 bits sort on the
    /// highest 22 and leave keys out of order only within a few units in the last place of each
    /// other (rare: the run sort moves them); wider spans take three passes of up to 11
    /// bits. The digit counts of every pass are taken in one read of the keys.
    ///
    /// - Complexity: O(count) for distinct, spread similarities; O(run·log run) for a run of
    ///   equal (or, up to 26 bits of span, nearly equal) similarities, such as duplicate images.
    static func sortDescending(_ keys: UnsafeMutablePointer<UInt64>, count: Int, scratch: UnsafeMutablePointer<UInt64>) {
        guard count > 1 else { return }
        var top: UInt64 = 0, bottom = UInt64.max
        for i in 0..<count {
            let high = keys[i] >> 32
            top = max(top, high)
            bottom = min(bottom, high)
        }
        let span = top - bottom
        let spanBits = span == 0 ? 0 : 64 - span.leadingZeroBitCount
        let passes = spanBits == 0 ? 0 : spanBits <= 26 ? 2 : 3
        var source = keys, target = scratch
        var dropped: UInt64 = 0  // low bits of the digits no pass looked at
        if passes > 0 {
            let width = passes == 2 ? min(11, (spanBits + 1) / 2) : (spanBits + 2) / 3
            dropped = UInt64(max(0, spanBits - passes * width))
            let buckets = 1 << width, mask = UInt64(buckets - 1), w = UInt64(width)
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: 3 * buckets) { h in
                let h0 = h.baseAddress!, h1 = h0 + buckets, h2 = h1 + buckets
                h0.initialize(repeating: 0, count: 3 * buckets)
                // Ascending digits of top − similarity: descending keys. The counts of every
                // pass in one read (the third pass's counts are taken and unused with two).
                for i in 0..<count {
                    let d = (top &- (keys[i] &>> 32)) &>> dropped
                    h0[Int(truncatingIfNeeded: d & mask)] &+= 1
                    h1[Int(truncatingIfNeeded: (d &>> w) & mask)] &+= 1
                    h2[Int(truncatingIfNeeded: (d &>> (2 &* w)) & mask)] &+= 1
                }
                for pass in 0..<passes {
                    let counts = h0 + pass * buckets
                    var sum: Int32 = 0
                    for b in 0..<buckets {
                        let c = counts[b]
                        counts[b] = sum
                        sum &+= c
                    }
                    let shift = dropped &+ UInt64(pass) &* w
                    for i in 0..<count {
                        let key = source[i]
                        let digit = Int(truncatingIfNeeded: ((top &- (key &>> 32)) &>> shift) & mask)
                        let slot = counts[digit]
                        target[Int(truncatingIfNeeded: slot)] = key
                        counts[digit] = slot &+ 1
                    }
                    Swift.swap(&source, &target)
                }
            }
        }
        if source != keys { keys.update(from: source, count: count) }
        // Runs of one bucket: keys equal in `(top − similarity half) >> dropped`.
        var start = 0
        while start < count {
            let bucket = (top &- (keys[start] &>> 32)) &>> dropped
            var end = start + 1
            while end < count && (top &- (keys[end] &>> 32)) &>> dropped == bucket { end += 1 }
            if end - start > 16 {
                var run = UnsafeMutableBufferPointer(start: keys + start, count: end - start)
                run.sort(by: >)
            } else {
                var i = start + 1
                while i < end {
                    var j = i
                    let key = keys[i]
                    while j > start && keys[j - 1] < key {
                        keys[j] = keys[j - 1]
                        j -= 1
                    }
                    keys[j] = key
                    i += 1
                }
            }
            start = end
        }
    }

    @inline(__always)
    private static func swap(_ keys: UnsafeMutablePointer<UInt64>, _ a: Int, _ b: Int) {
        let t = keys[a]
        keys[a] = keys[b]
        keys[b] = t
    }
}
