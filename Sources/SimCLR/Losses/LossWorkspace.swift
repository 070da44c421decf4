/// A Float buffer a loss owns and reuses between calls: it grows when a larger shape arrives and
/// is never shrunk or reallocated otherwise (the trainer calls the loss every step).
final class LossWorkspace {
    private(set) var base: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init() {
        capacity = 0
        base = .allocate(capacity: 1)
    }

    deinit { base.deallocate() }

    /// A buffer of at least `count` elements; its contents are unspecified after growth.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            base.deallocate()
            base = .allocate(capacity: count)
            capacity = count
        }
        return base
    }

    /// Bytes currently allocated.
    var bytes: Int { capacity * MemoryLayout<Float>.stride }
}
