/// The weight gradient of a Winograd F(4×4, 3×3) convolution, as 36 batched sgemm products
/// (Lavin & Gray 2016, arXiv:1509.09308, section 4: the same minimal filtering run backward).
///
/// Legend as in `WinogradConvolution`. The forward computes each output tile as
/// `Aᵀ [Σ_q U[ξ, p, q] V[ξ, q, t]] A` with `U = G g Gᵀ`, so by the chain rule, per chunk of images:
/// `D[ξ, p, t] = (A δ Aᵀ)[ξ]` (δ the 4×4 output-gradient tile, zero outside the image),
/// `dU[ξ] [P, Q] += D[ξ] [P, T] × V[ξ]ᵀ [T, Q]`, and after the last chunk
/// `dweight[p, q] += Gᵀ dU[·, p, q] G` (3×3 from 6×6).
extension WinogradConvolution {
    /// Sets `weightGradient` `[P, Q, 3, 3]` (OIHW) to `dL/dweight` summed over the images
    /// `images` of `output [P, N, H, W] = conv3×3(input [Q, N, H, W])`, given `outputGradient`
    /// `[P, N, H, W]`.
    ///
    /// - Complexity: per chunk, an input transform (36 values per 4×4 tile and input channel),
    ///   an output-gradient transform (36 per tile and output channel) and 36 sgemms
    ///   `[P, T] × [T, Q]`; `36·P·Q·T` multiply-adds instead of im2col's `9·P·Q·16T`.
    func weightGradient(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputChannels q: Int, outputChannels p: Int,
        batch: Int, height: Int, width: Int, images: Range<Int>, into weightGradient: UnsafeMutablePointer<Float>
    ) {
        let shape = TileShape(batch: batch, height: height, width: width)
        let (chunk, transformed, products) = planChunk(channels: max(p, q), shape, images: images)
        let kernelGradient = kernelGradientBuffer.reserve(Self.positions * p * q)
        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
            let part = first..<min(images.upperBound, first + chunk)
            let tiles = part.count * shape.tilesPerImage
            transformInput(input, channels: q, shape, images: part, into: transformed)
            transformOutputGradient(outputGradient, channels: p, shape, images: part, into: products)
            for xi in 0..<Self.positions {
                BLAS.sgemm(.none, .transposed, m: p, n: q, k: tiles, a: products + xi * p * tiles, lda: tiles,
                           b: transformed + xi * q * tiles, ldb: tiles, beta: first == images.lowerBound ? 0 : 1,
                           c: kernelGradient + xi * p * q, ldc: q)
            }
        }
        weightGradient.update(repeating: 0, count: p * q * 9)
        Self.accumulateKernelGradient(kernelGradient, outputs: p, inputs: q, into: weightGradient)
    }

    /// `dweight[p, q] += Gᵀ dU[·, p, q] G` (the adjoint of `transformWeights`), from `dU`
    /// `[36, P, Q]` into OIHW `[P, Q, 3, 3]`, with
    /// Gᵀ = [[¼,−⅙,−⅙,1/24,1/24,0],[0,−⅙,⅙,1/12,−1/12,0],[0,−⅙,−⅙,⅙,⅙,1]].
    static func accumulateKernelGradient(
        _ kernelGradient: UnsafePointer<Float>, outputs p: Int, inputs q: Int, into weightGradient: UnsafeMutablePointer<Float>
    ) {
        let step = p * q
        for pair in 0..<step {
            let du = kernelGradient + pair
            // Row i of dU (lane j), then Gᵀ over the rows: lane j of k_kh is Σ_i G[i, kh] dU[i, j].
            @inline(__always) func row(_ i: Int) -> SIMD8<Float> {
                let r = du + 6 * i * step
                return SIMD8(r[0], r[step], r[2 * step], r[3 * step], r[4 * step], r[5 * step], 0, 0)
            }
            let k = adjoint(row(0), row(1), row(2), row(3), row(4), row(5))
            // Gᵀ over the columns: lane kh of w_kw is dweight[kh, kw].
            @inline(__always) func column(_ j: Int) -> SIMD4<Float> { SIMD4(k.0[j], k.1[j], k.2[j], 0) }
            let w = adjoint(column(0), column(1), column(2), column(3), column(4), column(5))
            let dw = weightGradient + pair * 9
            for kh in 0..<3 {
                dw[kh * 3] += w.0[kh]
                dw[kh * 3 + 1] += w.1[kh]
                dw[kh * 3 + 2] += w.2[kh]
            }
        }
    }

    /// `Gᵀ (r0, …, r5)ᵀ` lane by lane.
    @inline(__always)
    private static func adjoint<V: SIMD>(_ r0: V, _ r1: V, _ r2: V, _ r3: V, _ r4: V, _ r5: V) -> (V, V, V)
    where V.Scalar == Float {
        let sum12 = r1 + r2, sum34 = r3 + r4
        return (0.25 * r0 - sum12 / 6 + sum34 / 24, (r2 - r1) / 6 + (r3 - r4) / 12, sum34 / 6 - sum12 / 6 + r5)
    }
}
