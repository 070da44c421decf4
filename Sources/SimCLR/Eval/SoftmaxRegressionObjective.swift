import Foundation

/// The L2-penalised multinomial logistic-regression objective of scikit-learn's
/// `LogisticRegression(solver="lbfgs")` with K > 2 classes, and its gradient.
///
/// scikit-learn documents the objective as `C · Σ_i CE_i + ½‖W‖²` (intercept unpenalised) and,
/// since 1.4 (`_logistic.py`, `LinearModelLoss`), hands L-BFGS-B that objective divided by C·n:
///
///     f(W, b) = (1/n) Σ_i CE_i + ‖W‖² / (2·C·n),   CE_i = logsumexp(z_i) − z_i[y_i],   z_i = x_i·W + b
///
/// Same minimiser; the division fixes the scale on which the gradient tolerance is applied, so
/// this type uses it too. (For K = 2 scikit-learn fits one binary weight vector instead; the
/// multinomial form here is then the same model with C doubled.)
///
/// Parameter vector θ (Double, length D·K + K): W `[D, K]` row-major, then b `[K]`.
///
/// Legend: n samples, D features, K classes.
///
/// - Complexity: per evaluation two single-threaded sgemm calls per block of rows, `[b, D]·[D, K]`
///   and `[D, b]·[b, K]` (4·n·D·K flops in all), the blocks spread over the cores in fixed
///   tasks, plus n·K exponentials.
public final class SoftmaxRegressionObjective {
    public let sampleCount: Int
    public let featureCount: Int
    public let classCount: Int
    /// Inverse regularisation strength C > 0 (scikit-learn's `C`).
    public let inverseRegularization: Double

    /// Parameter count D·K + K.
    public var parameterCount: Int { featureCount * classCount + classCount }

    private let features: Tensor
    private let labels: [Int]
    private var weightFloat: [Float]
    private var biasFloat: [Float]
    private var logits: [Float]
    private var rowLoss: [Double]
    private var weightGradientFloat: [Float]
    /// `[tasks, D·K]`: each row task's part of ∇W.
    private let gradientPartials = ScratchBuffer()

    /// - Parameters:
    ///   - features: `[n, D]`, already standardised.
    ///   - labels: `[n]`, each in `0..<classCount`.
    ///   - classCount: K ≥ 2.
    ///   - inverseRegularization: C > 0.
    /// - Precondition: shapes agree, labels are in range, C > 0.
    public init(features: Tensor, labels: [Int], classCount: Int, inverseRegularization: Double) {
        precondition(features.rank == 2 && features.shape[0] == labels.count && features.shape[0] > 0,
                     "SoftmaxRegressionObjective: features \(features.shape) vs labels [\(labels.count)]")
        precondition(classCount >= 2 && labels.allSatisfy { (0..<classCount).contains($0) },
                     "SoftmaxRegressionObjective: labels must lie in 0..<\(classCount)")
        precondition(inverseRegularization > 0, "SoftmaxRegressionObjective: C must be > 0, got \(inverseRegularization)")
        self.features = features
        self.labels = labels
        self.sampleCount = features.shape[0]
        self.featureCount = features.shape[1]
        self.classCount = classCount
        self.inverseRegularization = inverseRegularization
        weightFloat = [Float](repeating: 0, count: featureCount * classCount)
        biasFloat = [Float](repeating: 0, count: classCount)
        logits = [Float](repeating: 0, count: sampleCount * classCount)
        rowLoss = [Double](repeating: 0, count: sampleCount)
        weightGradientFloat = [Float](repeating: 0, count: featureCount * classCount)
    }

