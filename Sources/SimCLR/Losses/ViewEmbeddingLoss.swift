/// What a loss over a batch of views reports besides its gradient.
public struct ViewLossResult: Sendable, Equatable {
    /// The scalar loss (each loss documents its reduction).
    public var loss: Float
    /// Fraction of the 2N anchor rows whose positive (the other view of the same image) is
    /// strictly the most similar of the 2N − 1 candidates: cosine similarity for NT-Xent,
    /// smallest distance for the margin losses. Ties count as misses. For progress display.
    public var positiveTop1Accuracy: Float

    public init(loss: Float, positiveTop1Accuracy: Float) {
        self.loss = loss
        self.positiveTop1Accuracy = positiveTop1Accuracy
    }
}

/// A self-supervised loss over a batch of 2N view embeddings: the one entry point the trainer
/// calls every step, whatever `ContrastiveLossKind` was chosen.
public protocol ViewEmbeddingLoss: AnyObject {
    /// Loss and dL/dz for one batch.
    ///
    /// - Parameters:
    ///   - embeddings: z `[2N, P]`, un-normalised projection-head outputs; rows i and i+N are
    ///     the two views of image i.
    ///   - embeddingGradient: receives dL/dz `[2N, P]` (overwritten, not accumulated); it is
    ///     reallocated only when its shape differs, so a caller that keeps it pays nothing.
    /// - Throws: `LossError.emptyBatch` or `.oddViewCount` unless z has 2N ≥ 2 rows.
    /// - Precondition: `embeddings` has rank 2.
    func lossAndGradient(embeddings: Tensor, embeddingGradient: inout Tensor) throws(LossError) -> ViewLossResult

    /// Loss and dL/dz for one batch whose rows carry class labels (`--supervision labels`).
    ///
    /// The label-supervised losses (`SupConLoss`, `LabeledContrastiveLoss`, `LabeledTripletLoss`)
    /// take the rows with equal labels as positives; with `labels` nil they use the views' own
    /// pairing (rows i and i+N, i.e. labels = image index). The self-supervised losses ignore
    /// `labels` (the default implementation).
    ///
    /// - Parameter labels: one class per row of `embeddings` (any integers), or nil.
    /// - Throws: as `lossAndGradient(embeddings:embeddingGradient:)`; with labels, `.emptyBatch`
    ///   for a batch without rows.
    /// - Precondition: `labels` has one entry per row.
    func lossAndGradient(embeddings: Tensor, labels: [Int]?, embeddingGradient: inout Tensor) throws(LossError) -> ViewLossResult
}

extension ViewEmbeddingLoss {
    /// A self-supervised loss: the positives are the views' own pairing, `labels` is not used.
    public func lossAndGradient(
        embeddings: Tensor, labels: [Int]?, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        try lossAndGradient(embeddings: embeddings, embeddingGradient: &embeddingGradient)
    }
}

/// Which self-supervised loss the trainer optimises (`--loss ntxent|dcl|contrastive|triplet`).
public enum ContrastiveLossKind: String, CaseIterable, Sendable, Codable {
    /// NT-Xent over the 2N × 2N cosine-similarity matrix (SimCLR, arXiv 2002.05709).
    case ntxent
    /// Decoupled contrastive loss: NT-Xent without the positive in the denominator (Yeh et al.
    /// 2022, arXiv 2110.06848; lightly's `DCLLoss`). Self-supervised, two views only.
    case dcl
    /// Pairwise margin loss (Hadsell, Chopra & LeCun 2006) over view pairs.
    case contrastive
    /// Triplet margin loss (FaceNet, arXiv 1503.03832) over anchor/positive/negative views.
    case triplet

    /// A loss of this kind with its settings taken from `settings` (fields of the other kinds are
    /// ignored).
    ///
    /// - Throws: `LossError.nonPositiveTemperature` / `.nonPositiveMargin` for bad settings.
    public func makeLoss(_ settings: ViewLossSettings = ViewLossSettings()) throws(LossError) -> any ViewEmbeddingLoss {
        switch self {
        case .ntxent:
            return try NTXentLoss(temperature: settings.temperature)
        case .dcl:
            return try NTXentLoss(temperature: settings.temperature, decoupled: true)
        case .contrastive:
            return try ContrastiveLoss(
                margin: settings.contrastiveMargin, mining: settings.contrastiveMining,
                normalization: settings.normalization)
        case .triplet:
            return try TripletLoss(
                margin: settings.tripletMargin, distance: settings.tripletDistance,
                mining: settings.tripletMining, normalization: settings.normalization)
        }
    }
}

/// Settings of the view losses, with defaults for unit-length embeddings.
public struct ViewLossSettings: Sendable, Equatable {
    /// NT-Xent temperature τ > 0.
    public var temperature: Float = TrainingDefaults.temperature
    /// Contrastive margin m > 0, in embedding distance units (at most 2 apart on the unit sphere).
    public var contrastiveMargin: Float = TrainingDefaults.margin
    /// Which negative pairs the contrastive loss uses.
    public var contrastiveMining: ContrastiveLoss.Mining = .allPairs
    /// Triplet margin m > 0 (FaceNet: 0.2 with squared distances on the unit sphere).
    public var tripletMargin: Float = 0.2
    /// Triplet distance.
    public var tripletDistance: EmbeddingDistance = .squaredEuclidean
    /// Which triplets the triplet loss uses.
    public var tripletMining: TripletLoss.Mining = .batchHard
    /// Whether the margin losses see z or z / ‖z‖ (NT-Xent always normalises).
    public var normalization: EmbeddingNormalization = .l2

    public init() {}
}

/// Whether a margin loss works on the embeddings as given or on unit-length rows.
public enum EmbeddingNormalization: String, Sendable, Codable {
    /// Distances between the raw rows of z.
    case none
    /// Distances between `z_r / max(‖z_r‖, 1e-12)` (FaceNet constrains embeddings to the unit
    /// hypersphere); the gradient goes back through the normalisation.
    case l2
}
