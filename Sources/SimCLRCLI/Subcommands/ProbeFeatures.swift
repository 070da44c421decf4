import ArgumentParser
import SimCLR

extension SimCLRCommand {
    /// `simclr probe-features`: the linear probe (and kNN) on feature matrices saved as `.npy`,
    /// for interoperability checks against scikit-learn (`Scripts/compare-probe-sklearn.sh`).
    struct ProbeFeatures: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "probe-features",
            abstract: "Linear probe on .npy feature matrices (float32 [n, D], int64 labels [n]).",
            shouldDisplay: false)

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var evaluation: ProbeEvaluationOptions

        @Option(help: "Training features, float32 [n, D] .npy.") var trainFeatures: String
        @Option(help: "Training labels, int64 [n] .npy.") var trainLabels: String
        @Option(help: "Test features, float32 [m, D] .npy.") var testFeatures: String
        @Option(help: "Test labels, int64 [m] .npy.") var testLabels: String
        @Option(help: "Name of this feature set in the report.") var name: String = "features"
        @Option(help: "Where to write the JSON report.") var out: String = "results.json"

        func run() throws {
            runtime.apply()
            let train = try NumpyArrayFile.readFloat32(path: trainFeatures)
            let test = try NumpyArrayFile.readFloat32(path: testFeatures)
            let yTrain = try NumpyArrayFile.readInt64(path: trainLabels)
            let yTest = try NumpyArrayFile.readInt64(path: testLabels)
            try ProbeInputCheck.features(train, labels: yTrain, path: trainFeatures)
            try ProbeInputCheck.features(test, labels: yTest, path: testFeatures, columns: train.shape[1])
            let classCount = (yTrain + yTest).max().map { $0 + 1 } ?? 0
            try ProbeInputCheck.labels(yTrain + yTest, classCount: classCount, path: trainLabels)
            let result = ProbeEvaluation.run(
                name: name, train: train, trainLabels: yTrain, test: test, testLabels: yTest, classCount: classCount,
                settings: evaluation.settings)
            let report = ProbeReport(
                train: trainFeatures, test: testFeatures, classNames: (0..<classCount).map(String.init), evaluations: [result])
            print(report.formattedTable())
            try AtomicFile.write(try report.jsonBytes(), to: out)
        }
    }
}
