import Foundation
import SimCLR
import SimCLRTestSupport
import Testing

@Suite struct NTXentLossTests {
    /// Block budgets under test: the whole matrix at once, and 3 rows per block (so the last
    /// block is short whenever 2N is not a multiple of 3).
    static func losses(temperature: Float, rows: Int) throws -> [NTXentLoss] {
        [try NTXentLoss(temperature: temperature, logitBlockBytes: .max),
         try NTXentLoss(temperature: temperature, logitBlockBytes: 3 * rows * 4)]
    }

    static func evaluate(_ loss: NTXentLoss, _ z: Tensor) throws -> (ViewLossResult, Tensor) {
        var gradient = Tensor(shape: [0])
        let result = try loss.lossAndGradient(embeddings: z, embeddingGradient: &gradient)
        return (result, gradient)
    }

    @Test func fixtureFileHasCases() {
        #expect(LossFixtures.cases("nt_xent").count > 0, "losses.json not found under \(Fixtures.root.path)")
    }

    /// Every `nt_xent` case, blocked and unblocked, with the README's Float tolerances: loss to
    /// 1e-4·max(1, |L|), gradient to 1e-4·max(max|grad|, 1e-2); eps-dependent zero rows finite.
    @Test(arguments: LossFixtures.cases("nt_xent"))
    func matchesFixture(_ fixture: LossFixtureCase) throws {
        let name = fixture.name
        let z = LossFixtures.tensor(fixture["z"])
        let tau = Float(LossFixtures.number(fixture["tau"]))
        let expectedLoss = LossFixtures.number(fixture["loss"])
        let expectedGradient = LossFixtures.doubles(fixture["grad_z"])
        let epsDependentRows = Set(LossFixtures.integers(fixture["grad_rows_eps_dependent"]))
        let dimension = z.shape[1]
        for loss in try Self.losses(temperature: tau, rows: z.shape[0]) {
            let (result, gradient) = try Self.evaluate(loss, z)
            #expect(abs(Double(result.loss) - expectedLoss) <= 1e-4 * max(1, abs(expectedLoss)),
                    "\(name): loss \(result.loss) vs \(expectedLoss)")
            #expect(gradient.data.allSatisfy { $0.isFinite }, "\(name): non-finite gradient")
            var actual: [Float] = [], expected: [Double] = []
            for r in 0..<z.shape[0] where !epsDependentRows.contains(r) {
                actual += gradient.data[(r * dimension)..<((r + 1) * dimension)]
                expected += expectedGradient[(r * dimension)..<((r + 1) * dimension)]
            }
            let scale = max(expected.map(abs).max() ?? 0, 1e-2)
            let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-4 * scale, "\(name): gradient off by \(worst) (scale \(scale)), block rows \(loss.blockRows(forViews: z.shape[0]))")
        }
    }

    /// The fast loss against the paper's Algorithm 1 in Double, and its gradient against central
    /// differences of that reference, on seeded shapes the fixtures do not have.
    @Test(arguments: [(2, 3, 0.5), (5, 7, 0.1), (9, 4, 1.0), (16, 33, 0.2)])
    func matchesAlgorithm1AndItsFiniteDifferences(n: Int, dimension: Int, tau: Double) throws {
        let z = randomEmbeddings(rows: 2 * n, columns: dimension, seed: UInt64(n * 100 + dimension))
        let reference = { (x: [Double]) in ntXentAlgorithm1(x, rows: 2 * n, dimension: dimension, temperature: tau) }
        let expectedLoss = reference(z.data.map(Double.init))
        let expectedGradient = numericalGradient(of: z, step: 1e-5, reference)
        for loss in try Self.losses(temperature: Float(tau), rows: 2 * n) {
            let (result, gradient) = try Self.evaluate(loss, z)
            #expect(abs(Double(result.loss) - expectedLoss) <= 1e-5 * max(1, expectedLoss))
            #expect(Tolerance.relativeToScale(gradient.data, expectedGradient) < 1e-4)
        }
    }

    /// Finite differences of the Float loss itself at degenerate points: duplicate images,
    /// identical views, a tiny-norm row, τ = 0.05.
    @Test func gradientMatchesFiniteDifferencesAtDegeneratePoints() throws {
        var duplicates = randomEmbeddings(rows: 8, columns: 5, seed: 3)
        for c in 0..<5 {
            duplicates.data[2 * 5 + c] = duplicates.data[1 * 5 + c]
            duplicates.data[6 * 5 + c] = duplicates.data[5 * 5 + c]
        }
        var identicalViews = randomEmbeddings(rows: 6, columns: 4, seed: 4)
        for r in 0..<3 { for c in 0..<4 { identicalViews.data[(r + 3) * 4 + c] = identicalViews.data[r * 4 + c] } }
        var smallRow = randomEmbeddings(rows: 6, columns: 4, seed: 5)
        for c in 0..<4 { smallRow.data[2 * 4 + c] *= 0.05 }
        for (z, tau) in [(duplicates, Float(0.5)), (identicalViews, 0.2), (smallRow, 0.05)] {
            let loss = try NTXentLoss(temperature: tau, logitBlockBytes: 4 * z.shape[0] * 2)
            let (_, gradient) = try Self.evaluate(loss, z)
            let numeric = numericalGradient(of: z, step: 1e-3) { x in
                (try? Self.evaluate(loss, x).0.loss) ?? .nan
            }
            #expect(Tolerance.relativeToScale(gradient.data, numeric, floor: 1e-2) < 2e-2)
        }
    }

    /// Collinear rows: every similarity is 1/τ, so the loss is log(2N − 1) and the gradient 0.
    @Test(arguments: [1, 2, 5, 32])
    func identicalRowsGiveLogOfCandidateCount(n: Int) throws {
        let row: [Float] = [0.3, -1.2, 2.0, 0.7]
        let z = Tensor(shape: [2 * n, 4], data: (0..<(2 * n)).flatMap { r in row.map { $0 * Float(r + 1) } })
        let (result, gradient) = try Self.evaluate(try NTXentLoss(temperature: 0.1), z)
        #expect(abs(Double(result.loss) - log(Double(2 * n - 1))) < 1e-5)
        #expect(gradient.data.allSatisfy { abs($0) < 1e-5 })
    }

    /// Swapping the two views (rows i ↔ i+N) leaves the loss unchanged and swaps the gradient.
    @Test func swappingViewsChangesNothing() throws {
        let n = 6, d = 5
        let z = randomEmbeddings(rows: 2 * n, columns: d, seed: 11)
        let swapped = Tensor(shape: z.shape, data: Array(z.data[(n * d)...] + z.data[..<(n * d)]))
        let loss = try NTXentLoss(temperature: 0.3)
        let (a, ga) = try Self.evaluate(loss, z)
        let (b, gb) = try Self.evaluate(loss, swapped)
        #expect(abs(a.loss - b.loss) < 1e-6)
        #expect(a.positiveTop1Accuracy == b.positiveTop1Accuracy)
        let swappedBack = Array(gb.data[(n * d)...] + gb.data[..<(n * d)])
        #expect(Tolerance.relativeToScale(swappedBack, ga.data) < 1e-5)
    }

    /// Blocks of 1, 7, 64 and 333 rows against one block, on a size where both fit.
    @Test func blockedEqualsUnblocked() throws {
        let rows = 1000, d = 32
        // Second views = first views + noise, so some but not all positives are the nearest.
        var z = randomEmbeddings(rows: rows, columns: d, seed: 21)
        for i in (rows / 2 * d)..<(rows * d) { z.data[i] = z.data[i - rows / 2 * d] + 1.5 * z.data[i] }
        let (whole, wholeGradient) = try Self.evaluate(try NTXentLoss(temperature: 0.2, logitBlockBytes: .max), z)
        #expect(whole.positiveTop1Accuracy > 0.05 && whole.positiveTop1Accuracy < 0.95)
        for blockRows in [1, 7, 64, 333] {
            let loss = try NTXentLoss(temperature: 0.2, logitBlockBytes: blockRows * rows * 4)
            #expect(loss.blockRows(forViews: rows) == blockRows)
            let (blocked, gradient) = try Self.evaluate(loss, z)
            #expect(abs(blocked.loss - whole.loss) <= 1e-6 * max(1, whole.loss))
            #expect(blocked.positiveTop1Accuracy == whole.positiveTop1Accuracy)
            #expect(Tolerance.relativeToScale(gradient.data, wholeGradient.data) < 1e-5)
        }
    }

    /// Accuracy counts anchors whose positive is strictly the most similar candidate.
    @Test func accuracyCountsAnchorsWhosePositiveIsNearest() throws {
        // Images 0 and 1 have aligned views; image 2's views point in opposite directions.
        let z = Tensor(shape: [6, 2], data: [1, 0, 0, 1, 1, 1, 1, 0.1, 0.1, 1, -1, -1])
        let (result, _) = try Self.evaluate(try NTXentLoss(temperature: 0.5), z)
        #expect(result.positiveTop1Accuracy == Float(4) / 6)
    }

    @Test func tinyTemperatureAndZeroRowsStayFinite() throws {
        var z = randomEmbeddings(rows: 10, columns: 6, seed: 8)
        for c in 0..<6 { z.data[3 * 6 + c] = 0 }
        let (result, gradient) = try Self.evaluate(try NTXentLoss(temperature: 1e-3), z)
        #expect(result.loss.isFinite && result.loss > 0)
        #expect(gradient.data.allSatisfy { $0.isFinite })
        let allZero = Tensor(shape: [4, 3])
        let (zeroResult, zeroGradient) = try Self.evaluate(try NTXentLoss(temperature: 0.5), allZero)
        #expect(abs(Double(zeroResult.loss) - log(3.0)) < 1e-6)
        #expect(zeroGradient.data.allSatisfy { $0.isFinite })
    }

    @Test func oneImageGivesZero() throws {
        let z = randomEmbeddings(rows: 2, columns: 5, seed: 2)
        let (result, gradient) = try Self.evaluate(try NTXentLoss(temperature: 0.07), z)
        #expect(result.loss == 0)
        #expect(gradient.data.allSatisfy { $0 == 0 })
        #expect(result.positiveTop1Accuracy == 1)
    }

    @Test func rejectsBadTemperatureAndRowCounts() throws {
        #expect(throws: LossError.nonPositiveTemperature(0)) { try NTXentLoss(temperature: 0) }
        #expect(throws: LossError.nonPositiveTemperature(-0.5)) { try NTXentLoss(temperature: -0.5) }
        #expect(throws: LossError.self) { try NTXentLoss(temperature: .nan) }
        let loss = try NTXentLoss(temperature: 0.5)
        var gradient = Tensor(shape: [0])
        #expect(throws: LossError.oddViewCount(rows: 5)) {
            try loss.lossAndGradient(embeddings: Tensor(shape: [5, 3]), embeddingGradient: &gradient)
        }
        #expect(throws: LossError.emptyBatch) {
            try loss.lossAndGradient(embeddings: Tensor(shape: [0, 3]), embeddingGradient: &gradient)
        }
        #expect(LossError.oddViewCount(rows: 5).description.contains("5 rows"))
    }

    /// The second call with the same shape reuses the workspaces and gives identical results.
    @Test func reusesWorkspacesBetweenCalls() throws {
        let loss = try NTXentLoss(temperature: 0.5, logitBlockBytes: 10 * 64 * 4)
        let z = randomEmbeddings(rows: 64, columns: 8, seed: 9)
        let (first, firstGradient) = try Self.evaluate(loss, z)
        _ = try Self.evaluate(loss, randomEmbeddings(rows: 32, columns: 8, seed: 1))
        let bytes = loss.workspaceBytes
        let (second, secondGradient) = try Self.evaluate(loss, z)
        #expect(loss.workspaceBytes == bytes)
        #expect(first == second && firstGradient == secondGradient)
    }
}
