#if canImport(Glibc)
import Glibc
#endif

extension AtomicFile {
    /// `mkdir -p path`, with the system's reason when it fails.
    ///
    /// - Throws: `FileWriteError` naming `path` and the reason ("Not a directory" when a
    ///   component is a file, "File name too long", "Read-only file system", "No space left on
    ///   device", "the folder name is empty").
    public static func createFolders(_ path: String) throws(FileWriteError) {
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "the folder name is empty") }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
            var info = stat()
            guard stat(prefix, &info) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
            guard info.st_mode & S_IFMT == S_IFDIR else { throw FileWriteError(path: path, reason: "\(prefix) is not a folder") }
            prefix += "/"
        }
    }
}
