/* State of one open image: per-stream cursors over decompressed blocks, the
 * string and type tables, and the position of each record stream. */
#ifndef MEMALOT_FORMAT_IMAGE_INTERNAL_H
#define MEMALOT_FORMAT_IMAGE_INTERNAL_H

#include <zstd.h>

#include "internal.h"

enum { MLT_RS_COUNT = 12 };

typedef struct {
    mlt_image *img;
    uint8_t id;
    size_t next_block; /* where to look for this stream's next block */
    uint8_t *raw;      /* the current decompressed block */
    size_t raw_cap, len, pos;
    uint64_t total;        /* raw bytes of the whole stream */
    uint64_t before;       /* stream bytes before raw[0] */
    uint64_t block_offset; /* file offset of the current block's payload */
    uint64_t record;       /* record being decoded, for messages */
} mlt_cursor;

struct mlt_image {
    mlt_reader *r;
    size_t index;
    const mlt_image_index *ix;
    mlt_image_info info;
    ZSTD_DCtx *dctx;
    uint8_t *packed;
    size_t packed_cap;
    mlt_cursor cursors[MLT_RS_COUNT];

    uint8_t *string_bytes;
    uint64_t *string_offsets; /* string_count + 1 */
    mlt_type *types;

    uint64_t objects_read, last_address, source;
    uint64_t edges_left, edge_position, edges_read;
    int objects_finished;
    uint64_t roots_read, previews_read, last_preview;
    uint8_t preview_data[MLT_PREVIEW_MAX];
    int failed;
    mlt_error failure;
};

mlt_cursor *mlt_image_cursor(mlt_image *img, uint8_t id);
mlt_status mlt_cursor_byte(mlt_cursor *c, uint8_t *out, mlt_error *err);
mlt_status mlt_cursor_varint(mlt_cursor *c, uint64_t *out, mlt_error *err);
mlt_status mlt_cursor_bytes(mlt_cursor *c, uint8_t *out, size_t n, mlt_error *err);
uint64_t mlt_cursor_left(const mlt_cursor *c); /* raw bytes not yet read */
void mlt_cursor_free(mlt_cursor *c);
/* The stream must end exactly here. */
mlt_status mlt_cursor_finish(mlt_cursor *c, mlt_error *err);
/* A format error about the record the cursor is at. */
mlt_status mlt_cursor_fail(mlt_cursor *c, mlt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
