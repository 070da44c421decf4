/// One row of a probe report: the linear probe (and optionally the kNN monitor) on one set of
/// features, e.g. the encoder's h, raw pixels or a random-init encoder.
///
/// Legend: n training samples, m test samples, D features, K classes.
public struct ProbeEvaluation: Sendable, Codable, Equatable {
    /// How to evaluate.
    public struct Settings: Sendable {
        public var probe: LinearProbe.Options
        /// When set, C is chosen from `regularizationGrid` on this fraction of the training set
        /// (never the test set), then the probe is retrained on the whole training set.
        public var validationFraction: Double?
        public var regularizationGrid: [Double]
        /// Seeds the validation split.
        public var seed: UInt64
        /// Run the weighted kNN monitor too (on the L2-normalised features, not standardised).
        public var knn: Bool
        public var knnNeighbors: Int
        public var knnTemperature: Float

        public init(
            probe: LinearProbe.Options = .init(), validationFraction: Double? = nil,
            regularizationGrid: [Double] = LinearProbe.defaultRegularizationGrid, seed: UInt64 = 0,
            knn: Bool = false, knnNeighbors: Int = 200, knnTemperature: Float = 0.1
        ) {
            self.probe = probe
            self.validationFraction = validationFraction
            self.regularizationGrid = regularizationGrid
            self.seed = seed
            self.knn = knn
            self.knnNeighbors = knnNeighbors
            self.knnTemperature = knnTemperature
        }
    }

    /// What the features are ("encoder", "raw-pixels", "random-init", …).
    public var name: String
    public var featureDimension: Int
    public var trainCount: Int
    public var testCount: Int
    /// Linear-probe accuracy on the test set.
    public var linear: ClassificationMetrics
    public var fit: LinearProbe.FitSummary
    /// C candidates and their validation top-1, when C was selected.
    public var regularizationTrials: [LinearProbe.RegularizationTrial]?
    /// Weighted-kNN accuracy on the test set, when requested.
    public var knn: ClassificationMetrics?
    public var knnSeconds: Double?

    /// Trains on `train` `[n, D]` / `trainLabels` `[n]` and scores `test` `[m, D]` / `testLabels`.
    ///
    /// - Precondition: both feature matrices have D columns; labels lie in `0..<classCount`.
    public static func run(
        name: String, train: Tensor, trainLabels: [Int], test: Tensor, testLabels: [Int], classCount: Int,
        settings: Settings = Settings()
    ) -> ProbeEvaluation {
        precondition(train.rank == 2 && test.rank == 2 && train.shape[1] == test.shape[1],
                     "ProbeEvaluation: train \(train.shape) vs test \(test.shape)")
        var options = settings.probe
        var trials: [LinearProbe.RegularizationTrial]?
        if let fraction = settings.validationFraction {
            let selection = LinearProbe.selectRegularization(
                features: train, labels: trainLabels, classCount: classCount, grid: settings.regularizationGrid,
                validationFraction: fraction, seed: settings.seed, options: options)
            options.inverseRegularization = selection.best
            trials = selection.trials
        }
        let probe = LinearProbe.train(features: train, labels: trainLabels, classCount: classCount, options: options)
        var result = ProbeEvaluation(
            name: name, featureDimension: train.shape[1], trainCount: train.shape[0], testCount: test.shape[0],
            linear: probe.evaluate(features: test, labels: testLabels), fit: probe.summary,
            regularizationTrials: trials, knn: nil, knnSeconds: nil)
        if settings.knn {
            let start = System.now()
            let classifier = WeightedKNNClassifier(
                trainFeatures: train, labels: trainLabels, classCount: classCount,
                neighborCount: settings.knnNeighbors, temperature: settings.knnTemperature)
            result.knn = ClassificationMetrics(scores: classifier.scores(for: test), labels: testLabels)
            result.knnSeconds = System.now() - start
        }
        return result
    }
}
