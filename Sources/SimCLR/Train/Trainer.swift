import Foundation

/// SimCLR pretraining (Chen et al. 2020, arXiv 2002.05709), the single owner of a run: dataset →
/// `ViewBatchLoader` (2N views) → `SimCLRModel` forward in train mode → loss over z (with
/// `--supervision labels`, each view's ImageFolder class decides its positives) → backward →
/// optimizer step at the scheduled learning rate. With multi-crop (`configuration.multiCrop`) the
/// loader adds K·N small views, which run through `multiCropModel`'s second group, and the loss
/// sees (2 + K)·N rows of z, all views of an image positives of each other. It owns the step,
/// the schedule, resume and stop; what follows the run (metrics file, checkpoint writer, kNN
/// monitor, progress display) are `TrainingObserver`s it calls with its records.
///
/// Exact resume: the views of a batch depend only on (seed, epoch, step) (`ViewBatchSchedule`),
/// and the checkpoint holds the weights, BatchNorm running statistics, optimizer state, step,
/// epoch and the current epoch's metric sums; so a run stopped and resumed (same thread count)
/// produces bitwise the same metrics and weights as one that was not.
public final class Trainer {
    public let configuration: TrainingConfiguration
    /// Where `checkpoint.safetensors`, `metrics.jsonl`, `encoder.safetensors` and `encoder.json` go.
    public let outputFolder: String
    public let model: SimCLRModel
    /// `model` and its small-view group with multi-crop; nil without.
    public let multiCropModel: MultiCropModel?
    public let optimizer: any Optimizer
    public let schedule: LearningRateSchedule
    /// The processes of this run (one unless started under MPI).
    public let communicator: any Communicator
    /// Batches (optimizer steps) per epoch.
    public let stepsPerEpoch: Int
    public private(set) var progress: TrainingProgress
    /// On resume, the number of epochs the checkpoint's run was planned for (the schedule is
    /// stretched when `configuration.epochs` is larger); nil for a new run.
    public private(set) var checkpointEpochs: Int?
    /// Per-stage time of the steps run by this object.
    public private(set) var times = StepTimes()
    /// The training images.
    public let dataset: ImageDataset
    /// This process's share of every batch.
    public let part: BatchPart
    private let loss: any ViewEmbeddingLoss
    private var lastCheckpointStep: Int?
    /// The replaced run's files, set aside until this run's first checkpoint (`--overwrite`).
    private var replacement: RunReplacement?
    /// The training images' identity, stored in every checkpoint.
    public private(set) lazy var datasetIdentity = DatasetIdentity(dataset)
    /// Watches every step for collapse; its verdict marks the records and the summary.
    public private(set) var collapse = CollapseDetector()

    /// Whether this run continues from a checkpoint.
    public var isResumed: Bool { checkpointEpochs != nil }

    /// The checkpoint file in `outputFolder`.
    public var checkpointPath: String { Self.checkpointPath(in: outputFolder) }

    /// `checkpoint.safetensors` in `folder`.
    public static func checkpointPath(in folder: String) -> String { folder + "/" + TrainingCheckpoint.fileName }

    /// The files a run writes into its folder; a new run replaces them all or none
    /// (`RunReplacement`).
    public static let runFiles = [
        TrainingCheckpoint.fileName, MetricsLog.fileName, EncoderManifest.weightsFileName, EncoderManifest.fileName,
    ]

    /// A new run, or (with `resume`) the continuation of the run in `outputFolder`, whose
    /// checkpoint's arguments must then equal `configuration` except `epochs` (which may grow) and
    /// `data`.
    ///
    /// - Throws: `TrainingConfigurationError` / `AugmentationError` for arguments out of range,
    ///   `TrainingError.datasetChannels`, `ModelError`, `LossError`, `AugmentationError` (too few
    ///   images for one batch), or `CheckpointError` naming the first mismatch.
    public convenience init(
        configuration: TrainingConfiguration, dataset: ImageDataset, outputFolder: String, resume: Bool,
        communicator: any Communicator = SingleProcessCommunicator()
    ) throws {
        if resume && communicator.rank == 0 { try RunReplacement.settleInterrupted(locking: outputFolder, files: Self.runFiles) }
        let checkpoint = resume ? try TrainingCheckpoint.read(path: Self.checkpointPath(in: outputFolder)) : nil
        try self.init(
            configuration: configuration, dataset: dataset, outputFolder: outputFolder, checkpoint: checkpoint,
            communicator: communicator)
    }

