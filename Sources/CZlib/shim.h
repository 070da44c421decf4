/* zlib (Debian zlib1g-dev): gzip reading of IDX files and the IHDR CRC check of the PNG shim. */
#include <zlib.h>
