// The few MPI calls swift-simclr makes, as plain functions: Open MPI's MPI_COMM_WORLD, MPI_FLOAT,
// MPI_DOUBLE and MPI_SUM are macros over global symbols that Swift cannot import. Every function
// returns MPI's error code (MPI_SUCCESS = 0); the world communicator keeps MPI's default handler,
// MPI_ERRORS_ARE_FATAL, so a failed collective (a peer died) ends this process and mpirun ends
// the others, instead of leaving them blocked.
#ifndef CMPISHIM_H
#define CMPISHIM_H

/// MPI_Init_thread with MPI_THREAD_FUNNELED (only the main thread calls MPI). `*rank` and `*size`
/// receive the world rank and size.
int simclr_mpi_init(int *rank, int *size);
/// In-place MPI_Allreduce(MPI_SUM) over MPI_COMM_WORLD.
int simclr_mpi_allreduce_float_sum(float *values, int count);
int simclr_mpi_allreduce_double_sum(double *values, int count);
/// MPI_Allgatherv of floats: rank r contributes `counts[r]` values, placed at `displacements[r]`.
int simclr_mpi_allgatherv_float(const float *local, int count, float *gathered, const int *counts,
                                const int *displacements);
/// MPI_Abort(MPI_COMM_WORLD, code): ends every process of the job.
void simclr_mpi_abort(int code);
/// MPI_Finalize.
int simclr_mpi_finalize(void);
/// A message for an MPI error code.
void simclr_mpi_error_string(int code, char *buffer, int capacity);

#endif
