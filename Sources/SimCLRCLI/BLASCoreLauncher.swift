import Foundation
import SimCLR

/// Start-up choice of OpenBLAS kernels (issue 2, item 8). OpenBLAS picks its kernels when it
/// loads, before `main`, so a better choice takes effect only by running again: `execv` of
/// `/proc/self/exe` with `OPENBLAS_CORETYPE` set and a guard variable, at most twice (once to
/// the better core, once back if its sgemm disagrees with a naive product).
///
/// Precedence: `--blas-core NAME`, then an explicit `OPENBLAS_CORETYPE`, then the automatic
/// choice (`BLASCoreSelection.recommendedCore`).
enum BLASCoreLauncher {
    static let guardVariable = "SIMCLR_BLAS_REEXEC"

    /// How the core in use was chosen, for `bench` and training logs.
    nonisolated(unsafe) private(set) static var source = "openblas"

    /// The value of `--blas-core NAME` or `--blas-core=NAME` in `arguments`, if any.
    static func requestedCore(in arguments: [String]) -> String? {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            if argument == "--" { return nil }
            if argument == "--blas-core" { return iterator.next() }
            if argument.hasPrefix("--blas-core=") { return String(argument.dropFirst("--blas-core=".count)) }
        }
        return nil
    }

    /// Runs first in `main`: may replace the process (`execv`); otherwise returns and prints at
    /// most one line to stderr when it changed or questions the kernels in use.
    static func prepare(arguments: [String] = CommandLine.arguments) {
        let environment = ProcessInfo.processInfo.environment
        let stage = environment[guardVariable]
        unsetenv(guardVariable)  // programs started from this process decide for themselves
        let current = BLAS.coreName
        if let requested = requestedCore(in: arguments), !requested.isEmpty {
            source = "--blas-core"
            if stage == nil, environment["OPENBLAS_CORETYPE"] != requested {
                reexec(core: requested, stage: "requested")
            }
            if current.lowercased() != requested.lowercased() {
                note("OpenBLAS did not accept --blas-core \(requested); using \(current)")
            } else if !BLASCoreSelection.sgemmMatchesNaiveProduct() {
                note("warning: sgemm with --blas-core \(requested) disagrees with a naive product")
            }
            return
        }
        switch stage {
        case let stage? where stage.hasPrefix("auto:"):
            let generic = stage.dropFirst("auto:".count)
            if BLASCoreSelection.sgemmMatchesNaiveProduct() {
                source = "auto"
                note("OpenBLAS chose generic kernels (\(generic)) for this CPU; using OPENBLAS_CORETYPE=\(current) (override with --blas-core or OPENBLAS_CORETYPE)")
            } else {
                unsetenv("OPENBLAS_CORETYPE")
                reexec(core: nil, stage: "fallback:\(current)")
            }
        case let stage? where stage.hasPrefix("fallback:"):
            note("sgemm with OPENBLAS_CORETYPE=\(stage.dropFirst("fallback:".count)) disagreed with a naive product; kept OpenBLAS's choice \(current)")
        default:
            let better = BLASCoreSelection.recommendedCore(currentCore: current, features: .current)
            if let explicit = environment["OPENBLAS_CORETYPE"] {
                source = "OPENBLAS_CORETYPE"
                if let better {
                    note("OPENBLAS_CORETYPE=\(explicit) gives generic kernels (\(current)); this CPU can run \(better)")
                }
            } else if let better {
                reexec(core: better, stage: "auto:\(current)")
            }
        }
    }

    /// Replaces the process with itself; returns only if `execv` fails (then says so).
    private static func reexec(core: String?, stage: String) {
        if let core { setenv("OPENBLAS_CORETYPE", core, 1) }
        setenv(guardVariable, stage, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        note("could not re-execute to select OpenBLAS kernels (\(String(cString: strerror(errno)))); continuing with \(BLAS.coreName)")
        unsetenv(guardVariable)
    }

    private static func note(_ text: String) { writeStandardError("simclr: \(text)\n") }
}
