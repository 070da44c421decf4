/// How `ExactNearestNeighbors` ranks gallery items for a query.
///
/// Conventions of `shared/fixtures/README.md` section 7 (as pytorch-metric-learning's
/// `CosineSimilarity` and `LpDistance`): best first, exact ties to the lower gallery index.
public enum RetrievalMetric: String, Sendable, Codable, CaseIterable {
    /// Cosine similarity of rows L2-normalised with `max(‖x‖₂, 1e-12)` (PyTorch `F.normalize`),
    /// higher first; range −1…1.
    case cosine
    /// Euclidean distance of the raw rows, smaller first. Ranked internally by the equivalent
    /// score 2·q·g − ‖g‖² (= ‖q‖² − ‖q − g‖², the query's ‖q‖² being the same for every item).
    case euclidean
}
