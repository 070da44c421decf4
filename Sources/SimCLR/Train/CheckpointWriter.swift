import Foundation

/// Writes `checkpoint.safetensors` (atomically) whenever the trainer hands one over, and at the end
/// of a completed run exports `encoder.safetensors` + `encoder.json` from the last checkpoint.
/// A new run (not a resume) first removes the checkpoint and exported encoder of the run it
/// replaces, so the folder never mixes two runs and a `pretrain && probe` script never evaluates
/// stale weights.
public final class CheckpointWriter: TrainingObserver {
    private var last: TrainingCheckpoint?

    public init() {}

    public func runWillStart(_ trainer: Trainer) throws {
        guard !trainer.isResumed else { return }
        for stale in [TrainingCheckpoint.fileName, EncoderManifest.weightsFileName, EncoderManifest.fileName] {
            try? FileManager.default.removeItem(atPath: trainer.outputFolder + "/" + stale)
        }
    }

    /// - Throws: `FileWriteError` naming the path.
    public func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: Trainer) throws {
        try checkpoint.write(to: trainer.checkpointPath)
        last = checkpoint
    }

    /// - Throws: `FileWriteError` from the export.
    public func runDidEnd(_ summary: TrainingSummary, trainer: Trainer) throws {
        guard summary.completed else { return }
        try (last ?? trainer.makeCheckpoint())
            .exportEncoder(to: trainer.outputFolder, includeHead: false, checkpointPath: trainer.checkpointPath)
    }
}
