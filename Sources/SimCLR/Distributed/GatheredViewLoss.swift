/// A view loss over the whole batch of K processes (SimCLR's cross-replica negatives): each
/// process's z `[2n_r, P]` (rows i and i + n_r the views of its image i) is all-gathered and
/// arranged in the one-process layout `[2N, P]` (rows i and i + N the views of batch image i), the
/// wrapped loss runs over the whole 2N × 2N batch on every process, and each process keeps the
/// rows of dL/dz that belong to its own views.
///
/// The gradient of a process's rows thus includes the terms of every other process's anchors:
/// what the backward of the all-gather (a sum over processes) has to give, and what runs without it
/// lose (lightly#1528). With the parameter gradients then summed over processes, the step equals
/// the one-process step. The loss value and in-batch accuracy are the whole batch's, the same on
/// every process.
///
/// Label-supervised losses get the whole batch's labels (`lossAndGradient(embeddings:labels:…)`).
///
/// - Complexity: one all-gather of 2N·P floats per step; the wrapped loss on every process.
public final class GatheredViewLoss: ViewEmbeddingLoss {
    public let loss: any ViewEmbeddingLoss
    public let communicator: any Communicator
    /// Images of the global batch on each process, in rank order (`BatchPart.sizes`).
    public let imageCounts: [Int]
    private var gathered = Tensor(shape: [0])
    private var batch = Tensor(shape: [0])
    private var batchGradient = Tensor(shape: [0])

    /// - Precondition: one image count per process.
    public init(_ loss: any ViewEmbeddingLoss, communicator: any Communicator, imageCounts: [Int]) {
        precondition(imageCounts.count == communicator.size, "GatheredViewLoss: \(imageCounts) for \(communicator.size) processes")
        self.loss = loss
        self.communicator = communicator
        self.imageCounts = imageCounts
    }

    /// For every row of the gathered `[Σ 2n_r, P]` (rank order, each rank's own layout), its row in
    /// the one-process layout `[2N, P]`.
    public static func batchRows(imageCounts: [Int]) -> [Int] {
        let total = imageCounts.reduce(0, +)
        var rows: [Int] = [], offset = 0
        for n in imageCounts {
            rows += (0..<n).map { offset + $0 } + (0..<n).map { total + offset + $0 }
            offset += n
        }
        return rows
    }

    public func lossAndGradient(embeddings: Tensor, embeddingGradient: inout Tensor) throws(LossError) -> ViewLossResult {
        try lossAndGradient(embeddings: embeddings, labels: nil, embeddingGradient: &embeddingGradient)
    }

    /// The wrapped loss over the whole batch with `labels`, the class of every row of the whole
    /// batch in the one-process layout `[2N]` (rows i and i+N: batch image i; every process knows
    /// them from `ViewBatch.batchImageIndices`), or nil for the views' own pairing.
    public func lossAndGradient(
        embeddings: Tensor, labels: [Int]?, embeddingGradient: inout Tensor
    ) throws(LossError) -> ViewLossResult {
        precondition(embeddings.rank == 2, "GatheredViewLoss: embeddings must be [2n, P], got \(embeddings.shape)")
        let width = embeddings.shape[1], rows = Self.batchRows(imageCounts: imageCounts)
        precondition(embeddings.shape[0] == 2 * imageCounts[communicator.rank],
                     "GatheredViewLoss: \(embeddings.shape[0]) rows on rank \(communicator.rank), expected \(2 * imageCounts[communicator.rank])")
        if gathered.shape != [rows.count, width] {
            gathered = Tensor(shape: [rows.count, width])
            batch = Tensor(shape: [rows.count, width])
        }
        embeddings.withUnsafeBufferPointer { local in
            gathered.withUnsafeMutableBufferPointer { all in
                communicator.allGather(local, counts: imageCounts.map { 2 * $0 * width }, into: all)
            }
        }
        // Gathered row g holds batch row rows[g].
        Self.copy(rows: rows.indices, of: gathered, to: &batch, width: width) { (source: $0, target: rows[$0]) }
        let result = try loss.lossAndGradient(embeddings: batch, labels: labels, embeddingGradient: &batchGradient)
        if embeddingGradient.shape != embeddings.shape { embeddingGradient = Tensor(shape: embeddings.shape) }
        // Own row j of the local layout is gathered row first + j, i.e. batch row rows[first + j].
        let first = 2 * imageCounts[..<communicator.rank].reduce(0, +)
        Self.copy(rows: 0..<embeddings.shape[0], of: batchGradient, to: &embeddingGradient, width: width) {
            (source: rows[first + $0], target: $0)
        }
        return result
    }

    /// For each `row`, copies source row `pair(row).source` to target row `pair(row).target`
    /// (rows of `width` floats).
    private static func copy(
        rows: Range<Int>, of source: Tensor, to target: inout Tensor, width: Int, pair: (Int) -> (source: Int, target: Int)
    ) {
        source.withUnsafeBufferPointer { s in
            target.withUnsafeMutableBufferPointer { t in
                for row in rows {
                    let (from, to) = pair(row)
                    (t.baseAddress! + to * width).update(from: s.baseAddress! + from * width, count: width)
                }
            }
        }
    }
}
