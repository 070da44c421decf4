import Foundation

/// Batches of views prepared ahead on a producer thread: batch k+1 is rendered (over all cores)
/// while the trainer computes on batch k, through a bounded queue.
///
/// ```swift
/// let loader = try ViewBatchLoader(dataset: data, config: .preset(named: "fashion-mnist"),
///                                  batchSize: 256, seed: 42, epochs: 10)
/// while let batch = loader.next() { ... batch.views ... checkpoint(batch.resumeState) }
/// ```
/// Batches are bit-identical for a seed whatever `Parallel.workerCount` is, and a loader started
/// from a batch's `resumeState` continues with exactly the batches that would have followed.
/// `close()` (or deinit) stops the producer and waits for it.
public final class ViewBatchLoader: Sendable {
    /// Where the next batch starts; small and Codable so checkpoints can store it.
    public struct State: Codable, Sendable, Equatable {
        public var seed: UInt64
        /// Epoch of the next batch (0-based).
        public var epoch: Int
        /// Batch index of the next batch within its epoch.
        public var step: Int

        public init(seed: UInt64, epoch: Int = 0, step: Int = 0) {
            self.seed = seed
            self.epoch = epoch
            self.step = step
        }
    }

    public let schedule: ViewBatchSchedule
    public let pipeline: AugmentationPipeline
    /// The small views' pipeline with multi-crop (`MultiCropConfig.smallViewConfig`), else nil.
    public let smallViewPipeline: AugmentationPipeline?
    /// Batches stop after this many epochs.
    public let epochs: Int
    private let queue: BoundedBatchQueue

    /// Starts the producer at `start` (default: epoch 0, step 0 of `seed`).
    ///
    /// - Parameters:
    ///   - dataset: decoded images (UInt8 HWC), one channel count.
    ///   - batchSize: N images per batch (2N views).
    ///   - epochs: total epochs; `next()` returns `nil` after the last batch of epoch `epochs − 1`.
    ///   - start: a `resumeState` from an earlier run; its seed replaces `seed`.
    ///   - part: the share of every batch this process renders (`.whole` for one process).
    ///   - samplesPerClass: M for class-balanced batches (`ClassBalancedSampler` over the
    ///     dataset's labels); nil for a shuffled epoch.
    ///   - multiCrop: also render `multiCrop.count` small views per image (`ViewBatch.smallViews`);
    ///     the full-size views stay those of a loader without it.
    ///   - queueCapacity: finished batches kept ready (memory: capacity + 1 batches).
    /// - Throws: `AugmentationError` for an invalid config (of either view size), too few images,
    ///   no small views in `multiCrop`, or a `start` outside the schedule.
    public init(
        dataset: ImageDataset, config: AugmentationConfig, batchSize: Int, seed: UInt64, epochs: Int,
        dropLast: Bool = true, start: State? = nil, part: BatchPart = .whole, samplesPerClass: Int? = nil,
        multiCrop: MultiCropConfig? = nil, queueCapacity: Int = 2
    ) throws(AugmentationError) {
        let state = start ?? State(seed: seed)
        let pipeline = try AugmentationPipeline(config: config, dataset: dataset)
        if let multiCrop, multiCrop.count < 1 {
            throw .invalidParameter(name: "multiCrop.count", value: "\(multiCrop.count)", expected: "at least 1 (nil for no small views)")
        }
        let smallViewPipeline = try multiCrop.map { (m: MultiCropConfig) throws(AugmentationError) in
            try AugmentationPipeline(config: m.smallViewConfig(from: config), dataset: dataset)
        }
        let sampler = try samplesPerClass.map { (m: Int) throws(AugmentationError) in
            try ClassBalancedSampler(labels: dataset.labels, samplesPerClass: m, batchSize: batchSize, seed: state.seed)
        }
        let schedule = try ViewBatchSchedule(
            imageCount: dataset.count, batchSize: batchSize, dropLast: dropLast, seed: state.seed, sampler: sampler)
        guard state.epoch >= 0, state.step >= 0, state.step < schedule.batchesPerEpoch else {
            throw .invalidParameter(name: "start", value: "epoch \(state.epoch) step \(state.step)", expected: "step in 0..<\(schedule.batchesPerEpoch)")
        }
        guard queueCapacity >= 1 else { throw .invalidParameter(name: "queueCapacity", value: "\(queueCapacity)", expected: "at least 1") }
        self.schedule = schedule
        self.pipeline = pipeline
        self.smallViewPipeline = smallViewPipeline
        self.epochs = epochs
        queue = BoundedBatchQueue(capacity: queueCapacity)
        let renderer = ViewBatchRenderer(dataset: dataset, pipeline: pipeline, schedule: schedule)
        let smallViewRenderer = multiCrop.flatMap { multiCrop in
            smallViewPipeline.map { small in
                ViewBatchRenderer(dataset: dataset, pipeline: small, schedule: schedule, firstView: 2, viewsPerImage: multiCrop.count)
            }
        }
        let queue = queue
        let thread = Thread {
            Self.produce(
                renderer: renderer, smallViewRenderer: smallViewRenderer, from: state, epochs: epochs, part: part, into: queue)
        }
        thread.name = "simclr.views"
        thread.start()
    }

