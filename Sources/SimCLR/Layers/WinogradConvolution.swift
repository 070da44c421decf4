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
/// The weight gradient is in `WinogradConvolution+WeightGradient.swift`, the tile transforms
/// (8 tiles per SIMD vector) in `WinogradConvolution+Transforms.swift`.
///
/// One instance per worker: it holds that worker's tile buffers and runs on the calling thread.
/// `@unchecked Sendable` only so a batch task can be handed its worker's instance (see
/// `BatchTasks`); two workers never share one.
final class WinogradConvolution: @unchecked Sendable {
    /// Tile buffers: transformed inputs V and products M (forward), or V and transformed output
    /// gradients (weight gradient).
    private let transformed = ScratchBuffer()
    private let products = ScratchBuffer()
    /// A zero-bordered input plane inside the input transforms.
    let paddedPlane = ScratchBuffer()
    /// The kernel gradient in the transformed domain, `dU [16, P, Q]`.
    let kernelGradientBuffer = ScratchBuffer()
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
        let shape = TileShape(batch: batch, height: height, width: width)
        let (chunk, transformed, products) = planChunk(channels: max(p, q), shape, images: images)
        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
            let part = first..<min(images.upperBound, first + chunk)
            let tiles = part.count * shape.tilesPerImage
            transformInput(input, channels: q, shape, images: part, into: transformed)
            for xi in 0..<16 {
                BLAS.sgemm(.none, .none, m: p, n: tiles, k: q, a: u + xi * p * q, lda: q,
                           b: transformed + xi * q * tiles, ldb: tiles, c: products + xi * p * tiles, ldc: tiles)
            }
            transformOutput(products, channels: p, shape, images: part, into: output)
        }
    }

    /// Images per chunk of `images` such that `16 · channels` transformed rows of their tiles
    /// fit in `budget` (at least one image), and the two tile buffers with room for that many.
    func planChunk(
        channels: Int, _ shape: TileShape, images: Range<Int>
    ) -> (chunk: Int, transformed: UnsafeMutablePointer<Float>, products: UnsafeMutablePointer<Float>) {
        let perImage = 16 * channels * shape.tilesPerImage
        let chunk = max(1, min(images.count, budget / perImage))
        return (chunk, transformed.reserve(chunk * perImage), products.reserve(chunk * perImage))
    }

    /// A batch of `H × W` planes cut into `⌈H/2⌉ × ⌈W/2⌉` 2×2 output tiles.
    struct TileShape: Sendable {
        var batch, height, width, tilesHigh, tilesWide: Int

        init(batch: Int, height: Int, width: Int) {
            self.batch = batch
            self.height = height
            self.width = width
            tilesHigh = (height + 1) / 2
            tilesWide = (width + 1) / 2
        }

        var tilesPerImage: Int { tilesHigh * tilesWide }
        /// `tilesWide` rounded up to whole groups of `TileGroup.lanes` tiles.
        var roundedTilesWide: Int { (tilesWide + TileGroup.lanes - 1) / TileGroup.lanes * TileGroup.lanes }
    }
}
