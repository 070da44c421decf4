/// A picture of what the model sees: one row per image with the original, view 1 and view 2.
public enum AugmentationPreview {
    /// Composes the preview grid.
    ///
    /// The images are the first `count` of epoch 0's shuffle for `seed`, and the views are exactly
    /// the loader's epoch-0 views of them before normalisation. Every cell is
    /// `scale · max(image, view)` pixels, scaled up by nearest neighbour, the original centred in
    /// its cell; cells are separated by `gap` pixels of `background`.
    ///
    /// - Parameters:
    ///   - count: rows, at most the dataset size.
    ///   - scale: integer magnification; `nil` picks `max(1, 128 / side)` (4 for 28 or 32 px).
    /// - Returns: a UInt8 HWC image with the dataset's channel count,
    ///   `rows · cell + (rows + 1) · gap` high and `3 · cell + 4 · gap` wide.
    /// - Throws: `AugmentationError` for an invalid config, an empty dataset or `count < 1`.
    public static func grid(
        dataset: ImageDataset, config: AugmentationConfig, seed: UInt64, count: Int = 8,
        scale: Int? = nil, gap: Int = 4, background: UInt8 = 255
    ) throws(AugmentationError) -> DecodedImage {
        guard count >= 1 else { throw .invalidParameter(name: "count", value: "\(count)", expected: "at least 1") }
        guard scale.map({ $0 >= 1 }) ?? true else { throw .invalidParameter(name: "scale", value: "\(scale!)", expected: "at least 1") }
        let pipeline = try AugmentationPipeline(config: config, dataset: dataset)
        let schedule = try ViewBatchSchedule(imageCount: dataset.count, batchSize: 1, dropLast: false, seed: seed)
        let indices = Array(schedule.permutation(epoch: 0).prefix(count))
        let views = ViewBatchRenderer(dataset: dataset, pipeline: pipeline, schedule: schedule)
            .render(epoch: 0, imageIndices: indices, normalize: false)

        let rows = indices.count, c = dataset.channels
        let viewH = pipeline.outputHeight, viewW = pipeline.outputWidth
        let maxH = max(viewH, indices.map { dataset.images[$0].height }.max()!)
        let maxW = max(viewW, indices.map { dataset.images[$0].width }.max()!)
        let magnification = scale ?? max(1, 128 / max(maxH, maxW))
        // The grid's side lengths from outside numbers (--scale, image sides), overflow-safe and
        // within the PNG pixel limit, before its pixels are allocated.
        guard let cellH = MemoryBudget.product([maxH, magnification]), let cellW = MemoryBudget.product([maxW, magnification]),
            let height = MemoryBudget.product([rows, cellH + gap]).map({ $0 + gap }),
            let width = MemoryBudget.product([3, cellW + gap]).map({ $0 + gap }),
            let gridPixels = MemoryBudget.product([height, width]), gridPixels <= PNG.defaultMaximumPixels
        else {
            throw .invalidParameter(
                name: "scale", value: "\(magnification)",
                expected: "a grid of at most \(PNG.defaultMaximumPixels) pixels (\(rows) rows of \(maxH)x\(maxW) cells)")
        }
        var pixels = [UInt8](repeating: background, count: height * width * c)

        /// Copies a `h × w` image, read by `sample(y, x, k)`, magnified, centred in cell (row, column).
        func place(row: Int, column: Int, h: Int, w: Int, sample: (Int, Int, Int) -> UInt8) {
            let top = gap + row * (cellH + gap) + (cellH - h * magnification) / 2
            let left = gap + column * (cellW + gap) + (cellW - w * magnification) / 2
            for y in 0..<(h * magnification) {
                for x in 0..<(w * magnification) {
                    for k in 0..<c {
                        pixels[((top + y) * width + left + x) * c + k] = sample(y / magnification, x / magnification, k)
                    }
                }
            }
        }
        let stride = pipeline.viewElementCount
        for (row, index) in indices.enumerated() {
            let image = dataset.images[index]
            place(row: row, column: 0, h: image.height, w: image.width) { y, x, k in image.pixels[(y * image.width + x) * c + k] }
            for view in 0..<2 {
                let base = (view * rows + row) * stride
                place(row: row, column: 1 + view, h: viewH, w: viewW) { y, x, k in
                    UInt8((min(max(views.data[base + (y * viewW + x) * c + k], 0), 1) * 255).rounded())
                }
            }
        }
        return DecodedImage(width: width, height: height, channels: c, pixels: pixels)
    }
}
