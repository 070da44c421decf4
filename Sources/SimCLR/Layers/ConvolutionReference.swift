/// Direct-loop convolution on NHWC tensors: the slow, obviously correct reference the im2col
/// path of `Conv2D` is tested against (llm.c keeps `matmul_forward_naive` for the same reason).
///
/// Shapes: input `[N, H, W, C]`, weight OIHW `[OC, C, K, K]`, output `[N, OH, OW, OC]` with
/// `OH = (H + 2·padding − K) / stride + 1`.
public enum ConvolutionReference {
    /// `y[n, oh, ow, o] = Σ_{c, kh, kw} x[n, oh·s − p + kh, ow·s − p + kw, c] · w[o, c, kh, kw]`.
    public static func forward(input: Tensor, weight: Tensor, stride: Int, padding: Int) -> Tensor {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (oc, k) = (weight.shape[0], weight.shape[2])
        precondition(weight.shape[1] == c, "ConvolutionReference: input \(input.shape) vs weight \(weight.shape)")
        let oh = (h + 2 * padding - k) / stride + 1, ow = (w + 2 * padding - k) / stride + 1
        var output = Tensor(shape: [n, oh, ow, oc])
        for b in 0..<n {
            for y in 0..<oh {
                for x in 0..<ow {
                    for o in 0..<oc {
                        var sum: Float = 0
                        for kh in 0..<k {
                            for kw in 0..<k {
                                let iy = y * stride - padding + kh, ix = x * stride - padding + kw
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                for ci in 0..<c {
                                    sum += input.data[((b * h + iy) * w + ix) * c + ci]
                                        * weight.data[((o * c + ci) * k + kh) * k + kw]
                                }
                            }
                        }
                        output.data[((b * oh + y) * ow + x) * oc + o] = sum
                    }
                }
            }
        }
        return output
    }

    /// Gradients of `Σ y ⊙ outputGradient` with respect to the input `[N, H, W, C]` and the weight
    /// `[OC, C, K, K]`.
    public static func backward(
        input: Tensor, weight: Tensor, outputGradient: Tensor, stride: Int, padding: Int
    ) -> (inputGradient: Tensor, weightGradient: Tensor) {
        let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (oc, k) = (weight.shape[0], weight.shape[2])
        let (oh, ow) = (outputGradient.shape[1], outputGradient.shape[2])
        var dx = Tensor(shape: input.shape)
        var dw = Tensor(shape: weight.shape)
        for b in 0..<n {
            for y in 0..<oh {
                for x in 0..<ow {
                    for o in 0..<oc {
                        let g = outputGradient.data[((b * oh + y) * ow + x) * oc + o]
                        for kh in 0..<k {
                            for kw in 0..<k {
                                let iy = y * stride - padding + kh, ix = x * stride - padding + kw
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                for ci in 0..<c {
                                    let xi = ((b * h + iy) * w + ix) * c + ci
                                    let wi = ((o * c + ci) * k + kh) * k + kw
                                    dx.data[xi] += g * weight.data[wi]
                                    dw.data[wi] += g * input.data[xi]
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dw)
    }
}
