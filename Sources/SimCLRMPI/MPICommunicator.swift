internal import CMPIShim
import Foundation
import SimCLR
import Synchronization

/// The `Communicator` of a run started by an MPI launcher (`mpirun -np K`, Slurm `srun`): Open
/// MPI's collectives over `MPI_COMM_WORLD`. MPI is initialised once per process, only when a
/// launcher started it (`launched()`), so a plain `simclr pretrain` never touches MPI.
///
/// Errors: the world communicator keeps MPI_ERRORS_ARE_FATAL, so a collective whose peer died ends
/// this process (mpirun then ends the rest) rather than blocking forever.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    public private(set) var communicationSeconds = 0.0
    /// When the collective under way began, for the watchdog.
    private let clock = CollectiveClock()

    /// Environment variables a launcher sets for each process it starts (Open MPI's mpirun, PMIx,
    /// and PMI-1/2 as Slurm's srun with `--mpi=pmi2` or MPICH's launchers set them).
    public static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"]

    /// The world communicator when this process was started by an MPI launcher, else nil.
    ///
    /// - Throws: `MPIError.initialization` with MPI's message when MPI_Init fails.
    public static func launched(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> MPICommunicator? {
        guard launcherVariables.contains(where: { environment[$0] != nil }) else { return nil }
        var rank: Int32 = 0, size: Int32 = 0
        let status = simclr_mpi_init(&rank, &size)
        guard status == 0 else { throw MPIError.initialization(reason: message(status)) }
        return MPICommunicator(rank: Int(rank), size: Int(size))
    }

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Float>) {
        timed { simclr_mpi_allreduce_float_sum(values.baseAddress, Int32(values.count)) }
    }

    public func allReduceSum(_ values: UnsafeMutableBufferPointer<Double>) {
        timed { simclr_mpi_allreduce_double_sum(values.baseAddress, Int32(values.count)) }
    }

    public func allGather(_ local: UnsafeBufferPointer<Float>, counts: [Int], into gathered: UnsafeMutableBufferPointer<Float>) {
        precondition(counts.count == size && counts[rank] == local.count && gathered.count == counts.reduce(0, +),
                     "allGather: counts \(counts) for \(local.count) local and \(gathered.count) gathered elements")
        let counts32 = counts.map { Int32($0) }
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { displacements[r] = displacements[r - 1] + counts32[r - 1] }
        timed {
            simclr_mpi_allgatherv_float(local.baseAddress, Int32(local.count), gathered.baseAddress, counts32, displacements)
        }
    }

    /// Ends every process of the job with `code` (after an error on this one).
    public func abort(code: Int32) -> Never {
        simclr_mpi_abort(code)
        exit(code)
    }

    /// MPI_Finalize, once at the end of a successful run.
    public func finalize() { _ = simclr_mpi_finalize() }

    /// Ends this process when one collective has waited `seconds`: a peer process or host that
    /// vanished without closing its connections (a link down) would otherwise leave it waiting
    /// forever. It first raises SIGTERM, so a run's stop handling writes its last completed step,
    /// then exits 2 s later with a message; the launcher ends the other processes.
    public func startWatchdog(seconds: Double) {
        guard size > 1, seconds > 0 else { return }
        let rank = self.rank
        Thread { [clock] in
            while true {
                Thread.sleep(forTimeInterval: min(1, seconds / 4))
                let start = Double(bitPattern: clock.start.load(ordering: .acquiring))
                guard start > 0, System.now() - start > seconds else { continue }
                FileHandle.standardError.write(Data("simclr: rank \(rank): no answer from the other processes for \(Int(seconds)) s (a process or host is gone?); stopping\n".utf8))
                raise(SIGTERM)
                Thread.sleep(forTimeInterval: 2)
                _exit(1)
            }
        }.start()
    }

    private func timed(_ call: () -> Int32) {
        let start = System.now()
        clock.start.store(start.bitPattern, ordering: .releasing)
        let status = call()
        clock.start.store(0, ordering: .releasing)
        communicationSeconds += System.now() - start
        // Unreachable with MPI_ERRORS_ARE_FATAL; kept so a changed handler cannot go unnoticed.
        if status != 0 {
            FileHandle.standardError.write(Data("simclr: rank \(rank): MPI error: \(Self.message(status))\n".utf8))
            abort(code: 1)
        }
    }

    static func message(_ status: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        simclr_mpi_error_string(status, &buffer, Int32(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// `System.now()` bits of the start of the collective under way (0 between collectives).
private final class CollectiveClock: Sendable {
    let start = Atomic<UInt64>(0)
}

/// Why MPI could not start.
public enum MPIError: Error, CustomStringConvertible {
    case initialization(reason: String)

    public var description: String {
        switch self {
        case .initialization(let reason): return "MPI_Init failed: \(reason)"
        }
    }
}
