/* A cursor reads one stream of one image across its blocks, holding a single
 * decompressed block at a time, so memory stays bounded by the block size. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

static const uint8_t stream_ids[MLT_RS_COUNT] = {
    MLT_S_STRINGS,     MLT_S_TYPES,      MLT_S_OBJ_ADDR,  MLT_S_OBJ_TYPE,
    MLT_S_OBJ_SIZE,    MLT_S_OBJ_REFCNT, MLT_S_OBJ_FLAGS, MLT_S_OBJ_EDGES,
    MLT_S_EDGE_TARGET, MLT_S_EDGE_LABEL, MLT_S_ROOTS,     MLT_S_PREVIEWS};

mlt_cursor *mlt_image_cursor(mlt_image *img, uint8_t id)
{
    for (int i = 0; i < MLT_RS_COUNT; i++) {
        mlt_cursor *c = &img->cursors[i];
        if (stream_ids[i] != id)
            continue;
        if (!c->img) {
            c->img = img;
            c->id = id;
            for (size_t b = 0; b < img->ix->block_count; b++)
                if (img->ix->blocks[b].stream == id)
                    c->total += img->ix->blocks[b].raw_len;
        }
        return c;
    }
    return NULL;
}

static mlt_status cursor_vfail(mlt_cursor *c, mlt_error *err, mlt_status code, const char *fmt,
                               va_list ap)
{
    char what[300];
    vsnprintf(what, sizeof what, fmt, ap);
    mlt_image *img = c->img;
    return mlt_fail(err, code, c->block_offset,
                    "%s: image %zu (started at %llu): stream %s: record %llu (stream byte %llu, "
                    "block at offset %llu): %s",
                    img->r->path, img->index, (unsigned long long)img->ix->offset,
                    mlt_stream_name(c->id), (unsigned long long)c->record,
                    (unsigned long long)(c->before + c->pos), (unsigned long long)c->block_offset,
                    what);
}

mlt_status mlt_cursor_fail(mlt_cursor *c, mlt_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mlt_status st = cursor_vfail(c, err, MLT_ERR_FORMAT, fmt, ap);
    va_end(ap);
    return st;
}

static mlt_status cursor_code(mlt_cursor *c, mlt_error *err, mlt_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mlt_status cursor_code(mlt_cursor *c, mlt_error *err, mlt_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mlt_status st = cursor_vfail(c, err, code, fmt, ap);
    va_end(ap);
    return st;
}

static mlt_status read_payload(mlt_cursor *c, const mlt_block_ref *b, uint8_t *into, mlt_error *err)
{
    int e = mlt_pread_all(c->img->r->fd, into, b->stored_len, b->offset);
    if (e)
        return cursor_code(c, err, e > 0 ? MLT_ERR_IO : MLT_ERR_TRUNCATED, "reading the block: %s",
                           e > 0 ? strerror(e) : "file shrank since it was opened");
    return MLT_OK;
}

static mlt_status unpack(mlt_cursor *c, const mlt_block_ref *b, mlt_error *err)
{
    mlt_image *img = c->img;
    if (b->stored_len > img->packed_cap) {
        uint8_t *grown = realloc(img->packed, b->stored_len);
        if (!grown)
            return cursor_code(c, err, MLT_ERR_NOMEM, "out of memory");
        img->packed = grown;
        img->packed_cap = b->stored_len;
    }
    mlt_status st = read_payload(c, b, img->packed, err);
    if (st != MLT_OK)
        return st;
    unsigned long long content = ZSTD_getFrameContentSize(img->packed, b->stored_len);
    if (content != b->raw_len)
        return cursor_code(c, err, MLT_ERR_COMPRESS,
                           "zstd frame content size %s, block header "
                           "says raw_len %u",
                           content == ZSTD_CONTENTSIZE_UNKNOWN ? "is absent"
                           : content == ZSTD_CONTENTSIZE_ERROR ? "is unreadable"
                                                               : "differs",
                           b->raw_len);
    size_t frame = ZSTD_findFrameCompressedSize(img->packed, b->stored_len);
    if (ZSTD_isError(frame) || frame != b->stored_len)
        return cursor_code(c, err, MLT_ERR_COMPRESS,
                           "payload is not exactly one zstd frame "
                           "(stored_len %u)",
                           b->stored_len);
    size_t got = ZSTD_decompressDCtx(img->dctx, c->raw, b->raw_len, img->packed, b->stored_len);
    if (ZSTD_isError(got) || got != b->raw_len)
        return cursor_code(c, err, MLT_ERR_COMPRESS, "zstd decompression failed: %s",
                           ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size differs");
    return MLT_OK;
}

static mlt_status load_next(mlt_cursor *c, mlt_error *err)
{
    const mlt_image_index *ix = c->img->ix;
    while (c->next_block < ix->block_count && ix->blocks[c->next_block].stream != c->id)
        c->next_block++;
    if (c->next_block == ix->block_count)
        return cursor_code(c, err, MLT_ERR_FORMAT,
                           "stream ends before the record is complete "
                           "(%llu raw bytes in all)",
                           (unsigned long long)c->total);
    const mlt_block_ref *b = &ix->blocks[c->next_block++];
    if (b->raw_len > c->raw_cap) {
        uint8_t *grown = realloc(c->raw, b->raw_len);
        if (!grown)
            return cursor_code(c, err, MLT_ERR_NOMEM, "out of memory");
        c->raw = grown;
        c->raw_cap = b->raw_len;
    }
    c->before += c->len;
    c->len = c->pos = 0;
    c->block_offset = b->offset;
    mlt_status st = b->codec == MLT_CODEC_STORED ? read_payload(c, b, c->raw, err)
                                                 : unpack(c, b, err);
    if (st == MLT_OK)
        c->len = b->raw_len;
    return st;
}

mlt_status mlt_cursor_byte(mlt_cursor *c, uint8_t *out, mlt_error *err)
{
    if (c->pos == c->len) {
        mlt_status st = load_next(c, err);
        if (st != MLT_OK)
            return st;
    }
    *out = c->raw[c->pos++];
    return MLT_OK;
}

mlt_status mlt_cursor_varint(mlt_cursor *c, uint64_t *out, mlt_error *err)
{
    if (c->len - c->pos >= MLT_VARINT_MAX) { /* fast path: wholly inside this block */
        int used = mlt_varint_decode(c->raw + c->pos, c->len - c->pos, out);
        if (used < 0)
            return mlt_cursor_fail(c, err, "varint longer than 10 bytes or over 64 bits");
        c->pos += (size_t)used;
        return MLT_OK;
    }
    uint64_t v = 0;
    for (int i = 0; i < MLT_VARINT_MAX; i++) {
        uint8_t byte;
        mlt_status st = mlt_cursor_byte(c, &byte, err);
        if (st != MLT_OK)
            return st;
        if (i == MLT_VARINT_MAX - 1 && byte > 1)
            break;
        v |= (uint64_t)(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            *out = v;
            return MLT_OK;
        }
    }
    return mlt_cursor_fail(c, err, "varint longer than 10 bytes or over 64 bits");
}

mlt_status mlt_cursor_bytes(mlt_cursor *c, uint8_t *out, size_t n, mlt_error *err)
{
    while (n > 0) {
        if (c->pos == c->len) {
            mlt_status st = load_next(c, err);
            if (st != MLT_OK)
                return st;
        }
        size_t take = c->len - c->pos < n ? c->len - c->pos : n;
        memcpy(out, c->raw + c->pos, take);
        out += take;
        c->pos += take;
        n -= take;
    }
    return MLT_OK;
}

uint64_t mlt_cursor_left(const mlt_cursor *c)
{
    return c->total - (c->before + c->pos);
}

mlt_status mlt_cursor_finish(mlt_cursor *c, mlt_error *err)
{
    uint64_t extra = mlt_cursor_left(c);
    if (extra)
        return mlt_cursor_fail(c, err,
                               "%llu bytes follow the last record (the summary count and "
                               "the stream disagree)",
                               (unsigned long long)extra);
    return MLT_OK;
}

void mlt_cursor_free(mlt_cursor *c)
{
    free(c->raw);
}
