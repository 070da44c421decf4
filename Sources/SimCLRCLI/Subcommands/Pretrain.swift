import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    struct Pretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pretrain a ResNet-mini encoder with SimCLR on an image folder.",
            discussion: """
                With no arguments, trains briefly on \(PretrainOptions.defaultData). Writes into --out: \
                checkpoint.safetensors (every epoch and on Ctrl-C), metrics.jsonl, and at the end \
                encoder.safetensors + encoder.json.
                """)

        @OptionGroup var training: PretrainOptions

        @Option(help: "Output folder.")
        var out: String = "runs/pretrain"

        @Flag(help: "Continue the run in --out with its stored arguments (only --epochs may be raised; --data may say where the training folder is now).")
        var resume = false

        @Flag(help: "Start a new run in --out even though it holds a checkpoint (replacing it).")
        var overwrite = false

        @Option(help: "Held-out ImageFolder for a weighted kNN monitor (k 200, τ 0.1) with the training images as memory bank.")
        var knnData: String?

        @Option(help: "Measure the kNN monitor every this many epochs (and after the last).")
        var knnEvery: Int = 1

        @OptionGroup(title: "Dataset loading")
        var loading: ImageFolderLoadOptions

        @OptionGroup var runtime: RuntimeOptions

        var checkpointPath: String { out + "/" + TrainingCheckpoint.fileName }

        func validate() throws {
            try OutputFolderCheck.validate(out, holds: "checkpoint, metrics and encoder files")
            guard knnEvery >= 1 else { throw ValidationError("--knn-every must be at least 1, got \(knnEvery)") }
            if let folder = knnData, !FileManager.default.fileExists(atPath: folder) {
                throw ValidationError("--knn-data \(folder): no such folder")
            }
            let exists = FileManager.default.fileExists(atPath: checkpointPath)
            if resume {
                guard !overwrite else { throw ValidationError("--resume and --overwrite exclude each other") }
                guard exists else { throw ValidationError("--resume: no checkpoint at \(checkpointPath)") }
                let given = training.givenTrainingFlags
                guard given.isEmpty else {
                    throw ValidationError(
                        "--resume continues with the arguments stored in the checkpoint; drop \(given.joined(separator: ", ")) (only --epochs, --data, --threads and --out may be given)")
                }
                return
            }
            guard !exists || overwrite else {
                throw ValidationError("\(out) already holds a checkpoint; pass --resume to continue it, --overwrite to replace it, or another --out")
            }
            guard FileManager.default.isFolder(atPath: training.data) else {
                throw ValidationError("--data \(training.data): no such folder\n---> HINT: Scripts/prepare-fashion-mnist.sh writes datasets/fashion-mnist/{train,test}.")
            }
            // Before loading, the channel count is --channels, or guessed from the preset's mean.
            let channels = loading.channels ?? ((try? training.augmentation.config())?.normalization.mean.count == 3 ? 3 : 1)
            _ = try training.configuration(channels: channels)
        }

        func run() throws {
            runtime.apply()
            let configuration: TrainingConfiguration
            let dataset: ImageDataset
            if resume {
                let checkpoint = try TrainingCheckpoint.read(path: checkpointPath)
                var stored = try TrainingConfiguration.decode(json: checkpoint.arguments, path: checkpointPath)
                if let epochs = training.epochs { stored.epochs = epochs }
                // The stored folder is as it was given, possibly relative to another directory.
                if training.data != PretrainOptions.defaultData { stored.data = training.data }
                guard FileManager.default.isFolder(atPath: stored.data) else {
                    throw CheckpointError.trainingFolderMissing(path: checkpointPath, folder: stored.data)
                }
                configuration = stored
                dataset = try loading.load(root: stored.data)
            } else {
                dataset = try loading.load(root: training.data)
                configuration = try training.configuration(channels: dataset.channels)
                // A new run replaces the old one: its exported encoder must not outlive it.
                for stale in [EncoderManifest.weightsFileName, EncoderManifest.fileName] {
                    try? FileManager.default.removeItem(atPath: out + "/" + stale)
                }
            }
            let trainer = try Trainer(configuration: configuration, dataset: dataset, outputFolder: out, resume: resume)
            if let folder = knnData {
                let heldOut = try loading.load(root: folder)
                guard heldOut.classNames == dataset.classNames else {
                    throw ProbeInputError.classMismatch(path: folder, found: heldOut.classNames, expected: dataset.classNames)
                }
                trainer.knnMonitor = KNNMonitor(bank: dataset, heldOut: heldOut, every: knnEvery)
            }
            print(PretrainReport.header(trainer, dataset: dataset))
            fflush(nil)  // all C streams: the header before the progress on stderr, also into a file
            let stop = StopRequest(watchingSignals: true)
            defer { stop.stopWatchingSignals() }
            let summary = try trainer.run(stop: stop, display: ProgressDisplay())
            print(PretrainReport.summary(summary, trainer: trainer))
            // Interrupted (SIGINT/SIGTERM): the checkpoint is kept, but the run is not done, so
            // scripts such as `pretrain && probe` must not go on (128 + SIGINT, as a shell would).
            guard summary.completed else { throw ExitCode(130) }
            if configuration.data == PretrainOptions.defaultData { print(PretrainReport.fullDatasetHint) }
        }
    }
}
