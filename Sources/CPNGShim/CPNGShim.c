#include "CPNGShim.h"
#include <png.h>
#include <zlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *simclr_png_version(void) { return PNG_LIBPNG_VER_STRING; }

void simclr_png_free(void *pointer) { free(pointer); }

/* Everything a libpng call may need after a longjmp lives here, in memory the setjmp frame
   does not own, so no local variable is read after png_longjmp. */
typedef struct shim_context {
    const uint8_t *bytes;
    size_t count;
    size_t position;
    int truncated;
    int32_t status;
    char *message;
    size_t message_capacity;
    /* decode */
    uint8_t *pixels;
    png_bytep *rows;
    /* encode */
    uint8_t *output;
    size_t output_count;
    size_t output_capacity;
} shim_context;

static void set_message(shim_context *ctx, int32_t status, const char *text) {
    ctx->status = status;
    if (ctx->message_capacity > 0) snprintf(ctx->message, ctx->message_capacity, "%s", text);
}

static int contains(const char *text, const char *needle) { return strstr(text, needle) != NULL; }

static void on_error(png_structp png, png_const_charp text) {
    shim_context *ctx = (shim_context *)png_get_error_ptr(png);
    if (ctx->status == SIMCLR_PNG_OK) {
        int32_t status = SIMCLR_PNG_CORRUPT;
        if (ctx->truncated) status = SIMCLR_PNG_TRUNCATED;
        else if (contains(text, "CRC")) status = SIMCLR_PNG_CRC;
        else if (contains(text, "Not a PNG")) status = SIMCLR_PNG_NOT_PNG;
        else if (contains(text, "memory")) status = SIMCLR_PNG_OUT_OF_MEMORY;
        set_message(ctx, status, text);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text; /* ancillary-chunk problems are ignored, as the conventions require */
}

static void read_bytes(png_structp png, png_bytep into, size_t length) {
    shim_context *ctx = (shim_context *)png_get_io_ptr(png);
    if (length > ctx->count - ctx->position) {
        ctx->truncated = 1;
        png_error(png, "file ends early (truncated)");
    }
    memcpy(into, ctx->bytes + ctx->position, length);
    ctx->position += length;
}

static uint32_t big_endian_32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Checks the size claimed by IHDR straight from the bytes, before libpng reads anything else
   (ancillary chunks before IDAT can be compressed). Only a CRC-valid IHDR is trusted here;
   libpng reports a damaged one. */
static int header_exceeds_limit(shim_context *ctx, uint64_t max_pixels) {
    const uint8_t *b = ctx->bytes;
    if (ctx->count < 33 || big_endian_32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4) != 0) return 0;
    if ((uint32_t)crc32(0, b + 12, 17) != big_endian_32(b + 29)) return 0;
    uint64_t width = big_endian_32(b + 16), height = big_endian_32(b + 20);
    if (width * height <= max_pixels) return 0; /* both < 2^32: no overflow in 64 bits */
    char text[200];
    snprintf(text, sizeof text,
             "header claims %llux%llu = %llu pixels, more than the limit of %llu pixels",
             (unsigned long long)width, (unsigned long long)height,
             (unsigned long long)(width * height), (unsigned long long)max_pixels);
    set_message(ctx, SIMCLR_PNG_SIZE_LIMIT, text);
    return 1;
}

/* Composites 8-bit GA or RGBA over black in place: (c*a + 127) / 255, alpha dropped. The write
   index never passes the read index, so one buffer suffices. */
static void composite_over_black(uint8_t *pixels, size_t count, int channels_in) {
    int colour = channels_in - 1;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *in = pixels + i * channels_in;
        uint8_t *out = pixels + i * colour;
        unsigned alpha = in[colour];
        for (int c = 0; c < colour; c++) out[c] = (uint8_t)((in[c] * alpha + 127) / 255);
    }
}