    /// Continues the run in `outputFolder` with the arguments stored in its checkpoint (read once).
    ///
    /// - Parameters:
    ///   - epochs: raise the run's epochs (the schedule stretches); nil keeps them.
    ///   - data: where the training folder is now, if not where the checkpoint says.
    ///   - arguments: applies the arguments given again on the command line to the stored ones;
    ///     each must leave its value as stored (re-running the same command with `--resume` is
    ///     fine), or the resume is refused naming it.
    ///   - loadDataset: loads the ImageFolder at a path.
    /// - Throws: `CheckpointError` (unreadable, corrupt, other arguments, missing training folder,
    ///   fewer epochs), and the errors of `init(configuration:dataset:…)` and `loadDataset`.
    public static func resuming(
        outputFolder: String, epochs: Int? = nil, data: String? = nil,
        arguments: (inout TrainingConfiguration) throws -> Void = { _ in },
        communicator: any Communicator = SingleProcessCommunicator(),
        loadDataset: (String) throws -> ImageDataset
    ) throws -> Trainer {
        if communicator.rank == 0 { try RunReplacement.settleInterrupted(locking: outputFolder, files: runFiles) }
        let path = checkpointPath(in: outputFolder)
        let checkpoint = try TrainingCheckpoint.read(path: path)
        let stored = try TrainingConfiguration.decode(json: checkpoint.arguments, path: path)
        var configuration = stored
        try arguments(&configuration)
        if let (key, theirs, mine) = TrainingCheckpoint.firstDifference(stored.json, configuration.json) {
            throw CheckpointError.argumentsMismatch(path: path, key: key, checkpoint: theirs, expected: mine)
        }
        if let epochs { configuration.epochs = epochs }
        // The stored folder is as it was given, possibly relative to another directory.
        if let data { configuration.data = data }
        guard FileManager.default.fileExists(atPath: configuration.data) else {
            throw CheckpointError.trainingFolderMissing(path: path, folder: configuration.data)
        }
        return try Trainer(
            configuration: configuration, dataset: try loadDataset(configuration.data), outputFolder: outputFolder,
            checkpoint: checkpoint, communicator: communicator)
    }

    private init(
        configuration: TrainingConfiguration, dataset: ImageDataset, outputFolder: String,
        checkpoint: TrainingCheckpoint?, communicator: any Communicator
    ) throws {
        try configuration.validate()
        try configuration.validate(dataset: dataset)
        if checkpoint == nil { try configuration.validateImageSize(of: dataset) }
        guard dataset.channels == configuration.model.inputChannels else {
            throw TrainingError.datasetChannels(
                data: configuration.data, found: dataset.channels, expected: configuration.model.inputChannels)
        }
        self.configuration = configuration
        self.dataset = dataset
        self.outputFolder = outputFolder
        self.communicator = communicator
        var rng = SplitMix64(seed: configuration.seed)
        model = try SimCLRModel(configuration: configuration.model, rng: &rng)
        multiCropModel = configuration.multiCrop == nil ? nil : MultiCropModel(model: model)
        optimizer = configuration.makeOptimizer(parameters: model.parameters)
        part = BatchPart(rank: communicator.rank, count: communicator.size)
        if communicator.isDistributed {
            // GatheredViewLoss and BatchPart know two views per image.
            if let multiCrop = configuration.multiCrop {
                throw TrainingConfigurationError.outOfRange(
                    key: "small_crops", requirement: "is not supported under mpirun/srun yet (one process only)",
                    value: "\(multiCrop.count)")
            }
            guard configuration.batchSize >= 2 * communicator.size else {
                throw TrainingConfigurationError.outOfRange(
                    key: "batch_size", requirement: "must be at least 2 per process (\(communicator.size) processes)",
                    value: "\(configuration.batchSize)")
            }
            model.synchronizeBatchNorm(over: communicator)
            loss = GatheredViewLoss(
                try configuration.makeLoss(), communicator: communicator,
                imageCounts: part.sizes(of: configuration.batchSize))
        } else {
            loss = try configuration.makeLoss()
        }
        stepsPerEpoch = try ViewBatchSchedule(
            imageCount: dataset.count, batchSize: configuration.batchSize, seed: configuration.seed
        ).batchesPerEpoch
        schedule = LearningRateSchedule(
            peak: configuration.peakLearningRate, warmupEpochs: configuration.warmupEpochs,
            epochs: configuration.epochs, stepsPerEpoch: stepsPerEpoch)
        progress = TrainingProgress(randomState: ["seed": configuration.seed])
        if let checkpoint { try restore(from: checkpoint) }
    }

