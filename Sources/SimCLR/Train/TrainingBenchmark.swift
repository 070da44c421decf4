import Foundation

/// End-to-end training-step figures for `simclr bench`: the real `Trainer` (loader, model, loss,
/// optimizer) on synthetic images, so the time shares are those of a real run.
public enum TrainingBenchmark {
    /// What `measure` reports.
    public struct Result: Sendable {
        /// Views (2N per step) per second over the measured steps.
        public var viewsPerSecond: Double
        /// Mean wall-clock seconds per step.
        public var secondsPerStep: Double
        /// Per-stage times of the measured steps (`StepTimes.shares` gives the fractions).
        public var times: StepTimes
        /// Mean seconds per step spent in collectives (0 for one process).
        public var communicationSecondsPerStep: Double
        /// Trainable parameters of the model (the floats of the gradient all-reduce).
        public var parameterCount: Int
    }

    /// Trains `steps + 1` steps of the default recipe (LARS, NT-Xent, Fashion-MNIST preset), or
    /// of the recipe `configure` makes of it, on random `height × width × channels` images in 10
    /// classes and measures all but the first step (which plans buffers). With a `communicator` of
    /// K processes, every process calls this with the same arguments and trains its part of each
    /// global batch, as `mpirun -np K simclr pretrain` does.
    ///
    /// - Throws: errors from `Trainer` (none expected for valid sizes).
    public static func measure(
        steps: Int = 3, batchSize: Int = 256, height: Int = 28, width: Int = 28, channels: Int = 1,
        widths: [Int] = [32, 64, 128], communicator: any Communicator = SingleProcessCommunicator(),
        configure: (inout TrainingConfiguration) -> Void = { _ in }
    ) throws -> Result {
        precondition(steps >= 1, "TrainingBenchmark: steps must be ≥ 1, got \(steps)")
        var rng = SplitMix64(seed: 17)
        let count = batchSize * (steps + 1)
        let images = (0..<count).map { _ in
            DecodedImage(
                width: width, height: height, channels: channels,
                pixels: (0..<(width * height * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let dataset = ImageDataset(
            classNames: (0..<10).map { "class\($0)" }, samples: (0..<count).map { .init(relativePath: "\($0).png", label: $0 % 10) },
            images: images, channels: channels)
        var augmentation = try AugmentationConfig.preset(named: AugmentationConfig.Preset.fashionMNIST.rawValue)
        augmentation.outputSize = .init(height: height, width: width)
        if channels == 3 { augmentation.normalization = .cifar10 }
        var configuration = TrainingConfiguration(
            data: "synthetic", epochs: 1, batchSize: batchSize,
            model: ResNetMiniConfiguration(widths: widths, inputChannels: channels, imageSize: height),
            augmentation: augmentation)
        configure(&configuration)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("simclr-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = try Trainer(
            configuration: configuration, dataset: dataset, outputFolder: folder, resume: false, communicator: communicator)
        var afterFirst = StepTimes()
        var communicationAfterFirst = 0.0
        try trainer.run(observers: [
            RecordObserver { record in
                if record.kind == .step && record.step == 1 {
                    afterFirst = trainer.times
                    communicationAfterFirst = communicator.communicationSeconds
                }
            }
        ])
        var times = trainer.times
        let seconds = times.total - afterFirst.total
        times.data -= afterFirst.data
        times.forward -= afterFirst.forward
        times.loss -= afterFirst.loss
        times.backward -= afterFirst.backward
        times.optimizer -= afterFirst.optimizer
        times.steps -= afterFirst.steps
        return Result(
            viewsPerSecond: Double(2 * batchSize * steps) / seconds, secondsPerStep: seconds / Double(steps), times: times,
            communicationSecondsPerStep: (communicator.communicationSeconds - communicationAfterFirst) / Double(steps),
            parameterCount: trainer.model.parameters.reduce(0) { $0 + $1.gradient.count })
    }
}
