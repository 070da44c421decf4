import Foundation
import Synchronization

/// Writes `checkpoint.safetensors` (atomically) whenever the trainer hands one over, and at the end
/// of a completed run exports `encoder.safetensors` + `encoder.json` from the last checkpoint.
/// The files of a run this one replaces are out of the folder by then (`RunReplacement`), so the
/// folder never mixes two runs and a `pretrain && probe` script never evaluates stale weights.
///
/// Prompt stop (`promptStop`): an MPI launcher kills its processes soon after it forwards a
/// Ctrl-C as SIGTERM (Open MPI's mpirun: SIGKILL 1 s later, MCA `odls_base_sigkill_timeout`),
/// often before the step under way ends. With a `StopRequest` to watch, the writer keeps the
/// state after the last completed step in memory and writes it from its own thread the moment a
/// stop is requested; the trainer's checkpoint at the next step boundary replaces it if the
/// process lives that long. Costs one copy of the weights and optimizer state per step.
public final class CheckpointWriter: TrainingObserver, @unchecked Sendable {
    /// Guards `last`, `latestStep`, `written` and the file: one write at a time, never an older
    /// state over a newer one.
    private let lock = NSLock()
    private var last: TrainingCheckpoint?
    /// The state after the last completed step (prompt stop only).
    private var latestStep: TrainingCheckpoint?
    /// The step of the checkpoint in the file.
    private var written = -1
    private let promptStop: StopRequest?
    private let watching = Atomic<Bool>(false)

    /// - Parameter promptStop: watch this request and write the last completed step at once.
    public init(promptStop: StopRequest? = nil) {
        self.promptStop = promptStop
    }

    public func runWillStart(_ trainer: Trainer) throws {
        if trainer.isResumed { written = trainer.progress.step }
        if let stop = promptStop { watch(stop, path: trainer.checkpointPath) }
    }

    public func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws {
        // An epoch's last step is not a resumable state until the trainer closes the epoch (the
        // kNN monitor may take seconds first): the prompt writer keeps the step before it.
        guard promptStop != nil, record.step % trainer.stepsPerEpoch != 0 else { return }
        let checkpoint = trainer.makeCheckpoint()
        guard checkpoint.firstNonFiniteTensor == nil else { return }
        lock.withLock { latestStep = checkpoint }
    }

    /// - Throws: `FileWriteError` naming the path.
    public func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: Trainer) throws {
        try store(checkpoint, path: trainer.checkpointPath)
    }

    /// Writes `checkpoint` unless the file holds a later step, and keeps it for the export.
    private func store(_ checkpoint: TrainingCheckpoint, path: String) throws {
        try lock.withLock {
            if checkpoint.progress.step >= written {
                try checkpoint.write(to: path)
                written = checkpoint.progress.step
            }
            last = checkpoint
        }
    }

    /// - Throws: `FileWriteError` from the export.
    public func runDidEnd(_ summary: TrainingSummary, trainer: Trainer) throws {
        watching.store(false, ordering: .releasing)
        guard summary.completed else { return }
        try (lock.withLock { last } ?? trainer.makeCheckpoint())
            .exportEncoder(to: trainer.outputFolder, includeHead: false, checkpointPath: trainer.checkpointPath)
    }

    /// Polls `stop` every 20 ms until the run ends; on a stop, writes the last completed step.
    private func watch(_ stop: StopRequest, path: String) {
        watching.store(true, ordering: .releasing)
        Thread {
            while self.watching.load(ordering: .acquiring) {
                if stop.isRequested {
                    self.writeLatestStep(to: path)
                    return
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
        }.start()
    }

    private func writeLatestStep(to path: String) {
        lock.withLock {
            guard let checkpoint = latestStep, checkpoint.progress.step > written else { return }
            do {
                try checkpoint.write(to: path)
                written = checkpoint.progress.step
                FileHandle.standardError.write(Data("simclr: stop requested: checkpoint of step \(written) written\n".utf8))
            } catch {
                FileHandle.standardError.write(Data("simclr: stop requested: \(error)\n".utf8))
            }
        }
    }
}

/// A fine-tuning run: the same checkpoint file, and at the end of a completed run
/// `classifier.safetensors` + `classifier.json` instead of the encoder export.
extension CheckpointWriter: FinetuneObserver {
    public func runWillStart(_ trainer: FinetuneTrainer) throws {
        if trainer.isResumed { written = trainer.progress.step }
    }

    /// - Throws: `FileWriteError` naming the path.
    public func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: FinetuneTrainer) throws {
        try store(checkpoint, path: trainer.checkpointPath)
    }

    /// - Throws: `FileWriteError` from the export.
    public func runDidEnd(_ summary: TrainingSummary, trainer: FinetuneTrainer) throws {
        guard summary.completed else { return }
        try (lock.withLock { last } ?? trainer.makeCheckpoint()).exportClassifier(to: trainer.outputFolder, checkpointPath: trainer.checkpointPath)
    }
}
