import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    /// `simclr verify`: pair verification (same class or not) by cosine similarity of a frozen
    /// encoder's features, or `--make-pairs` to write a pairs file.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verification metrics (ROC AUC, EER, TAR@FAR, best accuracy) on an LFW-style pairs file, with a ROC-curve PNG.",
            discussion: """
                Pairs file: one pair per line, '<path A> <path B> <1 same | 0 different>', paths relative to \
                --root, fields separated by a tab or spaces; '#' starts a comment line. Scores are cosine \
                similarities of the encoder's features. The ROC curve is written beside --out as <stem>.roc.png. \
                With --make-pairs COUNT it instead writes a balanced, seeded pairs file (COUNT/2 same-class \
                pairs, the rest different-class) from the ImageFolder --root to --out.
                """)

        @OptionGroup var runtime: RuntimeOptions

        @Option(help: "Trained encoder weights (encoder.json must sit beside them).") var encoder: String?
        @Option(help: "Pairs file (LFW style).") var pairs: String?
        @Option(help: "Folder the pairs' paths are relative to (an ImageFolder for --make-pairs).") var root: String
        @Option(help: "Features: h (representation) or z (projection; needs an export with --with-head).")
        var features: EmbeddingOutput = .h
        @Option(help: "Images per encoder forward pass.") var batchSize: Int = 256
        @Option(help: ArgumentHelp("Write a balanced pairs file of COUNT pairs to --out instead of evaluating.", valueName: "count"))
        var makePairs: Int?
        @Option(help: "Seed of --make-pairs.") var seed: UInt64 = 0
        @Option(help: "The JSON report (ROC PNG beside it), or the pairs file with --make-pairs.") var out: String

        func validate() throws {
            if let makePairs {
                guard makePairs >= 2 else { throw ValidationError("--make-pairs must be at least 2, got \(makePairs)") }
                guard encoder == nil, pairs == nil else { throw ValidationError("--make-pairs writes a pairs file; it takes no --encoder or --pairs") }
            } else {
                guard encoder != nil, pairs != nil else { throw ValidationError("give --encoder and --pairs (or --make-pairs COUNT)") }
            }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            try OutputFolderCheck.validateParent(of: out)
        }

        /// `<out without .json>.roc.png`.
        var rocPath: String { (out.hasSuffix(".json") ? String(out.dropLast(5)) : out) + ".roc.png" }

        func run() throws {
            runtime.apply()
            if let makePairs {
                let listing = try ImageFolderListing.scan(root: root)
                let made = try PairsFile.make(from: listing, count: makePairs, seed: seed)
                let header = "simclr verify --make-pairs \(makePairs) --root \(root) --seed \(seed)\npath A, path B (relative to the root), 1 same class / 0 different"
                try AtomicFile.write(Array(PairsFile.text(made, header: header).utf8), to: out)
                print("wrote \(out): \(made.filter(\.same).count) same and \(made.filter { !$0.same }.count) different pairs")
                return
            }
            let start = System.now()
            let frozen = try FrozenEncoder.load(weightsPath: encoder!, includeHead: features == .z)
            for name in frozen.unusedTensorNames { print("warning: \(encoder!): tensor '\(name)' is not part of the model and is ignored") }
            let list = try PairsFile.read(path: pairs!)
            let images = try PairsFile.images(
                for: list, root: root, channels: frozen.description.configuration.inputChannels, path: pairs!)
            try frozen.checkFits(images.dataset, path: root)
            let embeddings = try frozen.representations(of: images.dataset, path: root, batchSize: batchSize, output: features)
            let scores = PairScores.cosine(embeddings, first: images.first, second: images.second)
            let metrics = try VerificationMetrics.compute(scores: scores, same: list.map(\.same))
            let roc = VerificationMetrics.rocCurve(scores: scores, same: list.map(\.same))
            let report = VerificationReport(
                pairs: pairs!, root: root, features: features, pairCount: list.count, imageCount: images.dataset.count,
                metrics: metrics, rocCurve: rocPath, seconds: System.now() - start)
            print(report.formattedTable())
            try PNG.write(ROCCurvePlot.image(points: roc, eer: metrics.eer), to: rocPath)
            try AtomicFile.write(try report.jsonBytes(), to: out)
            print("wrote \(out) and \(rocPath)")
        }
    }
}
