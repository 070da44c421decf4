import Foundation

/// One line of a pairs file: two images relative to the root, and whether they show the same
/// class (identity).
public struct VerificationPair: Sendable, Equatable {
    public var first: String
    public var second: String
    public var same: Bool
    /// 1-based line in the file it was read from (0 when made in memory).
    public var line: Int

    public init(first: String, second: String, same: Bool, line: Int = 0) {
        self.first = first
        self.second = second
        self.same = same
        self.line = line
    }
}

/// LFW-style pairs files for `simclr verify` (cf. LFW's `pairs.txt`, Huang et al. 2007, in the
/// explicit form of `pairsDevTest.txt`-like lists): one pair per line,
///
///     <path A> <path B> <1 same | 0 different>
///
/// paths relative to the image root, fields separated by a tab (then paths may contain spaces)
/// or else by runs of spaces. Blank lines and lines starting with `#` are skipped.
public enum PairsFile {
    /// Parses `text`; `path` names the file in errors.
    ///
    /// - Throws: `PairsFileError.malformedLine` (with its 1-based number) for a line without
    ///   exactly three fields or whose label is not 0 or 1, `.empty` for a file with no pair.
    public static func parse(_ text: String, path: String) throws(PairsFileError) -> [VerificationPair] {
        var pairs: [VerificationPair] = []
        // "\r\n" is one Character in Swift, and a newline: CRLF files split like LF ones.
        for (offset, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.contains("\t")
                ? trimmed.split(separator: "\t", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
                : trimmed.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count == 3 else {
                throw .malformedLine(path: path, line: offset + 1, text: String(line),
                                     reason: "expected 3 fields (path A, path B, 1 or 0), found \(fields.count)")
            }
            guard fields[2] == "1" || fields[2] == "0" else {
                throw .malformedLine(path: path, line: offset + 1, text: String(line),
                                     reason: "the third field must be 1 (same) or 0 (different), found '\(fields[2])'")
            }
            pairs.append(VerificationPair(first: fields[0], second: fields[1], same: fields[2] == "1", line: offset + 1))
        }
        guard !pairs.isEmpty else { throw .empty(path: path) }
        return pairs
    }

    /// Reads and parses the file at `path`.
    ///
    /// - Throws: `PairsFileError.unreadable`, or the errors of `parse`.
    public static func read(path: String) throws(PairsFileError) -> [VerificationPair] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        return try parse(text, path: path)
    }

