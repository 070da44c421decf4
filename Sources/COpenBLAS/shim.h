/* cblas.h of Debian's OpenBLAS also declares openblas_get_corename, openblas_get_config
   and openblas_set_num_threads. */
#include <cblas.h>
