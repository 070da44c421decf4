/// Wall-clock seconds spent in each stage of the training steps, summed over steps: where a step's
/// time goes (the benchmark's time shares; the target is data + optimizer under 10%).
public struct StepTimes: Sendable, Equatable, Codable {
    /// Waiting for the next batch of views (rendering runs ahead on a producer thread).
    public var data = 0.0
    /// Encoder and projection head forward, train mode.
    public var forward = 0.0
    /// Loss and its gradient dL/dz.
    public var loss = 0.0
    /// Backward through head and encoder.
    public var backward = 0.0
    /// The finite-gradient check and the optimizer step.
    public var optimizer = 0.0
    /// Steps summed.
    public var steps = 0

    public init() {}

    /// Adds one step's stage times.
    public mutating func add(data: Double, forward: Double, loss: Double, backward: Double, optimizer: Double) {
        self.data += data
        self.forward += forward
        self.loss += loss
        self.backward += backward
        self.optimizer += optimizer
        steps += 1
    }

    /// Sum of the stages.
    public var total: Double { data + forward + loss + backward + optimizer }

    /// Each stage's share of `total` (0…1), in step order.
    public var shares: [(stage: String, share: Double)] {
        let sum = max(total, .leastNonzeroMagnitude)
        return [("data", data), ("forward", forward), ("loss", loss), ("backward", backward), ("optimizer", optimizer)]
            .map { ($0.0, $0.1 / sum) }
    }
}
