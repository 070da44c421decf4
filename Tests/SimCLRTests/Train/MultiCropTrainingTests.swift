import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// `--small-crops`: without it the run is plain SimCLR, with it runs resume exactly, and its
/// arguments are checked before any work.
@Suite struct MultiCropTrainingTests {
    static func configuration(epochs: Int = 2, count: Int = 2) -> TrainingConfiguration {
        var c = TrainerTests.configuration(epochs: epochs)
        c.multiCrop = MultiCropConfig(count: count, size: 8, scale: 0.1...0.5)
        return c
    }

    /// K = 0 is today's run: the trainer's losses and final weights equal, bit for bit, the
    /// two-view SimCLR step written out (loader → model → NT-Xent → backward → optimizer), and
    /// the stored arguments carry no multi-crop key.
    @Test func withoutSmallCropsTheRunIsPlainSimCLR() throws {
        let config = TrainerTests.configuration(epochs: 2)
        let data = TrainerTests.dataset()
        #expect(config.multiCrop == nil && !config.json.contains("multi_crop"))
        #expect(try TrainingConfiguration.decode(json: config.json, path: "") == config)
        var records: [MetricsRecord] = []
        let trainer = try Trainer(configuration: config, dataset: data, outputFolder: TrainerTests.folder(), resume: false)
        try trainer.run(observers: [RecordObserver { records.append($0) }])
        #expect(trainer.multiCropModel == nil)

        var rng = SplitMix64(seed: config.seed)
        let model = try SimCLRModel(configuration: config.model, rng: &rng)
        let optimizer = config.makeOptimizer(parameters: model.parameters)
        let loss = try NTXentLoss(temperature: config.temperature)
        let loader = try ViewBatchLoader(
            dataset: data, config: config.augmentation, batchSize: config.batchSize, seed: config.seed, epochs: config.epochs)
        let schedule = LearningRateSchedule(
            peak: config.peakLearningRate, warmupEpochs: config.warmupEpochs, epochs: config.epochs,
            stepsPerEpoch: loader.schedule.batchesPerEpoch)
        var losses: [Double] = [], zGradient = Tensor(shape: [0]), step = 0
        while let batch = loader.next() {
            #expect(batch.smallViews == nil)
            model.zeroGradients()
            let z = model.forward(batch.views, mode: .train).z
            losses.append(Double(try loss.lossAndGradient(embeddings: z, embeddingGradient: &zGradient).loss))
            model.backward(zGradient: zGradient)
            optimizer.step(learningRate: Float(schedule.learningRate(atStep: step)))
            step += 1
        }
        #expect(records.filter { $0.kind == .step }.map(\.loss) == losses)
        #expect(trainer.model.stateDict(includeHead: true).map(\.tensor) == model.stateDict(includeHead: true).map(\.tensor))
    }

    /// Stopped mid-epoch and resumed, a multi-crop run gives bitwise the metrics, weights and
    /// exported files of a run that was not stopped; the checkpoint stores the small crops.
    @Test func interruptedAndResumedRunIsBitwiseIdentical() throws {
        let data = TrainerTests.dataset()
        let config = Self.configuration()
        let straight = TrainerTests.folder()
        let summary = try Trainer(configuration: config, dataset: data, outputFolder: straight, resume: false).run()
        #expect(summary.completed && summary.lastEpochLoss?.isFinite == true)

        let interrupted = TrainerTests.folder()
        let stop = StopRequest()
        let first = try Trainer(configuration: config, dataset: data, outputFolder: interrupted, resume: false)
        try first.run(stop: stop, observers: first.runFolderWriters() + [RecordObserver { if $0.step == 3 { stop.request() } }])
        let resumed = try Trainer(configuration: config, dataset: data, outputFolder: interrupted, resume: true)
        #expect(resumed.progress.step == 3)
        #expect(try resumed.run().completed)

        #expect(try TrainerTests.deterministicMetrics(interrupted) == TrainerTests.deterministicMetrics(straight))
        for file in [TrainingCheckpoint.fileName, EncoderManifest.weightsFileName, EncoderManifest.fileName] {
            #expect(try TrainerTests.bytes(straight + "/" + file) == TrainerTests.bytes(interrupted + "/" + file), "\(file)")
        }
        let stored = try TrainingCheckpoint.read(path: straight + "/" + TrainingCheckpoint.fileName)
        #expect(try TrainingConfiguration.decode(json: stored.arguments, path: "").multiCrop == config.multiCrop)

        var other = config
        other.multiCrop?.count = 3
        #expect(throws: CheckpointError.self) {
            try Trainer(configuration: other, dataset: data, outputFolder: straight, resume: true)
        }
    }

    /// Small crops change the run: the first step's loss is SupCon over (2 + K)·N rows, not the
    /// two-view NT-Xent of the same full-size views.
    @Test func smallCropsJoinTheLoss() throws {
        let data = TrainerTests.dataset()
        let plain = try TrainerTests.runAndCollect(TrainerTests.configuration(epochs: 1), data: data)
        let multi = try TrainerTests.runAndCollect(Self.configuration(epochs: 1), data: data)
        #expect(plain.count == multi.count && plain[0].loss != multi[0].loss)
        #expect(multi.allSatisfy { $0.loss.isFinite })
        #expect(Self.configuration(count: 2).viewsPerStep == 16)

        var labels = Self.configuration(epochs: 1)
        labels.supervision = .labels
        labels.loss = .triplet
        #expect(try TrainerTests.runAndCollect(labels, data: data).allSatisfy { $0.loss.isFinite })
    }

    /// One line each, naming the flag.
    @Test func rejectsArgumentsOutOfRange() throws {
        func message(_ change: (inout TrainingConfiguration) -> Void) -> String? {
            var c = Self.configuration()
            change(&c)
            do {
                try c.validate()
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.multiCrop?.count = 0 } == "--small-crops must be between 0 (off) and 16, got 0")
        #expect(message { $0.multiCrop?.count = 17 } == "--small-crops must be between 0 (off) and 16, got 17")
        #expect(message { $0.multiCrop?.size = 7 } == "--small-crop-size must be between 8 and --image-size (12), got 7")
        #expect(message { $0.multiCrop?.size = 13 } == "--small-crop-size must be between 8 and --image-size (12), got 13")
        #expect(message { $0.multiCrop?.scale = 0...0.5 } == "--small-crop-scale must be a range low,high within (0, 1], got 0.0,0.5")
        #expect(message { $0.multiCrop?.scale = 0.5...1.5 } == "--small-crop-scale must be a range low,high within (0, 1], got 0.5,1.5")
        #expect(message { $0.loss = .triplet }?.hasPrefix("--small-crops needs --loss ntxent") == true)
        #expect(message { $0.loss = .triplet; $0.supervision = .labels } == nil)
        #expect(message { $0.multiCrop?.size = 12 } == nil)

        let process = ThreadGroupCommunicator.group(size: 2)[0]
        #expect(throws: TrainingConfigurationError.outOfRange(
            key: "small_crops", requirement: "is not supported under mpirun/srun yet (one process only)", value: "2")) {
            try Trainer(
                configuration: Self.configuration(), dataset: TrainerTests.dataset(), outputFolder: TrainerTests.folder(),
                resume: false, communicator: process)
        }
    }
}
