/// Invalid settings or batches handed to a loss; each case names the value and what was expected.
public enum LossError: Error, CustomStringConvertible, Equatable, Sendable {
    /// NT-Xent temperature τ must be a finite number > 0.
    case nonPositiveTemperature(Float)
    /// Contrastive and triplet margins must be finite and > 0.
    case nonPositiveMargin(Float)
    /// A batch of views must hold 2N rows (rows i and i+N are the two views of image i).
    case oddViewCount(rows: Int)
    /// A batch of views must hold at least one image (2 rows).
    case emptyBatch
    /// The decoupled loss (DCL) needs a negative per anchor: at least 2 images (4 rows).
    case noNegatives(rows: Int)

    public var description: String {
        switch self {
        case .nonPositiveTemperature(let value):
            return "temperature must be a finite number > 0, got \(value) (SimCLR uses 0.1–0.5)"
        case .nonPositiveMargin(let value):
            return "margin must be a finite number > 0, got \(value)"
        case .oddViewCount(let rows):
            return "a batch of views needs an even row count 2N (rows i and i+N are the two views of image i), got \(rows) rows"
        case .emptyBatch:
            return "a batch of views needs at least one image (2 rows), got none"
        case .noNegatives(let rows):
            return "the decoupled loss (dcl) needs at least 2 images per batch (4 rows) so that every view has a negative, got \(rows) rows"
        }
    }

    /// Throws `.oddViewCount` / `.emptyBatch` unless `rows` is a positive even number.
    static func checkViewRows(_ rows: Int) throws(LossError) {
        guard rows > 0 else { throw .emptyBatch }
        guard rows % 2 == 0 else { throw .oddViewCount(rows: rows) }
    }
}
