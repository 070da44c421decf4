import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One line of `metrics.jsonl`: the figures of one optimizer step or of one whole epoch.
public struct MetricsRecord: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case step
        case epoch
    }

    public var kind: Kind
    /// 1-based epoch the record belongs to.
    public var epoch: Int
    /// Optimizer steps completed when the record was written (1-based for step records).
    public var step: Int
    /// NT-Xent (or the chosen loss) of the step; the mean over the epoch's steps for epoch records.
    public var loss: Double
    /// Learning rate used by the step (for epoch records, by the epoch's last step).
    public var learningRate: Double
    /// Views (2 per image) processed per second of wall-clock time.
    public var viewsPerSecond: Double
    /// Fraction of the 2N views whose most similar other view is their positive (in-batch
    /// top-1, 0…1); the mean over the epoch's steps for epoch records.
    public var positiveTop1: Double
    /// Wall-clock seconds of the epoch (epoch records only).
    public var seconds: Double?
    /// kNN top-1 accuracy on the held-out folder, when measured this epoch (0…1).
    public var knnTop1: Double?
    /// `CollapseDetector.spread` of the step's z (step records only): 0 when all views point one way.
    public var embeddingSpread: Double?
    /// True when the run has collapsed (`CollapseDetector`); absent while it has not.
    public var collapsed: Bool?

    enum CodingKeys: String, CodingKey {
        case kind, epoch, step, loss
        case learningRate = "lr"
        case viewsPerSecond = "views_per_second"
        case positiveTop1 = "positive_top1"
        case seconds
        case knnTop1 = "knn_top1"
        case embeddingSpread = "z_spread"
        case collapsed
    }

    public init(
        kind: Kind, epoch: Int, step: Int, loss: Double, learningRate: Double, viewsPerSecond: Double,
        positiveTop1: Double, seconds: Double? = nil, knnTop1: Double? = nil, embeddingSpread: Double? = nil,
        collapsed: Bool? = nil
    ) {
        self.kind = kind
        self.epoch = epoch
        self.step = step
        self.loss = loss
        self.learningRate = learningRate
        self.viewsPerSecond = viewsPerSecond
        self.positiveTop1 = positiveTop1
        self.seconds = seconds
        self.knnTop1 = knnTop1
        self.embeddingSpread = embeddingSpread
        self.collapsed = collapsed
    }
}

/// Appends `MetricsRecord`s to a JSON-lines file (`metrics.jsonl`), one object per line with
/// sorted keys, flushed to the file at every line.
public final class MetricsLog {
    /// The file name inside a run's output folder.
    public static let fileName = "metrics.jsonl"

    public let path: String
    private let handle: FileHandle
    private let encoder: JSONEncoder

    /// Opens the log for appending.
    ///
    /// - Parameter resumingAfterStep: `nil` starts a new, empty log; a step count keeps only the
    ///   records with `step <= resumingAfterStep` (those a checkpoint at that step covers) and
    ///   drops later ones written before an interruption, so a resumed run does not repeat them.
    /// - Throws: `FileWriteError` if the file cannot be created or rewritten; a line that is not a
    ///   record (e.g. cut short by a crash) is dropped.
    public init(path: String, resumingAfterStep: Int?) throws {
        self.path = path
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var kept = Data()
        if let last = resumingAfterStep, let old = FileManager.default.contents(atPath: path) {
            let decoder = JSONDecoder()
            for line in old.split(separator: UInt8(ascii: "\n")) {
                if let record = try? decoder.decode(MetricsRecord.self, from: Data(line)), record.step <= last {
                    kept.append(contentsOf: line)
                    kept.append(UInt8(ascii: "\n"))
                }
            }
        }
        try AtomicFile.write([UInt8](kept), to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw FileWriteError(path: path, reason: "cannot open for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends one record as a line.
    ///
    /// - Throws: `FileWriteError` naming the path.
    public func append(_ record: MetricsRecord) throws {
        // Encoding a record of numbers cannot fail; the write reports the system's reason
        // (e.g. "No space left on device") rather than a Foundation error dump.
        var line = (try? encoder.encode(record)) ?? Data()
        line.append(UInt8(ascii: "\n"))
        let fd = handle.fileDescriptor
        let failure: Int32? = line.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        if let failure { throw FileWriteError(path: path, reason: String(cString: strerror(failure))) }
    }

    /// Reads every record of a log (for tests and summaries).
    ///
    /// - Throws: the file-reading or JSON-decoding error.
    public static func records(atPath path: String) throws -> [MetricsRecord] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(MetricsRecord.self, from: Data($0)) }
    }
}
