import Foundation
import SimCLR

/// K communicators for K threads of one test process, standing in for K MPI processes: every
/// collective waits for all K, then each thread computes the result from every thread's
/// contribution in rank order. For testing global BatchNorm and gathered losses without mpirun.
public final class ThreadGroupCommunicator: Communicator, @unchecked Sendable {
    /// State shared by the group; every field is used only while holding `condition`.
    private final class Group: @unchecked Sendable {
        let size: Int
        let condition = NSCondition()
        var slots: [[Double]]
        var arrived = 0
        var generation = 0

        init(size: Int) {
            self.size = size
            slots = Array(repeating: [], count: size)
        }

        /// Deposits `contribution`, waits for all, and returns every rank's contribution.
        func exchange(rank: Int, _ contribution: [Double]) -> [[Double]] {
            condition.lock()
            defer { condition.unlock() }
            slots[rank] = contribution
            wait()
            let all = slots
            wait()  // nobody overwrites a slot before every thread has read them all
            return all
        }

        private func wait() {
            let mine = generation
            arrived += 1
            if arrived == size {
                arrived = 0
                generation += 1
                condition.broadcast()
            } else {
                while generation == mine { condition.wait() }
            }
        }
    }

    public let rank: Int
    public let size: Int
    public var communicationSeconds: Double { 0 }
    private let group: Group

    private init(rank: Int, group: Group) {
        self.rank = rank
        self.size = group.size
        self.group = group
    }

    /// One communicator per rank, 0..<size.
    public static func group(size: Int) -> [ThreadGroupCommunicator] {
        let group = Group(size: size)
        return (0..<size).map { ThreadGroupCommunicator(rank: $0, group: group) }
    }

    /// Runs `body(rank, communicator)` on `communicators.count` threads at once and returns the
    /// results in rank order.
    public static func run<T>(_ communicators: [ThreadGroupCommunicator], _ body: @escaping @Sendable (Int, ThreadGroupCommunicator) -> T) -> [T] {
        let results = ThreadResults<T>(communicators.count)
        let lock = NSLock()
        let done = DispatchGroup()
        for (rank, communicator) in communicators.enumerated() {
            done.enter()
            Thread {
                let value = body(rank, communicator)
                lock.lock()
                results.values[rank] = value
                lock.unlock()
                done.leave()
            }.start()
        }
        done.wait()
        return results.values.map { $0! }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        let all = group.exchange(rank: rank, values.map(Double.init))
        for i in values.indices {
            var sum: Float = 0
            for part in all { sum += Float(part[i]) }
            values[i] = sum
        }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        let all = group.exchange(rank: rank, Array(values))
        for i in values.indices {
            var sum = 0.0
            for part in all { sum += part[i] }
            values[i] = sum
        }
    }

    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into gathered: UnsafeMutableBufferPointer<Float>) {
        precondition(counts[rank] == local.count, "allGather: counts \(counts), rank \(rank) has \(local.count)")
        let all = group.exchange(rank: rank, local.map(Double.init))
        var offset = 0
        for part in all {
            for value in part {
                gathered[offset] = Float(value)
                offset += 1
            }
        }
    }
}

/// One slot per thread for `ThreadGroupCommunicator.run`; written under its lock.
private final class ThreadResults<T>: @unchecked Sendable {
    var values: [T?]
    init(_ count: Int) { values = Array(repeating: nil, count: count) }
}
