/// Winograd minimal filtering F(4×4, 3×3) (Lavin & Gray 2016, arXiv:1509.09308, section 5) for
/// 3×3, stride-1, padding-1 convolutions over `[Q, N, H, W]` maps: 36 multiplies per 4×4 output
/// tile instead of 144, as 36 batched sgemm products.
///
/// Legend: Q input channels, P output channels, T 4×4 tiles (`N·⌈H/4⌉·⌈W/4⌉`), ξ one of the 36
/// positions of a 6×6 transformed tile. Per chunk of images:
/// `V[ξ, q, t] = (Bᵀ d B)[ξ]` (input tiles d, zero outside the image),
/// `M[ξ] = U[ξ] [P, Q] × V[ξ] [Q, T]` with `U[ξ, p, q] = (G g Gᵀ)[ξ]`, and each output tile
/// `Aᵀ m A`. The same routine gives the input gradient of a convolution (a convolution of the
/// output gradient with the kernel flipped and its channels swapped). The matrices are those of
/// the paper (interpolation points 0, ±1, ±2, ∞).
///
/// The tile transforms (`WinogradConvolution+Transforms.swift`) work on 8 images at once, one
/// per SIMD lane (`ImageLanes`): the tiles of a chunk are ordered by groups of 8 images, then
/// tile position, then image, so each transformed value of 8 tiles is one contiguous vector.
/// The weight gradient is in `WinogradConvolution+WeightGradient.swift`.
///
/// One instance per worker: it holds that worker's tile buffers and runs on the calling thread.
/// `@unchecked Sendable` only so a batch task can be handed its worker's instance (see
/// `BatchTasks`); two workers never share one.
final class WinogradConvolution: @unchecked Sendable {
    /// Transformed positions per tile (6×6).
    static let positions = 36

    /// Tile buffers: transformed inputs V and products M (forward), or V and transformed output
    /// gradients (weight gradient).
    private let transformed = ScratchBuffer()
    private let products = ScratchBuffer()
    /// 8 images interleaved (`[rows, columns, 8]`) inside the transforms.
    let lanePlane = ScratchBuffer()
    /// One 6×6 tile of 8 lanes half-way through a transform.
    let tileScratch = ScratchBuffer()
    /// The kernel gradient in the transformed domain, `dU [36, P, Q]`.
    let kernelGradientBuffer = ScratchBuffer()
    /// Upper bound, in floats, of each of the two tile buffers; at least one image per chunk.
    var budget: Int

    init(budget: Int) { self.budget = budget }

    /// `U[ξ, p, q] = (G g Gᵀ)[ξ]`, `[36, P, Q]`, from OIHW `weight [O, I, 3, 3]`: with
    /// `flipped == false` p = o, q = i and g = `weight[o, i]`; with `flipped == true` p = i, q = o
    /// and g = `weight[o, i]` rotated by 180°.
    static func transformWeights(
        _ weight: UnsafePointer<Float>, outputs: Int, inputs: Int, flipped: Bool, into u: UnsafeMutablePointer<Float>
    ) {
        let p = flipped ? inputs : outputs, q = flipped ? outputs : inputs, step = p * q
        for row in 0..<p {
            for column in 0..<q {
                let pair: Int = flipped ? column * inputs + row : row * inputs + column
                let kernel = weight + 9 * pair
                @inline(__always) func tap(_ kh: Int, _ kw: Int) -> Float {
                    flipped ? kernel[(2 - kh) * 3 + 2 - kw] : kernel[kh * 3 + kw]
                }
                // G g over kh (lane kw), then G over kw of each row (lane i).
                let r = interpolate(SIMD4(tap(0, 0), tap(0, 1), tap(0, 2), 0), SIMD4(tap(1, 0), tap(1, 1), tap(1, 2), 0),
                                    SIMD4(tap(2, 0), tap(2, 1), tap(2, 2), 0))
                @inline(__always) func tapsOver(_ kw: Int) -> SIMD8<Float> {
                    SIMD8(r.0[kw], r.1[kw], r.2[kw], r.3[kw], r.4[kw], r.5[kw], 0, 0)
                }
                let values = interpolate(tapsOver(0), tapsOver(1), tapsOver(2))
                let entry = row * q + column
                withUnsafeBytes(of: values) { raw in
                    let byColumn = raw.bindMemory(to: Float.self)
                    for i in 0..<6 {
                        for j in 0..<6 {
                            let position: Int = i * 6 + j
                            u[position * step + entry] = byColumn[8 * j + i]
                        }
                    }
                }
            }
        }
    }

