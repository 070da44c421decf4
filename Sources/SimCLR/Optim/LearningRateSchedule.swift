import Foundation

/// How the base learning rate grows with the batch size (SimCLR, arXiv 2002.05709, §B.1;
/// google-research/simclr `tf2/model.py` `WarmUpAndCosineDecay`).
public enum LearningRateScaling: String, CaseIterable, Sendable, Codable {
    /// `base × B / 256` (SimCLR's default with base 0.3 for LARS).
    case linear
    /// `base × √B` (SimCLR's choice for small batches and long runs, with base 0.075).
    case squareRoot = "sqrt"
    /// `base`, unchanged.
    case none

    /// The peak learning rate for batch size `batchSize` (images, not views).
    public func scaled(base: Double, batchSize: Int) -> Double {
        switch self {
        case .linear: return base * Double(batchSize) / 256
        case .squareRoot: return base * Double(batchSize).squareRoot()
        case .none: return base
        }
    }
}

/// Linear warmup from 0 to the peak, then cosine decay to 0, evaluated per optimizer step
/// (google-research/simclr `tf2/model.py` `WarmUpAndCosineDecay`):
///
/// - `step < warmupSteps`: `peak × step / warmupSteps` (so step 0 has learning rate 0, as in SimCLR);
/// - otherwise `peak × ½(1 + cos(π · min(step − warmupSteps, decaySteps) / decaySteps))` with
///   `decaySteps = totalSteps − warmupSteps` (TensorFlow's `cosine_decay`, alpha 0).
public struct LearningRateSchedule: Sendable, Equatable, Codable {
    /// Learning rate at the end of warmup, after batch-size scaling.
    public var peak: Double
    /// Steps of linear warmup.
    public var warmupSteps: Int
    /// Steps of the whole run (warmup included).
    public var totalSteps: Int

    /// - Precondition: `0 <= warmupSteps <= totalSteps`.
    public init(peak: Double, warmupSteps: Int, totalSteps: Int) {
        precondition(
            warmupSteps >= 0 && warmupSteps <= totalSteps,
            "LearningRateSchedule: warmupSteps \(warmupSteps) outside 0...totalSteps \(totalSteps)")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// A schedule in epochs: `warmupSteps = round(warmupEpochs × stepsPerEpoch)` (capped at the
    /// run's length), `totalSteps = epochs × stepsPerEpoch`.
    public init(peak: Double, warmupEpochs: Double, epochs: Int, stepsPerEpoch: Int) {
        let total = epochs * stepsPerEpoch
        self.init(
            peak: peak, warmupSteps: min(total, Int((warmupEpochs * Double(stepsPerEpoch)).rounded())),
            totalSteps: total)
    }

    /// The learning rate at optimizer step `step` (0-based).
    public func learningRate(atStep step: Int) -> Double {
        if step < warmupSteps {
            return peak * Double(step) / Double(warmupSteps)
        }
        let decaySteps = totalSteps - warmupSteps
        guard decaySteps > 0 else { return peak }
        let progress = Double(min(step - warmupSteps, decaySteps)) / Double(decaySteps)
        return peak * 0.5 * (1 + cos(Double.pi * progress))
    }
}
