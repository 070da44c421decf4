/// ResNet-mini for feature extraction only: the eval-mode forward of `ResNetMini` (running
/// BatchNorm statistics) with every BatchNorm folded into its convolution (`FoldedConvolution`),
/// bias, residual add and ReLU applied as each output is written, and no caches for a backward.
///
/// The batch is cut into fixed tasks of `imagesPerTask` images (the split depends on the batch
/// size alone, so results do not depend on the thread count); each worker takes whole tasks
/// through the whole network on its core, with single-threaded sgemm and its own buffers, so
/// the layers need no barrier between them and the activations of a task stay in the core's
/// caches as far as they fit. Equal to `ResNetMini.forward(_:mode: .eval)` up to Float rounding
/// (folding changes where γ/σ multiplies in): relative to h's scale, about 1e-6.
///
/// Legend: N images, H×W image size, C input channels, D = widths[2].
///
/// `@unchecked Sendable`: after `init` only the worker buffers change, and each worker uses its
/// own (`Parallel.forEachTask` gives each worker index to one thread).
public final class FoldedResNetMini: @unchecked Sendable {
    public let configuration: ResNetMiniConfiguration
    /// Images per task: 16 measured fastest for the default model at 28×28 on 2 cores (sgemm
    /// products wide enough, a task's largest map 1.6 MB).
    public var imagesPerTask = 16
    private let stem: FoldedConvolution
    private let blocks: [(conv1: FoldedConvolution, conv2: FoldedConvolution, shortcut: FoldedConvolution?)]
    private var workers: [Worker] = []

    /// A snapshot of `encoder`'s weights and BatchNorm running statistics, folded.
    public init(_ encoder: ResNetMini) {
        configuration = encoder.configuration
        stem = FoldedConvolution(encoder.stemConv, encoder.stemBN)
        blocks = [encoder.layer1, encoder.layer2, encoder.layer3].map { block in
            (FoldedConvolution(block.conv1, block.bn1), FoldedConvolution(block.conv2, block.bn2),
             block.shortcut.map { FoldedConvolution($0.conv, $0.bn) })
        }
    }

    /// One worker's buffers: four activation maps of a task and the convolution scratch.
    private final class Worker: @unchecked Sendable {
        let maps = (0..<4).map { _ in ScratchBuffer() }
        let convolution = ConvolutionScratch(winogradBudget: 1 << 20)
    }

    /// h `[N, D]` of already normalised views `[N, H, W, C]` (NHWC).
    ///
    /// - Precondition: C is the model's input channel count; H, W ≥ 1.
    /// - Complexity: the convolutions of the forward pass, `forwardMultiplyAdds` per image
    ///   (fewer multiplies where Winograd runs), and no pass over memory for BatchNorm.
    public func representations(ofViews views: Tensor) -> Tensor {
        precondition(views.rank == 4 && views.shape[3] == configuration.inputChannels,
                     "FoldedResNetMini: views \(views.shape), expected [N, H, W, \(configuration.inputChannels)]")
        let (n, height, width) = (views.shape[0], views.shape[1], views.shape[2])
        let d = configuration.representationDim, perTask = max(1, imagesPerTask)
        var h = Tensor(shape: [n, d])
        let tasks = (n + perTask - 1) / perTask
        let workerCount = Parallel.workerCount
        while workers.count < workerCount { workers.append(Worker()) }
        let workers = self.workers
        views.withUnsafeBufferPointer { source in
            h.withUnsafeMutableBufferPointer { target in
                let x = SendableConstPointer(source.baseAddress!), out = SendablePointer(target.baseAddress!)
                BLAS.withSingleThreadedCalls {
                    // Each task reads its own images and writes their rows of h, with its worker's buffers.
                    Parallel.forEachTask(tasks, workers: workerCount) { task, worker in
                        let images = (task * perTask)..<min(n, (task + 1) * perTask)
                        self.forward(images, views: x.base, height: height, width: width, into: out.base, worker: workers[worker])
                    }
                }
            }
        }
        return h
    }

    /// The images `images` of `views` through the network into their rows of `h`.
    private func forward(
        _ images: Range<Int>, views: UnsafePointer<Float>, height: Int, width: Int, into h: UnsafeMutablePointer<Float>,
        worker: Worker
    ) {
        let n = images.count, c = configuration.inputChannels, plane = height * width
        // The largest map of the task, input included.
        var (mapHeight, mapWidth) = (height, width), largest = max(c, stem.outputChannels) * plane
        for block in blocks {
            (mapHeight, mapWidth) = (block.conv1.outputSize(mapHeight), block.conv1.outputSize(mapWidth))
            largest = max(largest, block.conv1.outputChannels * mapHeight * mapWidth)
        }
        (mapHeight, mapWidth) = (height, width)
        let maps = worker.maps.map { $0.reserve(n * largest) }
        // NHWC → [C, n, H, W].
        let input = maps[0]
        for i in 0..<n {
            let image = views + (images.lowerBound + i) * plane * c
            for channel in 0..<c {
                let row = input + (channel * n + i) * plane
                for p in 0..<plane { row[p] = image[p * c + channel] }
            }
        }
        func run(_ layer: FoldedConvolution, _ x: Int, _ y: Int, residual: Int?, relu: Bool, _ h: Int, _ w: Int) {
            layer.forward(maps[x], batch: n, height: h, width: w, output: maps[y], residual: residual.map { UnsafePointer(maps[$0]) },
                          relu: relu, scratch: worker.convolution, columnBudget: 1 << 18)
        }
        run(stem, 0, 1, residual: nil, relu: true, height, width)
        var current = 1
        for block in blocks {
            let free = (0..<4).filter { $0 != current }
            run(block.conv1, current, free[0], residual: nil, relu: true, mapHeight, mapWidth)
            var skip = current
            if let shortcut = block.shortcut {
                run(shortcut, current, free[1], residual: nil, relu: false, mapHeight, mapWidth)
                skip = free[1]
            }
            (mapHeight, mapWidth) = (block.conv1.outputSize(mapHeight), block.conv1.outputSize(mapWidth))
            run(block.conv2, free[0], free[2], residual: skip, relu: true, mapHeight, mapWidth)
            current = free[2]
        }
        // Global average pool (summed in order, as `GlobalAveragePool`) into rows of h.
        let d = configuration.representationDim, outputPlane = mapHeight * mapWidth, last = maps[current]
        for i in 0..<n {
            for channel in 0..<d {
                let p = last + (channel * n + i) * outputPlane
                var sum: Float = 0
                for j in 0..<outputPlane { sum += p[j] }
                h[(images.lowerBound + i) * d + channel] = sum / Float(outputPlane)
            }
        }
    }
}
