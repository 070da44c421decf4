/// Whether a labelled pair should be close or far apart.
public enum PairLabel: Sendable, Equatable {
    /// y = 1 in the fixtures (Hadsell et al. write Y = 0 for similar pairs).
    case similar
    case dissimilar
}

/// The pairwise contrastive (margin) loss of Hadsell, Chopra & LeCun 2006, "Dimensionality
/// Reduction by Learning an Invariant Mapping":
///
///     term = D²                  for a similar pair,
///     term = max(0, m − D)²      for a dissimilar pair,        D = ‖x1 − x2‖₂ (no epsilon).
///
/// Degenerate points (fixtures README §1b): a dissimilar pair at D = 0 has gradient 0 (its
/// direction is undefined); at D ≥ m the term and its gradient are 0.
///
/// Two uses: `lossAndGradients(x1:x2:labels:)` over explicitly labelled pairs, and the
/// self-supervised `lossAndGradient(embeddings:embeddingGradient:)` over 2N views (see
/// `ContrastiveLoss+Views.swift`).
public final class ContrastiveLoss: ViewEmbeddingLoss {
    /// The factor in front of the average of the terms.
    public enum Reduction: Sendable, Equatable {
        /// Σ terms / count.
        case mean
        /// ½ · Σ terms / count: the ½ factors of the paper and of some libraries.
        case halfMean

        var factor: Float { self == .mean ? 1 : 0.5 }
    }

    /// Which negative pairs the self-supervised loss uses for each anchor view.
    public enum Mining: String, Sendable, Equatable, CaseIterable {
        /// Every view of every other image (mean over the 2N − 2 negatives of the anchor).
        case allPairs
        /// Only the nearest view of another image.
        case hardestNegative
    }

    /// Margin m > 0, in distance units.
    public let margin: Float
    public let reduction: Reduction
    public let mining: Mining
    public let normalization: EmbeddingNormalization
    let matrix = ViewDistanceMatrix()
    let anchorLosses = LossWorkspace()

    /// - Throws: `LossError.nonPositiveMargin` unless `margin` is finite and > 0.
    public init(
        margin: Float, reduction: Reduction = .mean, mining: Mining = .allPairs,
        normalization: EmbeddingNormalization = .l2
    ) throws(LossError) {
        guard margin > 0, margin.isFinite else { throw .nonPositiveMargin(margin) }
        self.margin = margin
        self.reduction = reduction
        self.mining = mining
        self.normalization = normalization
    }

    /// The term of one pair and the factor c with ∂term/∂x1 = c·(x1 − x2) = −∂term/∂x2.
    @inline(__always)
    static func term(distance: Float, label: PairLabel, margin: Float) -> (value: Float, differenceCoefficient: Float) {
        switch label {
        case .similar:
            return (distance * distance, 2)
        case .dissimilar:
            guard distance < margin else { return (0, 0) }
            let gap = margin - distance
            return (gap * gap, distance > 0 ? -2 * gap / distance : 0)
        }
    }

    /// Loss and gradients over B labelled pairs (x1[i], x2[i]).
    ///
    /// - Parameters:
    ///   - x1, x2: `[B, d]`.
    ///   - labels: B labels.
    /// - Returns: `reduction` of the B terms; `x1Gradient` `[B, d]`; `x2Gradient` = −x1Gradient.
    ///   An empty batch gives 0.
    /// - Precondition: equal shapes `[B, d]` and B labels.
    public func lossAndGradients(
        x1: Tensor, x2: Tensor, labels: [PairLabel]
    ) -> (loss: Float, x1Gradient: Tensor, x2Gradient: Tensor) {
        precondition(x1.rank == 2 && x1.shape == x2.shape, "ContrastiveLoss: x1 \(x1.shape) and x2 \(x2.shape) must both be [B, d]")
        precondition(labels.count == x1.shape[0], "ContrastiveLoss: \(labels.count) labels for x1 \(x1.shape)")
        let count = x1.shape[0], dimension = x1.shape[1]
        var gradient1 = Tensor(shape: x1.shape), gradient2 = Tensor(shape: x1.shape)
        let scale = reduction.factor / Float(max(count, 1))
        var sum: Double = 0
        x1.withUnsafeBufferPointer { a in
            x2.withUnsafeBufferPointer { b in
                gradient1.withUnsafeMutableBufferPointer { g1 in
                    gradient2.withUnsafeMutableBufferPointer { g2 in
                        for i in 0..<count {
                            let ai = a.baseAddress! + i * dimension, bi = b.baseAddress! + i * dimension
                            let distance = EmbeddingDistance.euclidean(epsilon: 0).measure(ai, bi, count: dimension)
                            let (value, coefficient) = Self.term(distance: distance, label: labels[i], margin: margin)
                            sum += Double(value)
                            for c in 0..<dimension {
                                let g = scale * coefficient * (ai[c] - bi[c])
                                g1[i * dimension + c] = g
                                g2[i * dimension + c] = -g
                            }
                        }
                    }
                }
            }
        }
        return (Float(sum) * scale, gradient1, gradient2)
    }
}
