#include "CPNGShim.h"
#include <png.h>

const char *simclr_png_version(void) { return PNG_LIBPNG_VER_STRING; }
