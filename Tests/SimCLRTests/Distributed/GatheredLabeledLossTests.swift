import SimCLR
import SimCLRTestSupport
import Testing

/// The label-supervised losses under data parallelism: K in-process "processes" each hold their
/// rows of z, all know the whole batch's labels; the gathered loss equals the one-process loss,
/// and each process's rows of dL/dz equal the whole batch's rows.
@Suite struct GatheredLabeledLossTests {
    static func makeLoss(_ kind: Int) -> any ViewEmbeddingLoss {
        switch kind {
        case 0: return try! SupConLoss(temperature: 0.2)
        case 1: return try! LabeledContrastiveLoss(margin: 1)
        case 2: return try! LabeledTripletLoss(margin: 0.5, mining: .batchHard)
        case 3: return try! LabeledTripletLoss(margin: 0.5, mining: .batchAll)
        default: return try! LabeledTripletLoss(margin: 0.5, mining: .semiHard)
        }
    }

    @Test(arguments: [(0, 10, 3), (0, 7, 2), (1, 9, 4), (2, 8, 3), (3, 8, 3), (4, 9, 2)])
    func gatheredLabelledLossEqualsTheWholeBatch(kind: Int, images: Int, processes: Int) throws {
        let width = 6
        let z = LayerTestSupport.random([2 * images, width], seed: 13)
        let imageLabels = (0..<images).map { ($0 * 7) % 3 }
        let labels = imageLabels + imageLabels
        var wholeGradient = Tensor(shape: [0])
        let whole = try Self.makeLoss(kind).lossAndGradient(embeddings: z, labels: labels, embeddingGradient: &wholeGradient)
        let counts = BatchPart(rank: 0, count: processes).sizes(of: images)
        let communicators = ThreadGroupCommunicator.group(size: processes)
        let parts = ThreadGroupCommunicator.run(communicators) { rank, communicator -> (ViewLossResult, Tensor, [Int]) in
            let range = BatchPart(rank: rank, count: processes).range(of: images)
            let batchRows = Array(range) + range.map { images + $0 }
            let local = Tensor(shape: [batchRows.count, width], data: batchRows.flatMap { Array(z.data[($0 * width)..<(($0 + 1) * width)]) })
            let loss = GatheredViewLoss(Self.makeLoss(kind), communicator: communicator, imageCounts: counts)
            var gradient = Tensor(shape: [0])
            let result = try! loss.lossAndGradient(embeddings: local, labels: labels, embeddingGradient: &gradient)
            return (result, gradient, batchRows)
        }
        let scale = max(wholeGradient.data.map(abs).max()!, 1e-6)
        #expect(whole.loss > 0)
        for (result, gradient, batchRows) in parts {
            #expect(abs(result.loss - whole.loss) <= 1e-6 * abs(whole.loss), "loss \(result.loss) vs \(whole.loss)")
            #expect(result.positiveTop1Accuracy == whole.positiveTop1Accuracy)
            for (localRow, batchRow) in batchRows.enumerated() {
                for d in 0..<width {
                    let difference = abs(gradient.data[localRow * width + d] - wholeGradient.data[batchRow * width + d])
                    #expect(difference <= 1e-6 * scale, "row \(batchRow) dim \(d): \(difference)")
                }
            }
        }
    }
}
