import ArgumentParser
import Foundation
import SimCLR

extension SimCLRCommand {
    /// `simclr retrieval`: exact kNN retrieval metrics of a frozen encoder, with baselines.
    struct Retrieval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Image retrieval metrics (P@1, Recall@K, R-precision, MAP@R, MRR) of a frozen encoder, overall and per class.",
            discussion: """
                Every query image ranks the gallery by exact kNN (blocked sgemm); items of the query's class \
                are relevant. Without --gallery, leave-one-out within the queries. Queries whose class has no \
                gallery item are skipped and counted. Classes are matched by folder name.
                """)

        @OptionGroup var runtime: RuntimeOptions

        @Flag(help: "Skip images that fail to decode (they are listed) instead of stopping at the first one.")
        var skipBadImages = false
        @Option(help: ArgumentHelp(
            "Trained encoder weights (encoder.json must sit beside them).",
            discussion: "Without it, --baseline random-init uses the default resnet-mini initialised from --seed."))
        var encoder: String?
        @Option(help: "Query ImageFolder (root/<class>/*.png).") var query: String
        @Option(help: "Gallery ImageFolder (default: leave-one-out within --query).") var gallery: String?
        @Option(help: "Ranking: cosine (of L2-normalised features) or euclidean (raw features).")
        var metric: RetrievalMetric = .cosine
        @Option(help: "Features: h (representation) or z (projection; needs an export with --with-head).")
        var features: EmbeddingOutput = .h
        @Option(name: .customLong("baseline"), help: "Add a baseline row: raw-pixels or random-init (repeatable).")
        var baselines: [FeatureSource.Baseline] = []
        @Option(help: "Seed of the random-init baseline when there is no --encoder.") var seed: UInt64 = 0
        @Option(help: "Images per encoder forward pass.") var batchSize: Int = 256
        @Option(help: "Where to write the JSON report.") var out: String = "retrieval.json"

        func validate() throws {
            guard encoder != nil || !baselines.isEmpty else {
                throw ValidationError("nothing to evaluate: give --encoder encoder.safetensors and/or --baseline raw-pixels")
            }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
            try OutputFolderCheck.validateParent(of: out)
        }

        func run() throws {
            runtime.apply()
            let trained = try encoder.map { try FrozenEncoder.load(weightsPath: $0, includeHead: features == .z) }
            for name in trained?.unusedTensorNames ?? [] { print("warning: \(encoder!): tensor '\(name)' is not part of the model and is ignored") }
            let options = ImageFolderOptions(
                channels: trained.map { $0.description.configuration.inputChannels == 1 ? .grayscale : .rgb } ?? .automatic,
                skipBadImages: skipBadImages)
            let queries = try Self.load(query, options: options)
            let galleryImages = try gallery.map { try Self.load($0, options: options) }
            // Every check before any work: channels and image size against the encoder.
            try trained?.checkFits(queries, path: query)
            if let galleryImages, let gallery { try trained?.checkFits(galleryImages, path: gallery) }
            let labels = SharedLabels(queries: queries, gallery: galleryImages)
            let sources = try FeatureSource.list(trained: trained, baselines: baselines, output: features, batchSize: batchSize) {
                try EncoderDescription.defaultDescription(for: galleryImages ?? queries, path: gallery ?? query, seed: seed)
            }
            var rows: [RetrievalReport.Row] = []
            for source in sources {
                let start = System.now()
                let queryFeatures = try source.features(queries, query)
                let galleryFeatures = try galleryImages.map { try source.features($0, gallery!) }
                let embedSeconds = System.now() - start
                let result = try RetrievalEvaluation.run(
                    queries: queryFeatures, queryLabels: labels.query,
                    gallery: galleryFeatures.map { ($0, labels.gallery) }, labelCount: labels.count, metric: metric)
                print("\(source.name): features [\(queryFeatures.shape[0]), \(queryFeatures.shape[1])]"
                      + (galleryFeatures.map { " + [\($0.shape[0]), \($0.shape[1])]" } ?? "")
                      + String(format: " in %.1f s, search %.2f s", embedSeconds, result.seconds))
                rows.append(RetrievalReport.Row(
                    name: source.name, dimension: queryFeatures.shape[1], overall: result.overall,
                    perClass: labels.queryClassLabels.map { result.perClass[$0] }, embedSeconds: embedSeconds,
                    searchSeconds: result.seconds))
            }
            let report = RetrievalReport(
                query: query, gallery: gallery, metric: metric, features: features, classNames: queries.classNames,
                queryCount: queries.count, galleryCount: galleryImages?.count ?? queries.count, rows: rows)
            print(report.formattedTable())
            print(report.formattedPerClass(of: rows[0]))
            try AtomicFile.write(try report.jsonBytes(), to: out)
            print("wrote \(out)")
        }

        /// Loads an ImageFolder, printing its warnings.
        static func load(_ root: String, options: ImageFolderOptions) throws -> ImageDataset {
            let (dataset, report) = try ImageDataset.loadImageFolder(root: root, options: options)
            for line in report.warnings { print("warning: \(line)") }
            print("\(root): \(dataset.count) images, \(dataset.classNames.count) classes")
            return dataset
        }
    }
}

/// One label space for queries and gallery, matched by class name: the gallery's classes in
/// order, then query classes the gallery lacks (their queries have no relevant item and are
/// skipped).
struct SharedLabels {
    var query: [Int]
    var gallery: [Int]
    var count: Int
    /// For each query class (in the query folder's order), its shared label.
    var queryClassLabels: [Int]

    init(queries: ImageDataset, gallery: ImageDataset?) {
        guard let gallery else {
            query = queries.labels
            self.gallery = queries.labels
            count = queries.classNames.count
            queryClassLabels = Array(queries.classNames.indices)
            return
        }
        var names = gallery.classNames
        var index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        queryClassLabels = queries.classNames.map { name in
            if let known = index[name] { return known }
            index[name] = names.count
            names.append(name)
            return names.count - 1
        }
        let mapping = queryClassLabels
        query = queries.labels.map { mapping[$0] }
        self.gallery = gallery.labels
        count = names.count
    }
}