    /// f(θ), writing ∇f(θ) into `gradient` (length `parameterCount`).
    ///
    /// - Precondition: `parameters.count == gradient.count == parameterCount`.
    public func evaluate(_ parameters: [Double], gradient: inout [Double]) -> Double {
        precondition(parameters.count == parameterCount && gradient.count == parameterCount,
                     "SoftmaxRegressionObjective: θ [\(parameters.count)], gradient [\(gradient.count)], expected [\(parameterCount)]")
        let n = sampleCount, d = featureCount, k = classCount
        let weightCount = d * k
        for i in 0..<weightCount { weightFloat[i] = Float(parameters[i]) }

        for j in 0..<k { biasFloat[j] = Float(parameters[weightCount + j]) }
        let inverseN = 1 / Double(n)
        let blockRows = Self.blockRows(featureCount: d), tasks = Self.taskCount(sampleCount: n)
        let partials = SendablePointer(gradientPartials.reserve(tasks * weightCount))
        // Fixed tasks of consecutive rows, each on one core with single-threaded sgemm, in row
        // blocks small enough to stay in cache between the two products that read them; each
        // task owns its rows of z and rowLoss and its own ∇W partial.
        features.withUnsafeBufferPointer { x in
            weightFloat.withUnsafeBufferPointer { w in
                logits.withUnsafeMutableBufferPointer { z in
                    rowLoss.withUnsafeMutableBufferPointer { loss in
                        labels.withUnsafeBufferPointer { y in
                            biasFloat.withUnsafeBufferPointer { b in
                                let x = SendableConstPointer(x.baseAddress!), w = SendableConstPointer(w.baseAddress!)
                                let z = SendablePointer(z.baseAddress!), loss = SendablePointer(loss.baseAddress!)
                                let y = SendableConstPointer(y.baseAddress!), b = SendableConstPointer(b.baseAddress!)
                                BLAS.withSingleThreadedCalls {
                                    Parallel.forEachTask(tasks) { task, _ in
                                        let end = n * (task + 1) / tasks
                                        var first = n * task / tasks
                                        let start = first, g = partials.base + task * weightCount
                                        if start == end { g.update(repeating: 0, count: weightCount) }
                                        while first < end {
                                            let rows = min(blockRows, end - first)
                                            let xBlock = x.base + first * d, zBlock = z.base + first * k
                                            // z = X·W, then r = softmax(z + b) − onehot(y) in place.
                                            BLAS.sgemm(.none, .none, m: rows, n: k, k: d, a: xBlock, lda: d,
                                                       b: w.base, ldb: k, c: zBlock, ldc: k)
                                            for row in first..<(first + rows) {
                                                Self.softmaxResidual(z.base + row * k, count: k, bias: b.base, label: y.base[row],
                                                                     loss: loss.base + row)
                                            }
                                            // ∇W partial (data part) += X_blockᵀ·r_block / n.
                                            BLAS.sgemm(.transposed, .none, m: d, n: k, k: rows, alpha: Float(inverseN),
                                                       a: xBlock, lda: d, b: zBlock, ldb: k, beta: first == start ? 0 : 1,
                                                       c: g, ldc: k)
                                            first += rows
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        weightGradientFloat.withUnsafeMutableBufferPointer { g in
            g.update(repeating: 0)
            BatchTasks.addPartials(partials.base, tasks: tasks, length: weightCount, into: g.baseAddress!)
        }

        // ∇W = Xᵀ·r / n + W / (C·n);  ∇b = Σ_i r_i / n.
        let penaltyFactor = 1 / (inverseRegularization * Double(n))
        var squaredNorm = 0.0
        for i in 0..<weightCount {
            let w = parameters[i]
            squaredNorm += w * w
            gradient[i] = Double(weightGradientFloat[i]) + penaltyFactor * w
        }
        for j in 0..<k { gradient[weightCount + j] = 0 }
        logits.withUnsafeBufferPointer { r in
            gradient.withUnsafeMutableBufferPointer { g in
                for row in 0..<n {
                    let base = row * k
                    for j in 0..<k { g[weightCount + j] += Double(r[base + j]) }
                }
                for j in 0..<k { g[weightCount + j] *= inverseN }
            }
        }
        var total = 0.0
        for row in 0..<n { total += rowLoss[row] }
        return total * inverseN + 0.5 * penaltyFactor * squaredNorm
    }

    /// Rows of X per block: about 256 KB of features, at least 64 rows, so that both products
    /// find the block in L2 (512 KB per core on the EPYC, 1 MB on SkylakeX).
    static func blockRows(featureCount: Int) -> Int { max(64, 65_536 / max(1, featureCount)) }

    /// Row tasks of an evaluation: 16 (enough for dynamic balance on a few cores whose load from
    /// other processes differs), fewer for tiny n. The split depends on n alone, and the ∇W
    /// partials are added in task order, so the result does not depend on the thread count.
    static func taskCount(sampleCount: Int) -> Int { max(1, min(16, sampleCount / 64)) }

    /// For one row: adds the bias to the logits, writes CE = logsumexp(z) − z[label] (max
    /// subtracted, so no overflow) to `loss`, and replaces the logits with softmax(z) − onehot.
    @inline(__always)
    static func softmaxResidual(
        _ z: UnsafeMutablePointer<Float>, count k: Int, bias: UnsafePointer<Float>, label: Int,
        loss: UnsafeMutablePointer<Double>
    ) {
        var maximum = -Float.infinity
        for j in 0..<k {
            z[j] += bias[j]
            maximum = max(maximum, z[j])
        }
        let target = z[label]
        var sum: Float = 0
        for j in 0..<k {
            let e = Foundation.exp(z[j] - maximum)
            z[j] = e
            sum += e
        }
        loss.pointee = Double(Foundation.log(sum)) + Double(maximum - target)
        let inverse = 1 / sum
        for j in 0..<k { z[j] *= inverse }
        z[label] -= 1
    }
}
