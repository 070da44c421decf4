import Foundation
import SimCLR

#if canImport(Glibc)
import Glibc
#endif

/// Shows training progress, as an observer of the trainer's records: a live line rewritten with
/// `\r` on a terminal, or plain lines at a fixed interval when the output is a file or a pipe
/// (logs stay readable); a line per finished epoch.
final class ProgressDisplay: TrainingObserver {
    enum Style: Sendable {
        /// One line rewritten in place after every step (a TTY).
        case liveLine
        /// A full line every `interval` seconds and at the end of each epoch.
        case periodicLines(interval: Double)
    }

    /// What one step reports.
    struct Status: Sendable {
        var epoch: Int
        var epochs: Int
        var stepInEpoch: Int
        var stepsPerEpoch: Int
        var loss: Double
        var learningRate: Double
        var positiveTop1: Double
        /// The run has collapsed (`CollapseDetector`): the line says so.
        var collapsed = false
        var viewsPerSecond: Double
        /// Estimated seconds left in the run.
        var secondsLeft: Double?

        init(
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

    let style: Style
    private let write: (String) -> Void
    private var lastLineTime = -Double.infinity
    private var lineOpen = false
    /// Start time and step of this session (for the ETA).
    private var sessionStart = (seconds: 0.0, step: 0)

    /// - Parameters:
    ///   - style: defaults to `.liveLine` when standard error is a terminal (`isatty`), else a
    ///     line every 10 s.
    ///   - write: where text goes (standard error by default).
    init(style: Style? = nil, write: @escaping (String) -> Void = ProgressDisplay.writeToStandardError) {
        self.style = style ?? (isatty(STDERR_FILENO) != 0 ? .liveLine : .periodicLines(interval: 10))
        self.write = write
    }

    func runWillStart(_ trainer: Trainer) {
        sessionStart = (System.now(), trainer.progress.step)
    }

    func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) {
        show(step: record, epochs: trainer.configuration.epochs, stepsPerEpoch: trainer.stepsPerEpoch)
    }

    func epochDidEnd(_ record: MetricsRecord, trainer: Trainer) {
        show(epoch: record, epochs: trainer.configuration.epochs)
    }

    /// The live or periodic line of a step record of a run of `epochs` × `stepsPerEpoch` steps.
    private func show(step record: MetricsRecord, epochs: Int, stepsPerEpoch: Int) {
        let now = System.now()
        let totalSteps = epochs * stepsPerEpoch
        let secondsPerStep = (now - sessionStart.seconds) / Double(max(record.step - sessionStart.step, 1))
        var status = Status(
            epoch: record.epoch, epochs: epochs,
            stepInEpoch: record.step - (record.epoch - 1) * stepsPerEpoch, stepsPerEpoch: stepsPerEpoch,
            loss: record.loss, learningRate: record.learningRate, positiveTop1: record.positiveTop1,
            viewsPerSecond: record.viewsPerSecond, secondsLeft: secondsPerStep * Double(totalSteps - record.step))
        status.collapsed = record.collapsed == true
        update(status, now: now)
    }

    /// The line of a finished epoch.
    private func show(epoch record: MetricsRecord, epochs: Int) {
        message(
            String(
                format: "epoch %d/%d  loss %.4f  top1 %.1f%%  %.0f views/s  %@", record.epoch, epochs,
                record.loss, 100 * record.positiveTop1, record.viewsPerSecond, Self.duration(record.seconds ?? 0))
                + (record.knnTop1.map { String(format: "  kNN top1 %.1f%%", 100 * $0) } ?? "")
                + (record.collapsed == true ? "  COLLAPSED" : ""))
    }

    /// Shows the status of a step just finished.
    func update(_ status: Status, now: Double = System.now()) {
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
    func message(_ text: String) {
        if lineOpen {
            write("\n")
            lineOpen = false
        }
        write(text + "\n")
    }

    /// `epoch 2/10  step 17/234  loss 5.1234  lr 0.3000  top1 42.1%  1234 views/s  ETA 1:02:03`
    static func line(_ s: Status) -> String {
        let eta = s.secondsLeft.map { "  ETA " + duration($0) } ?? ""
        return "epoch \(s.epoch)/\(s.epochs)  step \(s.stepInEpoch)/\(s.stepsPerEpoch)  loss "
            + String(format: "%.4f  lr %.4g  top1 %.1f%%  %.0f views/s", s.loss, s.learningRate, 100 * s.positiveTop1, s.viewsPerSecond)
            + eta + (s.collapsed ? "  COLLAPSED" : "")
    }

    /// `h:mm:ss` (or `m:ss` under an hour) for a number of seconds.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }

    static func writeToStandardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

/// The same display for `simclr finetune` (top1: the training batch's classification accuracy).
extension ProgressDisplay: FinetuneObserver {
    func runWillStart(_ trainer: FinetuneTrainer) {
        sessionStart = (System.now(), trainer.progress.step)
    }

    func stepDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) {
        show(step: record, epochs: trainer.epochs, stepsPerEpoch: trainer.stepsPerEpoch)
    }

    func epochDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) {
        show(epoch: record, epochs: trainer.epochs)
    }
}
