import Foundation
import SimCLR
import Testing

/// Issue 19, family 4: one run per folder, stale temporary files cleaned, resume only on the
/// same images.
@Suite struct RunFolderTests {
    @Test func secondLockNamesTheHolderAndStaleTemporariesGo() throws {
        let folder = TrainerTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stale = folder + "/.checkpoint.safetensors.tmp-123456"
        FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3]))
        FileManager.default.createFile(atPath: folder + "/keep.tmp-notes", contents: Data())
        do {
            let lock = try RunFolderLock(folder: folder)
            #expect(!FileManager.default.fileExists(atPath: stale))
            #expect(FileManager.default.fileExists(atPath: folder + "/keep.tmp-notes"))
            #expect {
                try RunFolderLock(folder: folder)
            } throws: { error in
                guard case .held(let held, let holder) = error as? RunFolderLockError else { return false }
                return held == folder && holder.contains("pid \(getpid())")
            }
            withExtendedLifetime(lock) {}
        }
        // Released with its owner.
        #expect(throws: Never.self) { _ = try RunFolderLock(folder: folder) }
    }

    @Test func lockOnAFilePathFailsWithOneLine() throws {
        let file = TrainerTests.folder()
        FileManager.default.createFile(atPath: file, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect {
            try RunFolderLock(folder: file + "/run")
        } throws: { error in
            guard case .cannotLock = error as? RunFolderLockError else { return false }
            return !"\(error)".contains("\n") && "\(error)".contains(file)
        }
    }

    /// The checkpoint stores the dataset's identity; resuming on other images is refused.
    @Test func resumeOnChangedImagesIsRefused() throws {
        let folder = TrainerTests.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let config = TrainerTests.configuration(epochs: 1)
        let data = TrainerTests.dataset()
        try Trainer(configuration: config, dataset: data, outputFolder: folder, resume: false).run()
        let stored = try TrainingCheckpoint.read(path: folder + "/" + TrainingCheckpoint.fileName)
        #expect(stored.dataset == DatasetIdentity(data))
        var grown = config
        grown.epochs = 2
        #expect(throws: Never.self) {
            _ = try Trainer(configuration: grown, dataset: data, outputFolder: folder, resume: true)
        }
        #expect {
            _ = try Trainer(configuration: grown, dataset: TrainerTests.dataset(count: 12), outputFolder: folder, resume: true)
        } throws: { error in
            guard case .datasetChanged(_, _, let checkpoint, let found) = error as? CheckpointError else { return false }
            return checkpoint.imageCount == 8 && found.imageCount == 12
        }
    }
}
