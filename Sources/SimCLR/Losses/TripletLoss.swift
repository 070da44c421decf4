/// The triplet margin loss (Schroff, Kalenichenko & Philbin 2015, FaceNet, arXiv 1503.03832;
/// PyTorch `TripletMarginLoss`):
///
///     term = max(0, d(a, p) − d(a, n) + m),      d = `EmbeddingDistance` (squared or Euclidean).
///
/// The derivative of max(0, x) at x = 0 is taken as 0: a triplet exactly at the margin is
/// inactive and contributes nothing (PyTorch's `clamp_min` backward takes 1 there; fixtures
/// README §1c, field `grad_*`, not `grad_active_at_zero`). A Euclidean distance of exactly 0 has
/// gradient 0.
///
/// Two uses: `lossAndGradients(anchors:positives:negatives:)` over explicit triplets (mean over
/// B, as PyTorch's `reduction='mean'`), and the self-supervised
/// `lossAndGradient(embeddings:embeddingGradient:)` over 2N views with batch-all or batch-hard
/// mining (see `TripletLoss+Views.swift`).
public final class TripletLoss: ViewEmbeddingLoss {
    /// Which triplets the self-supervised loss uses (Hermans, Beyer & Leibe 2017,
    /// "In Defense of the Triplet Loss", arXiv 1703.07737).
    public enum Mining: String, Sendable, Equatable, CaseIterable {
        /// Every (anchor, positive, negative): the mean over the active triplets (hinge > 0),
        /// and 0 with no gradient when none is active.
        case batchAll
        /// Per anchor, the nearest negative only: the mean over the 2N anchors.
        case batchHard
    }

    /// Margin m > 0, in the units of `distance` (squared units for `.squaredEuclidean`).
    public let margin: Float
    public let distance: EmbeddingDistance
    public let mining: Mining
    public let normalization: EmbeddingNormalization
    let matrix = ViewDistanceMatrix()
    let anchorLosses = LossWorkspace()
    let anchorActiveCounts = LossWorkspace()

    /// - Throws: `LossError.nonPositiveMargin` unless `margin` is finite and > 0.
    public init(
        margin: Float, distance: EmbeddingDistance = .squaredEuclidean, mining: Mining = .batchHard,
        normalization: EmbeddingNormalization = .l2
    ) throws(LossError) {
        guard margin > 0, margin.isFinite else { throw .nonPositiveMargin(margin) }
        self.margin = margin
        self.distance = distance
        self.mining = mining
        self.normalization = normalization
    }

    /// Loss and gradients over B explicit triplets (a[i], p[i], n[i]).
    ///
    /// - Parameters: anchors, positives, negatives: `[B, d]`.
    /// - Returns: the mean of the B terms (0 for B = 0) and its gradients, each `[B, d]`.
    /// - Precondition: the three shapes are equal `[B, d]`.
    public func lossAndGradients(
        anchors: Tensor, positives: Tensor, negatives: Tensor
    ) -> (loss: Float, anchorGradient: Tensor, positiveGradient: Tensor, negativeGradient: Tensor) {
        precondition(
            anchors.rank == 2 && anchors.shape == positives.shape && anchors.shape == negatives.shape,
            "TripletLoss: anchors \(anchors.shape), positives \(positives.shape), negatives \(negatives.shape) must all be [B, d]")
        let count = anchors.shape[0], dimension = anchors.shape[1]
        var ga = Tensor(shape: anchors.shape), gp = ga, gn = ga
        let scale = 1 / Float(max(count, 1)), shift = distance.epsilon, metric = distance
        var sum: Double = 0
        anchors.withUnsafeBufferPointer { a in
            positives.withUnsafeBufferPointer { p in
                negatives.withUnsafeBufferPointer { n in
                    ga.withUnsafeMutableBufferPointer { dA in
                        gp.withUnsafeMutableBufferPointer { dP in
                            gn.withUnsafeMutableBufferPointer { dN in
                                for i in 0..<count {
                                    let o = i * dimension
                                    let ai = a.baseAddress! + o, pi = p.baseAddress! + o, ni = n.baseAddress! + o
                                    let dPos = metric.measure(ai, pi, count: dimension)
                                    let dNeg = metric.measure(ai, ni, count: dimension)
                                    let hinge = dPos - dNeg + margin
                                    guard hinge > 0 else { continue }
                                    sum += Double(hinge)
                                    let cPos = scale * metric.differenceCoefficient(distance: dPos)
                                    let cNeg = scale * metric.differenceCoefficient(distance: dNeg)
                                    for c in 0..<dimension {
                                        let pull = cPos * (ai[c] - pi[c] + shift)
                                        let push = cNeg * (ai[c] - ni[c] + shift)
                                        dA[o + c] = pull - push
                                        dP[o + c] = -pull
                                        dN[o + c] = push
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Float(sum) * scale, ga, gp, gn)
    }
}
