import Foundation

/// Everything `simclr retrieval` measured: one row per feature source (encoder, baselines), each
/// with overall and per-class `RetrievalMetrics`, written as JSON.
public struct RetrievalReport: Sendable, Codable, Equatable, JSONDocument {
    /// One feature source.
    public struct Row: Sendable, Codable, Equatable {
        public var name: String
        public var dimension: Int
        public var overall: RetrievalMetrics
        /// Per query class, in `classNames` order; nil for a class with no query.
        public var perClass: [RetrievalMetrics?]
        /// Embedding time and search + metrics time, in seconds.
        public var embedSeconds: Double
        public var searchSeconds: Double

        public init(name: String, dimension: Int, overall: RetrievalMetrics, perClass: [RetrievalMetrics?],
                    embedSeconds: Double, searchSeconds: Double) {
            self.name = name
            self.dimension = dimension
            self.overall = overall
            self.perClass = perClass
            self.embedSeconds = embedSeconds
            self.searchSeconds = searchSeconds
        }

        enum CodingKeys: String, CodingKey {
            case name, dimension, overall
            case perClass = "per_class"
            case embedSeconds = "embed_seconds"
            case searchSeconds = "search_seconds"
        }
    }

    public var query: String
    /// nil: leave-one-out within the queries.
    public var gallery: String?
    public var metric: RetrievalMetric
    public var features: EmbeddingOutput
    /// Query class names; `perClass` follows this order.
    public var classNames: [String]
    public var queryCount: Int
    public var galleryCount: Int
    public var rows: [Row]

    public init(query: String, gallery: String?, metric: RetrievalMetric, features: EmbeddingOutput, classNames: [String],
                queryCount: Int, galleryCount: Int, rows: [Row]) {
        self.query = query
        self.gallery = gallery
        self.metric = metric
        self.features = features
        self.classNames = classNames
        self.queryCount = queryCount
        self.galleryCount = galleryCount
        self.rows = rows
    }

    enum CodingKeys: String, CodingKey {
        case query, gallery, metric, features, rows
        case classNames = "class_names"
        case queryCount = "query_count"
        case galleryCount = "gallery_count"
    }

    /// One line per row: P@1, R@1/2/4/8, R-precision, MAP@R, MRR (percent), queries evaluated
    /// and skipped, search seconds.
    public func formattedTable() -> String {
        func percent(_ value: Double) -> String { String(format: "%6.2f", 100 * value) }
        var lines = ["features       dim    P@1    R@1    R@2    R@4    R@8   R-prec  MAP@R    MRR  queries skipped  search s"]
        for row in rows {
            let m = row.overall
            let recall = RetrievalMetrics.recallKs.map { percent(m.recallAtK[String($0)] ?? 0) }.joined(separator: " ")
            lines.append(
                row.name.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: " %5d ", row.dimension)
                    + percent(m.precisionAt1) + " " + recall + "  " + percent(m.rPrecision) + " " + percent(m.mapAtR) + " "
                    + percent(m.meanReciprocalRank) + String(format: "  %7d %7d  %8.2f", m.queriesEvaluated, m.queriesSkipped, row.searchSeconds))
        }
        return lines.joined(separator: "\n")
    }

    /// Per-class P@1 and MAP@R of one row, as text.
    public func formattedPerClass(of row: Row) -> String {
        let width = max(8, (classNames.map(\.count).max() ?? 0) + 1)
        var lines = ["\(row.name), per query class:", "class".padding(toLength: width, withPad: " ", startingAt: 0) + "    P@1  MAP@R  queries skipped"]
        for (name, metrics) in zip(classNames, row.perClass) {
            let label = name.padding(toLength: width, withPad: " ", startingAt: 0)
            guard let metrics else {
                lines.append(label + "      -      -        0       0")
                continue
            }
            lines.append(label + String(format: " %6.2f %6.2f  %7d %7d", 100 * metrics.precisionAt1, 100 * metrics.mapAtR,
                                        metrics.queriesEvaluated, metrics.queriesSkipped))
        }
        return lines.joined(separator: "\n")
    }
}
