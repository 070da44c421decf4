internal import COpenBLAS

/// Whether a matrix operand of `BLAS.sgemm` is used as stored or transposed.
public enum Transpose: Sendable {
    case none
    case transposed
}

/// The one thin wrapper over OpenBLAS (`cblas_*`); the only file that imports `COpenBLAS`.
///
/// All matrices are row-major. OpenBLAS uses `threads` worker threads inside each call, except
/// inside `withSingleThreadedCalls`, where several of our workers call it at once.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C`, row-major, with `op(A)` `[m, k]`, `op(B)` `[k, n]`,
    /// `C` `[m, n]`; `lda`, `ldb`, `ldc` are row strides in elements.
    ///
    /// - Complexity: 2·m·n·k floating-point operations.
    @inlinable
    public static func sgemm(
        _ transA: Transpose, _ transB: Transpose,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        rawSgemm(
            transA == .transposed, transB == .transposed, m, n, k, alpha, a, lda, b, ldb, beta, c,
            ldc)
    }

    @usableFromInline
    static func rawSgemm(
        _ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
        _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
        _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y = alpha · x + y` over `count` elements.
    public static func saxpy(
        count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
    ) {
        cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
    }

    /// Dot product of `count` elements, accumulated by OpenBLAS.
    public static func sdot(count: Int, x: UnsafePointer<Float>, y: UnsafePointer<Float>) -> Float {
        cblas_sdot(Int32(count), x, 1, y, 1)
    }

    /// Runs `body` with OpenBLAS single-threaded, then restores `threads`: products that our own
    /// workers call at the same time (`Parallel.forEachTask`) then each run on their caller's
    /// core instead of sharing OpenBLAS's threads. The setting is process-wide: two threads
    /// inside at once (only parallel test suites do that) may see the other's setting in between,
    /// which changes speed, not results; the count after both is the original.
    public static func withSingleThreadedCalls<T>(_ body: () throws -> T) rethrows -> T {
        let saved = threads
        if saved == 1 { return try body() }
        threads = 1
        defer { threads = saved }
        return try body()
    }

    /// Number of threads OpenBLAS uses inside each call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel family OpenBLAS chose when it loaded (e.g. `Zen`, `SkylakeX`, `Prescott`).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string (version, `DYNAMIC_ARCH`, …).
    public static var config: String { String(cString: openblas_get_config()) }
}
