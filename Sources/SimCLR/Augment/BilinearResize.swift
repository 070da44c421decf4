#if canImport(Glibc)
import Glibc
#endif

/// Separable bilinear resize with half-pixel centres and torchvision's `antialias=True` filter
/// (PIL `ImagingResample` / ATen `_upsample_bilinear2d_aa`): for an input/output ratio `s`, output
/// index `i` has centre `(i + 0.5)·s` and weights `max(0, 1 − |j + 0.5 − centre| / max(s, 1))` over
/// in-bounds source indices `j`, normalised to sum 1. For `s ≤ 1` (upsampling) this is exactly
/// PyTorch's plain bilinear `align_corners=False` with edge clamping.
enum BilinearResize {
    /// Most taps one output index can have for an input/output size ratio.
    static func maximumTaps(inputSize: Int, outputSize: Int) -> Int {
        let scale = max(1.0, Double(inputSize) / Double(outputSize))
        return Int(scale.rounded(.up)) * 2 + 2
    }

    /// Fills the taps of one axis. Output index `i` is stored at slot `mirrored ? outputSize−1−i : i`,
    /// which is a horizontal flip of the result for free.
    ///
    /// - Precondition: `maximumTaps(inputSize:outputSize:) ≤ taps` (the stride of `weights`).
    static func computeTaps(
        inputSize: Int, outputSize: Int, mirrored: Bool,
        starts: UnsafeMutablePointer<Int>, counts: UnsafeMutablePointer<Int>,
        weights: UnsafeMutablePointer<Float>, taps: Int
    ) {
        precondition(
            maximumTaps(inputSize: inputSize, outputSize: outputSize) <= taps,
            "BilinearResize: \(inputSize) -> \(outputSize) needs \(maximumTaps(inputSize: inputSize, outputSize: outputSize)) taps, scratch has \(taps)")
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale
        for i in 0..<outputSize {
            let slot = mirrored ? outputSize - 1 - i : i
            let centre = (Double(i) + 0.5) * scale
            let first = max(Int(centre - support + 0.5), 0)
            let end = min(Int(centre + support + 0.5), inputSize)
            let w = weights + slot * taps
            var total = 0.0
            var count = 0
            for j in first..<max(first, end) {
                let weight = max(0, 1 - abs((Double(j) + 0.5 - centre) / filterScale))
                w[count] = Float(weight)
                total += weight
                count += 1
            }
            let norm = total > 0 ? 1 / total : 0
            for t in 0..<count { w[t] = Float(Double(w[t]) * norm) }
            starts[slot] = first
            counts[slot] = count
        }
    }

    /// Resizes the `box` of a UInt8 HWC `source` to `[outputHeight, outputWidth, channels]` Float
    /// samples in [0, 1] (divided by 255 last, so a same-size resize gives exactly `x / 255` as
    /// `ToTensor`), mirrored left–right when `flipped`.
    ///
    /// - Complexity: `box.height · outputWidth · C · tapsW + outputHeight · outputWidth · C · tapsH`.
    static func resample(
        source: UnsafePointer<UInt8>, sourceWidth: Int, channels: Int,
        box: RandomResizedCrop.Box, flipped: Bool,
        output: UnsafeMutablePointer<Float>, outputHeight: Int, outputWidth: Int,
        scratch: AugmentationScratch
    ) {
        let c = channels
        computeTaps(
            inputSize: box.width, outputSize: outputWidth, mirrored: flipped,
            starts: scratch.horizontalStarts, counts: scratch.horizontalCounts,
            weights: scratch.horizontalWeights, taps: scratch.horizontalTaps)
        computeTaps(
            inputSize: box.height, outputSize: outputHeight, mirrored: false,
            starts: scratch.verticalStarts, counts: scratch.verticalCounts,
            weights: scratch.verticalWeights, taps: scratch.verticalTaps)
        // Horizontal pass: box rows -> rows [box.height, outputWidth, C].
        let rowLength = outputWidth * c
        switch c {
        case 1: horizontalPass(source: source, sourceWidth: sourceWidth, channels: 1, box: box, outputWidth: outputWidth, scratch: scratch)
        case 3: horizontalPass(source: source, sourceWidth: sourceWidth, channels: 3, box: box, outputWidth: outputWidth, scratch: scratch)
        default: horizontalPass(source: source, sourceWidth: sourceWidth, channels: c, box: box, outputWidth: outputWidth, scratch: scratch)
        }
        let rows = scratch.rows
        // Vertical pass: rows -> output [outputHeight, outputWidth, C].
        for y in 0..<outputHeight {
            let start = scratch.verticalStarts[y], count = scratch.verticalCounts[y]
            let w = scratch.verticalWeights + y * scratch.verticalTaps
            let dst = output + y * rowLength
            let first = rows + start * rowLength
            let w0 = w[0]
            for i in 0..<rowLength { dst[i] = w0 * first[i] }
            for t in 1..<max(1, count) {
                let src = rows + (start + t) * rowLength
                let wt = w[t]
                for i in 0..<rowLength { dst[i] += wt * src[i] }
            }
            for i in 0..<rowLength { dst[i] = min(max(dst[i] / 255, 0), 1) }
        }
    }

    /// Rows of the box filtered along x into `scratch.rows`; called with a literal `channels` so
    /// the channel loop is specialised.
    @inline(__always)
    private static func horizontalPass(
        source: UnsafePointer<UInt8>, sourceWidth: Int, channels c: Int, box: RandomResizedCrop.Box,
        outputWidth: Int, scratch: AugmentationScratch
    ) {
        let starts = scratch.horizontalStarts, counts = scratch.horizontalCounts
        let weights = scratch.horizontalWeights, taps = scratch.horizontalTaps
        for y in 0..<box.height {
            let src = source + ((box.top + y) * sourceWidth + box.left) * c
            let dst = scratch.rows + y * outputWidth * c
            for x in 0..<outputWidth {
                let first = src + starts[x] * c, count = counts[x]
                let w = weights + x * taps
                for k in 0..<c {
                    var acc: Float = 0
                    for t in 0..<count { acc += w[t] * Float(first[t * c + k]) }
                    dst[x * c + k] = acc
                }
            }
        }
    }
}
