/// Up to 8 images of one channel side by side, one per SIMD lane: an interleaved plane
/// `[rows, rowLength, 8]` whose pixel `(y, x)` is one `SIMD8` holding that pixel of each image.
/// The Winograd tile transforms read and write these, so that each of their vector operations
/// serves 8 tiles whatever the map size (see `WinogradConvolution`).
enum ImageLanes {
    static let count = 8
    typealias Vector = SIMD8<Float>
    /// Eight vectors: the rows of an 8×8 block.
    typealias Block = (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector)

    /// Copies the `height × width` planes `source + k·planeStride`, `k < lanes`, into lane k of
    /// `interleaved` at row and column offset `border`; lanes `≥ lanes` are set to 0 there. The
    /// rest of `interleaved` is left as it is. A row's last load may read into the next rows of
    /// its plane (ignored), never past the plane's end.
    static func interleave(
        _ source: UnsafePointer<Float>, planeStride: Int, lanes: Int, height: Int, width: Int,
        into interleaved: UnsafeMutablePointer<Float>, rowLength: Int, border: Int
    ) {
        for y in 0..<height {
            let row = source + y * width
            let destination = interleaved + ((y + border) * rowLength + border) * count
            let planeLeft = (height - y) * width
            for x in Swift.stride(from: 0, to: width, by: count) {
                let readable = min(count, planeLeft - x)
                @inline(__always) func plane(_ k: Int) -> Vector {
                    k < lanes ? load(row + k * planeStride + x, count: readable) : Vector()
                }
                let block = transpose((plane(0), plane(1), plane(2), plane(3), plane(4), plane(5), plane(6), plane(7)))
                store(block, rows: min(count, width - x), at: destination + x * count)
            }
        }
    }

    /// The inverse of `interleave` with no border: lane k of `interleaved`'s first `height` rows
    /// and `width` columns into the plane `destination + k·planeStride`, for `k < lanes`.
    ///
    /// Rows are written in order, 8 floats at a time; a row's last store may run into the next
    /// rows of its plane, which are rewritten afterwards, but never past the plane's end (the
    /// next plane may belong to another task).
    static func deinterleave(
        _ interleaved: UnsafePointer<Float>, rowLength: Int, lanes: Int, height: Int, width: Int,
        into destination: UnsafeMutablePointer<Float>, planeStride: Int
    ) {
        for y in 0..<height {
            let source = interleaved + y * rowLength * count
            let row = destination + y * width
            let planeLeft = (height - y) * width
            for x in Swift.stride(from: 0, to: width, by: count) {
                let pixels = min(count, width - x)
                let p = source + x * count
                @inline(__always) func pixel(_ j: Int) -> Vector {
                    j < pixels ? UnsafeRawPointer(p + j * count).loadUnaligned(as: Vector.self) : Vector()
                }
                let block = transpose((pixel(0), pixel(1), pixel(2), pixel(3), pixel(4), pixel(5), pixel(6), pixel(7)))
                let stored = min(count, planeLeft - x)
                @inline(__always) func put(_ v: Vector, _ k: Int) {
                    if k < lanes { store(v, row + k * planeStride + x, count: stored) }
                }
                put(block.0, 0)
                put(block.1, 1)
                put(block.2, 2)
                put(block.3, 3)
                put(block.4, 4)
                put(block.5, 5)
                put(block.6, 6)
                put(block.7, 7)
            }
        }
    }

    /// The transpose of an 8×8 block: three perfect shuffles of its 64 elements, each of which
    /// rotates the 6 index bits by one (`row·8 + column` → `column·8 + row` after three).
    @inline(__always)
    static func transpose(_ r: Block) -> Block {
        @inline(__always) func shuffle(_ r: Block) -> Block {
            @inline(__always) func zip(_ a: Vector, _ b: Vector) -> (Vector, Vector) {
                var pairs = SIMD16<Float>()
                pairs.evenHalf = a
                pairs.oddHalf = b
                return (pairs.lowHalf, pairs.highHalf)
            }
            let (a0, a1) = zip(r.0, r.4), (b0, b1) = zip(r.1, r.5), (c0, c1) = zip(r.2, r.6), (d0, d1) = zip(r.3, r.7)
            return (a0, a1, b0, b1, c0, c1, d0, d1)
        }
        return shuffle(shuffle(shuffle(r)))
    }

    /// `count` (≤ 8) floats from `p`, the rest 0.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int) -> Vector {
        if count >= Self.count { return UnsafeRawPointer(p).loadUnaligned(as: Vector.self) }
        var v = Vector()
        for k in 0..<count { v[k] = p[k] }
        return v
    }

    /// Stores the first `count` (≤ 8) floats of `v` at `p`.
    @inline(__always)
    static func store(_ v: Vector, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count >= Self.count {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
        } else {
            for k in 0..<count { p[k] = v[k] }
        }
    }

    /// Stores the first `rows` vectors of `block` one after another at `p`.
    @inline(__always)
    private static func store(_ block: Block, rows: Int, at p: UnsafeMutablePointer<Float>) {
        withUnsafeBytes(of: block) { raw in
            UnsafeMutableRawPointer(p).copyMemory(from: raw.baseAddress!, byteCount: rows * MemoryLayout<Vector>.stride)
        }
    }
}
