/// What an inference convolution applies to its output while the output is still in cache:
/// `y = act(y + bias[oc] [+ residual])`, act = ReLU or identity — the folded BatchNorm's shift, the
/// residual add of a BasicBlock and its ReLU (see `FoldedConvolution`).
///
/// Legend as in `Conv2D`: the output is a `[OC, N, OH, OW]` map, `plane = OH·OW`.
struct ConvolutionEpilogue: Sendable {
    /// `[OC]`, added to every value of its channel.
    var bias: SendableConstPointer<Float>
    /// Shaped and laid out like the output, or nil.
    var residual: SendableConstPointer<Float>?
    var relu: Bool

    /// Applies the epilogue to channel `channel`, images `images`, of `output` (`[OC, batch, plane]`),
    /// in place: one contiguous run of `images.count · plane` values.
    @inline(__always)
    func apply(to output: UnsafeMutablePointer<Float>, channel: Int, batch: Int, plane: Int, images: Range<Int>) {
        let offset = (channel * batch + images.lowerBound) * plane
        ChannelKernels.affine(
            output + offset, count: images.count * plane, scale: 1, offset: bias.base[channel],
            residual: residual.map { $0.base + offset }, relu: relu, output: output + offset)
    }
}
