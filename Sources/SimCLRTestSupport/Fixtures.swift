import Foundation
import SimCLR

/// Locates and loads the shared reference data in `../shared/fixtures` (relative to the package
/// root), read at test time and never copied into the repository.
public enum Fixtures {
    /// The fixtures folder: `$SIMCLR_FIXTURES` if set, else `<package root>/../shared/fixtures`.
    public static var root: URL {
        if let override = ProcessInfo.processInfo.environment["SIMCLR_FIXTURES"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
    }

    /// The folder holding `Package.swift`, found by walking up from this source file.
    public static var packageRoot: URL {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
            url = url.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }

    /// `root/relativePath`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// Parses a JSON fixture file.
    public static func json(_ relativePath: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(relativePath)))
    }

    /// A fixture tensor `{"shape": [...], "data": [...]}` (row-major) as Float32 and as Double.
    public static func tensor(_ object: Any?) -> (tensor: Tensor, doubles: [Double])? {
        guard let map = object as? [String: Any], let shape = map["shape"] as? [Int],
            let data = map["data"] as? [Any]
        else { return nil }
        let doubles = data.compactMap { ($0 as? NSNumber)?.doubleValue }
        guard doubles.count == data.count, doubles.count == shape.reduce(1, *) else { return nil }
        return (Tensor(shape: shape, data: doubles.map { Float($0) }), doubles)
    }
}
