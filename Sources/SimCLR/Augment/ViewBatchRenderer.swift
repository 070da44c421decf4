/// Renders the views of a batch, `viewsPerImage` per image (the 2N of SimCLR by default, or a
/// multi-crop group), split over `Parallel.workerCount` chunks.
///
/// Not thread-safe: one renderer is used by one thread at a time (the loader's producer).
/// `@unchecked Sendable` so that thread can own it.
public final class ViewBatchRenderer: @unchecked Sendable {
    public let pipeline: AugmentationPipeline
    public let schedule: ViewBatchSchedule
    /// The view number (`ViewBatchSchedule.viewGenerator`) of this renderer's first view of an image.
    public let firstView: Int
    /// Views rendered per image.
    public let viewsPerImage: Int
    let images: [DecodedImage]
    let maximumHeight: Int
    let maximumWidth: Int
    /// One per chunk, grown when `Parallel.workerCount` grows.
    var scratches: [AugmentationScratch] = []

    /// - Parameters:
    ///   - firstView: view number of the first view of each image: 0 for the two full-size
    ///     views, 2 for multi-crop's small ones (so they draw from streams of their own).
    ///   - viewsPerImage: views rendered per image (2, or K small ones).
    /// - Precondition: the dataset is the schedule's; `firstView ≥ 0`, `viewsPerImage ≥ 1`.
    public init(
        dataset: ImageDataset, pipeline: AugmentationPipeline, schedule: ViewBatchSchedule, firstView: Int = 0,
        viewsPerImage: Int = 2
    ) {
        precondition(dataset.count == schedule.imageCount, "ViewBatchRenderer: dataset of \(dataset.count), schedule of \(schedule.imageCount)")
        precondition(firstView >= 0 && viewsPerImage >= 1, "ViewBatchRenderer: views \(firstView)..<\(firstView + viewsPerImage)")
        self.pipeline = pipeline
        self.schedule = schedule
        self.firstView = firstView
        self.viewsPerImage = viewsPerImage
        images = dataset.images
        maximumHeight = images.map(\.height).max() ?? 1
        maximumWidth = images.map(\.width).max() ?? 1
    }

    /// Writes the views of `imageIndices` (N images) in `epoch` into `views`
    /// (`V·N · H · W · C` floats, NHWC, V = `viewsPerImage`): row `j·N + i` is view number
    /// `firstView + j` of `imageIndices[i]` (with the defaults: row `v < N` view 0 of
    /// `imageIndices[v]`, row `v ≥ N` view 1 of `imageIndices[v − N]`).
    ///
    /// - Complexity: about V·N · H · W · C · (resize taps + jitter) flops, over the worker chunks.
    public func render(epoch: Int, imageIndices: [Int], normalize: Bool = true, into views: UnsafeMutablePointer<Float>) {
        let n = imageIndices.count, total = viewsPerImage * n
        guard n > 0 else { return }
        let chunks = min(Parallel.workerCount, total)
        while scratches.count < chunks {
            scratches.append(AugmentationScratch(pipeline: pipeline, maximumSourceHeight: maximumHeight, maximumSourceWidth: maximumWidth))
        }
        let scratches = scratches, images = images, pipeline = pipeline, schedule = schedule, firstView = firstView
        let stride = pipeline.viewElementCount
        let output = SendablePointer(views)
        // Chunk k writes views [total·k/chunks, total·(k+1)/chunks) with its own scratch: the
        // ranges are disjoint, and each view's pixels depend only on (seed, epoch, image, view).
        Parallel.forEachChunk(chunks) { chunkRange in
            for chunk in chunkRange {
                let scratch = scratches[chunk]
                for v in (total * chunk / chunks)..<(total * (chunk + 1) / chunks) {
                    let image = imageIndices[v % n]
                    var rng = schedule.viewGenerator(epoch: epoch, image: image, view: firstView + v / n)
                    let source = images[image]
                    let parameters = pipeline.sampleParameters(sourceHeight: source.height, sourceWidth: source.width, using: &rng)
                    pipeline.render(source, parameters: parameters, normalize: normalize, into: output.base + v * stride, scratch: scratch)
                }
            }
        }
    }

    /// The views of `imageIndices` in `epoch` as a new `[V·N, H, W, C]` tensor (V = `viewsPerImage`).
    public func render(epoch: Int, imageIndices: [Int], normalize: Bool = true) -> Tensor {
        let count = viewsPerImage * imageIndices.count * pipeline.viewElementCount
        let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { render(epoch: epoch, imageIndices: imageIndices, normalize: normalize, into: base) }
            initialized = count
        }
        return Tensor(shape: [viewsPerImage * imageIndices.count, pipeline.outputHeight, pipeline.outputWidth, pipeline.channels], data: data)
    }
}
