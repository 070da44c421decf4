import Foundation
import SimCLR
import Testing

/// Issue 19, family 4: replacing a run (`--overwrite`) is all or nothing. The old run's files come
/// back byte for byte when the new run fails before its first checkpoint (or is killed: the next
/// run or resume settles it), and none of them is left once the new run has checkpointed.
@Suite struct RunReplacementTests {
    struct InjectedFailure: Error {}

    /// Throws at step `step` (pretraining); records what the folder held at every step before.
    final class FailAtStep: TrainingObserver, FinetuneObserver {
        let step: Int?
        var folderAtStep: [Int: [String]] = [:]
        init(_ step: Int?) { self.step = step }

        func stepDidEnd(_ record: MetricsRecord, trainer: Trainer) throws {
            try check(record, folder: trainer.outputFolder)
        }

        func stepDidEnd(_ record: MetricsRecord, trainer: FinetuneTrainer) throws {
            try check(record, folder: trainer.outputFolder)
        }

        private func check(_ record: MetricsRecord, folder: String) throws {
            folderAtStep[record.step] = RunReplacementTests.listing(folder)
            if record.step == step { throw InjectedFailure() }
        }
    }

    /// Every file under `folder` (hidden ones too, but not the lock), sorted.
    static func listing(_ folder: String) -> [String] {
        let names = FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []
        return names.filter { $0 != RunFolderLock.fileName }.sorted()
    }

    /// Path → bytes of every file under `folder` but the lock; folders as `name/` → empty.
    static func contents(_ folder: String) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in listing(folder) {
            var directory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &directory)
            if directory.boolValue { result[name + "/"] = Data() } else { result[name] = try TrainerTests.bytes(folder + "/" + name) }
        }
        return result
    }

    /// A finished one-epoch run of the tiny model (seed 9) in a new folder.
    static func oldRun() throws -> (folder: String, contents: [String: Data]) {
        let folder = TrainerTests.folder()
        try Trainer(configuration: TrainerTests.configuration(epochs: 1), dataset: TrainerTests.dataset(), outputFolder: folder, resume: false)
            .run()
        let contents = try contents(folder)
        #expect(Set(contents.keys) == Set(Trainer.runFiles), "a finished run holds exactly its run files")
        return (folder, contents)
    }

    /// Another run (seed 10) over the old one's folder.
    static func newRun(in folder: String) throws -> Trainer {
        var configuration = TrainerTests.configuration(epochs: 1)
        configuration.seed = 10
        return try Trainer(configuration: configuration, dataset: TrainerTests.dataset(), outputFolder: folder, resume: false)
    }

    @Test func aRunFailingBeforeItsFirstCheckpointLeavesTheOldRunByteIdentical() throws {
        let (folder, before) = try Self.oldRun()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let trainer = try Self.newRun(in: folder)
        let failure = FailAtStep(2)  // the last step of the epoch, before its checkpoint
        #expect(throws: InjectedFailure.self) { try trainer.run(observers: trainer.runFolderWriters() + [failure]) }
        // While it ran, the old files were out of the way: no checkpoint beside the new metrics.
        let during = try #require(failure.folderAtStep[1])
        #expect(during.contains(MetricsLog.fileName) && !during.contains(TrainingCheckpoint.fileName))
        #expect(!during.contains(EncoderManifest.weightsFileName) && during.contains(RunReplacement.folderName))
        #expect(try Self.contents(folder) == before)
    }

    @Test func aSuccessfulRunLeavesNoneOfTheOldFiles() throws {
        let (folder, before) = try Self.oldRun()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.newRun(in: folder).run()
        let after = try Self.contents(folder)
        #expect(after.keys.sorted() == Trainer.runFiles.sorted(), "no .replaced-run left")
        for name in Trainer.runFiles { #expect(after[name] != before[name], "\(name) is the new run's") }
    }

    /// Killed before its first checkpoint: the old run's files come back with the next resume.
    @Test func aKilledReplacementIsUndoneByTheNextResume() throws {
        let (folder, before) = try Self.oldRun()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            // What a SIGKILL leaves: the old files set aside, a new metrics file, no rollback.
            let lock = try RunFolderLock(folder: folder)
            _ = try #require(try RunReplacement.begin(folder: folder, files: Trainer.runFiles))
            FileManager.default.createFile(atPath: folder + "/" + MetricsLog.fileName, contents: Data("{}\n".utf8))
            withExtendedLifetime(lock) {}
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/" + TrainingCheckpoint.fileName))
        #expect(RunReplacement.holdsCheckpoint(folder), "the CLI still sees a run to resume or overwrite")
        let resumed = try Trainer(configuration: TrainerTests.configuration(epochs: 2), dataset: TrainerTests.dataset(), outputFolder: folder, resume: true)
        #expect(resumed.progress.step == 2)
        #expect(try Self.contents(folder) == before)
    }

    /// Killed after its first checkpoint: the next run keeps the new run and drops the old files.
    @Test func aKilledReplacementThatCheckpointedIsKept() throws {
        let (folder, before) = try Self.oldRun()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let newCheckpoint = Data("new".utf8)
        do {
            let lock = try RunFolderLock(folder: folder)
            _ = try #require(try RunReplacement.begin(folder: folder, files: Trainer.runFiles))
            FileManager.default.createFile(atPath: folder + "/" + TrainingCheckpoint.fileName, contents: newCheckpoint)
            withExtendedLifetime(lock) {}
        }
        RunReplacement.settleInterrupted(folder: folder, files: Trainer.runFiles)
        #expect(try Self.contents(folder) == [TrainingCheckpoint.fileName: newCheckpoint])
        #expect(before[TrainingCheckpoint.fileName] != newCheckpoint)
    }

    @Test func aFinetuneRunFailingBeforeItsFirstCheckpointLeavesTheOldRunByteIdentical() throws {
        let folder = TrainerTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let data = TrainerTests.dataset()
        try FinetuneTrainer(configuration: FinetuneTrainerTests.configuration(), dataset: data, outputFolder: folder).run()
        let before = try Self.contents(folder)
        #expect(before[ClassifierManifest.weightsFileName] != nil)
        let trainer = try FinetuneTrainer(configuration: FinetuneTrainerTests.configuration(), dataset: data, outputFolder: folder)
        #expect(throws: InjectedFailure.self) { try trainer.run(observers: trainer.runFolderWriters() + [FailAtStep(1)]) }
        #expect(try Self.contents(folder) == before)
        // A new run into a fresh folder that fails keeps what it wrote (nothing was replaced).
        let fresh = TrainerTests.folder()
        defer { try? FileManager.default.removeItem(atPath: fresh) }
        let first = try FinetuneTrainer(configuration: FinetuneTrainerTests.configuration(), dataset: data, outputFolder: fresh)
        #expect(throws: InjectedFailure.self) { try first.run(observers: first.runFolderWriters() + [FailAtStep(1)]) }
        #expect(Self.listing(fresh) == [MetricsLog.fileName])
    }
}
