/// The F(4×4, 3×3) tile transforms, 8 images at a time (one per lane, `ImageLanes`).
///
/// Tile order inside a chunk of images: groups of 8 consecutive images (the last one may hold
/// fewer, L), then tile position `ty·tilesWide + tx`, then image; group g starts at tile
/// `8·g·tilesPerImage`, so the L values of one tile position are contiguous.
extension WinogradConvolution {
    typealias Lane = ImageLanes.Vector

    /// Calls `body(first, lanes, base)` for each group of up to 8 images of `images`: its first
    /// image, its image count and its first tile in the chunk.
    @inline(__always)
    func forEachImageGroup(_ images: Range<Int>, _ s: TileShape, _ body: (Int, Int, Int) -> Void) {
        for offset in Swift.stride(from: 0, to: images.count, by: ImageLanes.count) {
            body(images.lowerBound + offset, min(ImageLanes.count, images.count - offset), offset * s.tilesPerImage)
        }
    }

    /// The zeroed interleaved plane of `rows × rowLength` pixels.
    private func zeroedLanePlane(rows: Int, rowLength: Int) -> UnsafeMutablePointer<Float> {
        let count = rows * rowLength * ImageLanes.count
        let plane = lanePlane.reserve(count)
        plane.update(repeating: 0, count: count)
        return plane
    }

    /// `V[ξ, c, t] = (Bᵀ d B)[ξ]` with d the 6×6 input window of tile t (zero outside the image),
    /// Bᵀ = [[4,0,−5,0,1,0],[0,−4,−4,1,1,0],[0,4,−4,−1,1,0],[0,−2,−1,2,1,0],[0,2,−1,−2,1,0],
    /// [0,4,0,−5,0,1]].
    func transformInput(
        _ input: UnsafePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into v: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesPerImage, plane = s.height * s.width, step = channels * tiles
        let rowLength = 4 * s.tilesWide + 2, pixelRow = rowLength * ImageLanes.count
        let lanes = zeroedLanePlane(rows: 4 * s.tilesHigh + 2, rowLength: rowLength)
        let middle = tileScratch.reserve(Self.positions * ImageLanes.count)
        for c in 0..<channels {
            forEachImageGroup(images, s) { first, count, base in
                ImageLanes.interleave(
                    input + (c * s.batch + first) * plane, planeStride: plane, lanes: count, height: s.height,
                    width: s.width, into: lanes, rowLength: rowLength, border: 1)
                for ty in 0..<s.tilesHigh {
                    for tx in 0..<s.tilesWide {
                        let window = UnsafePointer(lanes + (4 * ty * rowLength + 4 * tx) * ImageLanes.count)
                        // d B along each window row, then Bᵀ down each column.
                        for i in 0..<6 {
                            let row = window + i * pixelRow
                            Self.storeSix(Self.inputTransform(Self.loadSix(row, stride: ImageLanes.count)),
                                          middle + 6 * i * ImageLanes.count, stride: ImageLanes.count, lanes: 8)
                        }
                        let tile = v + c * tiles + base + (ty * s.tilesWide + tx) * count
                        for j in 0..<6 {
                            let column = Self.loadSix(middle + j * ImageLanes.count, stride: 6 * ImageLanes.count)
                            Self.storeSix(Self.inputTransform(column), tile + j * step, stride: 6 * step, lanes: count)
                        }
                    }
                }
            }
        }
    }

    /// Each output tile `Aᵀ m A`, Aᵀ = [[1,1,1,1,1,0],[0,1,−1,2,−2,0],[0,1,1,4,4,0],[0,1,−1,8,−8,1]],
    /// clipped to the image, then `epilogue` on those planes while they are in cache.
    func transformOutput(
        _ m: UnsafeMutablePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into output: UnsafeMutablePointer<Float>, epilogue: ConvolutionEpilogue? = nil
    ) {
        let tiles = images.count * s.tilesPerImage, plane = s.height * s.width, step = channels * tiles
        let rowLength = 4 * s.tilesWide, pixelRow = rowLength * ImageLanes.count
        let lanes = lanePlane.reserve(4 * s.tilesHigh * pixelRow)
        let middle = tileScratch.reserve(Self.positions * ImageLanes.count)
        for c in 0..<channels {
            forEachImageGroup(images, s) { first, count, base in
                for ty in 0..<s.tilesHigh {
                    for tx in 0..<s.tilesWide {
                        let tile = UnsafePointer(m + c * tiles + base + (ty * s.tilesWide + tx) * count)
                        // Aᵀ along each of the 6 rows (4 values each), then down each of the 4 columns.
                        for i in 0..<6 {
                            let row = Self.loadSix(tile + 6 * i * step, stride: step, lanes: count)
                            Self.storeFour(Self.outputTransform(row), middle + 4 * i * ImageLanes.count, stride: ImageLanes.count)
                        }
                        let corner = lanes + (4 * ty * rowLength + 4 * tx) * ImageLanes.count
                        for j in 0..<4 {
                            let column = Self.loadSix(UnsafePointer(middle + j * ImageLanes.count), stride: 4 * ImageLanes.count)
                            Self.storeFour(Self.outputTransform(column), corner + j * ImageLanes.count, stride: pixelRow)
                        }
                    }
                }
                ImageLanes.deinterleave(
                    lanes, rowLength: rowLength, lanes: count, height: s.height, width: s.width,
                    into: output + (c * s.batch + first) * plane, planeStride: plane)
                epilogue?.apply(to: output, channel: c, batch: s.batch, plane: plane, images: first..<(first + count))
            }
        }
    }

