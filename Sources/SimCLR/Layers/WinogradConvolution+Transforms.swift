/// Four columns (or rows) of a 4×4 Winograd tile for `lanes` neighbouring tiles of one tile row,
/// one SIMD vector per column: the transforms below work on 8 tiles at once and store each
/// transformed position as one contiguous vector of the `[16, C, T]` buffers.
struct TileGroup {
    static let lanes = 8
    var x0, x1, x2, x3: SIMD8<Float>

    /// Columns 0…3 of the 4×4 windows starting at every second element of `p`:
    /// `x_j[k] = p[2k + j]` (reads 18 elements).
    @inline(__always)
    init(windowsAt p: UnsafePointer<Float>) {
        let a = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(p + 2).loadUnaligned(as: SIMD16<Float>.self)
        (x0, x1, x2, x3) = (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
    }

    @inline(__always)
    init(_ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ x3: SIMD8<Float>) {
        (self.x0, self.x1, self.x2, self.x3) = (x0, x1, x2, x3)
    }

    @inline(__always)
    static func + (a: TileGroup, b: TileGroup) -> TileGroup { TileGroup(a.x0 + b.x0, a.x1 + b.x1, a.x2 + b.x2, a.x3 + b.x3) }
    @inline(__always)
    static func - (a: TileGroup, b: TileGroup) -> TileGroup { TileGroup(a.x0 - b.x0, a.x1 - b.x1, a.x2 - b.x2, a.x3 - b.x3) }

    /// Loads `lanes` floats (all 8 when `lanes ≥ 8`, else the rest zero).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, lanes: Int) -> SIMD8<Float> {
        if lanes >= Self.lanes { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for k in 0..<lanes { v[k] = p[k] }
        return v
    }

    /// Stores the first `lanes` floats of `v` (all 8 when `lanes ≥ 8`).
    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes >= Self.lanes {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            for k in 0..<lanes { p[k] = v[k] }
        }
    }
}

extension WinogradConvolution {
    /// `V[ξ, c, t] = (Bᵀ d B)[ξ]`, Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]], d the 4×4
    /// input window of tile t (zero outside the image); 8 tiles at a time.
    func transformInput(
        _ input: UnsafePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into v: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesPerImage, plane = s.height * s.width
        let step = channels * tiles
        // Each plane is first copied into a zero-bordered scratch plane (wide enough for whole
        // groups of tiles) so that every window is read without bounds checks.
        let (padded, paddedWidth) = zeroedPlane(s, border: 1)
        for c in 0..<channels {
            var t = 0
            let rowBase = v + c * tiles
            for n in images {
                Self.copy(input + (c * s.batch + n) * plane, s, into: padded, width: paddedWidth, border: 1)
                for ty in 0..<s.tilesHigh {
                    for tx in Swift.stride(from: 0, to: s.tilesWide, by: TileGroup.lanes) {
                        // Lanes past the tile row are written (and overwritten by the next
                        // tile row) or read and ignored, except at the end of the buffer row.
                        let lanes = tiles - t - tx
                        let p = UnsafePointer(padded + 2 * ty * paddedWidth + 2 * tx)
                        let d0 = TileGroup(windowsAt: p), d1 = TileGroup(windowsAt: p + paddedWidth)
                        let d2 = TileGroup(windowsAt: p + 2 * paddedWidth), d3 = TileGroup(windowsAt: p + 3 * paddedWidth)
                        // Bᵀ d (rows), then (·) B (columns).
                        @inline(__always) func store(_ r: TileGroup, _ i: Int) {
                            let base = rowBase + (i * 4) * step + t + tx
                            TileGroup.store(r.x0 - r.x2, base, lanes: lanes)
                            TileGroup.store(r.x1 + r.x2, base + step, lanes: lanes)
                            TileGroup.store(r.x2 - r.x1, base + 2 * step, lanes: lanes)
                            TileGroup.store(r.x1 - r.x3, base + 3 * step, lanes: lanes)
                        }
                        store(d0 - d2, 0)
                        store(d1 + d2, 1)
                        store(d2 - d1, 2)
                        store(d1 - d3, 3)
                    }
                    t += s.tilesWide
                }
            }
        }
    }