    private func restore(from checkpoint: TrainingCheckpoint) throws {
        let path = checkpointPath
        try checkpoint.check(
            path: path, architecture: configuration.architectureJSON,
            model: model.stateDict(includeHead: true).map { ($0.name, $0.tensor.shape) },
            optimizer: optimizer.state().map { ($0.name, $0.tensor.shape) })
        var stored = try TrainingConfiguration.decode(json: checkpoint.arguments, path: path)
        let plannedEpochs = stored.epochs
        stored.epochs = configuration.epochs
        stored.data = configuration.data
        if let (key, theirs, mine) = TrainingCheckpoint.firstDifference(stored.json, configuration.json) {
            throw CheckpointError.argumentsMismatch(path: path, key: key, checkpoint: theirs, expected: mine)
        }
        guard configuration.epochs >= plannedEpochs else {
            throw CheckpointError.epochsLowered(path: path, checkpoint: plannedEpochs, requested: configuration.epochs)
        }
        // Other images would change the steps per epoch: say so before the step arithmetic does.
        if let stored = checkpoint.dataset, case let found = DatasetIdentity(dataset), stored != found {
            throw CheckpointError.datasetChanged(path: path, folder: configuration.data, checkpoint: stored, found: found)
        }
        let position = checkpoint.progress.step - checkpoint.progress.epoch * stepsPerEpoch
        guard position >= 0, position < stepsPerEpoch || checkpoint.progress.epoch >= configuration.epochs else {
            throw CheckpointError.corrupt(
                path: path,
                reason: "step \(checkpoint.progress.step) does not fall in epoch \(checkpoint.progress.epoch) of \(stepsPerEpoch) steps")
        }
        try model.load(stateDict: checkpoint.model, includeHead: true)
        optimizer.load(state: checkpoint.optimizer)
        checkpointEpochs = plannedEpochs
        progress = checkpoint.progress
        lastCheckpointStep = progress.step
    }

    /// The current state as a checkpoint.
    public func makeCheckpoint() -> TrainingCheckpoint {
        var checkpoint = TrainingCheckpoint(
            model: model.stateDict(includeHead: true), optimizer: optimizer.state(), progress: progress,
            arguments: configuration.json, architecture: configuration.architectureJSON)
        checkpoint.dataset = datasetIdentity
        return checkpoint
    }

    /// The observers that write the run folder: `metrics.jsonl` and the checkpoint (+ the encoder
    /// export at the end) on rank 0; none on the other ranks. With several processes and a `stop`
    /// to watch, the checkpoint writer stops promptly (`CheckpointWriter(promptStop:)`).
    public func runFolderWriters(stop: StopRequest? = nil) -> [any TrainingObserver] {
        guard communicator.rank == 0 else { return [] }
        return [MetricsFileWriter(), CheckpointWriter(promptStop: communicator.isDistributed ? stop : nil)]
    }

