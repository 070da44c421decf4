/// Limited-memory BFGS for smooth unconstrained minimisation (Nocedal & Wright, *Numerical
/// Optimization*, 2nd ed., Alg. 7.4 two-loop recursion; Alg. 3.5/3.6 strong-Wolfe line search).
///
/// Stopping rules follow SciPy's L-BFGS-B as scikit-learn calls it: the gradient max-norm
/// `max|∇f| ≤ gradientTolerance` (`gtol`, scikit-learn's `tol`), the relative decrease
/// `(f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ functionTolerance` (`ftol`), or
/// `maxIterations` accepted steps. The first step has length 1/‖d‖₂, later ones try 1 first.
public struct LBFGS: Sendable {
    /// Why the minimiser stopped.
    public enum StopReason: String, Sendable, Codable {
        case gradientTolerance = "gradient-tolerance"
        case functionTolerance = "function-tolerance"
        case maximumIterations = "maximum-iterations"
        case lineSearchFailed = "line-search-failed"
    }

    /// What a run produced.
    public struct Result: Sendable {
        public var parameters: [Double]
        public var value: Double
        public var gradientMaxNorm: Double
        /// Accepted steps.
        public var iterations: Int
        /// Objective evaluations, including those of the line searches.
        public var evaluations: Int
        public var stopReason: StopReason
    }

    /// Correction pairs kept (m).
    public var historySize: Int = 10
    public var gradientTolerance: Double = 1e-4
    public var functionTolerance: Double = 64 * Double.ulpOfOne
    public var maximumIterations: Int = 1000
    /// Evaluations allowed per line search (scikit-learn passes `maxls=50`).
    public var maximumLineSearchSteps: Int = 50
    /// Sufficient-decrease (c₁) and curvature (c₂) constants of the strong Wolfe conditions.
    public var sufficientDecrease: Double = 1e-4
    public var curvature: Double = 0.9

    public init() {}

    /// Minimises `objective` from `start`.
    ///
    /// - Parameter objective: returns f(θ) and writes ∇f(θ) into its second argument (same length).
    public func minimize(
        from start: [Double], objective: (_ parameters: [Double], _ gradient: inout [Double]) -> Double
    ) -> Result {
        let size = start.count
        var x = start
        var gradient = [Double](repeating: 0, count: size)
        var value = objective(x, &gradient)
        var evaluations = 1
        var steps = [[Double]](), gradientChanges = [[Double]](), curvatures = [Double]()
        var direction = [Double](repeating: 0, count: size)
        var alpha = [Double](repeating: 0, count: historySize)
        var iterations = 0
        var stopReason = StopReason.maximumIterations

        while true {
            if maxNorm(gradient) <= gradientTolerance { stopReason = .gradientTolerance; break }
            if iterations >= maximumIterations { stopReason = .maximumIterations; break }

            // Two-loop recursion: direction = −H·∇f, H₀ = γI with γ = sᵀy / yᵀy.
            for i in 0..<size { direction[i] = -gradient[i] }
            let stored = steps.count
            for j in stride(from: stored - 1, through: 0, by: -1) {
                alpha[j] = curvatures[j] * dot(steps[j], direction)
                axpy(-alpha[j], gradientChanges[j], &direction)
            }
            if stored > 0 {
                let last = stored - 1
                let gamma = dot(steps[last], gradientChanges[last]) / dot(gradientChanges[last], gradientChanges[last])
                for i in 0..<size { direction[i] *= gamma }
            }
            for j in 0..<stored {
                let beta = curvatures[j] * dot(gradientChanges[j], direction)
                axpy(alpha[j] - beta, steps[j], &direction)
            }
            if dot(direction, gradient) >= 0 {
                // Not a descent direction (rounding): restart from steepest descent.
                steps.removeAll(); gradientChanges.removeAll(); curvatures.removeAll()
                for i in 0..<size { direction[i] = -gradient[i] }
            }
            let initialStep = iterations == 0 && stored == 0 ? 1 / dot(direction, direction).squareRoot() : 1

            guard let accepted = lineSearch(
                x: x, value: value, gradient: gradient, direction: direction, initialStep: initialStep,
                objective: objective, evaluations: &evaluations)
            else { stopReason = .lineSearchFailed; break }

            var step = [Double](repeating: 0, count: size)
            var gradientChange = [Double](repeating: 0, count: size)
            for i in 0..<size {
                step[i] = accepted.x[i] - x[i]
                gradientChange[i] = accepted.gradient[i] - gradient[i]
            }
            let sy = dot(step, gradientChange)
            if sy > Double.ulpOfOne * dot(gradientChange, gradientChange) {
                if steps.count == historySize {
                    steps.removeFirst(); gradientChanges.removeFirst(); curvatures.removeFirst()
                }
                steps.append(step)
                gradientChanges.append(gradientChange)
                curvatures.append(1 / sy)
            }
            let previous = value
            x = accepted.x
            value = accepted.value
            gradient = accepted.gradient
            iterations += 1
            if (previous - value) / max(abs(previous), abs(value), 1) <= functionTolerance {
                stopReason = .functionTolerance
                break
            }
        }
        return Result(parameters: x, value: value, gradientMaxNorm: maxNorm(gradient), iterations: iterations,
                      evaluations: evaluations, stopReason: stopReason)
    }

