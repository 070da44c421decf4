import SimCLR
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A "label done/total" progress display on stderr: one line redrawn in place on a terminal;
/// otherwise (a log file, a pipe) a plain line every `interval` seconds and at the end, so a long
/// `probe` or `embed` shows it is alive, as `pretrain` does.
struct CountProgress: Sendable {
    let label: String
    let interval: Double
    let isTerminal = isatty(STDERR_FILENO) == 1
    private let lastLine = LastLineTime()

    init(label: String, interval: Double = 10) {
        self.label = label
        self.interval = interval
    }

    /// For library `progress:` parameters; safe to call from worker threads.
    var update: @Sendable (Int, Int) -> Void {
        let label = label, isTerminal = isTerminal, interval = interval, lastLine = lastLine
        return { done, total in
            let percent = total > 0 ? 100 * done / total : 100
            if isTerminal {
                writeStandardError("\r\(label) \(done)/\(total) (\(percent)%)")
            } else if lastLine.due(interval: interval) || done == total {
                writeStandardError("\(label) \(done)/\(total) (\(percent)%)\n")
            }
        }
    }

    /// Ends the line.
    func finish() { if isTerminal { writeStandardError("\n") } }
}

/// When the last periodic line was written (shared by worker threads).
private final class LastLineTime: Sendable {
    private let seconds = Mutex<Double>(0)

    /// Whether `interval` seconds have passed since the last due line (and, if so, now is the last).
    func due(interval: Double) -> Bool {
        let now = System.now()
        return seconds.withLock { last in
            guard now - last >= interval else { return false }
            last = now
            return true
        }
    }
}

/// Writes `text` to stderr unbuffered (one `write`, so lines from threads do not interleave).
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}
