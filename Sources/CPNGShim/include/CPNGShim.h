#ifndef CPNGSHIM_H
#define CPNGSHIM_H
/* libpng reports errors with longjmp; this target keeps setjmp inside C and hands Swift a
   status code and a message. Swift's `PNG` (Sources/SimCLR/IO/PNG.swift) is the only caller. */
#include <stddef.h>
#include <stdint.h>

/* Version of the libpng the shim was compiled against, e.g. "1.6.39". */
const char *simclr_png_version(void);

/* Status codes returned by the functions below (0 = success). */
enum {
    SIMCLR_PNG_OK = 0,
    SIMCLR_PNG_EMPTY = 1,         /* zero bytes */
    SIMCLR_PNG_NOT_PNG = 2,       /* signature mismatch */
    SIMCLR_PNG_TRUNCATED = 3,     /* data ends before IEND */
    SIMCLR_PNG_CRC = 4,           /* CRC error in a critical chunk */
    SIMCLR_PNG_CORRUPT = 5,       /* any other libpng error */
    SIMCLR_PNG_SIZE_LIMIT = 6,    /* header claims more pixels than allowed */
    SIMCLR_PNG_OUT_OF_MEMORY = 7,
    SIMCLR_PNG_INVALID_ARGUMENT = 8
};

/* A decoded image. `pixels` is malloc'd (release with simclr_png_free) and holds
   width * height * channels bytes, 8-bit, row-major HWC. */
typedef struct simclr_png_image {
    uint32_t width;
    uint32_t height;
    int32_t channels;      /* 1 or 3; with keep_alpha 1..4 (G, GA, RGB, RGBA) */
    int32_t color_type;    /* as stored in IHDR */
    int32_t bit_depth;     /* as stored in IHDR */
    int32_t interlaced;    /* 1 for Adam7 */
    int32_t has_alpha;     /* 1 if the file has an alpha channel or tRNS */
    uint8_t *pixels;
} simclr_png_image;

/* Decodes a PNG held in memory with the conventions of fixtures README section 2: expand
   (palette -> RGB, low depths -> 8 bits, tRNS -> alpha at the stored depth), strip 16 -> 8
   (high byte), Adam7, no colour management; unless keep_alpha, alpha is composited over
   black as (c*a + 127) / 255 and dropped. A header claiming more than max_pixels pixels is
   refused right after IHDR, before any pixel memory is allocated or IDAT inflated.
   Returns a SIMCLR_PNG_* status; on failure `message` holds the reason (NUL-terminated) and
   `out->pixels` is NULL. Never longjmps out, never leaks. */
int32_t simclr_png_decode(const uint8_t *bytes, size_t count, uint64_t max_pixels,
                          int32_t keep_alpha, simclr_png_image *out,
                          char *message, size_t message_capacity);

/* Encodes an 8-bit grey (channels 1) or RGB (channels 3) image, row-major HWC, as a
   non-interlaced PNG with zlib level `compression_level` (0-9). On success `*out_bytes` is a
   malloc'd buffer of `*out_count` bytes (release with simclr_png_free). */
int32_t simclr_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                          int32_t channels, int32_t compression_level,
                          uint8_t **out_bytes, size_t *out_count,
                          char *message, size_t message_capacity);

void simclr_png_free(void *pointer);

#endif