    private struct Point {
        var step: Double
        var x: [Double]
        var value: Double
        var gradient: [Double]
        var slope: Double
    }

    /// A step along `direction` satisfying the strong Wolfe conditions (bracketing, then zoom
    /// with safeguarded cubic interpolation); if the budget runs out, the best point found with
    /// sufficient decrease, or nil when there is none.
    private func lineSearch(
        x: [Double], value: Double, gradient: [Double], direction: [Double], initialStep: Double,
        objective: ([Double], inout [Double]) -> Double, evaluations: inout Int
    ) -> Point? {
        let slope0 = dot(gradient, direction)
        var budget = maximumLineSearchSteps
        func evaluate(_ step: Double) -> Point {
            var trial = x
            axpy(step, direction, &trial)
            var trialGradient = [Double](repeating: 0, count: x.count)
            let trialValue = objective(trial, &trialGradient)
            evaluations += 1
            budget -= 1
            return Point(step: step, x: trial, value: trialValue, gradient: trialGradient,
                         slope: dot(trialGradient, direction))
        }
        func armijo(_ p: Point) -> Bool { p.value <= value + sufficientDecrease * p.step * slope0 }
        func strongCurvature(_ p: Point) -> Bool { abs(p.slope) <= -curvature * slope0 }

        let origin = Point(step: 0, x: x, value: value, gradient: gradient, slope: slope0)
        var previous = origin
        var step = initialStep
        var low: Point, high: Point
        while true {
            let current = evaluate(step)
            if !current.value.isFinite {
                // Overshot into overflow: shrink towards the last good step.
                step = previous.step + 0.1 * (step - previous.step)
                if budget <= 0 { return previous.step > 0 ? previous : nil }
                continue
            }
            if !armijo(current) || (previous.step > 0 && current.value >= previous.value) {
                low = previous; high = current; break
            }
            if strongCurvature(current) { return current }
            if current.slope >= 0 { low = current; high = previous; break }
            if budget <= 0 { return current }
            previous = current
            step *= 2
        }
        // Zoom: `low` satisfies sufficient decrease and has the lowest value so far.
        while budget > 0 {
            let trialStep = interpolatedStep(low, high)
            let trial = evaluate(trialStep)
            if !armijo(trial) || trial.value >= low.value {
                high = trial
            } else {
                if strongCurvature(trial) { return trial }
                if trial.slope * (high.step - low.step) >= 0 { high = low }
                low = trial
            }
            if abs(high.step - low.step) <= Double.ulpOfOne * max(low.step, high.step) { break }
        }
        return low.step > 0 ? low : nil
    }

    /// Minimiser of the cubic through both points' values and slopes, kept at least 10% of the
    /// interval away from either end (bisection when the cubic has no usable minimum).
    private func interpolatedStep(_ a: Point, _ b: Point) -> Double {
        let lower = min(a.step, b.step), upper = max(a.step, b.step), width = upper - lower
        let d1 = a.slope + b.slope - 3 * (a.value - b.value) / (a.step - b.step)
        let discriminant = d1 * d1 - a.slope * b.slope
        var candidate = 0.5 * (lower + upper)
        if discriminant >= 0 {
            let d2 = (b.step > a.step ? 1.0 : -1.0) * discriminant.squareRoot()
            let cubic = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2 * d2)
            if cubic.isFinite { candidate = cubic }
        }
        return min(max(candidate, lower + 0.1 * width), upper - 0.1 * width)
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        var sum = 0.0
        for i in 0..<a.count { sum += a[i] * b[i] }
        return sum
    }

    private func axpy(_ scale: Double, _ x: [Double], _ y: inout [Double]) {
        for i in 0..<x.count { y[i] += scale * x[i] }
    }

    private func maxNorm(_ a: [Double]) -> Double {
        var largest = 0.0
        for value in a { largest = max(largest, abs(value)) }
        return largest
    }
}
