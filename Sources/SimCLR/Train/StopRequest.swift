import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// SIGINT/SIGTERM signals received since the process started (never reset: each `StopRequest`
/// compares with the count it saw at init). Globals because a C signal handler cannot capture
/// context; atomics are async-signal-safe.
private let receivedStopSignals = Atomic<Int>(0)
/// Signals received while the current stretch of watching lasts (reset when the last watching
/// `StopRequest` ends); the second one force-quits.
private let pendingStopSignals = Atomic<Int>(0)
/// Live `StopRequest`s that watch signals; the handlers are installed while this is positive.
private let stopSignalWatchers = Mutex<Int>(0)

/// The SIGINT/SIGTERM handler: counts the signal; a second one restores the default action and
/// re-raises it, so a user can still force quit while a checkpoint is being written.
private func handleStopSignal(_ number: Int32) {
    receivedStopSignals.wrappingAdd(1, ordering: .sequentiallyConsistent)
    if pendingStopSignals.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue >= 2 {
        signal(number, SIG_DFL)
        raise(number)
    }
}

/// A flag the training loop polls between steps: set by `request()` or, while watching, by
/// SIGINT/SIGTERM. It makes the loop write a checkpoint and return cleanly instead of dying
/// mid-step.
public final class StopRequest: Sendable {
    private static let signals: [Int32] = [SIGINT, SIGTERM]
    private let flag = Atomic<Bool>(false)
    /// `receivedStopSignals` at init, or nil when not watching.
    private let signalBaseline: Int?
    private let watching = Atomic<Bool>(false)

    /// - Parameter watchingSignals: install SIGINT/SIGTERM handlers (sigaction) until
    ///   `stopWatchingSignals()` or deinit; the default actions come back when the last watching
    ///   request ends.
    public init(watchingSignals: Bool = false) {
        guard watchingSignals else {
            signalBaseline = nil
            return
        }
        signalBaseline = receivedStopSignals.load(ordering: .sequentiallyConsistent)
        watching.store(true, ordering: .sequentiallyConsistent)
        stopSignalWatchers.withLock { count in
            count += 1
            guard count == 1 else { return }
            pendingStopSignals.store(0, ordering: .sequentiallyConsistent)
            for number in Self.signals {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = handleStopSignal
                sigemptyset(&action.sa_mask)
                action.sa_flags = SA_RESTART
                sigaction(number, &action, nil)
            }
        }
    }

    deinit { stopWatchingSignals() }

    /// True once a stop was requested or, while watching, a signal arrived.
    public var isRequested: Bool {
        if flag.load(ordering: .acquiring) { return true }
        guard let baseline = signalBaseline else { return false }
        return receivedStopSignals.load(ordering: .sequentiallyConsistent) > baseline
    }

    /// Requests a stop after the current step.
    public func request() { flag.store(true, ordering: .releasing) }

    /// Ends watching (idempotent); the last watcher restores the default signal actions.
    public func stopWatchingSignals() {
        guard watching.exchange(false, ordering: .sequentiallyConsistent) else { return }
        stopSignalWatchers.withLock { count in
            count -= 1
            guard count == 0 else { return }
            for number in Self.signals { signal(number, SIG_DFL) }
        }
    }
}
