import ArgumentParser
import SimCLR

extension SimCLRCommand {
    /// `simclr probe`: linear-probe (and kNN) evaluation of a frozen encoder, with baselines.
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Linear-probe evaluation of a frozen encoder on h, with raw-pixel and random-init baselines.")

        @OptionGroup var runtime: RuntimeOptions
        @OptionGroup var evaluation: ProbeEvaluationOptions
        @OptionGroup(title: "Label subset (the probe trains on this share of the training labels, drawn with --seed as finetune draws it)")
        var labels: LabelSubsetOptions

        @Flag(help: "Skip images that fail to decode (they are listed) instead of stopping at the first one.")
        var skipBadImages = false

        @Option(help: ArgumentHelp(
            "Trained encoder weights (encoder.json must sit beside them).",
            discussion: "Without it, --baseline random-init uses the default resnet-mini (widths 32, 64, 128) initialised from --seed, with the training images' pixel mean/std."))
        var encoder: String?
        @Option(help: "Training ImageFolder (root/<class>/*.png).") var train: String
        @Option(help: "Test ImageFolder with the same classes.") var test: String
        @Option(name: .customLong("baseline"), help: "Add a baseline row: raw-pixels or random-init (repeatable).")
        var baselines: [FeatureSource.Baseline] = []
        @Option(help: "Images per encoder forward pass.") var batchSize: Int = 256
        @Option(help: "Where to write the JSON report.") var out: String = "results.json"

        func validate() throws {
            guard encoder != nil || !baselines.isEmpty else {
                throw ValidationError("nothing to evaluate: give --encoder encoder.safetensors and/or --baseline raw-pixels")
            }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        }

        func run() throws {
            runtime.apply()
            let trained = try encoder.map { try FrozenEncoder.load(weightsPath: $0) }
            for name in trained?.unusedTensorNames ?? [] { print("warning: \(encoder!): tensor '\(name)' is not part of the model and is ignored") }
            var sets = try ProbeDatasets.load(
                train: train, test: test, channels: trained?.description.configuration.inputChannels,
                skipBadImages: skipBadImages)
            var labelSubset: ProbeProtocol.LabelSubsetRecord?
            if let rule = labels.rule {
                let subset = try LabelSubset(
                    labels: sets.train.labels, classNames: sets.train.classNames, rule: rule, seed: evaluation.seed)
                sets.train = subset.apply(to: sets.train)
                labelSubset = .init(rule: rule, images: subset.indices.count, seed: evaluation.seed)
                print("labels: \(rule) of \(train), \(subset.indices.count) images (seed \(evaluation.seed))")
            }
            if evaluation.valFraction != nil && sets.train.count < 2 {
                throw ValidationError("--val-fraction needs at least 2 training images to hold some out, \(train) has \(sets.train.count)")
            }
            let sources = try FeatureSource.list(trained: trained, baselines: baselines, batchSize: batchSize) {
                try sets.defaultEncoderDescription(seed: evaluation.seed)
            }
            var evaluations: [ProbeEvaluation] = []
            for source in sources {
                let start = System.now()
                let trainFeatures = try source.features(sets.train, train), testFeatures = try source.features(sets.test, test)
                print("\(source.name): features [\(trainFeatures.shape[0]), \(trainFeatures.shape[1])] + [\(testFeatures.shape[0]), \(testFeatures.shape[1])] in \(String(format: "%.1f", System.now() - start)) s")
                evaluations.append(ProbeEvaluation.run(
                    name: source.name, train: trainFeatures, trainLabels: sets.train.labels, test: testFeatures,
                    testLabels: sets.test.labels, classCount: sets.train.classNames.count, settings: evaluation.settings))
            }
            let report = ProbeReport(
                train: train, test: test, classNames: sets.train.classNames, evaluations: evaluations,
                protocol: ProbeProtocol(settings: evaluation.settings, labelSubset: labelSubset))
            print(report.formattedTable())
            print(report.formattedDetails(of: evaluations[0]))
            try AtomicFile.write(try report.jsonBytes(), to: out)
            print("wrote \(out)")
        }
    }
}