    /// `D[ξ, c, t] = (A δ Aᵀ)[ξ]` (the adjoint of the output transform `Aᵀ m A`), δ the 4×4 tile
    /// of `outputGradient [C, N, H, W]` with the parts outside the image zero.
    func transformOutputGradient(
        _ outputGradient: UnsafePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into d: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesPerImage, plane = s.height * s.width, step = channels * tiles
        let rowLength = 4 * s.tilesWide, pixelRow = rowLength * ImageLanes.count
        let lanes = zeroedLanePlane(rows: 4 * s.tilesHigh, rowLength: rowLength)
        let middle = tileScratch.reserve(Self.positions * ImageLanes.count)
        for c in 0..<channels {
            forEachImageGroup(images, s) { first, count, base in
                ImageLanes.interleave(
                    outputGradient + (c * s.batch + first) * plane, planeStride: plane, lanes: count,
                    height: s.height, width: s.width, into: lanes, rowLength: rowLength, border: 0)
                for ty in 0..<s.tilesHigh {
                    for tx in 0..<s.tilesWide {
                        let window = UnsafePointer(lanes + (4 * ty * rowLength + 4 * tx) * ImageLanes.count)
                        // A along each of the 4 rows (6 values each), then down each of the 6 columns.
                        for i in 0..<4 {
                            let row = Self.loadFour(window + i * pixelRow, stride: ImageLanes.count)
                            Self.storeSix(Self.gradientTransform(row), middle + 6 * i * ImageLanes.count,
                                          stride: ImageLanes.count, lanes: 8)
                        }
                        let tile = d + c * tiles + base + (ty * s.tilesWide + tx) * count
                        for j in 0..<6 {
                            let column = Self.loadFour(UnsafePointer(middle + j * ImageLanes.count), stride: 6 * ImageLanes.count)
                            Self.storeSix(Self.gradientTransform(column), tile + j * step, stride: 6 * step, lanes: count)
                        }
                    }
                }
            }
        }
    }

    // MARK: One-dimensional transforms, 8 lanes at a time

    typealias Six = (Lane, Lane, Lane, Lane, Lane, Lane)
    typealias Four = (Lane, Lane, Lane, Lane)

    /// `Bᵀ x`.
    @inline(__always)
    static func inputTransform(_ x: Six) -> Six {
        let even = x.4 - 4 * x.2, odd = x.3 - 4 * x.1, evenTwo = x.4 - x.2, oddTwo = 2 * (x.3 - x.1)
        return (4 * x.0 - 5 * x.2 + x.4, even + odd, even - odd, evenTwo + oddTwo, evenTwo - oddTwo, 4 * x.1 - 5 * x.3 + x.5)
    }

    /// `Aᵀ m`.
    @inline(__always)
    static func outputTransform(_ m: Six) -> Four {
        let sum12 = m.1 + m.2, difference12 = m.1 - m.2, sum34 = m.3 + m.4, difference34 = m.3 - m.4
        return (m.0 + sum12 + sum34, difference12 + 2 * difference34, sum12 + 4 * sum34, difference12 + 8 * difference34 + m.5)
    }

    /// `A x`, A = [[1,0,0,0],[1,1,1,1],[1,−1,1,−1],[1,2,4,8],[1,−2,4,−8],[0,0,0,1]].
    @inline(__always)
    static func gradientTransform(_ x: Four) -> Six {
        let even = x.0 + x.2, odd = x.1 + x.3, evenFour = x.0 + 4 * x.2, oddFour = 2 * x.1 + 8 * x.3
        return (x.0, even + odd, even - odd, evenFour + oddFour, evenFour - oddFour, x.3)
    }

    @inline(__always)
    static func loadSix(_ p: UnsafePointer<Float>, stride: Int, lanes: Int = ImageLanes.count) -> Six {
        (ImageLanes.load(p, count: lanes), ImageLanes.load(p + stride, count: lanes),
         ImageLanes.load(p + 2 * stride, count: lanes), ImageLanes.load(p + 3 * stride, count: lanes),
         ImageLanes.load(p + 4 * stride, count: lanes), ImageLanes.load(p + 5 * stride, count: lanes))
    }

    @inline(__always)
    static func loadFour(_ p: UnsafePointer<Float>, stride: Int) -> Four {
        (ImageLanes.load(p, count: 8), ImageLanes.load(p + stride, count: 8),
         ImageLanes.load(p + 2 * stride, count: 8), ImageLanes.load(p + 3 * stride, count: 8))
    }

    @inline(__always)
    static func storeSix(_ x: Six, _ p: UnsafeMutablePointer<Float>, stride: Int, lanes: Int) {
        ImageLanes.store(x.0, p, count: lanes)
        ImageLanes.store(x.1, p + stride, count: lanes)
        ImageLanes.store(x.2, p + 2 * stride, count: lanes)
        ImageLanes.store(x.3, p + 3 * stride, count: lanes)
        ImageLanes.store(x.4, p + 4 * stride, count: lanes)
        ImageLanes.store(x.5, p + 5 * stride, count: lanes)
    }

    @inline(__always)
    static func storeFour(_ x: Four, _ p: UnsafeMutablePointer<Float>, stride: Int) {
        ImageLanes.store(x.0, p, count: 8)
        ImageLanes.store(x.1, p + stride, count: 8)
        ImageLanes.store(x.2, p + 2 * stride, count: 8)
        ImageLanes.store(x.3, p + 3 * stride, count: 8)
    }
}
