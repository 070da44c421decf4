/// The columns of a row of similarities that reach a threshold, written as a packed list: the
/// first, branch-free stage of `ExactNearestNeighbors`' candidate pass (most columns fail the
/// threshold, so only their positions are written; keys are made for the kept ones after).
///
/// Eight columns at a time: one vector compare gives an 8-bit mask, and a 256-entry table holds,
/// for each mask, the positions of its set bits packed to the front (the "left-pack" of SIMD
/// stream compaction), so eight positions are stored at once and the count advances by the
/// mask's population count — no branch depends on the data.
enum ColumnFilter {
    /// For each 8-bit mask, the lanes whose bit is set, in increasing order, then zeros.
    private static let packedLanes: [SIMD8<UInt32>] = (0..<256).map { mask in
        var lanes = SIMD8<UInt32>()
        var filled = 0
        for lane in 0..<8 where mask & (1 << lane) != 0 {
            lanes[filled] = UInt32(lane)
            filled += 1
        }
        return lanes
    }
    /// The number of set bits of each 8-bit mask.
    private static let setBits: [UInt8] = (0..<256).map { UInt8($0.nonzeroBitCount) }

    /// The lanes of `mask` as bits (lane i at bit i): one byte per lane (0 or 1), gathered into
    /// the top byte by one multiply (each byte's bit lands at its own position there).
    @inline(__always)
    static func bits(_ mask: SIMDMask<SIMD8<Int32>>) -> Int {
        let lanes = SIMD8<Int32>().replacing(with: 1, where: mask)
        let bytes = unsafeBitCast(SIMD8<UInt8>(truncatingIfNeeded: lanes), to: UInt64.self)
        return Int(truncatingIfNeeded: (bytes &* 0x0102_0408_1020_4080) >> 56)
    }

    /// Writes to `kept` the indices `j` in `0..<count`, increasing, with `row[j] >= threshold`
    /// (false for NaN and for −∞ when the threshold is finite), and returns how many.
    ///
    /// - Parameter kept: room for `count` indices; entries past the returned count are scratch.
    @inline(__always)
    static func columns(
        of row: UnsafePointer<Float>, count: Int, atLeast threshold: Float, into kept: UnsafeMutablePointer<UInt32>
    ) -> Int {
        packedLanes.withUnsafeBufferPointer { lanesTable in
            setBits.withUnsafeBufferPointer { bitsTable in
                let lanes = lanesTable.baseAddress!, bits = bitsTable.baseAddress!
                let floor = SIMD8<Float>(repeating: threshold)
                var n = 0, j = 0
                // A store writes 8 lanes at `kept + n`, n ≤ j: inside `0..<count` while j + 8 ≤ count.
                while j + 8 <= count {
                    let values = UnsafeRawPointer(row + j).loadUnaligned(as: SIMD8<Float>.self)
                    let mask = Self.bits(values .>= floor)
                    let positions = lanes[mask] &+ UInt32(truncatingIfNeeded: j)
                    UnsafeMutableRawPointer(kept + n).storeBytes(of: positions, as: SIMD8<UInt32>.self)
                    n &+= Int(bits[mask])
                    j &+= 8
                }
                while j < count {
                    kept[n] = UInt32(truncatingIfNeeded: j)
                    n &+= row[j] >= threshold ? 1 : 0
                    j &+= 1
                }
                return n
            }
        }
    }
}
