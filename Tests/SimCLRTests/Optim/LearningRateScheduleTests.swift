import SimCLR
import Testing

@Suite struct LearningRateScheduleTests {
    @Test func warmupThenCosine() {
        // peak 1.2, 10 warmup steps, 110 steps in all (decay over 100).
        let schedule = LearningRateSchedule(peak: 1.2, warmupSteps: 10, totalSteps: 110)
        #expect(schedule.learningRate(atStep: 0) == 0)  // SimCLR starts at 0
        #expect(abs(schedule.learningRate(atStep: 5) - 0.6) < 1e-12)  // 1.2·5/10
        #expect(schedule.learningRate(atStep: 10) == 1.2)  // end of warmup: ½(1 + cos 0)·peak
        #expect(abs(schedule.learningRate(atStep: 60) - 0.6) < 1e-12)  // ½(1 + cos π/2)·1.2
        #expect(abs(schedule.learningRate(atStep: 35) - 1.2 * 0.5 * (1 + 0.5.squareRoot())) < 1e-12)  // cos π/4
        #expect(abs(schedule.learningRate(atStep: 110)) < 1e-12)  // end: ½(1 + cos π)·1.2 = 0
        #expect(abs(schedule.learningRate(atStep: 200)) < 1e-12)  // held at 0 after the end
    }

    @Test func epochsToSteps() {
        // 0.5 warmup epochs of 7 steps: round(3.5) = 4; 3 epochs = 21 steps.
        let schedule = LearningRateSchedule(peak: 1, warmupEpochs: 0.5, epochs: 3, stepsPerEpoch: 7)
        #expect(schedule.warmupSteps == 4 && schedule.totalSteps == 21)
        let none = LearningRateSchedule(peak: 0.3, warmupEpochs: 0, epochs: 1, stepsPerEpoch: 4)
        #expect(none.learningRate(atStep: 0) == 0.3)  // no warmup: cosine from the peak
    }

    @Test func batchSizeScaling() {
        #expect(LearningRateScaling.linear.scaled(base: 0.3, batchSize: 512) == 0.6)  // 0.3·512/256
        #expect(LearningRateScaling.squareRoot.scaled(base: 0.075, batchSize: 256) == 1.2)  // 0.075·16
        #expect(LearningRateScaling.none.scaled(base: 0.01, batchSize: 512) == 0.01)
    }
}
