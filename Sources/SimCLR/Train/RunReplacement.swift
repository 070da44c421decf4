import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Replacing a run is all or nothing (`--overwrite`). A new run into a folder that holds another
/// run's files moves them into the hidden `<folder>/.replaced-run/` once it holds the folder's
/// `RunFolderLock` (its arguments, images and model have been checked by then). Its first
/// checkpoint commits the replacement (the old files are deleted); if it fails before that, the
/// old files are moved back over whatever it wrote. A run killed in between (SIGKILL, a crash)
/// leaves `.replaced-run/`: the next run or resume of the folder settles it first
/// (`settleInterrupted`). So the folder holds the old run or, from its first checkpoint on, the
/// new one, never parts of both.
public final class RunReplacement {
    /// The hidden folder inside the run folder that holds the replaced run's files.
    public static let folderName = ".replaced-run"

    /// The run folder.
    public let folder: String
    private let files: [String]
    private var isPending = true

    /// Moves those of `files` (names in `folder`) that exist into `.replaced-run/`; nil when none
    /// exists (a new folder: nothing to replace). The caller holds the folder's `RunFolderLock`.
    ///
    /// - Throws: `FileWriteError` if a file cannot be moved (those already moved are put back).
    public static func begin(folder: String, files: [String]) throws(FileWriteError) -> RunReplacement? {
        let present = files.filter { FileManager.default.fileExists(atPath: folder + "/" + $0) }
        guard !present.isEmpty else { return nil }
        let aside = folder + "/" + folderName
        if mkdir(aside, 0o755) != 0 && errno != EEXIST { throw FileWriteError(path: aside, reason: errnoText()) }
        let replacement = RunReplacement(folder: folder, files: files)
        for name in present where rename(folder + "/" + name, aside + "/" + name) != 0 {
            let error = FileWriteError(path: folder + "/" + name, reason: "cannot move it aside: \(errnoText())")
            replacement.rollBack()
            throw error
        }
        syncFolder(folder)
        return replacement
    }

    private init(folder: String, files: [String]) {
        self.folder = folder
        self.files = files
    }

    /// The new run has written its first checkpoint: deletes the replaced run's files.
    public func commit() {
        guard isPending else { return }
        isPending = false
        try? FileManager.default.removeItem(atPath: folder + "/" + Self.folderName)
    }

    /// The new run failed before its first checkpoint: removes what it wrote of `files` and moves
    /// the replaced run's files back. Nothing after `commit()`. What cannot be moved back stays
    /// in `.replaced-run/` for the next run to settle.
    public func rollBack() {
        guard isPending else { return }
        isPending = false
        Self.restore(folder: folder, files: files)
    }

    /// Whether `folder` holds a checkpoint, in place or set aside by a replacing run that was
    /// killed before its first checkpoint (and so comes back with the next run or resume).
    public static func holdsCheckpoint(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: folder + "/" + TrainingCheckpoint.fileName)
            || FileManager.default.fileExists(atPath: folder + "/" + folderName + "/" + TrainingCheckpoint.fileName)
    }

    /// Whether a replacing run was killed in `folder` and left `.replaced-run/`.
    public static func wasInterrupted(in folder: String) -> Bool {
        FileManager.default.fileExists(atPath: folder + "/" + folderName)
    }

    /// Settles a replacement whose run was killed: with a checkpoint in `folder` the new run had
    /// committed (the replaced files are deleted), without one the replaced run's files are moved
    /// back over the new run's `files`. The caller holds the folder's `RunFolderLock`.
    public static func settleInterrupted(folder: String, files: [String]) {
        guard wasInterrupted(in: folder) else { return }
        if FileManager.default.fileExists(atPath: folder + "/" + TrainingCheckpoint.fileName) {
            try? FileManager.default.removeItem(atPath: folder + "/" + folderName)
        } else {
            restore(folder: folder, files: files)
        }
    }

    /// `settleInterrupted(folder:files:)` for a caller that does not hold the lock (a resume,
    /// before it reads the checkpoint): takes the lock for the moment, only if there is anything
    /// to settle.
    ///
    /// - Throws: `RunFolderLockError.held` while another run holds the folder.
    public static func settleInterrupted(locking folder: String, files: [String]) throws(RunFolderLockError) {
        guard wasInterrupted(in: folder) else { return }
        let lock = try RunFolderLock(folder: folder)
        settleInterrupted(folder: folder, files: files)
        withExtendedLifetime(lock) {}
    }

    private static func restore(folder: String, files: [String]) {
        let aside = folder + "/" + folderName
        for name in files {
            let old = aside + "/" + name
            if FileManager.default.fileExists(atPath: old) {
                rename(old, folder + "/" + name)  // replaces the new run's file of that name
            } else {
                unlink(folder + "/" + name)
            }
        }
        rmdir(aside)  // fails, and so keeps what could not be moved, unless it is empty
        syncFolder(folder)
    }

    private static func syncFolder(_ folder: String) {
        let fd = open(folder, O_RDONLY)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