    /// Trains until every epoch is done or `stop` is requested, calling `observers` with every
    /// record; hands them a checkpoint at the end of every epoch and, if the last one is older,
    /// when it returns. A new run into a folder holding another run's files replaces them all or
    /// nothing (`RunReplacement`): they come back if this run fails before its first checkpoint.
    ///
    /// - Parameters:
    ///   - stop: polled before every step (SIGINT/SIGTERM set it when it watches signals).
    ///   - observers: in call order; nil means `runFolderWriters()`.
    /// - Throws: `RunFolderLockError.held` when another process trains into the same folder,
    ///   `TrainingError.nonFiniteLoss` / `.nonFiniteGradient` / `.nonFiniteState` (the last
    ///   good checkpoint is left in place), `AugmentationError`, `LossError`, and what an observer
    ///   throws (`FileWriteError`, also when the replaced run's files cannot be moved aside; the kNN
    ///   monitor's `ProbeInputError`).
    @discardableResult
    public func run(stop: StopRequest = StopRequest(), observers: [any TrainingObserver]? = nil) throws -> TrainingSummary {
        let observers = observers ?? runFolderWriters(stop: stop)
        var arguments = configuration
        arguments.data = ""  // the folder may sit at another path on another host
        try ProcessAgreement.check(
            [("training arguments", arguments.json), ("training images", DatasetIdentity(dataset).json),
             ("checkpoint steps", String(progress.step))],
            over: communicator)
        // One run per folder: held until this call returns (rank 0 alone writes the folder).
        let lock = communicator.rank == 0 ? try RunFolderLock(folder: outputFolder) : nil
        defer { withExtendedLifetime(lock) {} }
        if lock != nil {
            RunReplacement.settleInterrupted(folder: outputFolder, files: Self.runFiles)
            // All or nothing: the old run's files come back if this one fails before its first checkpoint.
            if !isResumed { replacement = try RunReplacement.begin(folder: outputFolder, files: Self.runFiles) }
        }
        defer {
            replacement?.rollBack()  // after the first checkpoint a no-op
            replacement = nil
        }
        for observer in observers { try observer.runWillStart(self) }
        let totalSteps = configuration.epochs * stepsPerEpoch
        let sessionStart = System.now()
        let sessionFirstStep = progress.step
        let sessionCommunication = communicator.communicationSeconds
        var lastEpoch: MetricsRecord?
        if progress.step < totalSteps {
            let loader = try ViewBatchLoader(
                dataset: dataset, config: configuration.augmentation, batchSize: configuration.batchSize,
                seed: configuration.seed, epochs: configuration.epochs,
                start: ViewBatchLoader.State(
                    seed: configuration.seed, epoch: progress.epoch, step: progress.step - progress.epoch * stepsPerEpoch),
                part: part, samplesPerClass: configuration.samplesPerClass, multiCrop: configuration.multiCrop)
            defer { loader.close() }
            var zGradient = Tensor(shape: [0])
            var epochStart = System.now()
            var epochSessionSteps = 0
            // Every process stops at the same step when any of them is asked to.
            while !communicator.anyProcess(stop.isRequested),
                let batch = try step(loader: loader, zGradient: &zGradient, observers: observers)
            {
                epochSessionSteps += 1
                guard batch.resumeState.step == 0 else { continue }
                lastEpoch = try endEpoch(
                    views: configuration.viewsPerStep * epochSessionSteps, seconds: System.now() - epochStart,
                    observers: observers)
                epochStart = System.now()
                epochSessionSteps = 0
            }
        }
        if lastCheckpointStep != progress.step { try handOverCheckpoint(to: observers) }
        let seconds = System.now() - sessionStart
        let summary = TrainingSummary(
            completed: progress.step >= totalSteps, step: progress.step, epoch: progress.epoch,
            lastEpochLoss: lastEpoch?.loss, lastEpochPositiveTop1: lastEpoch?.positiveTop1, seconds: seconds,
            viewsPerSecond: Double((progress.step - sessionFirstStep) * configuration.viewsPerStep) / max(seconds, 1e-9),
            times: times, communicationSeconds: communicator.communicationSeconds - sessionCommunication,
            collapsedSinceStep: collapse.collapsedSince)
        for observer in observers { try observer.runDidEnd(summary, trainer: self) }
        return summary
    }

