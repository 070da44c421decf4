import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct RetrievalFixtureTests {
    @Test func fixtureFileHasCases() {
        #expect(MetricFixtures.cases("retrieval").count > 0)
        #expect(MetricFixtures.cases("verification").count > 0)
    }

    /// Block sizes that force several query and gallery blocks and candidate compaction on the
    /// fixtures' small sets, besides the defaults (one block).
    static let blockings = [
        RetrievalEvaluation.Blocking(),
        RetrievalEvaluation.Blocking(taskRows: 2, galleryBlockSize: 5, sampleSize: 5, candidateSlack: 1),
        RetrievalEvaluation.Blocking(taskRows: 1, galleryBlockSize: 1, sampleSize: 3, candidateSlack: 1),
    ]

    /// Every `retrieval` case: every expected value, exactly (1e-9), for each blocking.
    @Test(arguments: MetricFixtures.cases("retrieval"))
    func retrievalMatchesFixture(_ fixture: LossFixtureCase) throws {
        let queries = LossFixtures.tensor(fixture["query"])
        let queryLabels = LossFixtures.integers(fixture["query_labels"])
        let sameSource = fixture["same_source"] as? Bool ?? false
        let gallery = sameSource ? nil : (LossFixtures.tensor(fixture["gallery"]), LossFixtures.integers(fixture["gallery_labels"]))
        let metric = try #require(RetrievalMetric(rawValue: fixture["metric"] as? String ?? ""), "\(fixture.name): metric")
        let labelCount = ((gallery?.1 ?? []) + queryLabels).max()! + 1
        let expected = MetricValues.expected(fixture)
        for blocking in Self.blockings {
            let result = try RetrievalEvaluation.run(
                queries: queries, queryLabels: queryLabels, gallery: gallery, labelCount: labelCount, metric: metric, blocking: blocking)
            let m = result.overall
            let context = "\(fixture.name), blocks \(blocking.taskRows)×\(blocking.galleryBlockSize)"
            for (key, actual) in [("precision_at_1", m.precisionAt1), ("r_precision", m.rPrecision), ("map_at_r", m.mapAtR),
                                  ("mean_reciprocal_rank", m.meanReciprocalRank)] {
                let value = LossFixtures.number(expected[key])
                #expect(abs(actual - value) <= 1e-9, "\(context) \(key): \(actual) vs \(value)")
            }
            let recall = expected["recall_at_k"] as? [String: Any] ?? [:]
            #expect(!recall.isEmpty)
            for (k, value) in recall {
                let actual = try #require(m.recallAtK[k], "\(context): recall@\(k) not computed")
                #expect(abs(actual - LossFixtures.number(value)) <= 1e-9, "\(context) recall@\(k)")
            }
            #expect(m.queriesEvaluated == Int(LossFixtures.number(expected["queries_evaluated"])), "\(context)")
            #expect(m.queriesSkipped == Int(LossFixtures.number(expected["queries_skipped"])), "\(context)")
            // Per class: the queries of each label add up to the overall counts and means.
            let perClass = result.perClass.compactMap { $0 }
            #expect(perClass.reduce(0) { $0 + $1.queriesEvaluated } == m.queriesEvaluated)
            #expect(perClass.reduce(0) { $0 + $1.queriesSkipped } == m.queriesSkipped)
            let weighted = perClass.reduce(0.0) { $0 + $1.mapAtR * Double($1.queriesEvaluated) } / Double(max(m.queriesEvaluated, 1))
            #expect(abs(weighted - m.mapAtR) <= 1e-9, "\(context): per-class MAP@R does not average to the overall one")
        }
    }

    /// Every `verification` case: AUC, EER, TAR at every FAR the file lists, best accuracy and
    /// the pair counts, exactly (1e-9).
    @Test(arguments: MetricFixtures.cases("verification"))
    func verificationMatchesFixture(_ fixture: LossFixtureCase) throws {
        let scores = MetricValues.doubles(fixture["scores"])
        let same = LossFixtures.integers(fixture["same"]).map { $0 == 1 }
        let expected = MetricValues.expected(fixture)
        let m = try VerificationMetrics.compute(scores: scores, same: same)
        for (key, actual) in [("roc_auc", m.rocAUC), ("eer", m.eer), ("best_accuracy", m.bestAccuracy)] {
            let value = LossFixtures.number(expected[key])
            #expect(abs(actual - value) <= 1e-9, "\(fixture.name) \(key): \(actual) vs \(value)")
        }
        let roc = VerificationMetrics.rocCurve(scores: scores, same: same)
        let tar = expected["tar_at_far"] as? [String: Any] ?? [:]
        #expect(!tar.isEmpty)
        for (far, value) in tar {
            let f = try #require(Double(far))
            let actual = VerificationMetrics.trueAcceptRate(atFalseAcceptRate: f, roc: roc)
            #expect(abs(actual - LossFixtures.number(value)) <= 1e-9, "\(fixture.name) TAR@FAR \(far)")
            if let reported = m.tarAtFAR[far] { #expect(reported == actual) }
        }
        #expect(m.positives == Int(LossFixtures.number(expected["positives"])))
        #expect(m.negatives == Int(LossFixtures.number(expected["negatives"])))
        // The best threshold reproduces the best accuracy.
        let threshold = m.bestThreshold ?? .infinity
        let correct = zip(scores, same).filter { ($0.0 >= threshold) == $0.1 }.count
        #expect(abs(Double(correct) / Double(scores.count) - m.bestAccuracy) <= 1e-12)
    }
}
