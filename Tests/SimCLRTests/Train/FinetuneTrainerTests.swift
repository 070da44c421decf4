import Foundation
import SimCLR
import Testing

/// `FinetuneTrainer` on the tiny synthetic set of `TrainerTests` (8 gray 12×12 images, 2 classes).
@Suite struct FinetuneTrainerTests {
    /// Calls `onStep` with every step record.
    final class StepObserver: FinetuneObserver {
        let onStep: (MetricsRecord) -> Void
        init(_ onStep: @escaping (MetricsRecord) -> Void) { self.onStep = onStep }
        func stepDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws { onStep(record) }
    }

    static func configuration(freeze: Bool = false, encoder: String? = nil, labels: LabelSubsetRule = .all) -> FinetuneConfiguration {
        var training = TrainerTests.configuration(optimizer: .sgd, epochs: 2)
        training.learningRate = 0.5
        training.data = FileManager.default.temporaryDirectory.path
        return FinetuneConfiguration(
            training: training, test: "synthetic", encoder: encoder, labels: labels, freezeEncoder: freeze, classNames: ["a", "b"])
    }

    @Test(arguments: [(false, 1), (false, 3), (true, 2)])
    func interruptedAndResumedRunIsBitwiseIdentical(freeze: Bool, stopStep: Int) throws {
        let data = TrainerTests.dataset()
        let config = Self.configuration(freeze: freeze)
        let straight = TrainerTests.folder()
        let full = try FinetuneTrainer(configuration: config, dataset: data, outputFolder: straight)
        #expect(full.stepsPerEpoch == 2)
        #expect(try full.run().completed)

        let interrupted = TrainerTests.folder()
        let stop = StopRequest()
        let first = try FinetuneTrainer(configuration: config, dataset: data, outputFolder: interrupted)
        let partial = try first.run(stop: stop, observers: first.runFolderWriters() + [StepObserver { if $0.step == stopStep { stop.request() } }])
        #expect(!partial.completed && partial.step == stopStep)
        #expect(!FileManager.default.fileExists(atPath: interrupted + "/" + ClassifierManifest.weightsFileName))
        let resumed = try FinetuneTrainer.resuming(outputFolder: interrupted, loadDataset: { _ in data })
        #expect(resumed.isResumed && resumed.progress.step == stopStep)
        #expect(try resumed.run().completed)

        #expect(try TrainerTests.deterministicMetrics(interrupted) == TrainerTests.deterministicMetrics(straight))
        let a = try TrainingCheckpoint.read(path: straight + "/" + TrainingCheckpoint.fileName)
        let b = try TrainingCheckpoint.read(path: interrupted + "/" + TrainingCheckpoint.fileName)
        #expect(a.model.map(\.name) == b.model.map(\.name))
        #expect(a.model.map(\.tensor) == b.model.map(\.tensor), "weights and BatchNorm buffers")
        #expect(a.optimizer.map(\.tensor) == b.optimizer.map(\.tensor), "optimizer state")
        #expect(a.progress == b.progress)
        for file in [ClassifierManifest.weightsFileName, ClassifierManifest.fileName] {
            #expect(try TrainerTests.bytes(straight + "/" + file) == TrainerTests.bytes(interrupted + "/" + file), "\(file)")
        }
    }

