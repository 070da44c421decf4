import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// End-to-end runs of the trainer on a tiny model and a few synthetic images.
@Suite struct TrainerTests {
    /// 8 grayscale 12×12 images (random blobs on a gradient, labels i % 2): batch 4 gives 2 steps
    /// per epoch.
    static func dataset(count: Int = 8) -> ImageDataset {
        var rng = SplitMix64(seed: 5)
        let side = 12
        let images = (0..<count).map { index in
            DecodedImage(
                width: side, height: side, channels: 1,
                pixels: (0..<(side * side)).map { p in
                    UInt8(truncatingIfNeeded: (p % side) * 10 * (index % 2 + 1) + Int(rng.next() % 40))
                })
        }
        return ImageDataset(
            classNames: ["a", "b"], samples: (0..<count).map { .init(relativePath: "\($0).png", label: $0 % 2) },
            images: images, channels: 1)
    }

    static func configuration(optimizer: OptimizerKind = .lars, epochs: Int = 2, widths: [Int] = [4, 8, 8])
        -> TrainingConfiguration
    {
        var augmentation = AugmentationConfig(
            crop: RandomResizedCrop(scale: 0.3...1.0), colorJitter: ColorJitter(strength: 0.5),
            blur: GaussianBlur(probability: 0), normalization: Normalization(mean: [0.5], std: [0.25]))
        augmentation.outputSize = .init(height: 12, width: 12)
        return TrainingConfiguration(
            data: "synthetic", epochs: epochs, batchSize: 4, optimizer: optimizer, warmupEpochs: 0.5, seed: 9,
            model: ResNetMiniConfiguration(widths: widths, inputChannels: 1, imageSize: 12, projectionDim: 8),
            augmentation: augmentation)
    }

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("simclr-train-\(UUID().uuidString)").path
    }

    /// Metrics without the wall-clock fields.
    static func deterministicMetrics(_ folder: String) throws -> [MetricsRecord] {
        try MetricsLog.records(atPath: folder + "/" + MetricsLog.fileName).map {
            var record = $0
            record.viewsPerSecond = 0
            record.seconds = nil
            return record
        }
    }

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// Stop after `stopStep` steps (as SIGINT would), resume in a new trainer, and compare with an
    /// uninterrupted run: metrics, checkpoint tensors and exported weights must be bitwise equal.
    /// Step 2 is the end of epoch 1; step 3 is mid-epoch 2 (the epoch sums come from the checkpoint).
    @Test(arguments: [(OptimizerKind.lars, 2), (.lars, 3), (.sgd, 3), (.adamw, 1)])
    func interruptedAndResumedRunIsBitwiseIdentical(optimizer: OptimizerKind, stopStep: Int) throws {
        let data = Self.dataset()
        let config = Self.configuration(optimizer: optimizer)
        let straight = Self.folder()
        let summary = try Trainer(configuration: config, dataset: data, outputFolder: straight, resume: false).run()
        #expect(summary.completed && summary.step == 4 && summary.epoch == 2)

        let interrupted = Self.folder()
        let stop = StopRequest()
        let first = try Trainer(configuration: config, dataset: data, outputFolder: interrupted, resume: false)
        let partial = try first.run(stop: stop, observers: first.runFolderWriters() + [
            RecordObserver { record in
                if record.step == stopStep { stop.request() }
            },
        ])
        #expect(!partial.completed && partial.step == stopStep)
        #expect(!FileManager.default.fileExists(atPath: interrupted + "/" + EncoderManifest.weightsFileName))
        let resumed = try Trainer(configuration: config, dataset: data, outputFolder: interrupted, resume: true)
        #expect(resumed.progress.step == stopStep)
        #expect(try resumed.run().completed)

        #expect(try Self.deterministicMetrics(interrupted) == Self.deterministicMetrics(straight))
        let a = try TrainingCheckpoint.read(path: straight + "/" + TrainingCheckpoint.fileName)
        let b = try TrainingCheckpoint.read(path: interrupted + "/" + TrainingCheckpoint.fileName)
        #expect(a.model.map(\.tensor) == b.model.map(\.tensor), "weights and BatchNorm buffers")
        #expect(a.optimizer.map(\.tensor) == b.optimizer.map(\.tensor), "optimizer state")
        #expect(a.progress == b.progress)
        for file in [EncoderManifest.weightsFileName, EncoderManifest.fileName] {
            #expect(try Self.bytes(straight + "/" + file) == Self.bytes(interrupted + "/" + file), "\(file)")
        }
        let records = try Self.deterministicMetrics(straight)
        #expect(records.map(\.kind) == [.step, .step, .epoch, .step, .step, .epoch])
        #expect(records[0].learningRate == 0, "SimCLR's warmup starts at 0")
    }

    @Test func lossFallsWhenOverfittingOneBatch() throws {
        // One batch of all 8 images, views without augmentation (so both views are the image):
        // AdamW should pull the positives together and push the others apart within 20 steps.
        var config = Self.configuration(optimizer: .adamw, epochs: 20)
        config.batchSize = 8
        config.learningRate = 1e-2
        config.warmupEpochs = 0
        config.augmentation.crop = RandomResizedCrop(scale: 1...1, ratio: 1...1)
        config.augmentation.horizontalFlip.probability = 0
        config.augmentation.colorJitter.probability = 0
        config.augmentation.grayscale.probability = 0
        let losses = try Self.runAndCollect(config, data: Self.dataset()).filter { $0.kind == .step }.map(\.loss)
        let early = losses.prefix(3).reduce(0, +) / 3
        let late = losses.suffix(3).reduce(0, +) / 3
        #expect(late < 0.8 * early, "loss should fall: first \(losses.prefix(3)), last \(losses.suffix(3))")
    }

    static func runAndCollect(_ config: TrainingConfiguration, data: ImageDataset) throws -> [MetricsRecord] {
        var records: [MetricsRecord] = []
        try Trainer(configuration: config, dataset: data, outputFolder: folder(), resume: false)
            .run(observers: [RecordObserver { records.append($0) }])
        return records
    }

    @Test func nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws {
        let folder = Self.folder()
        let trainer = try Trainer(configuration: Self.configuration(), dataset: Self.dataset(), outputFolder: folder, resume: false)
        let poisoned = trainer.model.parameters[0]
        #expect {
            try trainer.run(observers: trainer.runFolderWriters() + [
                RecordObserver { record in
                    if record.step == 3 { poisoned.value[0] = .nan }  // after the epoch-1 checkpoint
                },
            ])
        } throws: { error in
            guard case .nonFiniteLoss(let step, let epoch, _, let kept)? = error as? TrainingError else { return false }
            return step == 4 && epoch == 2 && kept == 2
        }
        let checkpoint = try TrainingCheckpoint.read(path: trainer.checkpointPath)
        #expect(checkpoint.progress.step == 2)
        #expect(checkpoint.model.allSatisfy { $0.tensor.data.allSatisfy(\.isFinite) })
    }

    @Test func resumeRefusesAnotherArchitectureOrOtherArguments() throws {
        let folder = Self.folder()
        let data = Self.dataset()
        try Trainer(configuration: Self.configuration(epochs: 1), dataset: data, outputFolder: folder, resume: false).run()
        #expect(throws: CheckpointError.architectureMismatch(
            path: folder + "/checkpoint.safetensors", key: "widths", checkpoint: "[4,8,8]", expected: "[4,8,16]")) {
            try Trainer(configuration: Self.configuration(widths: [4, 8, 16]), dataset: data, outputFolder: folder, resume: true)
        }
        #expect(throws: CheckpointError.missingTensor(
            path: folder + "/checkpoint.safetensors", name: "optimizer.step")) {
            try Trainer(configuration: Self.configuration(optimizer: .adamw), dataset: data, outputFolder: folder, resume: true)
        }
        var other = Self.configuration()
        other.temperature = 0.1
        #expect(throws: CheckpointError.argumentsMismatch(
            path: folder + "/checkpoint.safetensors", key: "temperature", checkpoint: "0.5", expected: "0.1")) {
            try Trainer(configuration: other, dataset: data, outputFolder: folder, resume: true)
        }
        // More epochs is allowed: the run continues from epoch 1, with the schedule stretched.
        let longer = try Trainer(configuration: Self.configuration(epochs: 2), dataset: data, outputFolder: folder, resume: true)
        #expect(longer.progress.epoch == 1)
        #expect(longer.checkpointEpochs == 1)
    }

    /// A new run in a folder holding a finished one replaces it as soon as it starts: stopped at
    /// once, the folder holds the new run's checkpoint (step 0) and no encoder of the old run.
    @Test func newRunReplacesTheOldRunsFiles() throws {
        let folder = Self.folder()
        let data = Self.dataset()
        try Trainer(configuration: Self.configuration(epochs: 1), dataset: data, outputFolder: folder, resume: false).run()
        #expect(FileManager.default.fileExists(atPath: folder + "/" + EncoderManifest.weightsFileName))
        var other = Self.configuration(epochs: 1)
        other.seed = 77
        let stop = StopRequest()
        stop.request()
        let summary = try Trainer(configuration: other, dataset: data, outputFolder: folder, resume: false).run(stop: stop)
        #expect(!summary.completed && summary.step == 0)
        for file in [EncoderManifest.weightsFileName, EncoderManifest.fileName] {
            #expect(!FileManager.default.fileExists(atPath: folder + "/" + file), "\(file)")
        }
        let checkpoint = try TrainingCheckpoint.read(path: folder + "/" + TrainingCheckpoint.fileName)
        #expect(checkpoint.progress.step == 0)
        #expect(try TrainingConfiguration.decode(json: checkpoint.arguments, path: "").seed == 77)
        #expect(try MetricsLog.records(atPath: folder + "/" + MetricsLog.fileName).isEmpty)
    }

    @Test func resumeRefusesFewerEpochsThanPlanned() throws {
        let folder = Self.folder()
        let data = Self.dataset()
        try Trainer(configuration: Self.configuration(epochs: 2), dataset: data, outputFolder: folder, resume: false).run()
        #expect(throws: CheckpointError.epochsLowered(path: folder + "/checkpoint.safetensors", checkpoint: 2, requested: 1)) {
            try Trainer(configuration: Self.configuration(epochs: 1), dataset: data, outputFolder: folder, resume: true)
        }
    }

    @Test func exportedEncoderReloadsToTheSameEmbeddings() throws {
        let folder = Self.folder()
        let config = Self.configuration(epochs: 1)
        let trainer = try Trainer(configuration: config, dataset: Self.dataset(), outputFolder: folder, resume: false)
        try trainer.run()
        let weights = try SafetensorsFile.read(path: folder + "/" + EncoderManifest.weightsFileName)
        #expect(weights.tensors.map(\.name) == trainer.model.stateDict(includeHead: false).map(\.name))
        #expect(!weights.tensors.contains { $0.name.hasPrefix("head.") })
        #expect(weights.metadata["format"] == "pt")
        let manifest = try EncoderManifest.read(path: folder + "/" + EncoderManifest.fileName)
        #expect(manifest.modelConfiguration == config.model && manifest.training == config && !manifest.includesHead)
        #expect(manifest.normalization == config.augmentation.normalization)

        var rng = SplitMix64(seed: 1234)
        let fresh = try SimCLRModel(configuration: manifest.modelConfiguration, rng: &rng)
        try fresh.load(stateDict: weights.tensors, includeHead: false)
        let views = Tensor(shape: [3, 12, 12, 1], data: (0..<432).map { Float(($0 * 37) % 101) / 50 - 1 })
        #expect(fresh.forward(views, mode: .eval).h == trainer.model.forward(views, mode: .eval).h)

        // The probe's loader reads the same files and gives the same h, up to the rounding of
        // its BatchNorm folded into the convolutions (`FoldedResNetMini`).
        let frozen = try FrozenEncoder.load(weightsPath: folder + "/" + EncoderManifest.weightsFileName)
        #expect(frozen.description.configuration == config.model)
        #expect(frozen.description.normalization == config.augmentation.normalization)
        #expect(frozen.description.initializationSeed == config.seed)
        let frozenH = frozen.representations(ofViews: views), modelH = trainer.model.forward(views, mode: .eval).h
        #expect(frozenH.shape == modelH.shape && Tolerance.relativeToScale(frozenH.data, modelH.data) < 2e-6)

        // `export --with-head` from the checkpoint adds the head.
        let withHead = Self.folder()
        try FileManager.default.createDirectory(atPath: withHead, withIntermediateDirectories: true)
        try TrainingCheckpoint.read(path: trainer.checkpointPath)
            .exportEncoder(to: withHead, includeHead: true, checkpointPath: trainer.checkpointPath)
        let full = try SafetensorsFile.read(path: withHead + "/" + EncoderManifest.weightsFileName)
        #expect(full.tensors.map(\.name) == trainer.model.stateDict(includeHead: true).map(\.name))
    }
}