/* The part that runs under setjmp. Returns a status; all allocations hang off ctx. */
static int32_t decode_under_setjmp(png_structp png, png_infop info, shim_context *ctx,
                                   uint64_t max_pixels, int32_t keep_alpha,
                                   simclr_png_image *out) {
    if (setjmp(png_jmpbuf(png))) return ctx->status == SIMCLR_PNG_OK ? SIMCLR_PNG_CORRUPT : ctx->status;

    png_set_read_fn(png, ctx, read_bytes);
    png_read_info(png, info);

    png_uint_32 width = 0, height = 0;
    int bit_depth = 0, color_type = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &bit_depth, &color_type, &interlace, NULL, NULL);
    if ((uint64_t)width * height > max_pixels) {
        char text[200];
        snprintf(text, sizeof text, "header claims %ux%u pixels, more than the limit of %llu",
                 (unsigned)width, (unsigned)height, (unsigned long long)max_pixels);
        set_message(ctx, SIMCLR_PNG_SIZE_LIMIT, text);
        return ctx->status;
    }
    out->width = width;
    out->height = height;
    out->color_type = color_type;
    out->bit_depth = bit_depth;
    out->interlaced = interlace != PNG_INTERLACE_NONE;
    out->has_alpha = (color_type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS);

    png_set_expand(png);     /* palette -> RGB, 1/2/4 -> 8 bits, tRNS -> alpha (stored depth) */
    png_set_strip_16(png);   /* 16 -> 8: high byte, after expand */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels_in = png_get_channels(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);
    if (channels_in < 1 || channels_in > 4 || row_bytes != (size_t)width * channels_in) {
        set_message(ctx, SIMCLR_PNG_CORRUPT, "unexpected row layout after transforms");
        return ctx->status;
    }
    ctx->pixels = malloc(row_bytes * height > 0 ? row_bytes * height : 1);
    ctx->rows = malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (ctx->pixels == NULL || ctx->rows == NULL) {
        set_message(ctx, SIMCLR_PNG_OUT_OF_MEMORY, "out of memory for the pixel buffer");
        return ctx->status;
    }
    for (png_uint_32 y = 0; y < height; y++) ctx->rows[y] = ctx->pixels + (size_t)y * row_bytes;
    png_read_image(png, ctx->rows);
    png_read_end(png, NULL); /* checks the remaining chunks' CRCs up to IEND */

    int channels_out = channels_in;
    if (!keep_alpha && (channels_in == 2 || channels_in == 4)) {
        composite_over_black(ctx->pixels, (size_t)width * height, channels_in);
        channels_out = channels_in - 1;
    }
    out->channels = channels_out;
    return SIMCLR_PNG_OK;
}

int32_t simclr_png_decode(const uint8_t *bytes, size_t count, uint64_t max_pixels,
                          int32_t keep_alpha, simclr_png_image *out,
                          char *message, size_t message_capacity) {
    memset(out, 0, sizeof *out);
    shim_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.bytes = bytes;
    ctx.count = count;
    ctx.message = message;
    ctx.message_capacity = message_capacity;
    if (message_capacity > 0) message[0] = 0;

    if (count == 0) {
        set_message(&ctx, SIMCLR_PNG_EMPTY, "file is empty (0 bytes)");
        return ctx.status;
    }
    size_t signature_bytes = count < 8 ? count : 8;
    if (png_sig_cmp(bytes, 0, signature_bytes) != 0) {
        set_message(&ctx, SIMCLR_PNG_NOT_PNG, "not a PNG file (signature mismatch)");
        return ctx.status;
    }
    if (count < 8) {
        set_message(&ctx, SIMCLR_PNG_TRUNCATED, "file ends inside the PNG signature (truncated)");
        return ctx.status;
    }
    if (header_exceeds_limit(&ctx, max_pixels)) return ctx.status;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (png == NULL) {
        set_message(&ctx, SIMCLR_PNG_OUT_OF_MEMORY, "cannot create the libpng read structure");
        return ctx.status;
    }
    png_infop info = png_create_info_struct(png);
    int32_t status;
    if (info == NULL) {
        set_message(&ctx, SIMCLR_PNG_OUT_OF_MEMORY, "cannot create the libpng info structure");
        status = ctx.status;
    } else {
        status = decode_under_setjmp(png, info, &ctx, max_pixels, keep_alpha, out);
    }
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    free(ctx.rows);
    if (status == SIMCLR_PNG_OK) {
        out->pixels = ctx.pixels;
    } else {
        free(ctx.pixels);
        out->pixels = NULL;
    }
    return status;
}

