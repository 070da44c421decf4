import Foundation
import SimCLR
import Testing

/// `CheckpointWriter(promptStop:)`: the checkpoint it writes the moment a stop is requested must
/// resume, also when the stop comes at an epoch's last step and the epoch's closing (the kNN
/// monitor) takes a while, which is when an MPI launcher's SIGKILL lands.
@Suite struct PromptStopCheckpointTests {
    /// Requests the stop after step `stopStep`; at the epoch's end, waits for the prompt writer
    /// and checks that the file on disk then resumes.
    final class SlowEpochEnd: TrainingObserver {
        let stop: StopRequest, stopStep: Int
        var resumedStep: Int?
        init(stop: StopRequest, stopStep: Int) {
            self.stop = stop
            self.stopStep = stopStep
        }
        func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws {
            if record.step == stopStep { stop.request() }
        }
        func epochWillEnd(_ record: inout MetricsRecord, trainer: Trainer) throws {
            guard record.step == stopStep else { return }
            // The prompt writer polls every 20 ms: wait (at most 5 s) for the file to move on from
            // the epoch-1 checkpoint (step 2).
            for _ in 0..<250 where (try? TrainingCheckpoint.read(path: trainer.checkpointPath))?.progress.step ?? 2 == 2 {
                Thread.sleep(forTimeInterval: 0.02)
            }
            let resumed = try Trainer(
                configuration: trainer.configuration, dataset: trainer.dataset, outputFolder: trainer.outputFolder, resume: true)
            resumedStep = resumed.progress.step
        }
    }

    @Test func aStopAtAnEpochsLastStepLeavesAResumableCheckpoint() throws {
        let folder = TrainerTests.folder()
        let stop = StopRequest()
        let trainer = try Trainer(
            configuration: TrainerTests.configuration(epochs: 3), dataset: TrainerTests.dataset(), outputFolder: folder, resume: false)
        // Steps 1-2 are epoch 1, 3-4 epoch 2: stop at step 4, the end of epoch 2.
        let slow = SlowEpochEnd(stop: stop, stopStep: 4)
        let summary = try trainer.run(stop: stop, observers: [MetricsFileWriter(), CheckpointWriter(promptStop: stop), slow])
        // While epoch 2 was closing, the file held step 3 (not step 4 with epoch 2 still open).
        #expect(slow.resumedStep == 3)
        #expect(!summary.completed && summary.step == 4)
        #expect(try Trainer(configuration: trainer.configuration, dataset: trainer.dataset, outputFolder: folder, resume: true).progress.step == 4)
    }
}
