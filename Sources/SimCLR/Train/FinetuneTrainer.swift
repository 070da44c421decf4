import Foundation

/// Fine-tuning (Chen et al. 2020, arXiv 2002.05709, §4 and App. B.5), the single owner of a
/// `simclr finetune` run: a class-balanced label subset → `ViewBatchLoader` (crop + flip views) →
/// `ClassifierModel` (encoder in train mode, or frozen in eval mode) → softmax cross-entropy →
/// backward → optimizer step at the warmup + cosine schedule.
///
/// It is built from the pretraining run's parts, not copies of them: the arguments, their
/// validation and the optimizer are a `TrainingConfiguration`'s; the views come from the same
/// loader (each step sees both views of its N images, 2N labelled rows); the schedule is
/// `LearningRateSchedule`; the checkpoint is a `TrainingCheckpoint` (same file format, checksum,
/// atomic write); the stop request is `StopRequest`; and the metrics file, the checkpoint writer and
/// the terminal display are the same observers (`MetricsFileWriter`, `CheckpointWriter`,
/// `ProgressDisplay`) through `FinetuneObserver`.
///
/// Exact resume: the subset depends only on (seed, rule, folder), the views on (seed, epoch,
/// step), and the checkpoint holds weights, BatchNorm statistics, optimizer state, step, epoch and
/// the epoch's metric sums, so a stopped and resumed run ends bitwise equal to an uninterrupted one.
public final class FinetuneTrainer {
    public let configuration: FinetuneConfiguration
    /// Where `checkpoint.safetensors`, `metrics.jsonl`, `classifier.safetensors` and
    /// `classifier.json` go.
    public let outputFolder: String
    public let model: ClassifierModel
    public let optimizer: any Optimizer
    public let schedule: LearningRateSchedule
    /// The labelled subset drawn from the training folder.
    public let subset: LabelSubset
    /// The subset's images (what the loader draws views from).
    public let labelledImages: ImageDataset
    /// Batches (optimizer steps) per epoch.
    public let stepsPerEpoch: Int
    public private(set) var progress: TrainingProgress
    /// On resume, the epochs the checkpoint's run was planned for; nil for a new run.
    public private(set) var checkpointEpochs: Int?
    public private(set) var times = StepTimes()
    private var lastCheckpointStep: Int?
    private var labelOfImage: [Int]
    /// The replaced run's files, set aside until this run's first checkpoint (`--overwrite`).
    private var replacement: RunReplacement?

    public var isResumed: Bool { checkpointEpochs != nil }
    public var epochs: Int { configuration.training.epochs }
    public var checkpointPath: String { Trainer.checkpointPath(in: outputFolder) }

    /// The files a run writes into its folder; a new run replaces them all or none
    /// (`RunReplacement`).
    public static let runFiles = [
        TrainingCheckpoint.fileName, MetricsLog.fileName, ClassifierManifest.weightsFileName, ClassifierManifest.fileName,
        FinetuneReport.fileName,
    ]

    /// A new run. With `configuration.encoder` set, its weights (`encoder.safetensors`, PyTorch
    /// names) are loaded into the encoder; otherwise the encoder keeps its random initialisation.
    ///
    /// - Parameter dataset: the whole training folder (the subset is drawn from it).
    /// - Throws: `LabelSubsetError`, `TrainingConfigurationError`, `AugmentationError`,
    ///   `TrainingError.datasetChannels`, `EncoderLoadError` (weights unreadable or not fitting).
    public convenience init(configuration: FinetuneConfiguration, dataset: ImageDataset, outputFolder: String) throws {
        try self.init(configuration: configuration, dataset: dataset, outputFolder: outputFolder, checkpoint: nil)
    }