static void write_bytes(png_structp png, png_bytep data, size_t length) {
    shim_context *ctx = (shim_context *)png_get_io_ptr(png);
    if (length > ctx->output_capacity - ctx->output_count) {
        size_t capacity = ctx->output_capacity ? ctx->output_capacity : 1024;
        while (capacity - ctx->output_count < length) capacity *= 2;
        uint8_t *grown = realloc(ctx->output, capacity);
        if (grown == NULL) {
            set_message(ctx, SIMCLR_PNG_OUT_OF_MEMORY, "out of memory for the encoded file");
            png_error(png, "out of memory");
        }
        ctx->output = grown;
        ctx->output_capacity = capacity;
    }
    memcpy(ctx->output + ctx->output_count, data, length);
    ctx->output_count += length;
}

static void flush_nothing(png_structp png) { (void)png; }

static int32_t encode_under_setjmp(png_structp png, png_infop info, shim_context *ctx,
                                   const uint8_t *pixels, uint32_t width, uint32_t height,
                                   int32_t channels, int32_t compression_level) {
    if (setjmp(png_jmpbuf(png))) return ctx->status == SIMCLR_PNG_OK ? SIMCLR_PNG_CORRUPT : ctx->status;
    png_set_write_fn(png, ctx, write_bytes, flush_nothing);
    png_set_compression_level(png, compression_level);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t row_bytes = (size_t)width * channels;
    for (uint32_t y = 0; y < height; y++) png_write_row(png, pixels + (size_t)y * row_bytes);
    png_write_end(png, NULL);
    return SIMCLR_PNG_OK;
}

int32_t simclr_png_encode(const uint8_t *pixels, uint32_t width, uint32_t height,
                          int32_t channels, int32_t compression_level,
                          uint8_t **out_bytes, size_t *out_count,
                          char *message, size_t message_capacity) {
    *out_bytes = NULL;
    *out_count = 0;
    shim_context ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.message = message;
    ctx.message_capacity = message_capacity;
    if (message_capacity > 0) message[0] = 0;
    if ((channels != 1 && channels != 3) || width == 0 || height == 0 ||
        compression_level < 0 || compression_level > 9) {
        set_message(&ctx, SIMCLR_PNG_INVALID_ARGUMENT,
                    "can only write non-empty 8-bit grey (1 channel) or RGB (3 channels) images");
        return ctx.status;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, on_error, on_warning);
    if (png == NULL) {
        set_message(&ctx, SIMCLR_PNG_OUT_OF_MEMORY, "cannot create the libpng write structure");
        return ctx.status;
    }
    png_infop info = png_create_info_struct(png);
    int32_t status;
    if (info == NULL) {
        set_message(&ctx, SIMCLR_PNG_OUT_OF_MEMORY, "cannot create the libpng info structure");
        status = ctx.status;
    } else {
        status = encode_under_setjmp(png, info, &ctx, pixels, width, height, channels,
                                     compression_level);
    }
    png_destroy_write_struct(&png, info ? &info : NULL);
    if (status == SIMCLR_PNG_OK) {
        *out_bytes = ctx.output;
        *out_count = ctx.output_count;
    } else {
        free(ctx.output);
    }
    return status;
}
