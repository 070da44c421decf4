/// The check that K processes of a data-parallel run train the same run: each field (the
/// training arguments, the image listing, the step it starts from) is hashed on every process and
/// the hashes compared with one all-reduce, so a process started with other flags, other images
/// or a stale copy of the checkpoint stops every process with a message instead of training a
/// silently different model and leaving the others waiting at a collective.
public enum ProcessAgreement {
    /// Compares every field's text across the processes.
    ///
    /// Each field's FNV-1a 64 hash is cut into four 16-bit chunks c; one all-reduce gives Σc and
    /// Σc² per chunk, and all processes agree iff K·Σc² = (Σc)² for every chunk (equality in
    /// Cauchy–Schwarz; exact in Double for K ≤ 1024).
    ///
    /// - Throws: `TrainingError.processesDisagree` naming the first differing field, on every
    ///   process alike (all see the same sums).
    public static func check(_ fields: [(name: String, text: String)], over communicator: any Communicator) throws {
        guard communicator.isDistributed else { return }
        let chunks = fields.map { field in
            let hash = Array(field.text.utf8).withUnsafeBytes { FNV1a.hash($0) }
            return (0..<4).map { Double((hash >> (16 * UInt64($0))) & 0xFFFF) }
        }
        var sums = chunks.flatMap { $0 } + chunks.flatMap { $0.map { $0 * $0 } }
        sums.withUnsafeMutableBufferPointer { communicator.allReduceSum($0) }
        let k = Double(communicator.size), n = 4 * fields.count
        for (index, field) in fields.enumerated() {
            for chunk in 0..<4 {
                let sum = sums[4 * index + chunk], squares = sums[n + 4 * index + chunk]
                if k * squares != sum * sum {
                    throw TrainingError.processesDisagree(field: field.name, processes: communicator.size)
                }
            }
        }
    }
}
