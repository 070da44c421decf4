import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Shows training progress: a live line rewritten with `\r` on a terminal, or plain lines at a
/// fixed interval when the output is a file or a pipe (logs stay readable).
public final class ProgressDisplay {
    public enum Style: Sendable {
        /// One line rewritten in place after every step (a TTY).
        case liveLine
        /// A full line every `interval` seconds and at the end of each epoch.
        case periodicLines(interval: Double)
    }

    /// What one step reports.
    public struct Status: Sendable {
        public var epoch: Int
        public var epochs: Int
        public var stepInEpoch: Int
        public var stepsPerEpoch: Int
        public var loss: Double
        public var learningRate: Double
        public var positiveTop1: Double
        public var viewsPerSecond: Double
        /// Estimated seconds left in the run.
        public var secondsLeft: Double?

        public init(
            epoch: Int, epochs: Int, stepInEpoch: Int, stepsPerEpoch: Int, loss: Double, learningRate: Double,
            positiveTop1: Double, viewsPerSecond: Double, secondsLeft: Double?
        ) {
            self.epoch = epoch
            self.epochs = epochs
            self.stepInEpoch = stepInEpoch
            self.stepsPerEpoch = stepsPerEpoch
            self.loss = loss
            self.learningRate = learningRate
            self.positiveTop1 = positiveTop1
            self.viewsPerSecond = viewsPerSecond
            self.secondsLeft = secondsLeft
        }
    }

    public let style: Style
    private let write: (String) -> Void
    private var lastLineTime = -Double.infinity
    private var lineOpen = false

    /// - Parameters:
    ///   - style: defaults to `.liveLine` when standard error is a terminal (`isatty`), else a
    ///     line every 10 s.
    ///   - write: where text goes (standard error by default).
    public init(style: Style? = nil, write: @escaping (String) -> Void = ProgressDisplay.writeToStandardError) {
        self.style = style ?? (isatty(STDERR_FILENO) != 0 ? .liveLine : .periodicLines(interval: 10))
        self.write = write
    }

    /// Shows the status of a step just finished.
    public func update(_ status: Status, now: Double = System.now()) {
        let text = Self.line(status)
        switch style {
        case .liveLine:
            write("\r\u{1B}[K" + text)
            lineOpen = true
        case .periodicLines(let interval):
            if now - lastLineTime >= interval || status.stepInEpoch == status.stepsPerEpoch {
                write(text + "\n")
                lastLineTime = now
            }
        }
    }

    /// Prints a message on its own line (ends a live line first).
    public func message(_ text: String) {
        if lineOpen {
            write("\n")
            lineOpen = false
        }
        write(text + "\n")
    }

    /// `epoch 2/10  step 17/234  loss 5.1234  lr 0.3000  top1 42.1%  1234 views/s  ETA 1:02:03`
    public static func line(_ s: Status) -> String {
        let eta = s.secondsLeft.map { "  ETA " + duration($0) } ?? ""
        return "epoch \(s.epoch)/\(s.epochs)  step \(s.stepInEpoch)/\(s.stepsPerEpoch)  loss "
            + String(format: "%.4f  lr %.4g  top1 %.1f%%  %.0f views/s", s.loss, s.learningRate, 100 * s.positiveTop1, s.viewsPerSecond)
            + eta
    }

    /// `h:mm:ss` (or `m:ss` under an hour) for a number of seconds.
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    public static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
