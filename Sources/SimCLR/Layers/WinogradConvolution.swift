/// Winograd minimal filtering F(2×2, 3×3) (Lavin & Gray 2016, arXiv:1509.09308) for 3×3,
/// stride-1, padding-1 convolutions over `[Q, N, H, W]` maps: 16 multiplies per 2×2 output tile
/// instead of 36, as 16 batched sgemm products.
///
/// Legend: Q input channels, P output channels, T 2×2 tiles (`N·⌈H/2⌉·⌈W/2⌉`), ξ one of the 16
/// positions of a 4×4 transformed tile. Per chunk of images:
/// `V[ξ, q, t] = (Bᵀ d B)[ξ]` (input tiles d, zero outside the image),
/// `M[ξ] = U[ξ] [P, Q] × V[ξ] [Q, T]` with `U[ξ, p, q] = (G g G^T)[ξ]`, and each output tile
/// `Aᵀ m A`. The same routine gives the input gradient of a convolution (a convolution of the
/// output gradient with the kernel flipped and its channels swapped).
///
/// One instance per worker: it holds that worker's tile buffers and runs on the calling thread.
/// `@unchecked Sendable` only so a batch task can be handed its worker's instance (see
/// `BatchTasks`); two workers never share one.
final class WinogradConvolution: @unchecked Sendable {
    private let transformed = ScratchBuffer()
    private let products = ScratchBuffer()
    private let padded = ScratchBuffer()
    /// Upper bound, in floats, of each of the two tile buffers; at least one image per chunk.
    var budget: Int

    init(budget: Int) { self.budget = budget }

    /// `U[ξ, p, q] = (G g G^T)[ξ]`, `[16, P, Q]`, from OIHW `weight [O, I, 3, 3]`: with
    /// `flipped == false` p = o, q = i and g = `weight[o, i]`; with `flipped == true` p = i, q = o
    /// and g = `weight[o, i]` rotated by 180°.
    static func transformWeights(
        _ weight: UnsafePointer<Float>, outputs: Int, inputs: Int, flipped: Bool, into u: UnsafeMutablePointer<Float>
    ) {
        let p = flipped ? inputs : outputs, q = flipped ? outputs : inputs
        for row in 0..<p {
            for column in 0..<q {
                let kernel = weight + (flipped ? column * inputs + row : row * inputs + column) * 9
                @inline(__always) func tap(_ kh: Int, _ kw: Int) -> Float {
                    flipped ? kernel[(2 - kh) * 3 + 2 - kw] : kernel[kh * 3 + kw]
                }
                let g0 = SIMD4(tap(0, 0), tap(0, 1), tap(0, 2), 0)
                let g1 = SIMD4(tap(1, 0), tap(1, 1), tap(1, 2), 0)
                let g2 = SIMD4(tap(2, 0), tap(2, 1), tap(2, 2), 0)
                // G g, G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]], then (G g) Gᵀ row by row.
                let rows = (g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
                @inline(__always) func store(_ r: SIMD4<Float>, _ i: Int) {
                    let values = SIMD4(r[0], 0.5 * (r[0] + r[1] + r[2]), 0.5 * (r[0] - r[1] + r[2]), r[2])
                    for j in 0..<4 { u[((i * 4 + j) * p + row) * q + column] = values[j] }
                }
                store(rows.0, 0)
                store(rows.1, 1)
                store(rows.2, 2)
                store(rows.3, 3)
            }
        }
    }

    /// `output[:, n] = conv3×3(input[:, n])` for the images n in `images` of `input [Q, N, H, W]`
    /// (`output` `[P, N, H, W]`), with the transformed kernel `u` `[16, P, Q]`.
    func convolve(
        input: UnsafePointer<Float>, inputChannels q: Int, outputChannels p: Int, batch: Int, height: Int, width: Int,
        images: Range<Int>, u: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let tilesHigh = (height + 1) / 2, tilesWide = (width + 1) / 2
        let tilesPerImage = tilesHigh * tilesWide
        let perImage = 16 * max(p, q) * tilesPerImage
        let chunk = max(1, min(images.count, budget / perImage))
        let transformed = transformed.reserve(chunk * perImage), products = products.reserve(chunk * perImage)
        let shape = TileShape(batch: batch, height: height, width: width, tilesHigh: tilesHigh, tilesWide: tilesWide)
        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
            let part = first..<min(images.upperBound, first + chunk)
            let tiles = part.count * tilesPerImage
            transformInput(input, channels: q, shape, images: part, into: transformed)
            for xi in 0..<16 {
                BLAS.sgemm(.none, .none, m: p, n: tiles, k: q, a: u + xi * p * q, lda: q,
                           b: transformed + xi * q * tiles, ldb: tiles, c: products + xi * p * tiles, ldc: tiles)
            }
            Self.transformOutput(products, channels: p, shape, images: part, into: output)
        }
    }

