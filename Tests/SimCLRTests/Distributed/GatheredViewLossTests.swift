import SimCLR
import SimCLRTestSupport
import Testing

/// The all-gathered loss of K in-process "processes" against the one-process loss, on uneven
/// splits: same value, and each process's rows of dL/dz equal to the whole batch's rows.
@Suite struct GatheredViewLossTests {
    @Test(arguments: [(ContrastiveLossKind.ntxent, 10, 3), (.ntxent, 7, 2), (.contrastive, 9, 4), (.triplet, 8, 3)])
    func gradientOfOwnRowsIncludesEveryAnchor(kind: ContrastiveLossKind, images: Int, processes: Int) throws {
        let width = 6
        let z = LayerTestSupport.random([2 * images, width], seed: 11)
        var wholeGradient = Tensor(shape: [0])
        let whole = try kind.makeLoss().lossAndGradient(embeddings: z, embeddingGradient: &wholeGradient)
        let counts = BatchPart(rank: 0, count: processes).sizes(of: images)
        let communicators = ThreadGroupCommunicator.group(size: processes)
        let parts = ThreadGroupCommunicator.run(communicators) { rank, communicator -> (ViewLossResult, Tensor, [Int]) in
            // This process's rows: views 1 then views 2 of its images.
            let range = BatchPart(rank: rank, count: processes).range(of: images)
            let batchRows = Array(range) + range.map { images + $0 }
            let local = Tensor(shape: [batchRows.count, width], data: batchRows.flatMap { Array(z.data[($0 * width)..<(($0 + 1) * width)]) })
            let loss = GatheredViewLoss(try! kind.makeLoss(), communicator: communicator, imageCounts: counts)
            var gradient = Tensor(shape: [0])
            let result = try! loss.lossAndGradient(embeddings: local, embeddingGradient: &gradient)
            return (result, gradient, batchRows)
        }
        let scale = wholeGradient.data.map(abs).max()!
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

    @Test func batchPartsAreContiguousAndTheFirstOnesLonger() {
        #expect(BatchPart(rank: 0, count: 3).sizes(of: 64) == [22, 21, 21])
        #expect(BatchPart(rank: 2, count: 3).range(of: 64) == 43..<64)
        #expect(GatheredViewLoss.batchRows(imageCounts: [2, 1]) == [0, 1, 3, 4, 2, 5])
    }
}