    deinit { queue.close() }

    /// The next batch in order, waiting for the producer if needed; `nil` after the last epoch or
    /// after `close()`.
    public func next() -> ViewBatch? { queue.pop() }

    /// Stops the producer and waits for it to exit; later `next()` calls return `nil`.
    public func close() { queue.close() }

    private static func produce(
        renderer: ViewBatchRenderer, smallViewRenderer: ViewBatchRenderer?, from start: State, epochs: Int, part: BatchPart,
        into queue: BoundedBatchQueue
    ) {
        defer { queue.finishProducing() }
        let schedule = renderer.schedule
        var state = start
        var permutationEpoch = -1
        var permutation: [Int] = []
        while state.epoch < epochs, queue.waitForRoom() {
            if permutationEpoch != state.epoch && schedule.sampler == nil {
                permutation = schedule.permutation(epoch: state.epoch)
                permutationEpoch = state.epoch
            }
            let batchIndices = schedule.imageIndices(epoch: state.epoch, step: state.step, permutation: permutation)
            let indices = Array(batchIndices[part.range(of: batchIndices.count)])
            let views = renderer.render(epoch: state.epoch, imageIndices: indices)
            let smallViews = smallViewRenderer?.render(epoch: state.epoch, imageIndices: indices)
            var after = state
            after.step += 1
            if after.step == schedule.batchesPerEpoch {
                after.epoch += 1
                after.step = 0
            }
            let batch = ViewBatch(
                views: views, smallViews: smallViews, imageIndices: indices, batchImageIndices: batchIndices, epoch: state.epoch, step: state.step,
                globalStep: state.epoch * schedule.batchesPerEpoch + state.step, resumeState: after)
            queue.push(batch)
            state = after
        }
    }
}

/// A FIFO of at most `capacity` batches between one producer and one consumer.
///
/// `@unchecked Sendable`: every mutable field is read and written only while holding `condition`.
private final class BoundedBatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private let capacity: Int
    private var items: [ViewBatch] = []
    private var closed = false
    private var producerFinished = false

    init(capacity: Int) { self.capacity = capacity }

    /// Waits until a batch fits; `false` once the queue is closed.
    func waitForRoom() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !closed { condition.wait() }
        return !closed
    }

    func push(_ batch: ViewBatch) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        items.append(batch)
        condition.broadcast()
    }

    func pop() -> ViewBatch? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !producerFinished && !closed { condition.wait() }
        guard !items.isEmpty, !closed else { return nil }
        condition.broadcast()
        return items.removeFirst()
    }

    func finishProducing() {
        condition.lock()
        producerFinished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Marks the queue closed, drops queued batches and waits until the producer has exited.
    func close() {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        items.removeAll()
        condition.broadcast()
        while !producerFinished { condition.wait() }
    }
}
