import Foundation

/// What the environment says about how this process was started: by an MPI launcher (with how
/// many processes), or by Slurm's `srun` with several tasks but no MPI wire-up (no PMI), where
/// every task would run alone.
public enum LaunchEnvironment {
    /// The number of processes an MPI launcher started (OMPI_COMM_WORLD_SIZE, PMI_SIZE), nil when
    /// none did or it does not say (PMIx alone: MPI_Init will tell).
    public static func mpiProcessCount(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"] {
            if let value = environment[key].flatMap(Int.init) { return value }
        }
        return nil
    }

    /// Slurm tasks of this step when there are several but no MPI launcher variables (`srun`
    /// without `--mpi=pmix` or `pmi2`), else nil.
    public static func slurmTasksWithoutMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        guard !MPICommunicator.launcherVariables.contains(where: { environment[$0] != nil }),
            // Set by srun for its step (a batch script's own environment has SLURM_NTASKS only).
            let tasks = environment["SLURM_STEP_NUM_TASKS"].flatMap(Int.init), tasks > 1
        else { return nil }
        return tasks
    }

    /// Why `subcommand` must not run in this environment, or nil: only `pretrain` and `bench`
    /// run data-parallel; the others would run K copies writing the same files.
    public static func refusal(subcommand: String, _ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let tasks = slurmTasksWithoutMPI(environment) {
            return "srun started \(tasks) tasks without MPI, so each would run alone on the same files; use srun --mpi=pmix (or pmi2), or one task"
        }
        if let processes = mpiProcessCount(environment), processes > 1, !["pretrain", "bench"].contains(subcommand) {
            return "simclr \(subcommand) runs on one process, but the launcher started \(processes); start it without mpirun/srun (only pretrain and bench run data-parallel)"
        }
        return nil
    }
}
