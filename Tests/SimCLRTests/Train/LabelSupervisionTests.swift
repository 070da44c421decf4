import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// `--supervision labels`: the configuration's rules, its loss, its checkpoint, and runs of the
/// trainer that resume exactly.
@Suite struct LabelSupervisionTests {
    static func configuration(
        loss: ContrastiveLossKind = .ntxent, mining: TripletMining = .batchHard, samplesPerClass: Int? = 2
    ) -> TrainingConfiguration {
        var c = TrainerTests.configuration()
        c.supervision = .labels
        c.loss = loss
        c.mining = mining
        c.samplesPerClass = samplesPerClass
        return c
    }

    @Test func configurationPicksTheLabelledLoss() throws {
        #expect(try Self.configuration().makeLoss() is SupConLoss)
        #expect(try Self.configuration(loss: .contrastive).makeLoss() is LabeledContrastiveLoss)
        let triplet = try #require(try Self.configuration(loss: .triplet, mining: .semiHard).makeLoss() as? LabeledTripletLoss)
        #expect(triplet.mining == .semiHard)
        var views = TrainerTests.configuration()
        views.loss = .triplet
        views.mining = .batchAll
        #expect((try views.makeLoss() as? TripletLoss)?.mining == .batchAll)
        #expect(try TrainerTests.configuration().makeLoss() is NTXentLoss)
    }

    /// Range rules before any work, one line each, naming the flag.
    @Test func rejectsArgumentsThatDoNotFit() throws {
        func message(_ c: TrainingConfiguration, dataset: ImageDataset? = nil) -> String? {
            do {
                try c.validate()
                if let dataset { try c.validate(dataset: dataset) }
                return nil
            } catch {
                return "\(error)"
            }
        }
        var c = Self.configuration(samplesPerClass: 3)
        #expect(message(c)?.contains("--batch-size must be a multiple of --samples-per-class (3)") == true)
        c.samplesPerClass = 0
        #expect(message(c)?.contains("--samples-per-class must be between 1 and") == true)
        var views = TrainerTests.configuration()
        views.loss = .triplet
        views.mining = .semiHard
        #expect(message(views) == "--mining semi-hard needs --supervision labels, got semi-hard")
        views.loss = .ntxent
        views.mining = .batchAll
        #expect(message(views)?.contains("--mining applies to --loss triplet only") == true)

        // 8 images, labels i % 2 (4 per class).
        let data = TrainerTests.dataset()
        #expect(message(Self.configuration(samplesPerClass: 2), dataset: data) == nil)
        c = Self.configuration(samplesPerClass: 4)
        c.batchSize = 8
        #expect(message(c, dataset: data) == nil)
        c.samplesPerClass = 8
        #expect(message(c, dataset: data) == "--samples-per-class 8 does not fit --data synthetic: class 'a' has only 4 images; M must be at most the smallest class")
        c.samplesPerClass = 1
        #expect(message(c, dataset: data)?.contains("--batch-size 8 needs 8 classes of M images, the folder has 2") == true)
        var lonely = data
        lonely.classNames.append("c")
        lonely.samples[7].label = 2
        #expect(message(Self.configuration(samplesPerClass: nil), dataset: lonely)
                == "--supervision labels does not fit --data synthetic: class 'c' has 1 image; every class needs at least 2 (a positive besides its own views)")
        var views2 = TrainerTests.configuration()
        views2.samplesPerClass = nil
        #expect(message(views2, dataset: lonely) == nil, "self-supervised runs take any class sizes")
        #expect(throws: TrainingConfigurationError.self) {
            try Trainer(configuration: Self.configuration(samplesPerClass: nil), dataset: lonely, outputFolder: TrainerTests.folder(), resume: false)
        }
    }

    /// The new arguments round-trip through the checkpoint's JSON; arguments stored before they
    /// existed read as today's behaviour (views, batch-hard, shuffled).
    @Test func argumentsAreStoredAndOldOnesReadAsViews() throws {
        let c = Self.configuration(loss: .triplet, mining: .semiHard, samplesPerClass: 2)
        #expect(c.json.contains("\"supervision\":\"labels\"") && c.json.contains("\"mining\":\"semi-hard\"")
                && c.json.contains("\"samples_per_class\":2"))
        #expect(try TrainingConfiguration.decode(json: c.json, path: "x") == c)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(TrainerTests.configuration().json.utf8)) as? [String: Any])
        for key in ["supervision", "mining", "samples_per_class"] { object.removeValue(forKey: key) }
        let old = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let decoded = try TrainingConfiguration.decode(json: old, path: "x")
        #expect(decoded == TrainerTests.configuration())
        #expect(decoded.supervision == .views && decoded.mining == .batchHard && decoded.samplesPerClass == nil)
    }

    /// Every labelled loss trains (finite, and the checkpoint keeps the arguments); a run stopped
    /// mid-epoch and resumed equals the uninterrupted one bitwise (class-balanced batches).
    @Test(arguments: [(ContrastiveLossKind.ntxent, TripletMining.batchHard), (.contrastive, .batchHard), (.triplet, .batchHard),
                      (.triplet, .batchAll), (.triplet, .semiHard)])
    func labelledRunResumesBitwise(loss: ContrastiveLossKind, mining: TripletMining) throws {
        let data = TrainerTests.dataset()
        var config = Self.configuration(loss: loss, mining: mining)
        config.margin = 0.5
        let straight = TrainerTests.folder()
        let summary = try Trainer(configuration: config, dataset: data, outputFolder: straight, resume: false).run()
        #expect(summary.completed && summary.lastEpochLoss?.isFinite == true)

        let interrupted = TrainerTests.folder()
        let stop = StopRequest()
        let first = try Trainer(configuration: config, dataset: data, outputFolder: interrupted, resume: false)
        _ = try first.run(stop: stop, observers: first.runFolderWriters() + [RecordObserver { if $0.step == 3 { stop.request() } }])
        let resumed = try Trainer(configuration: config, dataset: data, outputFolder: interrupted, resume: true)
        #expect(resumed.configuration.supervision == .labels && resumed.configuration.samplesPerClass == 2)
        #expect(try resumed.run().completed)
        #expect(try TrainerTests.deterministicMetrics(interrupted) == TrainerTests.deterministicMetrics(straight))
        let a = try TrainingCheckpoint.read(path: straight + "/" + TrainingCheckpoint.fileName)
        let b = try TrainingCheckpoint.read(path: interrupted + "/" + TrainingCheckpoint.fileName)
        #expect(a.model.map(\.tensor) == b.model.map(\.tensor))
        #expect(try TrainingConfiguration.decode(json: a.arguments, path: "x") == config)
    }

    /// The trainer hands the loss each view's class: with SupCon over 2 classes the first step's
    /// loss is the SupCon of that batch's z, not NT-Xent's.
    @Test func labelsReachTheLoss() throws {
        let data = TrainerTests.dataset()
        var records: [MetricsRecord] = []
        let labelled = try Trainer(configuration: Self.configuration(samplesPerClass: nil), dataset: data, outputFolder: TrainerTests.folder(), resume: false)
        try labelled.run(observers: [RecordObserver { records.append($0) }])
        var viewRecords: [MetricsRecord] = []
        try Trainer(configuration: TrainerTests.configuration(), dataset: data, outputFolder: TrainerTests.folder(), resume: false)
            .run(observers: [RecordObserver { viewRecords.append($0) }])
        // Same seed, weights and views: only the positives differ.
        #expect(records[0].loss != viewRecords[0].loss)
    }
}