    /// Continues the run in `outputFolder` with the arguments stored in its checkpoint.
    ///
    /// - Parameters:
    ///   - epochs: raise the run's epochs (the schedule stretches); nil keeps them.
    ///   - data: where the training folder is now, if not where the checkpoint says.
    ///   - arguments: applies the arguments given again; each must leave its value as stored.
    ///   - loadDataset: loads the ImageFolder at a path.
    /// - Throws: `CheckpointError` (unreadable, corrupt, other arguments, fewer epochs, missing
    ///   folder) and the errors of `init(configuration:dataset:outputFolder:)`.
    public static func resuming(
        outputFolder: String, epochs: Int? = nil, data: String? = nil,
        arguments: (inout FinetuneConfiguration) throws -> Void = { _ in },
        loadDataset: (String) throws -> ImageDataset
    ) throws -> FinetuneTrainer {
        try RunReplacement.settleInterrupted(locking: outputFolder, files: runFiles)
        let path = Trainer.checkpointPath(in: outputFolder)
        let checkpoint = try TrainingCheckpoint.read(path: path)
        let stored = try FinetuneConfiguration.decode(json: checkpoint.arguments, path: path)
        var configuration = stored
        try arguments(&configuration)
        // The training arguments first, so the message names the flag (`lr`), not `training`.
        if let (key, theirs, mine) = TrainingCheckpoint.firstDifference(stored.training.json, configuration.training.json)
            ?? TrainingCheckpoint.firstDifference(stored.json, configuration.json)
        {
            throw CheckpointError.argumentsMismatch(path: path, key: key, checkpoint: theirs, expected: mine)
        }
        if let epochs {
            guard epochs >= stored.training.epochs else {
                throw CheckpointError.epochsLowered(path: path, checkpoint: stored.training.epochs, requested: epochs)
            }
            configuration.training.epochs = epochs
        }
        if let data { configuration.training.data = data }
        guard FileManager.default.fileExists(atPath: configuration.training.data) else {
            throw CheckpointError.trainingFolderMissing(path: path, folder: configuration.training.data)
        }
        let trainer = try FinetuneTrainer(
            configuration: configuration, dataset: try loadDataset(configuration.training.data), outputFolder: outputFolder,
            checkpoint: checkpoint)
        trainer.checkpointEpochs = stored.training.epochs
        return trainer
    }

    private init(configuration: FinetuneConfiguration, dataset: ImageDataset, outputFolder: String, checkpoint: TrainingCheckpoint?) throws {
        try configuration.validate()
        let training = configuration.training
        guard dataset.channels == training.model.inputChannels else {
            throw TrainingError.datasetChannels(data: training.data, found: dataset.channels, expected: training.model.inputChannels)
        }
        guard dataset.classNames == configuration.classNames else {
            throw ProbeInputError.classMismatch(path: training.data, found: dataset.classNames, expected: configuration.classNames)
        }
        self.configuration = configuration
        self.outputFolder = outputFolder
        subset = try LabelSubset(labels: dataset.labels, classNames: dataset.classNames, rule: configuration.labels, seed: training.seed)
        labelledImages = subset.apply(to: dataset)
        labelOfImage = labelledImages.labels
        var rng = SplitMix64(seed: training.seed)
        model = try ClassifierModel(configuration: training.model, classCount: configuration.classNames.count, rng: &rng)
        optimizer = training.makeOptimizer(parameters: model.parameters(freezeEncoder: configuration.freezeEncoder))
        stepsPerEpoch = try ViewBatchSchedule(imageCount: labelledImages.count, batchSize: training.batchSize, seed: training.seed)
            .batchesPerEpoch
        schedule = LearningRateSchedule(
            peak: training.peakLearningRate, warmupEpochs: training.warmupEpochs, epochs: training.epochs,
            stepsPerEpoch: stepsPerEpoch)
        progress = TrainingProgress(randomState: ["seed": training.seed])
        if let checkpoint {
            try restore(from: checkpoint)
        } else if let path = configuration.encoder {
            try loadPretrainedEncoder(path: path)
        }
    }

