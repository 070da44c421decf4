/// Wall-clock seconds spent in each layer's forward and backward, accumulated over calls; the
/// model records into it when one is attached (`SimCLRModel.timings`), for the benchmark's
/// per-layer time shares.
public final class LayerTimings {
    /// One row per layer, in first-call order.
    public private(set) var entries: [(name: String, forwardSeconds: Double, backwardSeconds: Double)] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Runs `body`, adding its duration to `name`'s forward (`backward == false`) or backward time.
    @discardableResult
    func measure<R>(_ name: String, backward: Bool, _ body: () -> R) -> R {
        let start = System.now()
        let result = body()
        let elapsed = System.now() - start
        let row: Int
        if let existing = index[name] {
            row = existing
        } else {
            row = entries.count
            index[name] = row
            entries.append((name, 0, 0))
        }
        if backward { entries[row].backwardSeconds += elapsed } else { entries[row].forwardSeconds += elapsed }
        return result
    }

    /// Clears all rows.
    public func reset() {
        entries = []
        index = [:]
    }
}

extension Optional where Wrapped == LayerTimings {
    /// Runs `body`, timing it when a `LayerTimings` is attached.
    @inline(__always)
    func measure<R>(_ name: String, backward: Bool, _ body: () -> R) -> R {
        switch self {
        case .some(let timings): return timings.measure(name, backward: backward, body)
        case .none: return body()
        }
    }
}
