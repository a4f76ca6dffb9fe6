/* Column streams: each holds at most one block of raw bytes; a full block is
 * compressed (or stored when zstd does not shrink it) and framed as MBLK. */
#include <string.h>

#include "writer_internal.h"

const uint8_t mlt_writer_stream_ids[MLT_WS_COUNT] = {
    MLT_S_STRINGS,     MLT_S_TYPES,      MLT_S_OBJ_ADDR,  MLT_S_OBJ_TYPE,
    MLT_S_OBJ_SIZE,    MLT_S_OBJ_REFCNT, MLT_S_OBJ_FLAGS, MLT_S_OBJ_EDGES,
    MLT_S_EDGE_TARGET, MLT_S_EDGE_LABEL, MLT_S_ROOTS,     MLT_S_PREVIEWS};

int mlt_writer_stream_slot(uint8_t id)
{
    /* Slots follow the ids: 0x01..0x0B then PREVIEWS (asserted by the table above). */
    if (id >= MLT_S_STRINGS && id <= MLT_S_ROOTS)
        return id - 1;
    return id == MLT_S_PREVIEWS ? MLT_WS_COUNT - 1 : -1;
}

static mlt_status write_block(mlt_writer *w, int slot, mlt_error *err)
{
    mlt_buf *s = &w->streams[slot];
    const uint8_t *payload = s->data;
    size_t stored = s->len;
    uint8_t codec = MLT_CODEC_STORED;
    if (!w->store_only && !w->packed && !(w->packed = mlt_mem_alloc(w->alloc, w->packed_cap)))
        return mlt_fail(err, MLT_ERR_NOMEM, w->out_offset + w->out.len,
                        "%s: out of memory for the compression buffer", w->path);
    if (!w->store_only) {
        size_t packed = ZSTD_compress2(w->cctx, w->packed, w->packed_cap, s->data, s->len);
        if (ZSTD_isError(packed))
            return mlt_fail(err, MLT_ERR_COMPRESS, w->out_offset + w->out.len,
                            "%s: zstd failed on a %s block of %zu bytes: %s", w->path,
                            mlt_stream_name(mlt_writer_stream_ids[slot]), s->len,
                            ZSTD_getErrorName(packed));
        if (packed < s->len) {
            payload = w->packed;
            stored = packed;
            codec = MLT_CODEC_ZSTD;
        }
    }
    uint8_t header[MLT_BLOCK_HEADER_LEN];
    memcpy(header, MLT_TAG_BLOCK, MLT_TAG_LEN);
    header[4] = mlt_writer_stream_ids[slot];
    header[5] = codec;
    mlt_put_u16(header + 6, 0);
    mlt_put_u32(header + 8, (uint32_t)s->len);
    mlt_put_u32(header + 12, (uint32_t)stored);
    mlt_status st = mlt_writer_emit(w, header, sizeof header, err);
    if (st == MLT_OK)
        st = mlt_writer_emit(w, payload, stored, err);
    s->len = 0;
    return st;
}

mlt_status mlt_writer_put(mlt_writer *w, int slot, const void *bytes, size_t n, mlt_error *err)
{
    mlt_buf *s = &w->streams[slot];
    const uint8_t *p = bytes;
    while (n > 0) {
        size_t room = w->block_size - s->len;
        size_t take = n < room ? n : room;
        memcpy(s->data + s->len, p, take);
        s->len += take;
        p += take;
        n -= take;
        if (s->len == w->block_size) {
            mlt_status st = write_block(w, slot, err);
            if (st != MLT_OK)
                return mlt_writer_fail_image(w, st);
        }
    }
    return MLT_OK;
}

mlt_status mlt_writer_put_varint(mlt_writer *w, int slot, uint64_t v, mlt_error *err)
{
    uint8_t tmp[MLT_VARINT_MAX];
    size_t n = mlt_varint_encode(v, tmp);
    mlt_buf *s = &w->streams[slot];
    if (w->block_size - s->len >= n) { /* the common case: no block boundary */
        memcpy(s->data + s->len, tmp, n);
        s->len += n;
        if (s->len < w->block_size)
            return MLT_OK;
        mlt_status st = write_block(w, slot, err);
        return st == MLT_OK ? st : mlt_writer_fail_image(w, st);
    }
    return mlt_writer_put(w, slot, tmp, n, err);
}

mlt_status mlt_writer_flush_streams(mlt_writer *w, mlt_error *err)
{
    for (int i = 0; i < MLT_WS_COUNT; i++) {
        if (w->streams[i].len == 0)
            continue;
        mlt_status st = write_block(w, i, err);
        if (st != MLT_OK)
            return mlt_writer_fail_image(w, st);
    }
    return MLT_OK;
}
