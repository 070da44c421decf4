import ArgumentParser
import Foundation

/// Checks an output-folder flag before any work, so a file in its place fails with its name
/// instead of a Foundation error after training.
enum OutputFolderCheck {
    /// - Throws: `ValidationError` if `path` is empty, has a component longer than 255 bytes, or
    ///   it or its nearest existing ancestor is not a folder.
    static func validate(_ path: String, flag: String = "--out", holds contents: String) throws {
        guard !path.isEmpty else { throw ValidationError("\(flag) must name a folder, got an empty string") }
        if let long = path.split(separator: "/").first(where: { $0.utf8.count > 255 }) {
            throw ValidationError("\(flag): the name '\(long.prefix(40))…' is \(long.utf8.count) bytes long; the file system allows 255")
        }
        // The nearest existing ancestor must be a folder (`--out afile/run`).
        var ancestor = URL(fileURLWithPath: path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path) && ancestor.path != "/" {
            ancestor = ancestor.deletingLastPathComponent()
        }
        if !FileManager.default.isFolder(atPath: ancestor.path) {
            throw ValidationError("\(flag) \(path): \(ancestor.path) is a file, not a folder")
        }
        if FileManager.default.fileExists(atPath: path), !FileManager.default.isFolder(atPath: path) {
            throw ValidationError("\(flag) \(path) is a file; it must be a folder (for \(contents))")
        }
    }

    /// For an output-file flag: the folder that will hold `path` must exist (checked before any
    /// work, so a typo does not cost a whole evaluation), and `path` must not be a folder.
    /// - Throws: `ValidationError` naming the flag and the path.
    static func validateParent(of path: String, flag: String = "--out") throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard FileManager.default.isFolder(atPath: folder) else {
            throw ValidationError("\(flag) \(path): folder \(folder) does not exist")
        }
        guard !FileManager.default.isFolder(atPath: path) else {
            throw ValidationError("\(flag) \(path) is a folder; give a file name")
        }
    }
}
