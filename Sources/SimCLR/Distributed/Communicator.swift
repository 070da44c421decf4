/// The collective operations data-parallel training needs, behind one small interface (as
/// torch.distributed's `ProcessGroup` hides gloo, MPI and NCCL): the trainer, BatchNorm and the
/// losses take a communicator and never import MPI. `SingleProcessCommunicator` is the identity;
/// the MPI implementation lives in its own target (`SimCLRMPI`).
///
/// Every process of the group must make the same calls in the same order with the same sizes. A
/// collective that fails (a peer died) does not return: the process ends, and the launcher ends
/// the others, so no process is left waiting.
public protocol Communicator: AnyObject {
    /// This process's index, 0..<size (rank 0 writes the run folder).
    var rank: Int { get }
    /// K, the number of processes.
    var size: Int { get }
    /// Wall-clock seconds spent inside collectives so far (the communication share of a step).
    var communicationSeconds: Double { get }
    /// Replaces `values` on every process by their elementwise sum over all processes.
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>)
    /// Double-precision sums (BatchNorm statistics, flags).
    func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Concatenates every process's `local` in rank order into `gathered`, on every process.
    ///
    /// - Parameters:
    ///   - counts: the element count of each rank's part (`counts[rank] == local.count`).
    ///   - gathered: `counts.reduce(0, +)` elements.
    func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into gathered: UnsafeMutableBufferPointer<Float>)
}

extension Communicator {
    /// Whether several processes take part.
    public var isDistributed: Bool { size > 1 }

    /// Whether any process says yes (a stop request, an error).
    public func anyProcess(_ flag: Bool) -> Bool {
        guard isDistributed else { return flag }
        var value = [flag ? 1.0 : 0.0]
        value.withUnsafeMutableBufferPointer { allReduceSum($0) }
        return value[0] > 0
    }

    /// The sum of `value` over all processes.
    public func sum(_ value: Double) -> Double {
        guard isDistributed else { return value }
        var buffer = [value]
        buffer.withUnsafeMutableBufferPointer { allReduceSum($0) }
        return buffer[0]
    }
}

/// One process: every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    public init() {}

    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var communicationSeconds: Double { 0 }
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {}

    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into gathered: UnsafeMutableBufferPointer<Float>) {
        precondition(counts == [local.count] && gathered.count == local.count, "allGather: \(counts) for \(local.count) elements")
        _ = gathered.initialize(from: local)
    }
}
