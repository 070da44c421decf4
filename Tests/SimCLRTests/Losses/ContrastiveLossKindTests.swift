import SimCLR
import Testing

@Suite struct ContrastiveLossKindTests {
    @Test func namesMatchTheLossFlag() {
        #expect(ContrastiveLossKind.allCases.map(\.rawValue) == ["ntxent", "dcl", "contrastive", "triplet"])
        #expect(ContrastiveLossKind(rawValue: "triplet") == .triplet)
    }

    /// Every kind builds a loss whose entry point gives a finite loss, a gradient of z's shape,
    /// and an accuracy in [0, 1]; bad settings are typed errors.
    @Test(arguments: ContrastiveLossKind.allCases)
    func everyKindRunsThroughTheCommonEntryPoint(kind: ContrastiveLossKind) throws {
        let loss = try kind.makeLoss()
        let z = randomEmbeddings(rows: 8, columns: 6, seed: 5)
        var gradient = Tensor(shape: [1])
        let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &gradient)
        #expect(result.loss.isFinite && result.loss > 0)
        #expect(gradient.shape == z.shape && gradient.data.allSatisfy { $0.isFinite })
        #expect((0...1).contains(result.positiveTop1Accuracy))
        var bad = ViewLossSettings()
        bad.temperature = 0
        bad.contrastiveMargin = -1
        bad.tripletMargin = 0
        #expect(throws: LossError.self) { try kind.makeLoss(bad) }
    }
}
