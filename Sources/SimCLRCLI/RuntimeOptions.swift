import ArgumentParser
import SimCLR

/// Options every compute-heavy subcommand shares.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Worker threads for BLAS and elementwise loops.")
    var threads: Int = System.coreCount

    @Option(help: ArgumentHelp(
        "OpenBLAS kernel family (OPENBLAS_CORETYPE), e.g. SkylakeX, Haswell, Zen (default: OpenBLAS's detection, upgraded from generic kernels when the CPU allows).",
        valueName: "name"))
    var blasCore: String?

    func validate() throws {
        let limit = MemoryBudget.maximumThreads
        guard threads >= 1 && threads <= limit else {
            throw ValidationError("--threads must be between 1 and \(limit) (4 per core), got \(threads)")
        }
        if let (needed, available) = MemoryBudget.threadsExceedAddressSpace(threads) {
            throw ValidationError(
                "--threads \(threads) needs about \(MemoryBudget.describe(needed)) of address space for BLAS buffers, more than the limit of \(MemoryBudget.describe(available)) (ulimit -v); lower --threads or raise the limit")
        }
    }

    /// Applies the thread count to OpenBLAS and to the elementwise loops.
    func apply() {
        BLAS.threads = threads
        Parallel.workerCount = threads
    }
}
