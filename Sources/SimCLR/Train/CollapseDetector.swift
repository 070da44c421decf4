import Foundation

/// Notices a collapsed run: every view mapped to (nearly) one direction, so the loss sits at its
/// degenerate value and the representation carries nothing (Chen et al. 2020 and most SSL papers
/// call this "collapse"; e.g. AdamW at lr 1e6). Two signs, each held for `patience` steps in a
/// row: the embedding spread (below) under `minimumSpread`, or the loss within `lossTolerance`
/// (relative) of its value when all z rows are collinear (`degenerateLoss`: NT-Xent's
/// ln(V − 1) for V rows of z, e.g. 2N or (2 + K)·N with multi-crop; DCL's ln(V − 2)).
///
/// The trainer updates it after every step and marks the records (`collapsed`), so the progress
/// line, the summary and `metrics.jsonl` all say it.
public struct CollapseDetector: Sendable, Equatable {
    /// Consecutive steps a sign must hold.
    public var patience: Int
    /// Spread under which the z rows count as one direction (an untrained head gives about 0.5–1).
    public var minimumSpread: Double
    /// Relative distance to the degenerate loss under which the NT-Xent loss counts as degenerate.
    public var lossTolerance: Double
    /// Steps in a row with a sign of collapse so far.
    public private(set) var streak = 0
    /// The step at which the current collapse was first seen (nil while the run is healthy).
    public private(set) var collapsedSince: Int?

    public init(patience: Int = 10, minimumSpread: Double = 1e-3, lossTolerance: Double = 1e-4) {
        self.patience = patience
        self.minimumSpread = minimumSpread
        self.lossTolerance = lossTolerance
    }

    /// Whether the last `patience` steps all showed collapse.
    public var isCollapsed: Bool { collapsedSince != nil }

    /// Takes one step's figures.
    ///
    /// - Parameters:
    ///   - step: 1-based step number.
    ///   - spread: `spread(of: z)` of the step.
    ///   - degenerateLoss: the loss of collinear embeddings, if the loss has one (NT-Xent).
    public mutating func update(step: Int, loss: Double, spread: Double, degenerateLoss: Double?) {
        var sign = spread < minimumSpread
        if let degenerateLoss, abs(loss - degenerateLoss) <= lossTolerance * degenerateLoss { sign = true }
        streak = sign ? streak + 1 : 0
        if streak >= patience {
            if collapsedSince == nil { collapsedSince = step - patience + 1 }
        } else {
            collapsedSince = nil
        }
    }

    /// The spread of embeddings `[B, P]`: rows L2-normalised (`max(‖z‖, 1e-12)`), then the root of
    /// the summed per-dimension variances across rows, i.e. the RMS distance of a row from the
    /// mean direction (0 when every row points the same way, about 1 for random directions).
    public static func spread(of z: Tensor) -> Double {
        guard z.rank == 2, z.shape[0] >= 2 else { return 0 }
        let rows = z.shape[0], p = z.shape[1]
        var mean = [Double](repeating: 0, count: p)
        var squares = 0.0
        z.withUnsafeBufferPointer { zp in
            for r in 0..<rows {
                // In Double: a row of 1e26 would overflow Float when squared.
                var norm = 0.0
                for j in 0..<p { norm += Double(zp[r * p + j]) * Double(zp[r * p + j]) }
                let inverse = 1 / max(norm.squareRoot(), 1e-12)
                for j in 0..<p {
                    let v = Double(zp[r * p + j]) * inverse
                    mean[j] += v
                    squares += v * v
                }
            }
        }
        let n = Double(rows)
        let meanSquares = mean.reduce(0) { $0 + ($1 / n) * ($1 / n) }
        let variance = squares / n - meanSquares
        return max(variance, 0).squareRoot()
    }

    /// ln(V − 1) for a batch of V views, e.g. V = 2N: the loss of collinear views for NT-Xent and
    /// for SupCon (multi-crop, label supervision), where every logit is 1/τ.
    public static func degenerateNTXentLoss(views: Int) -> Double { log(Double(views - 1)) }

    /// ln(V − 2) for a batch of V views: the decoupled loss (DCL) of collinear views, whose
    /// denominator holds the V − 2 negatives only.
    public static func degenerateDCLLoss(views: Int) -> Double { log(Double(views - 2)) }

    /// The collapsed-batch loss of `loss` over V views, or nil for the margin losses (which have
    /// no such fixed value).
    public static func degenerateLoss(_ loss: ContrastiveLossKind, views: Int) -> Double? {
        switch loss {
        case .ntxent: return degenerateNTXentLoss(views: views)
        case .dcl: return degenerateDCLLoss(views: views)
        case .contrastive, .triplet: return nil
        }
    }
}
