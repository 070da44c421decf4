/// How the margin losses measure the distance from embedding a to embedding b.
public enum EmbeddingDistance: Sendable, Equatable {
    /// `‖a − b‖²` (FaceNet, arXiv 1503.03832).
    case squaredEuclidean
    /// `‖a − b + ε‖₂` with ε added to every component of the difference. ε = 1e-6 is exactly
    /// PyTorch's `pairwise_distance` / `TripletMarginLoss(p=2, eps=1e-6)`; ε = 0 is the plain
    /// Euclidean distance, whose gradient at distance 0 is taken as 0 (no NaN).
    case euclidean(epsilon: Float)

    /// PyTorch's `TripletMarginLoss` default distance.
    public static let pytorch = EmbeddingDistance.euclidean(epsilon: 1e-6)

    /// The ε added to each component of `a − b` (0 for the squared distance).
    var epsilon: Float {
        switch self {
        case .squaredEuclidean: return 0
        case .euclidean(let epsilon): return epsilon
        }
    }

    /// The distance between `count`-element rows `a` and `b` (sum of squares in Double).
    @inline(__always)
    func measure(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let shift = epsilon
        var sum: Double = 0
        for c in 0..<count {
            let difference = Double(a[c] - b[c] + shift)
            sum += difference * difference
        }
        switch self {
        case .squaredEuclidean: return Float(sum)
        case .euclidean: return Float(sum.squareRoot())
        }
    }

    /// ∂distance/∂a divided by the shifted difference `a − b + ε`: 2 for the squared distance,
    /// 1/D for the Euclidean one, and 0 at D = 0 where the direction is undefined.
    @inline(__always)
    func differenceCoefficient(distance: Float) -> Float {
        switch self {
        case .squaredEuclidean: return 2
        case .euclidean: return distance > 0 ? 1 / distance : 0
        }
    }
}
