import Foundation

extension FileManager {
    /// Whether `path` exists and is a folder (following symlinks).
    func isFolder(atPath path: String) -> Bool {
        var isFolder: ObjCBool = false
        return fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue
    }
}
