import ArgumentParser
import Foundation
import SimCLR
import SimCLRMPI

extension SimCLRCommand {
    struct Pretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pretrain a ResNet-mini encoder with SimCLR on an image folder.",
            discussion: """
                With no arguments, trains briefly on \(TrainingDefaults.data). Writes into --out: \
                checkpoint.safetensors (every epoch and on Ctrl-C), metrics.jsonl, and at the end \
                encoder.safetensors + encoder.json.
                """)

        @OptionGroup var training: PretrainOptions

        @Option(help: "Output folder.")
        var out: String = "runs/pretrain"

        @Flag(help: "Continue the run in --out with its stored arguments (--epochs may be raised; --data may say where the training folder is now; other flags must equal the stored ones).")
        var resume = false

        @Flag(help: "Start a new run in --out even though it holds a checkpoint. All or nothing: the old run's files move to --out/.replaced-run once the new run has loaded its data and locked the folder, are deleted at its first checkpoint, and come back if it fails before that (after a kill: with the next run or --resume in --out).")
        var overwrite = false

        @Option(help: "Held-out ImageFolder for a weighted kNN monitor (k 200, τ 0.1) with the training images as memory bank.")
        var knnData: String?

        @Option(help: "Measure the kNN monitor every this many epochs (and after the last).")
        var knnEvery: Int = 1

        @Option(help: "Under mpirun/srun: stop when the other processes have not answered for this many seconds (a process or host gone without closing its connections): 1 to 604800 (a week); 0 waits forever.")
        var collectiveTimeout: Double = 600

        /// The seconds `--collective-timeout` may take besides 0: shorter would stop healthy runs
        /// in their first all-reduce, longer is "forever" (0) in practice.
        static let collectiveTimeoutRange: ClosedRange<Double> = 1...604_800

        @OptionGroup(title: "Dataset loading")
        var loading: ImageFolderLoadOptions

        @OptionGroup var runtime: RuntimeOptions

        func validate() throws {
            try OutputFolderCheck.validate(out, holds: "checkpoint, metrics and encoder files")
            // NaN fails both tests.
            guard collectiveTimeout == 0 || Self.collectiveTimeoutRange.contains(collectiveTimeout) else {
                let range = Self.collectiveTimeoutRange
                throw ValidationError(
                    "--collective-timeout must be 0 (wait forever) or between \(Int(range.lowerBound)) and \(Int(range.upperBound)) seconds, got \(collectiveTimeout)")
            }
            guard knnEvery >= 1 else { throw ValidationError("--knn-every must be at least 1, got \(knnEvery)") }
            if let folder = knnData, !FileManager.default.fileExists(atPath: folder) {
                throw ValidationError("--knn-data \(folder): no such folder")
            }
            let exists = RunReplacement.holdsCheckpoint(out)
            if resume {
                guard !overwrite else { throw ValidationError("--resume and --overwrite exclude each other") }
                guard exists else { throw ValidationError("--resume: no checkpoint at \(Trainer.checkpointPath(in: out))") }
                return
            }
            guard !exists || overwrite else {
                throw ValidationError("\(out) already holds a checkpoint; pass --resume to continue it, --overwrite to replace it, or another --out")
            }
            let data = training.data ?? TrainingDefaults.data
            guard FileManager.default.isFolder(atPath: data) else {
                throw ValidationError("--data \(data): no such folder\n---> HINT: Scripts/prepare-fashion-mnist.sh writes datasets/fashion-mnist/{train,test}.")
            }
            // Before loading, the channel count is --channels, or guessed from the preset's mean.
            let channels = loading.channels ?? ((try? training.augmentation.config())?.normalization.mean.count == 3 ? 3 : 1)
            _ = try training.configuration(channels: channels)
        }

        func run() throws {
            runtime.apply()
            // Started by mpirun/srun: one process of K, else the one-process run as always.
            let mpi = try MPICommunicator.launched()
            mpi?.startWatchdog(seconds: collectiveTimeout)
            do {
                try train(communicator: mpi ?? SingleProcessCommunicator())
            } catch let error where mpi?.isDistributed == true && !(error is ExitCode) {
                // The others would wait for this process at their next collective: end them all.
                writeStandardError("simclr: rank \(mpi!.rank) of \(mpi!.size): \(error)\n")
                mpi!.abort(code: 1)
            }
            mpi?.finalize()
        }

        private func train(communicator: any Communicator) throws {
            let trainer: Trainer
            if resume {
                trainer = try Trainer.resuming(
                    outputFolder: out, epochs: training.epochs, data: training.data,
                    arguments: { try training.apply(to: &$0, resuming: true) }, communicator: communicator,
                    loadDataset: loading.load(root:))
            } else {
                let dataset = try loading.load(root: training.data ?? TrainingDefaults.data)
                trainer = try Trainer(
                    configuration: try training.configuration(channels: dataset.channels), dataset: dataset,
                    outputFolder: out, resume: false, communicator: communicator)
            }
            // One writer: the run folder, the monitor and the terminal belong to rank 0.
            let writer = communicator.rank == 0
            let stop = StopRequest(watchingSignals: true)
            defer { stop.stopWatchingSignals() }
            var observers = trainer.runFolderWriters(stop: stop)
            if let folder = knnData, writer {
                observers.append(try KNNMonitor(bank: trainer.dataset, heldOut: try loading.load(root: folder), heldOutPath: folder, every: knnEvery))
            }
            if writer {
                observers.append(ProgressDisplay())
                print(PretrainReport.header(trainer))
                fflush(nil)  // all C streams: the header before the progress on stderr, also into a file
            }
            let summary = try trainer.run(stop: stop, observers: observers)
            if writer { print(PretrainReport.summary(summary, trainer: trainer)) }
            // Interrupted (SIGINT/SIGTERM): the checkpoint is kept, but the run is not done, so
            // scripts such as `pretrain && probe` must not go on (128 + SIGINT, as a shell would).
            guard summary.completed else { throw ExitCode(130) }
            if writer && trainer.configuration.data == TrainingDefaults.data { print(PretrainReport.fullDatasetHint) }
        }
    }
}
