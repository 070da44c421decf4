/// Something that follows a run: the metrics file, the checkpoint writer, monitors, a progress
/// display. The `Trainer` owns the loop and calls these hooks in order (as PyTorch Lightning's
/// `Callback`s); each observer does one thing. Every hook has an empty default, so an observer
/// implements only what it needs. Under several processes only rank 0 attaches the writers.
///
/// A hook that throws stops the run with that error (the last checkpoint written stays).
public protocol TrainingObserver: AnyObject {
    /// Before the first step of this session (`trainer.progress` is where it starts).
    func runWillStart(_ trainer: Trainer) throws
    /// After every optimizer step, with its record.
    func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws
    /// At the end of an epoch, before its record is passed on: monitors add their figures here.
    func epochWillEnd(_ record: inout MetricsRecord, trainer: Trainer) throws
    /// The complete record of an epoch just finished.
    func epochDidEnd(_ record: MetricsRecord, trainer: Trainer) throws
    /// A checkpoint of the current state (every tensor finite), at the end of every epoch, on a
    /// stop and at the end of the run.
    func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: Trainer) throws
    /// After the last step of this session (all epochs done, or stopped).
    func runDidEnd(_ summary: TrainingSummary, trainer: Trainer) throws
}

extension TrainingObserver {
    public func runWillStart(_ trainer: Trainer) throws {}
    public func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws {}
    public func epochWillEnd(_ record: inout MetricsRecord, trainer: Trainer) throws {}
    public func epochDidEnd(_ record: MetricsRecord, trainer: Trainer) throws {}
    public func checkpointDidCome(_ checkpoint: TrainingCheckpoint, trainer: Trainer) throws {}
    public func runDidEnd(_ summary: TrainingSummary, trainer: Trainer) throws {}
}

/// An observer made of closures, for tests and one-off hooks (`RecordObserver { record in … }`).
public final class RecordObserver: TrainingObserver {
    private let onRecord: (MetricsRecord) throws -> Void

    /// - Parameter onRecord: called with every step record and every complete epoch record.
    public init(_ onRecord: @escaping (MetricsRecord) throws -> Void) { self.onRecord = onRecord }

    public func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws { try onRecord(record) }
    public func epochDidEnd(_ record: MetricsRecord, trainer: Trainer) throws { try onRecord(record) }
}