    /// `G (a, b, c)ᵀ` lane by lane, G = [[¼,0,0],[−⅙,−⅙,−⅙],[−⅙,⅙,−⅙],[1/24,1/12,⅙],[1/24,−1/12,⅙],[0,0,1]].
    @inline(__always)
    private static func interpolate<V: SIMD>(_ a: V, _ b: V, _ c: V) -> (V, V, V, V, V, V) where V.Scalar == Float {
        let outer = a + c
        return (0.25 * a, -(outer + b) / 6, (b - outer) / 6, a / 24 + b / 12 + c / 6, a / 24 - b / 12 + c / 6, c)
    }

    /// `output[:, n] = conv3×3(input[:, n])` for the images n in `images` of `input [Q, N, H, W]`
    /// (`output` `[P, N, H, W]`), with the transformed kernel `u` `[36, P, Q]`, and `epilogue`
    /// applied to each channel of each group of images as soon as it is written.
    func convolve(
        input: UnsafePointer<Float>, inputChannels q: Int, outputChannels p: Int, batch: Int, height: Int, width: Int,
        images: Range<Int>, u: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        epilogue: ConvolutionEpilogue? = nil
    ) {
        let shape = TileShape(batch: batch, height: height, width: width)
        let (chunk, transformed, products) = planChunk(channels: max(p, q), shape, images: images)
        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
            let part = first..<min(images.upperBound, first + chunk)
            let tiles = part.count * shape.tilesPerImage
            transformInput(input, channels: q, shape, images: part, into: transformed)
            for xi in 0..<Self.positions {
                BLAS.sgemm(.none, .none, m: p, n: tiles, k: q, a: u + xi * p * q, lda: q,
                           b: transformed + xi * q * tiles, ldb: tiles, c: products + xi * p * tiles, ldc: tiles)
            }
            transformOutput(products, channels: p, shape, images: part, into: output, epilogue: epilogue)
        }
    }

    /// Images per chunk of `images` such that `36 · channels` transformed rows of their tiles
    /// fit in `budget` (whole groups of 8 images where it allows, at least one image), and the
    /// two tile buffers with room for that many.
    func planChunk(
        channels: Int, _ shape: TileShape, images: Range<Int>
    ) -> (chunk: Int, transformed: UnsafeMutablePointer<Float>, products: UnsafeMutablePointer<Float>) {
        let perImage = Self.positions * channels * shape.tilesPerImage
        var chunk = max(1, min(images.count, budget / perImage))
        if chunk < images.count && chunk > ImageLanes.count { chunk -= chunk % ImageLanes.count }
        return (chunk, transformed.reserve(chunk * perImage), products.reserve(chunk * perImage))
    }

    /// A batch of `H × W` planes cut into `⌈H/4⌉ × ⌈W/4⌉` 4×4 output tiles.
    struct TileShape: Sendable {
        var batch, height, width, tilesHigh, tilesWide: Int

        init(batch: Int, height: Int, width: Int) {
            self.batch = batch
            self.height = height
            self.width = width
            tilesHigh = (height + 3) / 4
            tilesWide = (width + 3) / 4
        }

        var tilesPerImage: Int { tilesHigh * tilesWide }
    }
}
