import ArgumentParser
import Foundation

/// Checks an output-folder flag before any work, so a file in its place fails with its name
/// instead of a Foundation error after training.
enum OutputFolderCheck {
    /// - Throws: `ValidationError` if `path` exists and is not a folder.
    static func validate(_ path: String, flag: String = "--out", holds contents: String) throws {
        if FileManager.default.fileExists(atPath: path), !FileManager.default.isFolder(atPath: path) {
            throw ValidationError("\(flag) \(path) is a file; it must be a folder (for \(contents))")
        }
    }
}
