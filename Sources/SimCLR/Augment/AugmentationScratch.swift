/// Working buffers for rendering views with one `AugmentationPipeline`, allocated once for the
/// largest source image and reused for every view.
///
/// One scratch per worker: `@unchecked Sendable` only so it can be handed to the parallel chunk
/// that owns it; two chunks never share one (see `ViewBatchRenderer`).
public final class AugmentationScratch: @unchecked Sendable {
    let horizontalTaps: Int
    let verticalTaps: Int
    let horizontalStarts: UnsafeMutablePointer<Int>
    let horizontalCounts: UnsafeMutablePointer<Int>
    let horizontalWeights: UnsafeMutablePointer<Float>
    let verticalStarts: UnsafeMutablePointer<Int>
    let verticalCounts: UnsafeMutablePointer<Int>
    let verticalWeights: UnsafeMutablePointer<Float>
    /// `[max(sourceHeight, outputHeight), outputWidth, C]`: resize rows, then the blur's first pass.
    let rows: UnsafeMutablePointer<Float>
    let rowsCapacity: Int
    /// Gaussian taps, `blurKernelSize` long (at least 1).
    let blurKernel: UnsafeMutablePointer<Float>

    /// Buffers for views of `pipeline` cut from images of at most `maximumSourceHeight` ×
    /// `maximumSourceWidth` pixels.
    public init(pipeline: AugmentationPipeline, maximumSourceHeight: Int, maximumSourceWidth: Int) {
        let outH = pipeline.outputHeight, outW = pipeline.outputWidth
        horizontalTaps = BilinearResize.maximumTaps(inputSize: maximumSourceWidth, outputSize: outW)
        verticalTaps = BilinearResize.maximumTaps(inputSize: maximumSourceHeight, outputSize: outH)
        horizontalStarts = .allocate(capacity: outW)
        horizontalCounts = .allocate(capacity: outW)
        horizontalWeights = .allocate(capacity: outW * horizontalTaps)
        verticalStarts = .allocate(capacity: outH)
        verticalCounts = .allocate(capacity: outH)
        verticalWeights = .allocate(capacity: outH * verticalTaps)
        rowsCapacity = max(maximumSourceHeight, outH) * outW * pipeline.channels
        rows = .allocate(capacity: rowsCapacity)
        blurKernel = .allocate(capacity: max(1, pipeline.blurKernelSize ?? 1))
    }

    deinit {
        horizontalStarts.deallocate()
        horizontalCounts.deallocate()
        horizontalWeights.deallocate()
        verticalStarts.deallocate()
        verticalCounts.deallocate()
        verticalWeights.deallocate()
        rows.deallocate()
        blurKernel.deallocate()
    }
}
