/// Renders the 2N views of a batch, split over `Parallel.workerCount` chunks.
///
/// Not thread-safe: one renderer is used by one thread at a time (the loader's producer).
/// `@unchecked Sendable` so that thread can own it.
public final class ViewBatchRenderer: @unchecked Sendable {
    public let pipeline: AugmentationPipeline
    public let schedule: ViewBatchSchedule
    let images: [DecodedImage]
    let maximumHeight: Int
    let maximumWidth: Int
    /// One per chunk, grown when `Parallel.workerCount` grows.
    var scratches: [AugmentationScratch] = []

    public init(dataset: ImageDataset, pipeline: AugmentationPipeline, schedule: ViewBatchSchedule) {
        precondition(dataset.count == schedule.imageCount, "ViewBatchRenderer: dataset of \(dataset.count), schedule of \(schedule.imageCount)")
        self.pipeline = pipeline
        self.schedule = schedule
        images = dataset.images
        maximumHeight = images.map(\.height).max() ?? 1
        maximumWidth = images.map(\.width).max() ?? 1
    }

    /// Writes the views of `imageIndices` (N images) in `epoch` into `views`
    /// (`2N · H · W · C` floats, NHWC): view `v < N` is view 0 of `imageIndices[v]`, view `v ≥ N`
    /// view 1 of `imageIndices[v − N]`.
    ///
    /// - Complexity: about 2N · H · W · C · (resize taps + jitter) flops, over the worker chunks.
    public func render(epoch: Int, imageIndices: [Int], normalize: Bool = true, into views: UnsafeMutablePointer<Float>) {
        let n = imageIndices.count, total = 2 * n
        guard n > 0 else { return }
        let chunks = min(Parallel.workerCount, total)
        while scratches.count < chunks {
            scratches.append(AugmentationScratch(pipeline: pipeline, maximumSourceHeight: maximumHeight, maximumSourceWidth: maximumWidth))
        }
        let scratches = scratches, images = images, pipeline = pipeline, schedule = schedule
        let stride = pipeline.viewElementCount
        let output = SendablePointer(views)
        // Chunk k writes views [total·k/chunks, total·(k+1)/chunks) with its own scratch: the
        // ranges are disjoint, and each view's pixels depend only on (seed, epoch, image, view).
        Parallel.forEachChunk(chunks) { chunkRange in
            for chunk in chunkRange {
                let scratch = scratches[chunk]
                for v in (total * chunk / chunks)..<(total * (chunk + 1) / chunks) {
                    let image = imageIndices[v % n]
                    var rng = schedule.viewGenerator(epoch: epoch, image: image, view: v / n)
                    let source = images[image]
                    let parameters = pipeline.sampleParameters(sourceHeight: source.height, sourceWidth: source.width, using: &rng)
                    pipeline.render(source, parameters: parameters, normalize: normalize, into: output.base + v * stride, scratch: scratch)
                }
            }
        }
    }

    /// The views of `imageIndices` in `epoch` as a new `[2N, H, W, C]` tensor.
    public func render(epoch: Int, imageIndices: [Int], normalize: Bool = true) -> Tensor {
        let count = 2 * imageIndices.count * pipeline.viewElementCount
        let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { render(epoch: epoch, imageIndices: imageIndices, normalize: normalize, into: base) }
            initialized = count
        }
        return Tensor(shape: [2 * imageIndices.count, pipeline.outputHeight, pipeline.outputWidth, pipeline.channels], data: data)
    }
}
