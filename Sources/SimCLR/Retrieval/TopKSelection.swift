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
    /// similarity half (three passes of 11, 11 and 10 bits, a pass skipped when every key has
    /// the same digit), then runs of equal similarity ordered by index with an insertion sort.
    /// `scratch` holds at least `count` keys.
    ///
    /// - Complexity: O(count) for distinct similarities.
    static func sortDescending(_ keys: UnsafeMutablePointer<UInt64>, count: Int, scratch: UnsafeMutablePointer<UInt64>) {
        guard count > 1 else { return }
        var source = keys, target = scratch
        var histogram = [Int](repeating: 0, count: 2048)
        for (shift, bits) in [(32, 11), (43, 11), (54, 10)] {
            let mask = UInt64(1 << bits - 1)
            histogram.withUnsafeMutableBufferPointer { h in
                for b in 0..<(1 << bits) { h[b] = 0 }
                // Digit of the inverted key: ascending digits = descending keys.
                for i in 0..<count { h[Int((~source[i] >> UInt64(shift)) & mask)] += 1 }
                if h.prefix(1 << bits).contains(count) { return }  // one digit for all: nothing to do
                var sum = 0
                for b in 0..<(1 << bits) {
                    let c = h[b]
                    h[b] = sum
                    sum += c
                }
                for i in 0..<count {
                    let key = source[i]
                    let digit = Int((~key >> UInt64(shift)) & mask)
                    target[h[digit]] = key
                    h[digit] += 1
                }
                Swift.swap(&source, &target)
            }
        }
        if source != keys { keys.update(from: source, count: count) }
        // Equal similarities: lower index (larger low half) first.
        var i = 1
        while i < count {
            var j = i
            let key = keys[i]
            while j > 0 && keys[j - 1] >> 32 == key >> 32 && keys[j - 1] < key {
                keys[j] = keys[j - 1]
                j -= 1
            }
            keys[j] = key
            i += 1
        }
    }

    @inline(__always)
    private static func swap(_ keys: UnsafeMutablePointer<UInt64>, _ a: Int, _ b: Int) {
        let t = keys[a]
        keys[a] = keys[b]
        keys[b] = t
    }
}
