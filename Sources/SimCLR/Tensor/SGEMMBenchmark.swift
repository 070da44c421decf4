/// Measures `cblas_sgemm` throughput in this process: the peak every other figure is compared to.
public enum SGEMMBenchmark {
    /// GFLOP/s of a square `size`³ product (2·size³ flops), best of `repeats` timed calls after
    /// one warm-up call.
    public static func gflops(size: Int, repeats: Int = 5) -> Double {
        var rng = SplitMix64(seed: 42)
        let a = (0..<(size * size)).map { _ in rng.nextFloat() - 0.5 }
        let b = (0..<(size * size)).map { _ in rng.nextFloat() - 0.5 }
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for iteration in 0...repeats {
            let start = System.now()
            c.withUnsafeMutableBufferPointer { cp in
                BLAS.sgemm(
                    .none, .none, m: size, n: size, k: size, a: a, lda: size, b: b, ldb: size,
                    c: cp.baseAddress!, ldc: size)
            }
            let elapsed = System.now() - start
            if iteration > 0 { best = min(best, elapsed) }
        }
        return 2 * Double(size * size * size) / best / 1e9
    }
}