    @Test func resumeRefusesOtherArguments() throws {
        let data = TrainerTests.dataset()
        let folder = TrainerTests.folder()
        let stop = StopRequest()
        stop.request()
        try FinetuneTrainer(configuration: Self.configuration(), dataset: data, outputFolder: folder).run(stop: stop)
        #expect(throws: CheckpointError.self) {
            try FinetuneTrainer.resuming(outputFolder: folder, arguments: { $0.freezeEncoder = true }, loadDataset: { _ in data })
        }
        #expect(throws: CheckpointError.self) {
            try FinetuneTrainer.resuming(outputFolder: folder, epochs: 1, loadDataset: { _ in data })
        }
    }

    @Test func frozenEncoderTrainsOnlyTheClassifier() throws {
        let data = TrainerTests.dataset()
        let trainer = try FinetuneTrainer(configuration: Self.configuration(freeze: true), dataset: data, outputFolder: TrainerTests.folder())
        let before = trainer.model.stateDict()
        try trainer.run()
        let after = trainer.model.stateDict()
        for (old, new) in zip(before, after) {
            if old.name.hasPrefix(ClassifierModel.encoderPrefix) {
                #expect(old.tensor == new.tensor, "\(old.name) changed")
            } else {
                #expect(old.tensor != new.tensor, "\(old.name) did not change")
            }
        }
        #expect(trainer.optimizer.parameters.map(\.name) == ["fc.weight", "fc.bias"])
    }

    /// The pretrained encoder is loaded; the exported classifier names its tensors `encoder.*` +
    /// `fc.*` in PyTorch shapes, and `ImageClassifier` (what `simclr classify` runs) gives the
    /// logits of the trained model in eval mode.
    @Test func exportLoadsIntoImageClassifierWithTheModelsLogits() throws {
        let data = TrainerTests.dataset()
        let folder = TrainerTests.folder()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: 77)
        let pretrained = try SimCLRModel(configuration: Self.configuration().training.model, rng: &rng)
        let encoderPath = folder + "/encoder.safetensors"
        try SafetensorsFile(tensors: pretrained.stateDict(includeHead: false)).write(to: encoderPath)
        let trainer = try FinetuneTrainer(
            configuration: Self.configuration(encoder: encoderPath, labels: .init(perClass: 2)), dataset: data,
            outputFolder: folder + "/run")
        #expect(trainer.labelledImages.count == 4)
        let loaded = trainer.model.stateDict()
        for (name, tensor) in pretrained.stateDict(includeHead: false) {
            #expect(loaded.first { $0.name == ClassifierModel.encoderPrefix + name }?.tensor == tensor, "\(name)")
        }
        try trainer.run()
        let file = try SafetensorsFile.read(path: folder + "/run/" + ClassifierManifest.weightsFileName)
        #expect(file["encoder.stem.conv.weight"]?.shape == [4, 1, 3, 3])
        #expect(file["fc.weight"]?.shape == [2, 8] && file["fc.bias"]?.shape == [2])
        #expect(file.tensors.allSatisfy { $0.name.hasPrefix("encoder.") || $0.name.hasPrefix("fc.") })

        let classifier = try ImageClassifier.load(folder: folder + "/run")
        #expect(classifier.classNames == ["a", "b"])
        let logits = try classifier.logits(of: data, path: "synthetic")
        // The model itself on the normalised whole images, eval mode.
        let normalization = trainer.configuration.training.augmentation.normalization
        let views = Tensor(shape: [8, 12, 12, 1], data: data.images.flatMap { image in
            image.pixels.map { Float((Double($0) / 255 - normalization.mean[0]) / normalization.std[0]) }
        })
        let direct = trainer.model.forward(views, mode: .eval)
        for (x, y) in zip(logits.data, direct.data) { #expect(abs(x - y) <= 1e-5 * max(1, abs(y))) }
    }

    @Test func inputErrorsBeforeTraining() throws {
        let data = TrainerTests.dataset()
        #expect(throws: LabelSubsetError.self) {
            try FinetuneTrainer(configuration: Self.configuration(labels: .init(fraction: 0.1)), dataset: data, outputFolder: TrainerTests.folder())
        }
        let trainer = try FinetuneTrainer(configuration: Self.configuration(), dataset: data, outputFolder: TrainerTests.folder())
        var otherClasses = data
        otherClasses.classNames = ["a", "c"]
        #expect(throws: ProbeInputError.self) { try trainer.checkTestSet(otherClasses, path: "test") }
        var otherSize = data
        otherSize.images[3] = DecodedImage(width: 10, height: 12, channels: 1, pixels: [UInt8](repeating: 0, count: 120))
        #expect(throws: ProbeInputError.imageSizeMismatch(path: "test", file: "3.png", found: [12, 10, 1], expected: [12, 12, 1])) {
            try trainer.checkTestSet(otherSize, path: "test")
        }
        var rgb = data
        rgb.channels = 3
        #expect(throws: TrainingError.self) {
            try FinetuneTrainer(configuration: Self.configuration(), dataset: rgb, outputFolder: TrainerTests.folder())
        }
    }
}
