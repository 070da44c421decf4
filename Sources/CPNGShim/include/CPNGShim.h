#ifndef CPNGSHIM_H
#define CPNGSHIM_H
/* libpng reports errors with longjmp; this target keeps setjmp inside C and hands Swift a
   status code and a message. Filled in by the PNG decoder work (issue 2). */
#include <stddef.h>
#include <stdint.h>

/* Version of the libpng the shim was compiled against, e.g. "1.6.39". */
const char *simclr_png_version(void);

#endif