    /// One optimizer step on the loader's next batch; nil when the loader is done.
    private func step(
        loader: ViewBatchLoader, zGradient: inout Tensor, observers: [any TrainingObserver]
    ) throws -> ViewBatch? {
        let t0 = System.now()
        guard let batch = loader.next() else { return nil }
        let t1 = System.now()
        model.zeroGradients()
        let z: Tensor
        if let multiCropModel, let smallViews = batch.smallViews {
            z = multiCropModel.forward(views: batch.views, smallViews: smallViews, mode: .train)
        } else {
            z = model.forward(batch.views, mode: .train).z
        }
        let t2 = System.now()
        let result = try loss.lossAndGradient(embeddings: z, labels: viewLabels(batch), embeddingGradient: &zGradient)
        let t3 = System.now()
        guard result.loss.isFinite else {
            throw TrainingError.nonFiniteLoss(
                step: progress.step + 1, epoch: progress.epoch + 1, loss: result.loss, lastCheckpointStep: lastCheckpointStep)
        }
        if let multiCropModel {
            multiCropModel.backward(zGradient: zGradient)
        } else {
            model.backward(zGradient: zGradient)
        }
        if communicator.isDistributed { model.allReduceGradients(over: communicator) }
        let t4 = System.now()
        if let name = TrainingError.firstNonFiniteGradient(in: model.parameters) {
            throw TrainingError.nonFiniteGradient(
                step: progress.step + 1, epoch: progress.epoch + 1, parameter: name, lastCheckpointStep: lastCheckpointStep)
        }
        let learningRate = schedule.learningRate(atStep: progress.step)
        optimizer.step(learningRate: Float(learningRate))
        let t5 = System.now()
        times.add(data: t1 - t0, forward: t2 - t1, loss: t3 - t2, backward: t4 - t3, optimizer: t5 - t4)

        progress.addStep(loss: result.loss, positiveTop1: result.positiveTop1Accuracy)
        let spread = CollapseDetector.spread(of: z)
        collapse.update(
            step: progress.step, loss: Double(result.loss), spread: spread,
            degenerateLoss: CollapseDetector.degenerateLoss(configuration.loss, views: configuration.viewsPerStep))
        let record = MetricsRecord(
            kind: .step, epoch: progress.epoch + 1, step: progress.step, loss: Double(result.loss),
            learningRate: learningRate, viewsPerSecond: Double(configuration.viewsPerStep) / (t5 - t0),
            positiveTop1: Double(result.positiveTop1Accuracy), embeddingSpread: spread,
            collapsed: collapse.isCollapsed ? true : nil)
        for observer in observers { try observer.stepDidEnd(record, trainer: self) }
        return batch
    }

    /// The label of every row of z in the one-process layout `[V·N]` (row v·N + i is view v of
    /// batch image i, V = `viewsPerImage`): with label supervision its image's ImageFolder class,
    /// with multi-crop its image's index in the batch (the views of an image are its positives);
    /// nil for self-supervised training with two views (the loss pairs rows i and i+N itself).
    private func viewLabels(_ batch: ViewBatch) -> [Int]? {
        let imageLabels: [Int]
        switch configuration.supervision {
        case .labels: imageLabels = batch.batchImageIndices.map { dataset.samples[$0].label }
        case .views where configuration.multiCrop != nil: imageLabels = Array(batch.batchImageIndices.indices)
        case .views: return nil
        }
        return Array(repeating: imageLabels, count: configuration.viewsPerImage).flatMap { $0 }
    }

    /// Closes the epoch just finished: its record (monitors first), then a checkpoint.
    private func endEpoch(views: Int, seconds: Double, observers: [any TrainingObserver]) throws -> MetricsRecord {
        var record = progress.closeEpoch(
            learningRate: schedule.learningRate(atStep: progress.step - 1), views: views, seconds: seconds)
        record.collapsed = collapse.isCollapsed ? true : nil
        for observer in observers { try observer.epochWillEnd(&record, trainer: self) }
        for observer in observers { try observer.epochDidEnd(record, trainer: self) }
        try handOverCheckpoint(to: observers)
        return record
    }

    /// Hands the current state to the observers as a checkpoint, if every tensor is finite.
    ///
    /// - Throws: `TrainingError.nonFiniteState` naming the first non-finite tensor (weights,
    ///   BatchNorm buffers or optimizer state), so a diverged state never replaces a good one.
    private func handOverCheckpoint(to observers: [any TrainingObserver]) throws {
        let checkpoint = makeCheckpoint()
        if let name = checkpoint.firstNonFiniteTensor {
            throw TrainingError.nonFiniteState(
                step: progress.step, epoch: max(progress.epoch, 1), tensor: name, lastCheckpointStep: lastCheckpointStep)
        }
        for observer in observers { try observer.checkpointDidCome(checkpoint, trainer: self) }
        lastCheckpointStep = progress.step
        replacement?.commit()
    }
}
