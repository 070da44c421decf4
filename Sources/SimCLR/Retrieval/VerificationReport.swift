import Foundation

/// Everything `simclr verify` measured, written as JSON beside its ROC-curve PNG.
public struct VerificationReport: Sendable, Codable, Equatable, JSONDocument {
    public var pairs: String
    public var root: String
    public var features: EmbeddingOutput
    public var pairCount: Int
    public var imageCount: Int
    public var metrics: VerificationMetrics
    /// The ROC-curve PNG written beside the report.
    public var rocCurve: String
    public var seconds: Double

    public init(pairs: String, root: String, features: EmbeddingOutput, pairCount: Int, imageCount: Int,
                metrics: VerificationMetrics, rocCurve: String, seconds: Double) {
        self.pairs = pairs
        self.root = root
        self.features = features
        self.pairCount = pairCount
        self.imageCount = imageCount
        self.metrics = metrics
        self.rocCurve = rocCurve
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey {
        case pairs, root, features, metrics, seconds
        case pairCount = "pair_count"
        case imageCount = "image_count"
        case rocCurve = "roc_curve"
    }

    /// A few lines: AUC, EER, TAR at each FAR, best accuracy and its threshold.
    public func formattedTable() -> String {
        let m = metrics
        var lines = [
            "pairs: \(pairCount) (\(m.positives) same, \(m.negatives) different), \(imageCount) images, features \(features.rawValue)",
            String(format: "ROC AUC        %.4f", m.rocAUC),
            String(format: "EER            %.2f%%", 100 * m.eer),
        ]
        for f in VerificationMetrics.falseAcceptRates {
            lines.append("TAR @ FAR " + VerificationMetrics.farKey(f).padding(toLength: 5, withPad: " ", startingAt: 0)
                         + String(format: "%6.2f%%", 100 * (m.tarAtFAR[VerificationMetrics.farKey(f)] ?? 0)))
        }
        lines.append(String(format: "best accuracy  %.2f%% at cosine ≥ ", 100 * m.bestAccuracy)
                     + (m.bestThreshold.map { String(format: "%.4f", $0) } ?? "+inf (all different)"))
        return lines.joined(separator: "\n")
    }
}
