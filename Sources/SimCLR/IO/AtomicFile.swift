import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Errors writing a file atomically.
public struct FileWriteError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes files so that a crash mid-write never leaves a broken file at the destination.
public enum AtomicFile {
    /// Writes `bytes` to `path` via a temporary file in the same folder, `fsync`, then `rename`
    /// (and an `fsync` of the folder), so readers see either the old file or the new one.
    ///
    /// - Throws: `FileWriteError` naming the path and the system error.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FileWriteError(path: path, reason: errnoText()) }
        var written = 0
        let ok: Bool = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                written += n
            }
            return true
        }
        if !ok || fsync(fd) != 0 {
            let reason = errnoText()
            close(fd)
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason)
        }
        let dirfd = open(directory, O_RDONLY)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
