/// The class structure of a batch of labelled rows, shared by the label-supervised losses:
/// every label mapped to a dense class id (in order of first appearance) and the rows per class.
struct BatchClasses {
    /// `classOf[r]`: the dense class of row r, in `0..<counts.count`.
    let classOf: [Int]
    /// Rows of each dense class.
    let counts: [Int]

    /// - Precondition: `labels` is not empty.
    init(labels: [Int]) {
        var ids: [Int: Int] = [:]
        var classOf = [Int](repeating: 0, count: labels.count)
        var counts: [Int] = []
        for (row, label) in labels.enumerated() {
            if let id = ids[label] {
                classOf[row] = id
                counts[id] += 1
            } else {
                ids[label] = counts.count
                classOf[row] = counts.count
                counts.append(1)
            }
        }
        self.classOf = classOf
        self.counts = counts
    }

    /// The labels of 2N views when only the views' pairing is known: rows i and i+N get label i.
    ///
    /// - Throws: `LossError.emptyBatch` / `.oddViewCount` unless `rows` is 2N with N ≥ 1.
    static func viewPairLabels(rows: Int) throws(LossError) -> [Int] {
        try LossError.checkViewRows(rows)
        return (0..<rows).map { $0 % (rows / 2) }
    }

    /// The labels to use for `rows` rows: `labels`, or the views' pairing when nil.
    ///
    /// - Throws: `LossError.emptyBatch` for no rows; without labels, `.oddViewCount`.
    /// - Precondition: `labels` has `rows` entries.
    static func resolve(_ labels: [Int]?, rows: Int) throws(LossError) -> [Int] {
        guard let labels else { return try viewPairLabels(rows: rows) }
        precondition(labels.count == rows, "label-supervised loss: \(labels.count) labels for \(rows) rows")
        guard rows > 0 else { throw .emptyBatch }
        return labels
    }
}
