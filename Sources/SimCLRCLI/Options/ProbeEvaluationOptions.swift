import ArgumentParser
import SimCLR

/// Options shared by `probe` and `probe-features`: the logistic regression, C selection and kNN.
struct ProbeEvaluationOptions: ParsableArguments {
    @Option(name: .customLong("c"), help: "Inverse L2 regularisation strength C (scikit-learn's C).")
    var inverseRegularization: Double = 1.0

    @Option(help: "Hold out this fraction of the training set to choose C from {0.01, 0.1, 1, 10, 100} (never the test set).")
    var valFraction: Double?

    @Option(help: "L-BFGS iteration limit.") var maxIterations: Int = 1000
    @Option(help: "Stop when the gradient max-norm falls below this (scikit-learn's tol).") var tolerance: Double = 1e-4
    @Flag(help: "Also run the weighted kNN monitor (Wu et al. 2018).") var knn = false
    @Option(help: "kNN neighbours.") var knnK: Int = 200
    @Option(help: "kNN temperature of the vote weights exp(similarity / T).") var knnTemperature: Float = 0.1
    @Option(help: "Seed of the validation split and of the label subset (and of the random-init baseline when there is no --encoder).") var seed: UInt64 = 0

    func validate() throws {
        guard inverseRegularization > 0 && inverseRegularization.isFinite else {
            throw ValidationError("--c must be a finite number > 0, got \(inverseRegularization)")
        }
        if let fraction = valFraction, !(fraction > 0 && fraction < 1) {
            throw ValidationError("--val-fraction must lie in (0, 1), got \(fraction)")
        }
        guard maxIterations >= 0 else { throw ValidationError("--max-iterations must be >= 0, got \(maxIterations)") }
        guard tolerance >= 0 && tolerance.isFinite else { throw ValidationError("--tolerance must be a finite number >= 0, got \(tolerance)") }
        guard knnK >= 1 else { throw ValidationError("--knn-k must be >= 1, got \(knnK)") }
        guard knnTemperature > 0 && knnTemperature.isFinite else {
            throw ValidationError("--knn-temperature must be a finite number > 0, got \(knnTemperature)")
        }
    }

    var settings: ProbeEvaluation.Settings {
        ProbeEvaluation.Settings(
            probe: .init(inverseRegularization: inverseRegularization, tolerance: tolerance, maximumIterations: maxIterations),
            validationFraction: valFraction, seed: seed, knn: knn, knnNeighbors: knnK, knnTemperature: knnTemperature)
    }
}
