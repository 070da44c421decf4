import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    /// `simclr finetune`: encoder + linear classifier trained with softmax cross-entropy on a
    /// class-balanced label subset, evaluated on a test folder (report.json).
    struct Finetune: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune a pretrained encoder with a linear classifier on a labelled subset; evaluate on a test folder.",
            discussion: """
                Writes into --out: checkpoint.safetensors (every epoch and on Ctrl-C), metrics.jsonl, and \
                at the end classifier.safetensors (encoder.* + fc.weight/fc.bias, PyTorch names) + \
                classifier.json and report.json (test top-1, top-5, per-class accuracy, confusion matrix, \
                time, the labelled file list). --baseline from-scratch trains the same protocol from a \
                random-init encoder in --out/from-scratch and adds it to the report. Apply the result \
                with `simclr classify --model DIR`.
                """)

        enum Baseline: String, ExpressibleByArgument, CaseIterable {
            case fromScratch = "from-scratch"
        }

        @OptionGroup var options: FinetuneOptions

        @Option(name: .customLong("baseline"), help: "Also train from a random-init encoder with the same protocol: from-scratch.")
        var baselines: [Baseline] = []

        @Option(help: "Output folder.")
        var out: String = "runs/finetune"

        @Flag(help: "Continue the run in --out (and its baseline) with the stored arguments (--epochs may be raised; --train/--test may say where the folders are now).")
        var resume = false

        @Flag(help: "Start a new run in --out even though it holds a checkpoint. All or nothing: the old run's files move to --out/.replaced-run once the new run has loaded its data and locked the folder, are deleted at its first checkpoint, and come back if it fails before that (after a kill: with the next run or --resume in --out).")
        var overwrite = false

        @OptionGroup(title: "Dataset loading")
        var loading: ImageFolderLoadOptions

        @OptionGroup var runtime: RuntimeOptions

        static let baselineFolder = "from-scratch"

        func validate() throws {
            try OutputFolderCheck.validate(out, holds: "checkpoint, metrics, classifier and report files")
            let exists = RunReplacement.holdsCheckpoint(out)
            if resume {
                guard !overwrite else { throw ValidationError("--resume and --overwrite exclude each other") }
                guard exists else { throw ValidationError("--resume: no checkpoint at \(Trainer.checkpointPath(in: out))") }
                return
            }
            guard !exists || overwrite else {
                throw ValidationError("\(out) already holds a checkpoint; pass --resume to continue it, --overwrite to replace it, or another --out")
            }
            guard let encoder = options.encoder else { throw ValidationError("--encoder encoder.safetensors is required") }
            guard FileManager.default.fileExists(atPath: encoder) else { throw ValidationError("--encoder \(encoder): no such file") }
            for (flag, folder) in [("--train", options.train), ("--test", options.test)] {
                guard let folder else { throw ValidationError("\(flag) is required") }
                guard FileManager.default.isFolder(atPath: folder) else { throw ValidationError("\(flag) \(folder): no such folder") }
            }
        }

        func run() throws {
            runtime.apply()
            var datasets: [String: ImageDataset] = [:]
            func load(_ root: String) throws -> ImageDataset {
                if let dataset = datasets[root] { return dataset }
                let dataset = try loading.load(root: root)
                datasets[root] = dataset
                return dataset
            }
            let main: FinetuneTrainer
            if resume {
                main = try FinetuneTrainer.resuming(
                    outputFolder: out, epochs: options.epochs, data: options.train,
                    arguments: { try options.apply(to: &$0, resuming: true) }, loadDataset: load)
            } else {
                let description = try EncoderDescription.read(path: EncoderDescription.manifestPath(besideWeights: options.encoder!))
                let dataset = try load(options.train!)
                main = try FinetuneTrainer(
                    configuration: try options.configuration(description: description, classNames: dataset.classNames),
                    dataset: dataset, outputFolder: out)
            }
            let testPath = options.test ?? main.configuration.test
            let testSet = try load(testPath)
            try main.checkTestSet(testSet, path: testPath)
            var runs = [(name: main.configuration.freezeEncoder ? "linear (frozen encoder)" : "fine-tuned", trainer: main)]
            if baselines.contains(.fromScratch) {
                let folder = out + "/" + Self.baselineFolder
                let trainer: FinetuneTrainer
                if resume && FileManager.default.fileExists(atPath: Trainer.checkpointPath(in: folder)) {
                    trainer = try FinetuneTrainer.resuming(
                        outputFolder: folder, epochs: options.epochs, data: main.configuration.training.data, loadDataset: load)
                } else {
                    var configuration = main.configuration
                    configuration.encoder = nil
                    trainer = try FinetuneTrainer(
                        configuration: configuration, dataset: try load(configuration.training.data), outputFolder: folder)
                }
                runs.append(("from-scratch", trainer))
            }
            var report = FinetuneReport(trainer: main)
            report.test = testPath
            let stop = StopRequest(watchingSignals: true)
            defer { stop.stopWatchingSignals() }
            for (name, trainer) in runs {
                print(Self.header(name: name, trainer))
                fflush(nil)
                let summary = try trainer.run(stop: stop, observers: trainer.runFolderWriters() + [ProgressDisplay()])
                guard summary.completed else {
                    print("stopped at step \(summary.step); continue with: simclr finetune --out \(out) --resume")
                    throw ExitCode(130)
                }
                try report.append(name: name, trainer: trainer, summary: summary, testSet: testSet, testPath: testPath)
            }
            try AtomicFile.write(try report.jsonBytes(), to: out + "/" + FinetuneReport.fileName)
            print(report.formattedTable())
            print("wrote \(out)/{\(ClassifierManifest.weightsFileName),\(ClassifierManifest.fileName),\(FinetuneReport.fileName)}")
        }

        private static func resumeLine(_ trainer: FinetuneTrainer) -> String {
            let step = trainer.progress.step
            if step >= trainer.epochs * trainer.stepsPerEpoch { return "\nfinished at step \(step): evaluating again" }
            return step > 0 ? "\nresuming at step \(step) (epoch \(trainer.progress.epoch + 1))" : ""
        }

        static func header(name: String, _ trainer: FinetuneTrainer) -> String {
            let c = trainer.configuration, t = c.training
            return """
                \(name): \(trainer.labelledImages.count) labelled images (\(c.labels), \(c.classNames.count) classes) from \(t.data)
                encoder \(c.encoder ?? "random init (seed \(t.seed))"), widths \(t.model.widths.map(String.init).joined(separator: ",")), \(t.model.imageSize)×\(t.model.imageSize) views\(c.freezeEncoder ? ", frozen (eval mode)" : ", trained end to end")
                \(t.optimizer.rawValue), peak lr \(String(format: "%.4g", t.peakLearningRate)) (\(t.learningRateScaling.rawValue)), weight decay \(t.weightDecay), warmup \(trainer.schedule.warmupSteps) of \(trainer.schedule.totalSteps) steps
                \(t.epochs) epochs × \(trainer.stepsPerEpoch) steps of \(t.batchSize) images (2 views each); output in \(trainer.outputFolder)\
                \(Self.resumeLine(trainer))
                """
        }
    }
}
