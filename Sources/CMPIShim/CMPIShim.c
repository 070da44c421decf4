#include "CMPIShim.h"
#include <mpi.h>
#include <string.h>

int simclr_mpi_init(int *rank, int *size) {
    int provided = 0;
    int status = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (status != MPI_SUCCESS) return status;
    status = MPI_Comm_rank(MPI_COMM_WORLD, rank);
    if (status != MPI_SUCCESS) return status;
    return MPI_Comm_size(MPI_COMM_WORLD, size);
}

int simclr_mpi_allreduce_float_sum(float *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

int simclr_mpi_allreduce_double_sum(double *values, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, values, count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

int simclr_mpi_allgatherv_float(const float *local, int count, float *gathered, const int *counts,
                                const int *displacements) {
    return MPI_Allgatherv(local, count, MPI_FLOAT, gathered, counts, displacements, MPI_FLOAT, MPI_COMM_WORLD);
}

void simclr_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int simclr_mpi_finalize(void) { return MPI_Finalize(); }

void simclr_mpi_error_string(int code, char *buffer, int capacity) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (capacity <= 0) return;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    if (length >= capacity) length = capacity - 1;
    memcpy(buffer, text, (size_t)length);
    buffer[length] = '\0';
}
