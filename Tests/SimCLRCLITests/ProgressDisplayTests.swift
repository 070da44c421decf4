import SimCLR
import Testing
@testable import SimCLRCLI

@Suite struct ProgressDisplayTests {
    @Test func progressLineAndPlainOutput() {
        let status = ProgressDisplay.Status(
            epoch: 2, epochs: 10, stepInEpoch: 17, stepsPerEpoch: 234, loss: 5.12345, learningRate: 0.3,
            positiveTop1: 0.4213, viewsPerSecond: 1234.4, secondsLeft: 3723)
        #expect(
            ProgressDisplay.line(status)
                == "epoch 2/10  step 17/234  loss 5.1235  lr 0.3  top1 42.1%  1234 views/s  ETA 1:02:03")
        #expect(ProgressDisplay.duration(59.6) == "1:00")
        final class Sink: @unchecked Sendable { var text = "" }
        let sink = Sink()
        let plain = ProgressDisplay(style: .periodicLines(interval: 10)) { sink.text += $0 }
        plain.update(status, now: 100)
        plain.update(status, now: 105)  // within the interval: nothing
        var last = status
        last.stepInEpoch = 234
        plain.update(last, now: 106)  // end of epoch: always shown
        #expect(sink.text.split(separator: "\n").count == 2 && !sink.text.contains("\r"))
        let live = Sink()
        let tty = ProgressDisplay(style: .liveLine) { live.text += $0 }
        tty.update(status)
        tty.message("done")
        #expect(live.text.hasPrefix("\r") && live.text.hasSuffix("\ndone\n"))
    }

}
