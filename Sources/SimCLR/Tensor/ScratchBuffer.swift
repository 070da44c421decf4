/// A growable Float buffer reused across calls: no allocation once it has reached the largest
/// size asked for.
///
/// `@unchecked Sendable` only so a parallel task can be handed the buffer its worker owns; two
/// workers never share one (see `Parallel.forEachTask`).
final class ScratchBuffer: @unchecked Sendable {
    private var base = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var capacity = 1

    /// At least `count` floats. Contents are undefined after the buffer grew; earlier pointers
    /// are invalid then.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            base.deallocate()
            capacity = count
            base = .allocate(capacity: count)
        }
        return base
    }

    deinit { base.deallocate() }
}
