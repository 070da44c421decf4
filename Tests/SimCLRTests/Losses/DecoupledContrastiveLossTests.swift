import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

/// The decoupled loss (DCL, `NTXentLoss(decoupled: true)`): NT-Xent with the positive left out of
/// the denominator (Yeh et al. 2022, arXiv 2110.06848, eq. 6).
@Suite struct DecoupledContrastiveLossTests {
    static func evaluate(_ loss: NTXentLoss, _ z: Tensor) throws -> (ViewLossResult, Tensor) {
        var gradient = Tensor(shape: [0])
        let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &gradient)
        return (result, gradient)
    }

    /// Blocked and unblocked against the Double reference and central differences of it.
    @Test(arguments: [(2, 3, 0.5), (5, 7, 0.1), (9, 4, 1.0), (16, 33, 0.2)])
    func matchesTheReferenceAndItsFiniteDifferences(n: Int, dimension: Int, tau: Double) throws {
        let z = randomEmbeddings(rows: 2 * n, columns: dimension, seed: UInt64(n * 31 + dimension))
        let reference = { (x: [Double]) in
            ntXentAlgorithm1(x, rows: 2 * n, dimension: dimension, temperature: tau, decoupled: true)
        }
        let expectedLoss = reference(z.data.map(Double.init))
        let expectedGradient = numericalGradient(of: z, step: 1e-5, reference)
        for blockBytes in [Int.max, 3 * 2 * n * 4] {
            let loss = try NTXentLoss(temperature: Float(tau), decoupled: true, logitBlockBytes: blockBytes)
            let (result, gradient) = try Self.evaluate(loss, z)
            #expect(abs(Double(result.loss) - expectedLoss) <= 1e-5 * max(1, abs(expectedLoss)),
                    "loss \(result.loss) vs \(expectedLoss)")
            #expect(Tolerance.relativeToScale(gradient.data, expectedGradient) < 1e-4)
        }
    }

    /// The two losses differ by exactly the positive's share of the denominator:
    /// l_DCL = l_NT-Xent + log(1 − p_pos) per row, so DCL is the smaller, and it can go negative.
    @Test func differsFromNTXentByThePositivesShare() throws {
        let n = 6, d = 5, tau = 0.3
        let z = randomEmbeddings(rows: 2 * n, columns: d, seed: 11)
        let (ntxent, _) = try Self.evaluate(try NTXentLoss(temperature: Float(tau)), z)
        let (dcl, _) = try Self.evaluate(try NTXentLoss(temperature: Float(tau), decoupled: true), z)
        #expect(dcl.loss < ntxent.loss)
        #expect(dcl.positiveTop1Accuracy == ntxent.positiveTop1Accuracy)
        let reference = ntXentAlgorithm1(z.data.map(Double.init), rows: 2 * n, dimension: d, temperature: tau, decoupled: true)
        #expect(abs(Double(dcl.loss) - reference) < 1e-5 * max(1, abs(reference)))
    }

    /// Collinear rows: every logit is 1/τ, so the loss is log(2N − 2) (the collapse detector's
    /// value) and the gradient 0.
    @Test(arguments: [2, 5, 32])
    func identicalRowsGiveLogOfNegativeCount(n: Int) throws {
        let row: [Float] = [0.3, -1.2, 2.0, 0.7]
        let z = Tensor(shape: [2 * n, 4], data: (0..<(2 * n)).flatMap { r in row.map { $0 * Float(r + 1) } })
        let (result, gradient) = try Self.evaluate(try NTXentLoss(temperature: 0.1, decoupled: true), z)
        #expect(abs(Double(result.loss) - CollapseDetector.degenerateDCLLoss(views: 2 * n)) < 1e-5)
        #expect(gradient.data.allSatisfy { abs($0) < 1e-5 })
    }

    /// One image has no negatives: a clear error, not a NaN.
    @Test func oneImageIsRefused() throws {
        let loss = try NTXentLoss(temperature: 0.5, decoupled: true)
        let z = randomEmbeddings(rows: 2, columns: 3, seed: 1)
        #expect(throws: LossError.noNegatives(rows: 2)) { try Self.evaluate(loss, z) }
    }

    /// `--loss dcl` is self-supervised only; with labels the configuration names the way out.
    @Test func labelsAreRefused() throws {
        var configuration = TrainingConfiguration(
            data: "unused", epochs: 1, batchSize: 8, loss: .dcl,
            augmentation: try AugmentationConfig.preset(named: "fashion-mnist"))
        #expect(throws: Never.self) { try configuration.validate() }
        configuration.supervision = .labels
        #expect {
            try configuration.validate()
        } throws: { error in
            "\(error)".contains("dcl is self-supervised")
        }
    }
}