    struct TileShape: Sendable {
        var batch, height, width, tilesHigh, tilesWide: Int
    }

    /// `V[ξ, c, t] = (Bᵀ d B)[ξ]`, Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]].
    func transformInput(
        _ input: UnsafePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into v: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesHigh * s.tilesWide, plane = s.height * s.width
        let step = channels * tiles
        // Each plane is first copied into a zero-bordered scratch plane so that every tile is
        // read without bounds checks.
        let paddedWidth = 2 * s.tilesWide + 2, paddedHeight = 2 * s.tilesHigh + 2
        let padded = padded.reserve(paddedWidth * paddedHeight)
        padded.update(repeating: 0, count: paddedWidth * paddedHeight)
        @inline(__always) func load4(_ p: UnsafeMutablePointer<Float>) -> SIMD4<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
        }
        for c in 0..<channels {
            var t = 0
            let rowBase = v + c * tiles
            for n in images {
                let image = input + (c * s.batch + n) * plane
                for y in 0..<s.height {
                    (padded + (y + 1) * paddedWidth + 1).update(from: image + y * s.width, count: s.width)
                }
                for ty in 0..<s.tilesHigh {
                    for tx in 0..<s.tilesWide {
                        let p = padded + 2 * ty * paddedWidth + 2 * tx
                        let d0 = load4(p), d1 = load4(p + paddedWidth)
                        let d2 = load4(p + 2 * paddedWidth), d3 = load4(p + 3 * paddedWidth)
                        // Bᵀ d (rows), then (·) B (columns).
                        @inline(__always) func store(_ r: SIMD4<Float>, _ i: Int) {
                            let base = rowBase + (i * 4) * step + t
                            base[0] = r[0] - r[2]
                            base[step] = r[1] + r[2]
                            base[2 * step] = r[2] - r[1]
                            base[3 * step] = r[1] - r[3]
                        }
                        store(d0 - d2, 0)
                        store(d1 + d2, 1)
                        store(d2 - d1, 2)
                        store(d1 - d3, 3)
                        t += 1
                    }
                }
            }
        }
    }

    /// Each output tile `Aᵀ m A`, Aᵀ = [[1,1,1,0],[0,1,−1,−1]], clipped to the image.
    static func transformOutput(
        _ m: UnsafeMutablePointer<Float>, channels: Int, _ s: TileShape, images: Range<Int>,
        into output: UnsafeMutablePointer<Float>
    ) {
        let tiles = images.count * s.tilesHigh * s.tilesWide, plane = s.height * s.width
        let stride = channels * tiles
        for c in 0..<channels {
            var t = 0
            let rowBase = m + c * tiles
            for n in images {
                let image = output + (c * s.batch + n) * plane
                for ty in 0..<s.tilesHigh {
                    for tx in 0..<s.tilesWide {
                        let p = rowBase + t
                        let m0 = SIMD4(p[0], p[stride], p[2 * stride], p[3 * stride])
                        let m1 = SIMD4(p[4 * stride], p[5 * stride], p[6 * stride], p[7 * stride])
                        let m2 = SIMD4(p[8 * stride], p[9 * stride], p[10 * stride], p[11 * stride])
                        let m3 = SIMD4(p[12 * stride], p[13 * stride], p[14 * stride], p[15 * stride])
                        let s0 = m0 + m1 + m2, s1 = m1 - m2 - m3
                        let y = 2 * ty, x = 2 * tx
                        let out = image + y * s.width + x
                        out[0] = s0[0] + s0[1] + s0[2]
                        if x + 1 < s.width { out[1] = s0[1] - s0[2] - s0[3] }
                        if y + 1 < s.height {
                            out[s.width] = s1[0] + s1[1] + s1[2]
                            if x + 1 < s.width { out[s.width + 1] = s1[1] - s1[2] - s1[3] }
                        }
                        t += 1
                    }
                }
            }
        }
    }
}
