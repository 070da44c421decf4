import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Signals (SIGINT/SIGTERM) received since handlers were installed. The one global the C signal
/// handler needs: a handler cannot capture context, and atomics are async-signal-safe.
private let receivedStopSignals = Atomic<Int>(0)

/// The SIGINT/SIGTERM handler: counts the signal; a second one restores the default action and
/// re-raises it, so a user can still force quit while a checkpoint is being written.
private func handleStopSignal(_ number: Int32) {
    if receivedStopSignals.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue >= 2 {
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
    private let watchingSignals: Bool

    /// - Parameter watchingSignals: install SIGINT/SIGTERM handlers (sigaction) until
    ///   `stopWatchingSignals()` or deinit. Only one watching request should exist at a time.
    public init(watchingSignals: Bool = false) {
        self.watchingSignals = watchingSignals
        if watchingSignals {
            receivedStopSignals.store(0, ordering: .sequentiallyConsistent)
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

    /// True once a stop was requested or a signal arrived.
    public var isRequested: Bool {
        flag.load(ordering: .acquiring)
            || (watchingSignals && receivedStopSignals.load(ordering: .sequentiallyConsistent) > 0)
    }

    /// Requests a stop after the current step.
    public func request() { flag.store(true, ordering: .releasing) }

    /// Restores the default signal actions (if this request installed handlers).
    public func stopWatchingSignals() {
        guard watchingSignals else { return }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
