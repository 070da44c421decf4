import Foundation

/// SimCLR pretraining (Chen et al. 2020, arXiv 2002.05709): dataset → `ViewBatchLoader` (2N views)
/// → `SimCLRModel` forward in train mode → loss over z → backward → optimizer step at the
/// scheduled learning rate, with metrics, progress, a checkpoint every epoch and on stop, and the
/// encoder exported at the end.
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
    public let optimizer: any Optimizer
    public let schedule: LearningRateSchedule
    /// Batches (optimizer steps) per epoch.
    public let stepsPerEpoch: Int
    public private(set) var progress: TrainingProgress
    /// On resume, the number of epochs the checkpoint's run was planned for (the schedule is
    /// stretched when `configuration.epochs` is larger); nil for a new run.
    public private(set) var checkpointEpochs: Int?
    /// Per-stage time of the steps run by this object.
    public private(set) var times = StepTimes()
    /// When set, the epoch records get `knn_top1` on its schedule.
    public var knnMonitor: KNNMonitor?
    private let loss: any ViewEmbeddingLoss
    private let dataset: ImageDataset
    private let resumed: Bool
    private var lastCheckpointStep: Int?

    /// The checkpoint file in `outputFolder`.
    public var checkpointPath: String { outputFolder + "/" + TrainingCheckpoint.fileName }

    /// Builds the model (initialised from `configuration.seed`), loss, optimizer and schedule; with
    /// `resume`, restores everything from `outputFolder/checkpoint.safetensors`.
    ///
    /// - Parameter resume: continue the run in `outputFolder`; its checkpoint's arguments must equal
    ///   `configuration` except `epochs` (which may grow).
    /// - Throws: `TrainingError.datasetChannels`, `ModelError`, `LossError`, `AugmentationError`
    ///   (too few images for one batch), or `CheckpointError` naming the first mismatch.
    public init(configuration: TrainingConfiguration, dataset: ImageDataset, outputFolder: String, resume: Bool) throws {
        guard dataset.channels == configuration.model.inputChannels else {
            throw TrainingError.datasetChannels(
                data: configuration.data, found: dataset.channels, expected: configuration.model.inputChannels)
        }
        self.configuration = configuration
        self.dataset = dataset
        self.outputFolder = outputFolder
        self.resumed = resume
        var rng = SplitMix64(seed: configuration.seed)
        model = try SimCLRModel(configuration: configuration.model, rng: &rng)
        optimizer = configuration.makeOptimizer(parameters: model.parameters)
        loss = try configuration.makeLoss()
        stepsPerEpoch = try ViewBatchSchedule(
            imageCount: dataset.count, batchSize: configuration.batchSize, seed: configuration.seed
        ).batchesPerEpoch
        schedule = LearningRateSchedule(
            peak: configuration.peakLearningRate, warmupEpochs: configuration.warmupEpochs,
            epochs: configuration.epochs, stepsPerEpoch: stepsPerEpoch)
        progress = TrainingProgress(randomState: ["seed": configuration.seed])
        if resume { try restore() }
    }

    private func restore() throws {
        let path = checkpointPath
        let checkpoint = try TrainingCheckpoint.read(path: path)
        try checkpoint.check(
            path: path, architecture: configuration.architectureJSON,
            model: model.stateDict(includeHead: true).map { ($0.name, $0.tensor.shape) },
            optimizer: optimizer.state().map { ($0.name, $0.tensor.shape) })
        var stored = try TrainingConfiguration.decode(json: checkpoint.arguments, path: path)
        let plannedEpochs = stored.epochs
        stored.epochs = configuration.epochs
        // The training folder may be named from another directory or have moved (`--data` on resume).
        stored.data = configuration.data
        if let (key, theirs, mine) = TrainingCheckpoint.firstDifference(stored.json, configuration.json) {
            throw CheckpointError.argumentsMismatch(path: path, key: key, checkpoint: theirs, expected: mine)
        }
        guard configuration.epochs >= plannedEpochs else {
            throw CheckpointError.epochsLowered(path: path, checkpoint: plannedEpochs, requested: configuration.epochs)
        }
        checkpointEpochs = plannedEpochs
        let position = checkpoint.progress.step - checkpoint.progress.epoch * stepsPerEpoch
        guard position >= 0, position < stepsPerEpoch || checkpoint.progress.epoch >= configuration.epochs else {
            throw CheckpointError.corrupt(
                path: path,
                reason: "step \(checkpoint.progress.step) does not fall in epoch \(checkpoint.progress.epoch) of \(stepsPerEpoch) steps")
        }
        try model.load(stateDict: checkpoint.model, includeHead: true)
        optimizer.load(state: checkpoint.optimizer)
        progress = checkpoint.progress
        lastCheckpointStep = progress.step
    }

    /// The current state as a checkpoint.
    public func makeCheckpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(
            model: model.stateDict(includeHead: true), optimizer: optimizer.state(), progress: progress,
            arguments: configuration.json, architecture: configuration.architectureJSON)
    }

    /// Trains until every epoch is done or `stop` is requested; then writes a checkpoint (if the
    /// last one is older) and, when done, `encoder.safetensors` + `encoder.json`.
    ///
    /// - Parameters:
    ///   - stop: polled before every step (SIGINT/SIGTERM set it when it watches signals).
    ///   - display: progress output, or nil for none.
    ///   - onRecord: called with every metrics record after it is written (tests, monitors).
    /// - Throws: `TrainingError.nonFiniteLoss` / `.nonFiniteGradient` (the last good checkpoint is
    ///   left in place), `FileWriteError`, `AugmentationError`, `LossError`, and the kNN monitor's
    ///   `EncoderLoadError` / `ProbeInputError`.
    @discardableResult
    public func run(
        stop: StopRequest = StopRequest(), display: ProgressDisplay? = nil,
        onRecord: ((MetricsRecord) -> Void)? = nil
    ) throws -> TrainingSummary {
        try FileManager.default.createDirectory(atPath: outputFolder, withIntermediateDirectories: true)
        let metrics = try MetricsLog(
            path: outputFolder + "/" + MetricsLog.fileName, resumingAfterStep: resumed ? progress.step : nil)
        let totalSteps = configuration.epochs * stepsPerEpoch
        let sessionStart = System.now()
        let sessionFirstStep = progress.step
        var lastEpoch: (loss: Double, top1: Double)?
        if progress.step < totalSteps {
            let loader = try ViewBatchLoader(
                dataset: dataset, config: configuration.augmentation, batchSize: configuration.batchSize,
                seed: configuration.seed, epochs: configuration.epochs,
                start: ViewBatchLoader.State(
                    seed: configuration.seed, epoch: progress.epoch, step: progress.step - progress.epoch * stepsPerEpoch))
            defer { loader.close() }
            var zGradient = Tensor(shape: [0])
            var epochStart = System.now()
            var epochSessionSteps = 0
            while !stop.isRequested {
                let t0 = System.now()
                guard let batch = loader.next() else { break }
                let t1 = System.now()
                model.zeroGradients()
                let z = model.forward(batch.views, mode: .train).z
                let t2 = System.now()
                let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &zGradient)
                let t3 = System.now()
                guard result.loss.isFinite else {
                    throw TrainingError.nonFiniteLoss(
                        step: progress.step + 1, epoch: progress.epoch + 1, loss: result.loss,
                        lastCheckpointStep: lastCheckpointStep)
                }
                model.backward(zGradient: zGradient)
                let t4 = System.now()
                if let name = TrainingError.firstNonFiniteGradient(in: model.parameters) {
                    throw TrainingError.nonFiniteGradient(
                        step: progress.step + 1, epoch: progress.epoch + 1, parameter: name,
                        lastCheckpointStep: lastCheckpointStep)
                }
                let learningRate = schedule.learningRate(atStep: progress.step)
                optimizer.step(learningRate: Float(learningRate))
                let t5 = System.now()
                times.data += t1 - t0
                times.forward += t2 - t1
                times.loss += t3 - t2
                times.backward += t4 - t3
                times.optimizer += t5 - t4
                times.steps += 1

                progress.step += 1
                progress.epochSums.loss += Double(result.loss)
                progress.epochSums.positiveTop1 += Double(result.positiveTop1Accuracy)
                progress.epochSums.steps += 1
                epochSessionSteps += 1
                let views = batch.views.shape[0]
                let record = MetricsRecord(
                    kind: .step, epoch: progress.epoch + 1, step: progress.step, loss: Double(result.loss),
                    learningRate: learningRate, viewsPerSecond: Double(views) / (t5 - t0),
                    positiveTop1: Double(result.positiveTop1Accuracy))
                try metrics.append(record)
                onRecord?(record)
                let secondsPerStep = (t5 - sessionStart) / Double(progress.step - sessionFirstStep)
                display?.update(
                    ProgressDisplay.Status(
                        epoch: progress.epoch + 1, epochs: configuration.epochs, stepInEpoch: batch.step + 1,
                        stepsPerEpoch: stepsPerEpoch, loss: record.loss, learningRate: learningRate,
                        positiveTop1: record.positiveTop1, viewsPerSecond: record.viewsPerSecond,
                        secondsLeft: secondsPerStep * Double(totalSteps - progress.step)))

                if batch.resumeState.step == 0 {
                    let sums = progress.epochSums
                    progress.epoch += 1
                    progress.epochSums = TrainingProgress.EpochSums()
                    let seconds = System.now() - epochStart
                    var epochRecord = MetricsRecord(
                        kind: .epoch, epoch: progress.epoch, step: progress.step, loss: sums.loss / Double(sums.steps),
                        learningRate: learningRate, viewsPerSecond: Double(views * epochSessionSteps) / seconds,
                        positiveTop1: sums.positiveTop1 / Double(sums.steps), seconds: seconds)
                    if let monitor = knnMonitor, monitor.isDue(epoch: progress.epoch, of: configuration.epochs) {
                        epochRecord.knnTop1 = try monitor.accuracy(of: makeCheckpoint())
                    }
                    lastEpoch = (epochRecord.loss, epochRecord.positiveTop1)
                    try metrics.append(epochRecord)
                    onRecord?(epochRecord)
                    display?.message(
                        String(
                            format: "epoch %d/%d  loss %.4f  top1 %.1f%%  %.0f views/s  %@", progress.epoch,
                            configuration.epochs, epochRecord.loss, 100 * epochRecord.positiveTop1,
                            epochRecord.viewsPerSecond, ProgressDisplay.duration(seconds))
                            + (epochRecord.knnTop1.map { String(format: "  kNN top1 %.1f%%", 100 * $0) } ?? ""))
                    try writeCheckpoint()
                    epochStart = System.now()
                    epochSessionSteps = 0
                }
            }
        }
        if lastCheckpointStep != progress.step { try writeCheckpoint() }
        let completed = progress.step >= totalSteps
        if completed {
            try makeCheckpoint().exportEncoder(to: outputFolder, includeHead: false, checkpointPath: checkpointPath)
        }
        let seconds = System.now() - sessionStart
        let viewsPerStep = Double(2 * configuration.batchSize)
        return TrainingSummary(
            completed: completed, step: progress.step, epoch: progress.epoch, lastEpochLoss: lastEpoch?.loss,
            lastEpochPositiveTop1: lastEpoch?.top1, seconds: seconds,
            viewsPerSecond: Double(progress.step - sessionFirstStep) * viewsPerStep / max(seconds, 1e-9), times: times)
    }

    private func writeCheckpoint() throws {
        try makeCheckpoint().write(to: checkpointPath)
        lastCheckpointStep = progress.step
    }
}
