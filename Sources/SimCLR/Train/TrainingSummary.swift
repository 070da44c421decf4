/// What a call to `Trainer.run` did.
public struct TrainingSummary: Sendable {
    /// True when every epoch is done (false when stopped by a `StopRequest`).
    public var completed: Bool
    /// Optimizer steps completed since the start of the run (all sessions).
    public var step: Int
    /// Epochs completed.
    public var epoch: Int
    /// Mean loss and in-batch positive top-1 of the last epoch this session finished, if any.
    public var lastEpochLoss: Double?
    public var lastEpochPositiveTop1: Double?
    /// Wall-clock seconds of this session.
    public var seconds: Double
    /// Views per second over this session's steps.
    public var viewsPerSecond: Double
    /// Per-stage time of this session's steps.
    public var times: StepTimes
    /// Seconds of this session spent in collectives between processes (0 for one process).
    public var communicationSeconds: Double = 0
    /// The step from which the run has been collapsed (`CollapseDetector`), if it has.
    public var collapsedSinceStep: Int? = nil
}
