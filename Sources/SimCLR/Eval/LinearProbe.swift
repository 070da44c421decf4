/// A linear probe: a multinomial logistic regression trained on frozen representations h,
/// the standard evaluation of self-supervised encoders (SimCLR, Chen et al. 2020, arXiv
/// 2002.05709, §4 "linear evaluation protocol").
///
/// Features are standardised with training statistics (`FeatureStandardizer`), then
/// `SoftmaxRegressionObjective` (scikit-learn's `LogisticRegression` objective) is minimised by
/// `LBFGS` from zero, as scikit-learn does.
///
/// Legend: n training samples, m evaluated samples, D features, K classes.
public struct LinearProbe: Sendable {
    /// Training settings; the defaults are scikit-learn's `LogisticRegression()`.
    public struct Options: Sendable {
        /// Inverse regularisation strength C > 0.
        public var inverseRegularization: Double = 1.0
        /// Gradient max-norm tolerance (scikit-learn `tol`).
        public var tolerance: Double = 1e-4
        public var maximumIterations: Int = 1000
        /// L-BFGS history size m.
        public var historySize: Int = 10

        public init(inverseRegularization: Double = 1.0, tolerance: Double = 1e-4, maximumIterations: Int = 1000, historySize: Int = 10) {
            self.inverseRegularization = inverseRegularization
            self.tolerance = tolerance
            self.maximumIterations = maximumIterations
            self.historySize = historySize
        }
    }

    /// How the fit went.
    public struct FitSummary: Sendable, Codable, Equatable {
        public var inverseRegularization: Double
        public var iterations: Int
        public var evaluations: Int
        public var stopReason: LBFGS.StopReason
        /// Final value of the (1/(C·n)-scaled) objective.
        public var objective: Double
        public var gradientMaxNorm: Double
        /// Wall-clock seconds of standardisation and optimisation.
        public var seconds: Double
        /// CPU seconds (user + system, all threads) over the same span.
        public var cpuSeconds: Double
    }

    public var standardizer: FeatureStandardizer
    /// `[D, K]`.
    public var weight: Tensor
    /// `[K]`, also known as the intercept.
    public var bias: [Float]
    public var summary: FitSummary

    public var classCount: Int { bias.count }

    /// Trains on raw (unstandardised) `features` `[n, D]` with `labels` `[n]` in `0..<classCount`.
    ///
    /// - Precondition: n ≥ 1, labels in range, classCount ≥ 2.
    public static func train(features: consuming Tensor, labels: [Int], classCount: Int, options: Options = Options()) -> LinearProbe {
        let start = System.now(), startCPU = ProcessCPUTime.seconds()
        var standardized = features
        let standardizer = FeatureStandardizer(fitting: standardized)
        standardizer.apply(to: &standardized)
        let objective = SoftmaxRegressionObjective(
            features: standardized, labels: labels, classCount: classCount, inverseRegularization: options.inverseRegularization)
        var minimizer = LBFGS()
        minimizer.historySize = options.historySize
        minimizer.gradientTolerance = options.tolerance
        minimizer.maximumIterations = options.maximumIterations
        let result = minimizer.minimize(from: [Double](repeating: 0, count: objective.parameterCount)) { theta, gradient in
            objective.evaluate(theta, gradient: &gradient)
        }
        let d = objective.featureCount
        let weightCount = d * classCount
        let summary = FitSummary(
            inverseRegularization: options.inverseRegularization, iterations: result.iterations, evaluations: result.evaluations,
            stopReason: result.stopReason, objective: result.value, gradientMaxNorm: result.gradientMaxNorm,
            seconds: System.now() - start, cpuSeconds: ProcessCPUTime.seconds() - startCPU)
        return LinearProbe(
            standardizer: standardizer,
            weight: Tensor(shape: [d, classCount], data: result.parameters[0..<weightCount].map { Float($0) }),
            bias: result.parameters[weightCount...].map { Float($0) },
            summary: summary)
    }

    /// Class scores (logits) `[m, K]` for raw `features` `[m, D]`, standardised with the training
    /// statistics.
    ///
    /// - Precondition: `features.shape[1] == D`.
    public func logits(for features: Tensor) -> Tensor {
        let x = standardizer.applied(to: features)
        let m = x.shape[0], d = weight.shape[0], k = classCount
        var z = Tensor(shape: [m, k], repeating: 0)
        for row in 0..<m { for j in 0..<k { z.data[row * k + j] = bias[j] } }
        x.withUnsafeBufferPointer { xp in
            weight.withUnsafeBufferPointer { wp in
                z.withUnsafeMutableBufferPointer { zp in
                    BLAS.sgemm(.none, .none, m: m, n: k, k: d, a: xp.baseAddress!, lda: d, b: wp.baseAddress!, ldb: k,
                               beta: 1, c: zp.baseAddress!, ldc: k)
                }
            }
        }
        return z
    }

    /// Top-1/top-5, per-class accuracy and confusion matrix on `features` `[m, D]`, `labels` `[m]`.
    public func evaluate(features: Tensor, labels: [Int]) -> ClassificationMetrics {
        ClassificationMetrics(scores: logits(for: features), labels: labels)
    }
}