    private func loadPretrainedEncoder(path: String) throws {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile.read(path: path)
        } catch {
            throw EncoderLoadError.unreadable(path: path, reason: "\(error)")
        }
        do {
            try model.loadEncoder(stateDict: file.tensors)
        } catch {
            throw EncoderLoadError.weightsMismatch(path: path, reason: "\(error)")
        }
    }

    private func restore(from checkpoint: TrainingCheckpoint) throws {
        let path = checkpointPath
        try checkpoint.check(
            path: path, architecture: configuration.architectureJSON,
            model: model.stateDict().map { ($0.name, $0.tensor.shape) },
            optimizer: optimizer.state().map { ($0.name, $0.tensor.shape) })
        let position = checkpoint.progress.step - checkpoint.progress.epoch * stepsPerEpoch
        guard position >= 0, position < stepsPerEpoch || checkpoint.progress.epoch >= epochs else {
            throw CheckpointError.corrupt(
                path: path, reason: "step \(checkpoint.progress.step) does not fall in epoch \(checkpoint.progress.epoch) of \(stepsPerEpoch) steps")
        }
        try model.load(stateDict: checkpoint.model)
        optimizer.load(state: checkpoint.optimizer)
        progress = checkpoint.progress
        lastCheckpointStep = progress.step
    }

    /// The current state as a checkpoint (model tensors under `ClassifierModel.stateDict()` names).
    public func makeCheckpoint() -> TrainingCheckpoint {
        TrainingCheckpoint(
            model: model.stateDict(), optimizer: optimizer.state(), progress: progress, arguments: configuration.json,
            architecture: configuration.architectureJSON)
    }

    /// `metrics.jsonl` and the checkpoint (+ the classifier export at the end).
    public func runFolderWriters() -> [any FinetuneObserver] { [MetricsFileWriter(), CheckpointWriter()] }

    /// Trains until every epoch is done or `stop` is requested, calling `observers` with every
    /// record; hands them a checkpoint at the end of every epoch and, if the last one is older,
    /// when it returns. Step records carry the cross-entropy as `loss` and the batch's
    /// classification top-1 as `positive_top1`. A new run into a folder holding another run's
    /// files replaces them all or nothing (`RunReplacement`).
    ///
    /// - Throws: `RunFolderLockError.held` when another process trains into the same folder,
    ///   `TrainingError.nonFiniteLoss` / `.nonFiniteGradient` / `.nonFiniteState`,
    ///   `AugmentationError`, `FileWriteError` (the replaced run's files cannot be moved aside),
    ///   and what an observer throws.
    @discardableResult
    public func run(stop: StopRequest = StopRequest(), observers: [any FinetuneObserver]? = nil) throws -> TrainingSummary {
        let observers = observers ?? runFolderWriters()
        // One run per folder, held until this call returns.
        let lock = try RunFolderLock(folder: outputFolder)
        defer { withExtendedLifetime(lock) {} }
        RunReplacement.settleInterrupted(folder: outputFolder, files: Self.runFiles)
        // All or nothing: the old run's files come back if this one fails before its first checkpoint.
        if !isResumed { replacement = try RunReplacement.begin(folder: outputFolder, files: Self.runFiles) }
        defer {
            replacement?.rollBack()  // after the first checkpoint a no-op
            replacement = nil
        }
        for observer in observers { try observer.runWillStart(self) }
        let training = configuration.training
        let totalSteps = epochs * stepsPerEpoch
        let sessionStart = System.now()
        let sessionFirstStep = progress.step
        var lastEpoch: MetricsRecord?
        if progress.step < totalSteps {
            let loader = try ViewBatchLoader(
                dataset: labelledImages, config: training.augmentation, batchSize: training.batchSize, seed: training.seed,
                epochs: epochs,
                start: ViewBatchLoader.State(
                    seed: training.seed, epoch: progress.epoch, step: progress.step - progress.epoch * stepsPerEpoch))
            defer { loader.close() }
            var gradient = Tensor(shape: [0])
            var epochStart = System.now()
            var epochSessionSteps = 0
            while !stop.isRequested, let batch = try step(loader: loader, gradient: &gradient, observers: observers) {
                epochSessionSteps += 1
                guard batch.resumeState.step == 0 else { continue }
                lastEpoch = try endEpoch(
                    views: 2 * training.batchSize * epochSessionSteps, seconds: System.now() - epochStart, observers: observers)
                epochStart = System.now()
                epochSessionSteps = 0
            }
        }
        if lastCheckpointStep != progress.step { try handOverCheckpoint(to: observers) }
        let seconds = System.now() - sessionStart
        let summary = TrainingSummary(
            completed: progress.step >= totalSteps, step: progress.step, epoch: progress.epoch,
            lastEpochLoss: lastEpoch?.loss, lastEpochPositiveTop1: lastEpoch?.positiveTop1, seconds: seconds,
            viewsPerSecond: Double((progress.step - sessionFirstStep) * 2 * training.batchSize) / max(seconds, 1e-9),
            times: times)
        for observer in observers { try observer.runDidEnd(summary, trainer: self) }
        return summary
    }

    private func step(loader: ViewBatchLoader, gradient: inout Tensor, observers: [any FinetuneObserver]) throws -> ViewBatch? {
        let t0 = System.now()
        guard let batch = loader.next() else { return nil }
        let t1 = System.now()
        let n = batch.imageIndices.count
        // Rows i and i + N are the two views of image i: both carry its label.
        let labels = (0..<(2 * n)).map { labelOfImage[batch.imageIndices[$0 % n]] }
        model.zeroGradients()
        let logits = model.forward(batch.views, mode: configuration.freezeEncoder ? .eval : .train)
        let t2 = System.now()
        let result = SoftmaxCrossEntropy.lossAndGradient(logits: logits, labels: labels, gradient: &gradient)
        let t3 = System.now()
        guard result.loss.isFinite else {
            throw TrainingError.nonFiniteLoss(
                step: progress.step + 1, epoch: progress.epoch + 1, loss: result.loss, lastCheckpointStep: lastCheckpointStep)
        }
        model.backward(logitsGradient: gradient, throughEncoder: !configuration.freezeEncoder)
        let t4 = System.now()
        if let name = TrainingError.firstNonFiniteGradient(in: optimizer.parameters) {
            throw TrainingError.nonFiniteGradient(
                step: progress.step + 1, epoch: progress.epoch + 1, parameter: name, lastCheckpointStep: lastCheckpointStep)
        }
        let learningRate = schedule.learningRate(atStep: progress.step)
        optimizer.step(learningRate: Float(learningRate))
        let t5 = System.now()
        times.add(data: t1 - t0, forward: t2 - t1, loss: t3 - t2, backward: t4 - t3, optimizer: t5 - t4)
        progress.addStep(loss: result.loss, positiveTop1: result.top1)
        let record = MetricsRecord(
            kind: .step, epoch: progress.epoch + 1, step: progress.step, loss: Double(result.loss),
            learningRate: learningRate, viewsPerSecond: Double(2 * n) / (t5 - t0), positiveTop1: Double(result.top1))
        for observer in observers { try observer.stepDidEnd(record, trainer: self) }
        return batch
    }

    private func endEpoch(views: Int, seconds: Double, observers: [any FinetuneObserver]) throws -> MetricsRecord {
        let record = progress.closeEpoch(
            learningRate: schedule.learningRate(atStep: progress.step - 1), views: views, seconds: seconds)
        for observer in observers { try observer.epochDidEnd(record, trainer: self) }
        try handOverCheckpoint(to: observers)
        return record
    }

    private func handOverCheckpoint(to observers: [any FinetuneObserver]) throws {
        let checkpoint = makeCheckpoint()
        if let name = checkpoint.firstNonFiniteTensor {
            throw TrainingError.nonFiniteState(
                step: progress.step, epoch: max(progress.epoch, 1), tensor: name, lastCheckpointStep: lastCheckpointStep)
        }
        for observer in observers { try observer.checkpointDidCome(checkpoint, trainer: self) }
        lastCheckpointStep = progress.step
        replacement?.commit()
    }

    /// Checks, before any training, that `test` can be evaluated: the training folder's classes,
    /// the encoder's channel count, and every image of the encoder's size (whole images, no crop).
    ///
    /// - Throws: `ProbeInputError.classMismatch`, `.channelMismatch` or `.imageSizeMismatch` naming `path`.
    public func checkTestSet(_ test: ImageDataset, path: String) throws {
        guard test.classNames == configuration.classNames else {
            throw ProbeInputError.classMismatch(path: path, found: test.classNames, expected: configuration.classNames)
        }
        try classifier().check(test, path: path)
    }

    /// The current weights as an inference classifier (eval mode, whole images), exactly what
    /// `simclr classify` loads from the exported files.
    ///
    /// - Throws: `EncoderLoadError` (cannot happen for the trainer's own tensors).
    public func classifier() throws -> ImageClassifier {
        let training = configuration.training
        return try ImageClassifier(
            description: EncoderDescription(
                configuration: training.model, normalization: training.augmentation.normalization,
                initializationSeed: training.seed),
            classNames: configuration.classNames, stateDict: model.stateDict(), path: "the model being fine-tuned")
    }
}

/// Something that follows a fine-tuning run (the `TrainingObserver` hooks for `FinetuneTrainer`):
/// the metrics file, the checkpoint writer and the progress display implement both protocols.
public protocol FinetuneObserver: AnyObject {
    func runWillStart(_ trainer: FinetuneTrainer) throws
    func stepDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws
    func epochDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws
    func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: FinetuneTrainer) throws
    func runDidEnd(_ summary: TrainingSummary, trainer: FinetuneTrainer) throws
}

extension FinetuneObserver {
    public func runWillStart(_ trainer: FinetuneTrainer) throws {}
    public func stepDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws {}
    public func epochDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws {}
    public func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: FinetuneTrainer) throws {}
    public func runDidEnd(_ summary: TrainingSummary, trainer: FinetuneTrainer) throws {}
}
