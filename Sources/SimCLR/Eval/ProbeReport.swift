import Foundation

/// Everything `simclr probe` measured: one `ProbeEvaluation` per feature source, side by side,
/// written as `results.json`.
public struct ProbeReport: Sendable, Codable, Equatable, JSONDocument {
    /// Training and test folders (or feature files) the numbers come from.
    public var train: String
    public var test: String
    public var classNames: [String]
    public var evaluations: [ProbeEvaluation]
    /// How the numbers were obtained (absent in reports of older builds).
    public var `protocol`: ProbeProtocol?

    public init(
        train: String, test: String, classNames: [String], evaluations: [ProbeEvaluation], protocol: ProbeProtocol? = nil
    ) {
        self.protocol = `protocol`
        self.train = train
        self.test = test
        self.classNames = classNames
        self.evaluations = evaluations
    }

    /// The side-by-side table: one row per feature source with top-1, top-5 (percent), kNN
    /// top-1, C, iterations and fit seconds.
    public func formattedTable() -> String {
        func percent(_ value: Double?) -> String { value.map { String(format: "%6.2f", 100 * $0) } ?? "     -" }
        var lines = [
            "features       dim   top-1   top-5  kNN top-1        C  iters  fit s",
        ]
        for e in evaluations {
            let name = e.name.padding(toLength: 12, withPad: " ", startingAt: 0)
            lines.append(
                name + String(format: " %5d  ", e.featureDimension) + percent(e.linear.top1) + "  " + percent(e.linear.top5)
                    + "     " + percent(e.knn?.top1)
                    + String(format: "  %7.3g  %5d  %5.2f", e.fit.inverseRegularization, e.fit.iterations, e.fit.seconds))
        }
        return lines.joined(separator: "\n")
    }

    /// Per-class accuracy and confusion matrix of one evaluation, as text.
    public func formattedDetails(of evaluation: ProbeEvaluation) -> String {
        var lines = ["\(evaluation.name): per-class top-1 and confusion matrix (rows = true class)"]
        let width = max(8, (classNames.map(\.count).max() ?? 0) + 1)
        for (c, row) in evaluation.linear.confusionMatrix.enumerated() {
            let name = (c < classNames.count ? classNames[c] : "\(c)").padding(toLength: width, withPad: " ", startingAt: 0)
            let accuracy = evaluation.linear.perClassAccuracy[c].map { String(format: "%6.2f%%", 100 * $0) } ?? "      -"
            lines.append("\(name) \(accuracy)  " + row.map { String(format: "%5d", $0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n")
    }
}