    /// Each output tile `Aᵀ m A`, Aᵀ = [[1,1,1,0],[0,1,−1,−1]], clipped to the image; 8 tiles
    /// at a time.
    func transformOutput(
        _ m: UnsafeMutablePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into output: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesPerImage, plane = s.height * s.width
        let step = channels * tiles
        for c in 0..<channels {
            var t = 0
            let rowBase = m + c * tiles
            for n in images {
                let image = output + (c * s.batch + n) * plane
                for ty in 0..<s.tilesHigh {
                    for tx in Swift.stride(from: 0, to: s.tilesWide, by: TileGroup.lanes) {
                        // Lanes past the tile row are read and ignored (but not past the buffer row).
                        let lanes = tiles - t - tx
                        let p = rowBase + t + tx
                        @inline(__always) func row(_ i: Int) -> TileGroup {
                            TileGroup(
                                TileGroup.load(p + (4 * i) * step, lanes: lanes), TileGroup.load(p + (4 * i + 1) * step, lanes: lanes),
                                TileGroup.load(p + (4 * i + 2) * step, lanes: lanes), TileGroup.load(p + (4 * i + 3) * step, lanes: lanes))
                        }
                        let m0 = row(0), m1 = row(1), m2 = row(2), m3 = row(3)
                        let s0 = m0 + m1 + m2, s1 = m1 - m2 - m3
                        // Output rows 2ty and 2ty + 1 of 8 tiles: even and odd columns interleaved,
                        // clipped to the image.
                        let y = 2 * ty, x = 2 * tx
                        let out = image + y * s.width + x, columns = min(2 * TileGroup.lanes, s.width - x)
                        Self.storeInterleaved(s0.x0 + s0.x1 + s0.x2, s0.x1 - s0.x2 - s0.x3, out, count: columns)
                        if y + 1 < s.height {
                            Self.storeInterleaved(s1.x0 + s1.x1 + s1.x2, s1.x1 - s1.x2 - s1.x3, out + s.width, count: columns)
                        }
                    }
                    t += s.tilesWide
                }
            }
        }
    }

    /// The zeroed scratch plane of the input transforms: `2·roundedTilesWide + 2` floats wide
    /// (whole groups of tiles plus the reads past them), `2·tilesHigh + 2·border` rows.
    private func zeroedPlane(_ s: TileShape, border: Int) -> (plane: UnsafeMutablePointer<Float>, width: Int) {
        let width = 2 * s.roundedTilesWide + 2, count = width * (2 * s.tilesHigh + 2 * border)
        let plane = paddedPlane.reserve(count)
        plane.update(repeating: 0, count: count)
        return (plane, width)
    }

    /// Copies the `H × W` `image` into `padded` (rows `width` floats long) at row and column
    /// offset `border`; the rest of `padded` keeps its zeros.
    private static func copy(
        _ image: UnsafePointer<Float>, _ s: TileShape, into padded: UnsafeMutablePointer<Float>, width: Int, border: Int
    ) {
        for y in 0..<s.height {
            (padded + (y + border) * width + border).update(from: image + y * s.width, count: s.width)
        }
    }

    /// `row[2j] = even[j]`, `row[2j + 1] = odd[j]` for the first `count` (≤ 16) elements of `row`.
    @inline(__always)
    static func storeInterleaved(
        _ even: SIMD8<Float>, _ odd: SIMD8<Float>, _ row: UnsafeMutablePointer<Float>, count: Int
    ) {
        var pairs = SIMD16<Float>()
        pairs.evenHalf = even
        pairs.oddHalf = odd
        if count == 16 {
            UnsafeMutableRawPointer(row).storeBytes(of: pairs, as: SIMD16<Float>.self)
        } else {
            for j in 0..<count { row[j] = pairs[j] }
        }
    }

    /// `D[ξ, c, t] = (A δ Aᵀ)[ξ]` with A = [[1,0],[1,1],[1,−1],[0,−1]] (the adjoint of the output
    /// transform `Aᵀ m A`), δ the 2×2 tile of `outputGradient [C, N, H, W]` with the parts outside
    /// the image zero; 8 tiles at a time.
    func transformOutputGradient(
        _ outputGradient: UnsafePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into d: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesPerImage, plane = s.height * s.width
        let step = channels * tiles
        // Planes are copied into a zero-padded scratch (even sides, whole groups of tiles wide)
        // first.
        let (padded, paddedWidth) = zeroedPlane(s, border: 0)
        for c in 0..<channels {
            var t = 0
            let rowBase = d + c * tiles
            for n in images {
                Self.copy(outputGradient + (c * s.batch + n) * plane, s, into: padded, width: paddedWidth, border: 0)
                for ty in 0..<s.tilesHigh {
                    for tx in Swift.stride(from: 0, to: s.tilesWide, by: TileGroup.lanes) {
                        // Lanes past the tile row are written (and overwritten by the next
                        // tile row) or read and ignored, except at the end of the buffer row.
                        let lanes = tiles - t - tx
                        let p = UnsafePointer(padded + 2 * ty * paddedWidth + 2 * tx)
                        let upper = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
                        let lower = UnsafeRawPointer(p + paddedWidth).loadUnaligned(as: SIMD16<Float>.self)
                        let a = upper.evenHalf, b = upper.oddHalf, c2 = lower.evenHalf, d2 = lower.oddHalf
                        // A δ (rows 0, 0+1, 0−1, −1 of δ), then (·) Aᵀ on each row.
                        @inline(__always) func store(_ u: SIMD8<Float>, _ v: SIMD8<Float>, _ i: Int) {
                            let base = rowBase + (i * 4) * step + t + tx
                            TileGroup.store(u, base, lanes: lanes)
                            TileGroup.store(u + v, base + step, lanes: lanes)
                            TileGroup.store(u - v, base + 2 * step, lanes: lanes)
                            TileGroup.store(-v, base + 3 * step, lanes: lanes)
                        }
                        store(a, b, 0)
                        store(a + c2, b + d2, 1)
                        store(a - c2, b - d2, 2)
                        store(-c2, -d2, 3)
                    }
                    t += s.tilesWide
                }
            }
        }
    }
}
