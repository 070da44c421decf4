/// Writes every step and epoch record to `metrics.jsonl` in the run folder. On resume it keeps the
/// records up to the checkpoint's step and drops later ones, so the file reads as one run.
public final class MetricsFileWriter: TrainingObserver {
    private var log: MetricsLog?

    public init() {}

    /// - Throws: `FileWriteError` if the file cannot be created or rewritten.
    public func runWillStart(_ trainer: Trainer) throws {
        log = try MetricsLog(
            path: trainer.outputFolder + "/" + MetricsLog.fileName,
            resumingAfterStep: trainer.isResumed ? trainer.progress.step : nil)
    }

    public func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws { try log?.append(record) }

    public func epochDidEnd(_ record: MetricsRecord, trainer: Trainer) throws { try log?.append(record) }
}

/// The same file for a fine-tuning run (cross-entropy as `loss`, batch top-1 as `positive_top1`).
extension MetricsFileWriter: FinetuneObserver {
    public func runWillStart(_ trainer: FinetuneTrainer) throws {
        log = try MetricsLog(
            path: trainer.outputFolder + "/" + MetricsLog.fileName,
            resumingAfterStep: trainer.isResumed ? trainer.progress.step : nil)
    }

    public func stepDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws { try log?.append(record) }

    public func epochDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws { try log?.append(record) }
}
