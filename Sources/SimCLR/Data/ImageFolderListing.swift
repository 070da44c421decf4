#if canImport(Glibc)
import Glibc
#endif

/// The files of an ImageFolder tree, before decoding (fixtures README section 5, DESIGN.md).
///
/// Classes are the root's immediate subfolders whose names do not start with `.`, sorted by
/// code point (UTF-8 byte order, case-sensitive: `Zebra` < `cat`); a label is the index in that
/// list. Each class folder is searched recursively; names starting with `.` are skipped at any
/// depth; files are taken when their name ends in `.png`, case-insensitively. Symlinked files
/// are followed and take the class of the folder holding the link; links that do not resolve to
/// a regular file, and symlinked folders below the class level, are skipped. Files are ordered
/// class by class, grouped by containing folder (folders sorted by relative path), then by name
/// — the order of Python's `sorted(os.walk(...))`.
public struct ImageFolderListing: Sendable, Equatable {
    /// A file that will be decoded.
    public struct File: Sendable, Equatable {
        /// Path relative to the root, `/`-separated.
        public var relativePath: String
        /// Index into `classNames`.
        public var label: Int
    }

    /// An entry that is not loaded, and why.
    public struct Ignored: Sendable, Equatable, Encodable {
        /// Path relative to the root; folders end in `/`.
        public var relativePath: String
        public var reason: String

        enum CodingKeys: String, CodingKey { case relativePath = "path", reason }
    }

    /// The root folder as given.
    public var root: String
    public var classNames: [String]
    public var files: [File]
    public var ignored: [Ignored]

    /// Absolute (or root-relative, as `root` was given) path of `file`.
    public func path(of file: File) -> String { root + "/" + file.relativePath }

    /// Number of files per class, indexed by label.
    public var fileCountPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for file in files { counts[file.label] += 1 }
        return counts
    }

    /// Lists the ImageFolder tree at `root`.
    /// - Throws: `DatasetError.notADirectory` if `root` is not a folder, `.unreadable` if a
    ///   folder cannot be listed, `.noClasses` if it has no class folder.
    public static func scan(root: String) throws(DatasetError) -> ImageFolderListing {
        let root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        switch kind(of: root, followLinks: true) {
        case .directory: break
        case .missing: throw .unreadable(path: root, reason: String(cString: strerror(errno)))
        default: throw .notADirectory(path: root)
        }
        var listing = ImageFolderListing(root: root, classNames: [], files: [], ignored: [])
        for name in try entries(of: root) {
            let kind = kind(of: root + "/" + name, followLinks: true)
            if name.hasPrefix(".") {
                listing.ignore(name, kind: kind, "hidden (name starts with '.')")
            } else if kind == .directory {
                listing.classNames.append(name)
            } else {
                listing.ignore(name, kind: kind, "at the top level: not inside a class folder")
            }
        }
        guard !listing.classNames.isEmpty else { throw .noClasses(root: root) }
        for (label, className) in listing.classNames.enumerated() {
            var folders: [(path: String, files: [String])] = []
            try listing.walk(className, label: label, into: &folders)
            folders.sort { codePointOrder($0.path, $1.path) }
            for folder in folders {
                for name in folder.files {
                    listing.files.append(File(relativePath: folder.path + "/" + name, label: label))
                }
            }
        }
        return listing
    }

    /// Collects the loadable files of `folder` (relative) and, recursively, of its subfolders.
    private mutating func walk(
        _ folder: String, label: Int, into folders: inout [(path: String, files: [String])]
    ) throws(DatasetError) {
        var files: [String] = []
        for name in try Self.entries(of: root + "/" + folder) {
            let relative = folder + "/" + name
            let path = root + "/" + relative
            let kind = Self.kind(of: path, followLinks: false)
            if name.hasPrefix(".") {
                ignore(relative, kind: kind, "hidden (name starts with '.')")
                continue
            }
            switch kind {
            case .directory:
                try walk(relative, label: label, into: &folders)
            case .symlink where Self.kind(of: path, followLinks: true) == .directory:
                ignore(relative, kind: kind, "symlinked folder (not followed)")
            case .regular, .symlink:
                if Self.kind(of: path, followLinks: true) != .regular {
                    ignore(relative, kind: kind, "symlink that does not resolve to a regular file")
                } else if Self.hasPNGExtension(name) {
                    files.append(name)
                } else {
                    ignore(relative, kind: kind, "extension is not .png (case-insensitive)")
                }
            case .other, .missing:
                ignore(relative, kind: kind, "not a regular file")
            }
        }
        folders.append((folder, files))
    }

    private mutating func ignore(_ relativePath: String, kind: EntryKind, _ reason: String) {
        ignored.append(Ignored(relativePath: relativePath + (kind == .directory ? "/" : ""), reason: reason))
    }

    /// `name` ends in `.png`, compared case-insensitively (ASCII).
    static func hasPNGExtension(_ name: String) -> Bool {
        let tail = Array(name.utf8.suffix(4))
        return tail.count == 4 && tail[0] == UInt8(ascii: ".")
            && zip(tail[1...], "png".utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    /// Code-point order (UTF-8 byte order), as Python's `sorted` on these names.
    static func codePointOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// The names in `folder`, without `.` and `..`, sorted by code point.
    private static func entries(of folder: String) throws(DatasetError) -> [String] {
        guard let stream = FileSystemName.withCString(folder, { opendir($0) }) else {
            throw .unreadable(path: folder, reason: String(cString: strerror(errno)))
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                FileSystemName.decode(raw.prefix { $0 != 0 })
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted(by: codePointOrder)
    }

    enum EntryKind { case directory, regular, symlink, other, missing }

    static func kind(of path: String, followLinks: Bool) -> EntryKind {
        var info = stat()
        guard FileSystemName.withCString(path, { followLinks ? stat($0, &info) : lstat($0, &info) }) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .regular
        case S_IFLNK: return .symlink
        default: return .other
        }
    }
}
