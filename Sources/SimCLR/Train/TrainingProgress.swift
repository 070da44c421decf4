/// Where a run stands, saved in checkpoints so `--resume` continues exactly.
public struct TrainingProgress: Equatable, Sendable, Codable {
    /// Optimizer steps completed since the start of the run (0-based index of the next step).
    public var step: Int
    /// Epochs completed.
    public var epoch: Int
    /// Named random-generator states (`SplitMix64.state`), e.g. the data order and augmentation
    /// streams, so a resumed run draws the same numbers.
    public var randomState: [String: UInt64]
    /// Sums over the steps of the current, unfinished epoch (zero at an epoch boundary), so the
    /// epoch's metrics come out the same when it is interrupted and resumed.
    public var epochSums: EpochSums

    /// Running sums over the steps done so far in an epoch.
    public struct EpochSums: Equatable, Sendable, Codable {
        public var loss: Double
        public var positiveTop1: Double
        public var steps: Int

        public init(loss: Double = 0, positiveTop1: Double = 0, steps: Int = 0) {
            self.loss = loss
            self.positiveTop1 = positiveTop1
            self.steps = steps
        }
    }

    public init(step: Int = 0, epoch: Int = 0, randomState: [String: UInt64] = [:], epochSums: EpochSums = EpochSums()) {
        self.step = step
        self.epoch = epoch
        self.randomState = randomState
        self.epochSums = epochSums
    }

    /// Counts one finished optimizer step and its loss and positive top-1 into the epoch's sums.
    public mutating func addStep(loss: Float, positiveTop1: Float) {
        step += 1
        epochSums.loss += Double(loss)
        epochSums.positiveTop1 += Double(positiveTop1)
        epochSums.steps += 1
    }

    /// Closes the epoch whose steps are summed: counts it, starts the next one's sums at zero,
    /// and returns its record (mean loss and positive top-1 over its steps).
    ///
    /// - Parameters:
    ///   - learningRate: the rate of the epoch's last step.
    ///   - views: the views it trained on; with `seconds` its wall-clock time, for views/s.
    public mutating func closeEpoch(learningRate: Double, views: Int, seconds: Double) -> MetricsRecord {
        let sums = epochSums
        epoch += 1
        epochSums = EpochSums()
        return MetricsRecord(
            kind: .epoch, epoch: epoch, step: step, loss: sums.loss / Double(sums.steps), learningRate: learningRate,
            viewsPerSecond: Double(views) / seconds, positiveTop1: sums.positiveTop1 / Double(sums.steps), seconds: seconds)
    }
}
