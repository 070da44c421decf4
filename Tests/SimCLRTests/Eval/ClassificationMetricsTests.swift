import SimCLR
import Testing

@Suite struct ClassificationMetricsTests {
    @Test func countsTopKConfusionAndPerClass() {
        // 6 classes so that top-5 can miss. Row 0: label 0 ranked first. Row 1: label 1 ranked
        // 6th (miss in top-5). Row 2: label 2 tied with class 0 → class 0 wins the tie (rank 1).
        let scores = Tensor(shape: [3, 6], data: [
            9, 1, 2, 3, 4, 5,
            6, 0, 5, 4, 3, 2,
            7, 1, 7, 0, 0, 0,
        ])
        let m = ClassificationMetrics(scores: scores, labels: [0, 1, 2])
        #expect(m.top1 == 1.0 / 3)
        #expect(m.top5 == 2.0 / 3)
        #expect(m.confusionMatrix[1][0] == 1 && m.confusionMatrix[2][0] == 1 && m.confusionMatrix[0][0] == 1)
        #expect(m.perClassAccuracy[0] == 1 && m.perClassAccuracy[1] == 0 && m.perClassAccuracy[2] == 0)
        #expect(m.perClassAccuracy[3] == nil, "class without samples has no accuracy")
    }
}
