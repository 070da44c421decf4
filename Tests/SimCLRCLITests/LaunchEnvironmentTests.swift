import SimCLRMPI
import Testing

/// Which launches `simclr` refuses before any work: K unconnected copies of a one-process
/// subcommand under mpirun, and srun tasks without MPI wire-up.
@Suite struct LaunchEnvironmentTests {
    @Test func oneProcessSubcommandsAreRefusedUnderALauncherOfSeveral() {
        let mpirun = ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"]
        #expect(LaunchEnvironment.refusal(subcommand: "pretrain", mpirun) == nil)
        #expect(LaunchEnvironment.refusal(subcommand: "bench", mpirun) == nil)
        for subcommand in ["finetune", "probe", "embed", "retrieval", "export"] {
            #expect(LaunchEnvironment.refusal(subcommand: subcommand, mpirun)?.contains("simclr \(subcommand) runs on one process") == true)
        }
        #expect(LaunchEnvironment.refusal(subcommand: "finetune", ["OMPI_COMM_WORLD_SIZE": "1"]) == nil)
        #expect(LaunchEnvironment.refusal(subcommand: "finetune", [:]) == nil)
    }

    @Test func srunTasksWithoutMPIAreRefused() {
        let srun = ["SLURM_STEP_NUM_TASKS": "4", "SLURM_PROCID": "2", "SLURM_NTASKS": "4"]
        #expect(LaunchEnvironment.refusal(subcommand: "pretrain", srun)?.contains("--mpi=pmix") == true)
        // With PMIx wire-up it is a data-parallel run; a batch script's own environment is not a step.
        #expect(LaunchEnvironment.refusal(subcommand: "pretrain", srun.merging(["PMIX_RANK": "2"]) { $1 }) == nil)
        #expect(LaunchEnvironment.refusal(subcommand: "pretrain", ["SLURM_NTASKS": "4", "SLURM_PROCID": "0"]) == nil)
    }
}
