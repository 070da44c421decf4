import Dispatch
import Synchronization

/// A raw pointer handed to parallel chunks.
///
/// `@unchecked Sendable` is sound only when the chunks that share it touch disjoint elements;
/// every use says why they do.
public struct SendablePointer<Pointee>: @unchecked Sendable {
    public let base: UnsafeMutablePointer<Pointee>
    public init(_ base: UnsafeMutablePointer<Pointee>) { self.base = base }
}

/// Read-only counterpart of `SendablePointer`.
public struct SendableConstPointer<Pointee>: @unchecked Sendable {
    public let base: UnsafePointer<Pointee>
    public init(_ base: UnsafePointer<Pointee>) { self.base = base }
}

/// Splits elementwise work over the cores in a few large chunks.
public enum Parallel {
    /// How many chunks work is split into; set once at start-up from `--threads`.
    nonisolated(unsafe) public static var workerCount: Int = max(1, System.coreCount)

    /// Runs `body` over `0..<count` split into at most `workerCount` contiguous ranges, each at
    /// least `minimumChunk` long. Returns when all ranges are done. The split depends only on
    /// `count`, `minimumChunk` and `workerCount`, so `body` must give results that do not depend
    /// on where the ranges fall (no cross-range reductions).
    public static func forEachChunk(
        _ count: Int, minimumChunk: Int = 1, _ body: @Sendable (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let chunks = min(workerCount, max(1, count / max(1, minimumChunk)))
        if chunks == 1 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }

    /// Runs `body(task, worker)` for every `task` in `0..<taskCount` on up to `workers` workers
    /// (default `workerCount`, read once). Each worker takes the next task nobody has taken yet,
    /// so a slow core takes fewer; `worker` (`0..<workers`) is the same for every task one worker
    /// runs, so `body` may use scratch memory indexed by it. Tasks must not depend on which worker
    /// runs them or in what order; the caller fixes the tasks (never from the worker count) to
    /// keep results the same for any worker count.
    public static func forEachTask(
        _ taskCount: Int, workers: Int = workerCount, _ body: @Sendable (_ task: Int, _ worker: Int) -> Void
    ) {
        guard taskCount > 0 else { return }
        let workers = min(max(1, workers), taskCount)
        if workers == 1 {
            for task in 0..<taskCount { body(task, 0) }
            return
        }
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            while true {
                let task = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if task >= taskCount { return }
                body(task, worker)
            }
        }
    }
}
