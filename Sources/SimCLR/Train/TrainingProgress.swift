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
}
