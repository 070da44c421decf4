/// The weight gradient of a Winograd F(2×2, 3×3) convolution, as 16 batched sgemm products
/// (Lavin & Gray 2016, arXiv:1509.09308, section 4: the same minimal filtering run backward).
///
/// Legend as in `WinogradConvolution`. The forward computes each output tile as
/// `Aᵀ [Σ_q U[ξ, p, q] V[ξ, q, t]] A` with `U = G g Gᵀ`, so by the chain rule, per chunk of images:
/// `D[ξ, p, t] = (A δ Aᵀ)[ξ]` (δ the 2×2 output-gradient tile, zero outside the image),
/// `dU[ξ] [P, Q] += D[ξ] [P, T] × V[ξ]ᵀ [T, Q]`, and after the last chunk
/// `dweight[p, q] += Gᵀ dU[·, p, q] G` (3×3 from 4×4).
extension WinogradConvolution {
    /// Sets `weightGradient` `[P, Q, 3, 3]` (OIHW) to `dL/dweight` summed over the images
    /// `images` of `output [P, N, H, W] = conv3×3(input [Q, N, H, W])`, given `outputGradient`
    /// `[P, N, H, W]`.
    ///
    /// - Complexity: per chunk, an input transform (16 values per 2×2 tile and input channel),
    ///   an output-gradient transform (16 per tile and output channel) and 16 sgemms
    ///   `[P, T] × [T, Q]`; `16·P·Q·T` multiply-adds instead of im2col's `9·P·Q·4T`.
    func weightGradient(
        input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputChannels q: Int, outputChannels p: Int,
        batch: Int, height: Int, width: Int, images: Range<Int>, into weightGradient: UnsafeMutablePointer<Float>
    ) {
        let shape = TileShape(batch: batch, height: height, width: width)
        let (chunk, transformed, products) = planChunk(channels: max(p, q), shape, images: images)
        let kernelGradient = kernelGradientBuffer.reserve(16 * p * q)
        for first in Swift.stride(from: images.lowerBound, to: images.upperBound, by: chunk) {
            let part = first..<min(images.upperBound, first + chunk)
            let tiles = part.count * shape.tilesPerImage
            transformInput(input, channels: q, shape, images: part, into: transformed)
            transformOutputGradient(outputGradient, channels: p, shape, images: part, into: products)
            for xi in 0..<16 {
                BLAS.sgemm(.none, .transposed, m: p, n: q, k: tiles, a: products + xi * p * tiles, lda: tiles,
                           b: transformed + xi * q * tiles, ldb: tiles, beta: first == images.lowerBound ? 0 : 1,
                           c: kernelGradient + xi * p * q, ldc: q)
            }
        }
        weightGradient.update(repeating: 0, count: p * q * 9)
        Self.accumulateKernelGradient(kernelGradient, outputs: p, inputs: q, into: weightGradient)
    }

    /// `dweight[p, q] += Gᵀ dU[·, p, q] G`, Gᵀ = [[1,½,½,0],[0,½,−½,0],[0,½,½,1]] (the adjoint
    /// of `transformWeights`), from `dU` `[16, P, Q]` into OIHW `[P, Q, 3, 3]`.
    static func accumulateKernelGradient(
        _ kernelGradient: UnsafePointer<Float>, outputs p: Int, inputs q: Int, into weightGradient: UnsafeMutablePointer<Float>
    ) {
        let step = p * q
        @inline(__always) func adjoint(_ r: SIMD4<Float>) -> SIMD4<Float> {
            SIMD4(r[0] + 0.5 * (r[1] + r[2]), 0.5 * (r[1] - r[2]), 0.5 * (r[1] + r[2]) + r[3], 0)
        }
        for pair in 0..<step {
            let du = kernelGradient + pair
            @inline(__always) func row(_ i: Int) -> SIMD4<Float> {
                SIMD4(du[(4 * i) * step], du[(4 * i + 1) * step], du[(4 * i + 2) * step], du[(4 * i + 3) * step])
            }
            let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
            // Gᵀ over rows (kh), then over columns (kw).
            let k0 = adjoint(SIMD4(r0[0], r1[0], r2[0], r3[0]))
            let k1 = adjoint(SIMD4(r0[1], r1[1], r2[1], r3[1]))
            let k2 = adjoint(SIMD4(r0[2], r1[2], r2[2], r3[2]))
            let k3 = adjoint(SIMD4(r0[3], r1[3], r2[3], r3[3]))
            // kN[kh] is the row-reduced column N; reduce the columns per kh.
            let dw = weightGradient + pair * 9
            for kh in 0..<3 {
                let kernelRow = adjoint(SIMD4(k0[kh], k1[kh], k2[kh], k3[kh]))
                dw[kh * 3] += kernelRow[0]
                dw[kh * 3 + 1] += kernelRow[1]
                dw[kh * 3 + 2] += kernelRow[2]
            }
        }
    }
}
