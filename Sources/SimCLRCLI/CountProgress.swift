#if canImport(Glibc)
import Glibc
#endif

/// A one-line "label done/total" progress display on stderr, redrawn in place; silent when
/// stderr is not a terminal (logs stay clean).
struct CountProgress: Sendable {
    let label: String
    let enabled = isatty(STDERR_FILENO) == 1

    /// For library `progress:` parameters; safe to call from worker threads.
    var update: @Sendable (Int, Int) -> Void {
        let label = label, enabled = enabled
        return { done, total in
            guard enabled else { return }
            let percent = total > 0 ? 100 * done / total : 100
            writeStandardError("\r\(label) \(done)/\(total) (\(percent)%)")
        }
    }

    /// Ends the line.
    func finish() { if enabled { writeStandardError("\n") } }
}

/// Writes `text` to stderr unbuffered (one `write`, so lines from threads do not interleave).
func writeStandardError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
}
