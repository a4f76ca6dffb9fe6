/* The writer's state, shared by writer.c (file, output buffer), writer_streams.c
 * (column buffers and blocks), writer_records.c (the API rules) and intern.c. */
#ifndef MEMALOT_FORMAT_WRITER_INTERNAL_H
#define MEMALOT_FORMAT_WRITER_INTERNAL_H

/* Static-linking-only parts: the hash state's size (so it can live in the
 * writer's own memory) and ZSTD_createCCtx_advanced (a custom allocator). Both
 * are stable in the Debian 12 libraries and exported by their shared objects. */
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "internal.h"

/* Stream slot order inside the writer; ids come from mlt_writer_stream_ids. */
enum { MLT_WS_COUNT = 12 };
extern const uint8_t mlt_writer_stream_ids[MLT_WS_COUNT];
int mlt_writer_stream_slot(uint8_t id);

typedef struct {
    uint32_t *slots;   /* id + 1, 0 = empty; open addressing */
    size_t slot_count; /* power of two */
    uint64_t *hashes;  /* per id */
    uint64_t *offsets; /* per id, into bytes */
    size_t *lengths;   /* per id */
    size_t count, cap;
    mlt_buf bytes;
} mlt_intern_table;

void mlt_intern_reset(mlt_intern_table *t);
void mlt_intern_free(mlt_intern_table *t);
/* Looks bytes up; *found says whether it existed; on a miss it is added with
 * id = count. Returns 0, or -1 when out of memory. */
int mlt_intern_lookup(mlt_intern_table *t, const char *bytes, size_t n, uint32_t *id, int *found);

struct mlt_writer {
    const mlt_allocator *alloc; /* all of the fields' memory; NULL = libc */
    int fd;
    char *path;
    uint64_t committed;  /* file bytes covered by finished images */
    uint64_t out_offset; /* file offset of out.data[0] */
    mlt_buf out;         /* bytes waiting to be written */
    XXH3_state_t *hash;  /* aligned inside hash_block */
    void *hash_block;
    ZSTD_CCtx *cctx;
    int level;
    int store_only;
    uint32_t block_size;
    uint8_t *packed; /* compression output, ZSTD_compressBound(block_size); from the first block */
    size_t packed_cap;
    mlt_buf streams[MLT_WS_COUNT];
    mlt_intern_table strings;

    /* Image under construction. */
    int in_image;
    uint64_t image_start;
    uint64_t image_bytes; /* emitted so far, hashed */
    mlt_image_info counts;
    uint64_t last_address;
    uint64_t edges_left;       /* of the current object */
    uint64_t edge_position;    /* of the next edge among its object's edges */
    uint64_t max_target_plus1; /* largest object index referred to, + 1 */
    uint64_t last_preview_plus1;
    uint64_t max_preview_plus1;
};

/* Queues bytes for the file, hashing them into the image when one is open.
 * Returns MLT_OK or an IO error (which the caller turns into an abort). */
mlt_status mlt_writer_emit(mlt_writer *w, const void *bytes, size_t n, mlt_error *err);
mlt_status mlt_writer_flush_out(mlt_writer *w, mlt_error *err);
/* Cuts the file back to the start of the image under construction. */
void mlt_writer_cut_image(mlt_writer *w);
/* An IO error in the middle of an image: the partial image is cut off. */
mlt_status mlt_writer_fail_image(mlt_writer *w, mlt_status st);

/* Appends record bytes to a stream, flushing full blocks. */
mlt_status mlt_writer_put(mlt_writer *w, int slot, const void *bytes, size_t n, mlt_error *err);
mlt_status mlt_writer_put_varint(mlt_writer *w, int slot, uint64_t v, mlt_error *err);
/* Writes whatever each stream still holds as final blocks. */
mlt_status mlt_writer_flush_streams(mlt_writer *w, mlt_error *err);

#endif
