/// The collective operations data-parallel training needs, behind one small interface (as
/// torch.distributed's `ProcessGroup` hides gloo, MPI and NCCL): the trainer, BatchNorm and the
/// losses take a communicator and never import MPI. `SingleProcessCommunicator` is the identity;
/// the MPI implementation lives in its own target.
///
/// Every process of the group must make the same calls in the same order with the same sizes.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, 0..<size (rank 0 writes the run folder).
    var rank: Int { get }
    /// K, the number of processes.
    var size: Int { get }
    /// Replaces `values` on every process by their elementwise sum over all processes.
    ///
    /// - Throws: `CommunicationError` when a peer is gone.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws(CommunicationError)
    /// Double-precision sums (BatchNorm statistics, metric sums).
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) throws(CommunicationError)
    /// Concatenates every process's `local` in rank order into `gathered`, on every process.
    ///
    /// - Parameters:
    ///   - counts: the element count of each rank's part (`counts[rank] == local.count`).
    ///   - gathered: `counts.reduce(0, +)` elements.
    func allGather(
        _ local: UnsafeBufferPointer<Float>, counts: [Int], into gathered: UnsafeMutableBufferPointer<Float>
    ) throws(CommunicationError)
}

/// Why a collective operation failed.
public enum CommunicationError: Error, CustomStringConvertible, Equatable {
    /// A peer process stopped or the transport failed; `reason` is the transport's message.
    case peerFailed(operation: String, reason: String)

    public var description: String {
        switch self {
        case .peerFailed(let operation, let reason):
            return "\(operation) failed: \(reason) (another process of the run stopped; its output names the cause)"
        }
    }
}

/// One process: every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}

    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into gathered: UnsafeMutableBufferPointer<Float>) {
        precondition(counts == [local.count] && gathered.count == local.count, "allGather: \(counts) for \(local.count) elements")
        _ = gathered.initialize(from: local)
    }
}
