/// Where a pretraining loss takes its positives from (`--supervision views|labels`).
public enum Supervision: String, CaseIterable, Sendable, Codable {
    /// Self-supervised (SimCLR): the positive of a view is the other view of the same image.
    case views
    /// Label-supervised: every view of an image of the same ImageFolder class is a positive,
    /// the views of the other classes are negatives. `ntxent` becomes SupCon (Khosla et al.
    /// 2020, arXiv 2004.11362), `contrastive` runs over every labelled pair of the batch,
    /// `triplet` mines its triplets with `TripletMining`.
    case labels
}

/// How the triplet loss picks its triplets from a batch (`--mining`; Hermans, Beyer & Leibe
/// 2017, arXiv 1703.07737; Schroff, Kalenichenko & Philbin 2015, arXiv 1503.03832).
public enum TripletMining: String, CaseIterable, Sendable, Codable {
    /// Per anchor, the farthest positive and the nearest negative.
    case batchHard = "batch-hard"
    /// Every (anchor, positive, negative), averaged over the active ones.
    case batchAll = "batch-all"
    /// Per (anchor, positive), the nearest negative farther than the positive (FaceNet); with
    /// label supervision only.
    case semiHard = "semi-hard"
}
