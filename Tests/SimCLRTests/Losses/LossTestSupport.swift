import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// One case of `losses/losses.json`: its parsed JSON object, never mutated after parsing.
struct LossFixtureCase: @unchecked Sendable, CustomTestStringConvertible {
    let fields: [String: Any]
    var name: String { fields["name"] as? String ?? "?" }
    var testDescription: String { name }
    subscript(key: String) -> Any? { fields[key] }
}

/// Reads `losses/losses.json` (fixtures README §1); every test iterates over all its cases.
enum LossFixtures {
    /// Every case of one section (`nt_xent`, `contrastive`, `triplet`).
    static func cases(_ section: String) -> [LossFixtureCase] {
        let document = (try? Fixtures.json("losses/losses.json")) as? [String: Any]
        return (document?[section] as? [[String: Any]] ?? []).map(LossFixtureCase.init)
    }

    static func tensor(_ object: Any?) -> Tensor {
        Fixtures.tensor(object)?.tensor ?? Tensor(shape: [0])
    }

    static func doubles(_ object: Any?) -> [Double] {
        Fixtures.tensor(object)?.doubles ?? []
    }

    static func number(_ object: Any?) -> Double {
        (object as? NSNumber)?.doubleValue ?? .nan
    }

    static func integers(_ object: Any?) -> [Int] {
        (object as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
    }
}

/// Seeded random embeddings `[rows, columns]`, uniform in [−1, 1).
func randomEmbeddings(rows: Int, columns: Int, seed: UInt64) -> Tensor {
    var rng = SplitMix64(seed: seed)
    return Tensor(shape: [rows, columns], data: (0..<(rows * columns)).map { _ in 2 * rng.nextFloat() - 1 })
}

/// Central differences of `loss` at every coordinate of `point` (Double evaluation).
func numericalGradient(of point: Tensor, step: Double, _ loss: ([Double]) -> Double) -> [Double] {
    var x = point.data.map(Double.init)
    return (0..<x.count).map { i in
        let saved = x[i]
        x[i] = saved + step
        let plus = loss(x)
        x[i] = saved - step
        let minus = loss(x)
        x[i] = saved
        return (plus - minus) / (2 * step)
    }
}

/// Central differences of a Float loss, perturbing one coordinate of `point` at a time.
func numericalGradient(of point: Tensor, step: Float, _ loss: (Tensor) -> Float) -> [Double] {
    var x = point
    return GradientCheck.centralDifferences(
        indices: Array(0..<point.count), step: step,
        perturb: { index, delta in x.data[index] += delta },
        loss: { Double(loss(x)) })
}
