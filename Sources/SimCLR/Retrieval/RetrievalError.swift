/// Bad input to retrieval or verification; each case says which set or file and what to do.
public enum RetrievalError: Error, CustomStringConvertible, Equatable {
    case emptySet(role: String)
    case notAMatrix(role: String, shape: [Int])
    case countMismatch(role: String, rows: Int, labels: Int)
    case dimensionMismatch(query: Int, gallery: Int)
    case labelOutOfRange(role: String, label: Int, labelCount: Int)
    case nonFiniteFeatures(role: String, row: Int)

    public var description: String {
        switch self {
        case .emptySet(let role): return "\(role): no samples"
        case .notAMatrix(let role, let shape): return "\(role): expected a 2-D [n, D] feature matrix, found shape \(shape)"
        case .countMismatch(let role, let rows, let labels): return "\(role): \(rows) feature rows but \(labels) labels"
        case .dimensionMismatch(let query, let gallery):
            return "queries have \(query) features, the gallery has \(gallery): embed both with the same encoder and --features"
        case .labelOutOfRange(let role, let label, let labelCount): return "\(role): label \(label) is outside 0..<\(labelCount)"
        case .nonFiniteFeatures(let role, let row):
            return "\(role): row \(row) holds NaN or infinity; the encoder's weights or the input are broken"
        }
    }

    /// - Throws: the first problem of `features` `[n, D]` with `labels` `[n]`.
    static func check(_ features: Tensor, labels: [Int], labelCount: Int, role: String) throws(RetrievalError) {
        guard features.rank == 2 else { throw .notAMatrix(role: role, shape: features.shape) }
        guard features.shape[0] == labels.count else { throw .countMismatch(role: role, rows: features.shape[0], labels: labels.count) }
        guard !labels.isEmpty else { throw .emptySet(role: role) }
        if let bad = labels.first(where: { !(0..<labelCount).contains($0) }) {
            throw .labelOutOfRange(role: role, label: bad, labelCount: labelCount)
        }
        let d = features.shape[1]
        if let index = features.data.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteFeatures(role: role, row: index / max(d, 1)) }
    }
}
