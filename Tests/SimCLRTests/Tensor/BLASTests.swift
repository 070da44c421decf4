import SimCLR
import Testing

@Suite struct BLASTests {
    /// sgemm in all four transpose combinations against a naive triple loop.
    @Test(arguments: [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)])
    func sgemmMatchesNaiveProduct(ta: Transpose, tb: Transpose) {
        let m = 5, n = 7, k = 3
        var rng = SplitMix64(seed: 7)
        let a = (0..<(m * k)).map { _ in rng.nextFloat() - 0.5 }
        let b = (0..<(k * n)).map { _ in rng.nextFloat() - 0.5 }
        func aAt(_ i: Int, _ p: Int) -> Float { ta == .none ? a[i * k + p] : a[p * m + i] }
        func bAt(_ p: Int, _ j: Int) -> Float { tb == .none ? b[p * n + j] : b[j * k + p] }
        var c = [Float](repeating: 1, count: m * n)
        c.withUnsafeMutableBufferPointer { cp in
            BLAS.sgemm(ta, tb, m: m, n: n, k: k, alpha: 2, a: a, lda: ta == .none ? k : m,
                       b: b, ldb: tb == .none ? n : k, beta: 0.5, c: cp.baseAddress!, ldc: n)
        }
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k { s += aAt(i, p) * bAt(p, j) }
                #expect(abs(c[i * n + j] - (2 * s + 0.5)) < 1e-5)
            }
        }
    }

    @Test func splitMixIsSeededAndUniform() {
        var a = SplitMix64(seed: 3), b = SplitMix64(seed: 3)
        #expect((0..<10).map { _ in a.next() } == (0..<10).map { _ in b.next() })
        var r = SplitMix64(seed: 9)
        let xs = (0..<20000).map { _ in r.nextFloat() }
        #expect(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = xs.reduce(0, +) / Float(xs.count)
        #expect(abs(mean - 0.5) < 0.01)
    }
}
