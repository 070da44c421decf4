import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One run per folder: an exclusive `flock` on `<folder>/.simclr.lock`, held while the process
/// writes the folder and released by the kernel when it exits (also on SIGKILL, so a killed run
/// never leaves a stale lock). The file names its holder (process id, host, start time, command
/// line), so a second run on the same folder says who is there.
///
/// Holding the lock also makes every `.<name>.tmp-<pid>` file in the folder stale (`AtomicFile`
/// leaves them when killed mid-write): they are removed when the lock is taken.
public final class RunFolderLock {
    /// The lock file's name inside the run folder.
    public static let fileName = ".simclr.lock"

    public let folder: String
    private let descriptor: Int32

    /// Takes the lock (creating the folder if needed), or fails at once if another process holds it.
    ///
    /// - Throws: `RunFolderLockError.held` naming the holder, `.cannotLock` with the system error.
    public init(folder: String) throws(RunFolderLockError) {
        self.folder = folder
        let path = folder + "/" + Self.fileName
        do throws(FileWriteError) {
            try AtomicFile.createFolders(folder)
        } catch {
            throw .cannotLock(folder: folder, reason: error.reason)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotLock(folder: folder, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.contents(of: fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw .held(folder: folder, holder: holder.isEmpty ? "another process" : holder)
            }
            throw .cannotLock(folder: folder, reason: String(cString: strerror(code)))
        }
        descriptor = fd
        let arguments = CommandLine.arguments.joined(separator: " ")
        let holder = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(Date()): \(arguments)"
        ftruncate(fd, 0)
        _ = Array(holder.utf8).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        removeStaleTemporaryFiles()
    }

    deinit {
        // Closing the descriptor releases the lock; the file stays (removing it would race).
        close(descriptor)
    }

    /// Removes `.<name>.tmp-<pid>` files left by killed writers (none can be live: the lock is ours,
    /// and this process has not written yet).
    private func removeStaleTemporaryFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(".") && name.range(of: ".tmp-") != nil {
            let suffix = name[name.range(of: ".tmp-", options: .backwards)!.upperBound...]
            guard !suffix.isEmpty, suffix.allSatisfy(\.isNumber) else { continue }
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }

    private static func contents(of fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
    }
}

/// Why a run folder could not be taken.
public enum RunFolderLockError: Error, CustomStringConvertible, Equatable {
    /// Another process holds the folder's lock; `holder` is what it wrote there.
    case held(folder: String, holder: String)
    /// The folder or its lock file cannot be created or locked.
    case cannotLock(folder: String, reason: String)

    public var description: String {
        switch self {
        case .held(let folder, let holder):
            return "\(folder) is in use by another run (\(holder)); wait for it, stop it, or pass another --out"
        case .cannotLock(let folder, let reason):
            return "cannot use \(folder) as the run folder: \(reason)"
        }
    }
}