    /// The file text of `pairs`: tab-separated, one pair per line, with a comment header.
    public static func text(_ pairs: [VerificationPair], header: String? = nil) -> String {
        var lines = header.map { $0.split(separator: "\n").map { "# " + $0 } } ?? []
        for pair in pairs { lines.append("\(pair.first)\t\(pair.second)\t\(pair.same ? 1 : 0)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A balanced, seeded protocol from an ImageFolder listing: `count / 2` same pairs (two
    /// distinct images of one class, the class drawn uniformly among those with ≥ 2 images) and
    /// `count − count / 2` different pairs (two classes drawn uniformly, one image of each), no
    /// pair twice (in either order), shuffled. The same listing and seed give the same file.
    ///
    /// - Throws: `PairsFileError.cannotMakePairs` when the folder has no class with two images or
    ///   fewer than two non-empty classes, or fewer distinct pairs of a kind than asked for.
    public static func make(
        from listing: ImageFolderListing, count: Int, seed: UInt64
    ) throws(PairsFileError) -> [VerificationPair] {
        guard count >= 2 else { throw .cannotMakePairs(root: listing.root, reason: "asked for \(count) pairs; make at least 2") }
        var byClass = [[String]](repeating: [], count: listing.classNames.count)
        for file in listing.files { byClass[file.label].append(file.relativePath) }
        let sameClasses = byClass.indices.filter { byClass[$0].count >= 2 }
        let nonEmpty = byClass.indices.filter { !byClass[$0].isEmpty }
        let sameWanted = count / 2, differentWanted = count - count / 2
        let sameAvailable = sameClasses.reduce(0) { $0 + byClass[$1].count * (byClass[$1].count - 1) / 2 }
        var differentAvailable = 0, seen = 0
        for c in nonEmpty {
            differentAvailable += seen * byClass[c].count
            seen += byClass[c].count
        }
        guard sameAvailable >= sameWanted else {
            throw .cannotMakePairs(root: listing.root, reason: "\(sameWanted) same pairs asked for, \(sameAvailable) exist (classes need at least 2 images)")
        }
        guard differentAvailable >= differentWanted else {
            throw .cannotMakePairs(root: listing.root, reason: "\(differentWanted) different pairs asked for, \(differentAvailable) exist (need at least 2 non-empty classes)")
        }
        var rng = SplitMix64(seed: seed)
        var used = Set<String>()
        var pairs: [VerificationPair] = []
        func unordered(_ a: String, _ b: String) -> String { a < b ? a + "\u{0}" + b : b + "\u{0}" + a }
        /// Draws until `wanted` new pairs; past a quarter of the space, from the full list.
        func draw(_ wanted: Int, available: Int, same: Bool, random: (inout SplitMix64) -> (String, String), all: () -> [(String, String)]) {
            if wanted * 4 <= available {
                var made = 0
                while made < wanted {
                    let (a, b) = random(&rng)
                    if used.insert(unordered(a, b)).inserted {
                        pairs.append(VerificationPair(first: a, second: b, same: same))
                        made += 1
                    }
                }
            } else {
                var every = all()
                every.shuffle(using: &rng)
                for (a, b) in every.prefix(wanted) { pairs.append(VerificationPair(first: a, second: b, same: same)) }
            }
        }
        draw(sameWanted, available: sameAvailable, same: true, random: { rng in
            let files = byClass[sameClasses[Int(rng.next() % UInt64(sameClasses.count))]]
            let i = Int(rng.next() % UInt64(files.count))
            var j = Int(rng.next() % UInt64(files.count - 1))
            if j >= i { j += 1 }
            return (files[i], files[j])
        }, all: {
            sameClasses.flatMap { c in
                byClass[c].indices.flatMap { i in (i + 1..<byClass[c].count).map { (byClass[c][i], byClass[c][$0]) } }
            }
        })
        draw(differentWanted, available: differentAvailable, same: false, random: { rng in
            let x = Int(rng.next() % UInt64(nonEmpty.count))
            var y = Int(rng.next() % UInt64(nonEmpty.count - 1))
            if y >= x { y += 1 }
            let a = byClass[nonEmpty[x]], b = byClass[nonEmpty[y]]
            return (a[Int(rng.next() % UInt64(a.count))], b[Int(rng.next() % UInt64(b.count))])
        }, all: {
            nonEmpty.indices.flatMap { x in
                (x + 1..<nonEmpty.count).flatMap { y in
                    byClass[nonEmpty[x]].flatMap { a in byClass[nonEmpty[y]].map { (a, $0) } }
                }
            }
        })
        pairs.shuffle(using: &rng)
        return pairs
    }
}

/// Why a pairs file could not be read, used or made; each case names the file (and line).
public enum PairsFileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case malformedLine(path: String, line: Int, text: String, reason: String)
    /// A path of line `line` does not name a usable PNG under the root (missing, not decodable,
    /// RGB for a grayscale encoder).
    case badImage(path: String, line: Int, image: String, reason: String)
    case cannotMakePairs(root: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read \(path): \(reason)"
        case .empty(let path): return "\(path): no pairs (each line: path A, path B, 1 same or 0 different)"
        case .malformedLine(let path, let line, let text, let reason):
            return "\(path):\(line): \(reason): '\(text)'"
        case .badImage(let path, let line, let image, let reason):
            return "\(path):\(line): image '\(image)': \(reason)\n---> HINT: paths are relative to --root."
        case .cannotMakePairs(let root, let reason): return "cannot make pairs from \(root): \(reason)"
        }
    }
}
