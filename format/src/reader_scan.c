/* The open-time scan: walks every image once with a bounded buffer, checking
 * framing, lengths against the real file size, the expansion limit and the
 * checksum, and records where each stream's blocks are. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <zstd.h>

#include "internal.h"

#define MLT_SCAN_CHUNK (1u << 20)

typedef struct {
    mlt_reader *r;
    uint64_t pos;
    uint64_t start; /* of the image being scanned */
    size_t number;  /* its index */
    XXH3_state_t *hash;
    uint8_t *chunk;
    mlt_error *err;
} scanner;

static mlt_status torn(scanner *s, const char *inside, uint64_t needed, uint64_t from)
{
    mlt_reader *r = s->r;
    return mlt_fail(s->err, MLT_ERR_TRUNCATED, from,
                    "%s: offset %llu: image %zu (started at %llu) is torn: file ends inside %s "
                    "(needed %llu bytes, %llu left)",
                    r->path, (unsigned long long)from, s->number, (unsigned long long)s->start,
                    inside, (unsigned long long)needed, (unsigned long long)(r->file_size - from));
}

static mlt_status bad(scanner *s, mlt_status code, uint64_t at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mlt_status bad(scanner *s, mlt_status code, uint64_t at, const char *fmt, ...)
{
    char what[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mlt_fail(s->err, code, at, "%s: offset %llu: image %zu (started at %llu): %s",
                    s->r->path, (unsigned long long)at, s->number, (unsigned long long)s->start,
                    what);
}

/* Reads n bytes at the cursor into out, hashing them. */
static mlt_status take(scanner *s, void *out, size_t n, int hashed)
{
    int e = mlt_pread_all(s->r->fd, out, n, s->pos);
    if (e)
        return mlt_fail(s->err, e > 0 ? MLT_ERR_IO : MLT_ERR_TRUNCATED, s->pos,
                        "%s: offset %llu: read failed: %s", s->r->path, (unsigned long long)s->pos,
                        e > 0 ? strerror(e) : "file shrank");
    if (hashed)
        XXH3_64bits_update(s->hash, out, n);
    s->pos += n;
    return MLT_OK;
}

static mlt_status skip(scanner *s, uint64_t n)
{
    if (s->r->options.skip_checksums) {
        s->pos += n;
        return MLT_OK;
    }
    while (n > 0) {
        size_t step = n < MLT_SCAN_CHUNK ? (size_t)n : MLT_SCAN_CHUNK;
        mlt_status st = take(s, s->chunk, step, 1);
        if (st != MLT_OK)
            return st;
        n -= step;
    }
    return MLT_OK;
}

static uint64_t left(const scanner *s)
{
    return s->r->file_size - s->pos;
}

static int add_block(mlt_image_index *img, size_t *cap, const mlt_block_ref *b)
{
    if (img->block_count == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 16;
        mlt_block_ref *grown = realloc(img->blocks, grown_cap * sizeof *grown);
        if (!grown)
            return -1;
        img->blocks = grown;
        *cap = grown_cap;
    }
    img->blocks[img->block_count++] = *b;
    return 0;
}

static uint64_t expansion_cap(const scanner *s, uint64_t stored)
{
    uint64_t limit = s->r->options.expansion_limit;
    uint64_t scaled = stored > UINT64_MAX / limit ? UINT64_MAX : stored * limit;
    return scaled > MLT_EXPANSION_FLOOR ? scaled : MLT_EXPANSION_FLOOR;
}

static mlt_status scan_block(scanner *s, mlt_image_index *img, size_t *cap, uint64_t *raw_total)
{
    uint64_t at = s->pos - MLT_TAG_LEN;
    if (left(s) < MLT_BLOCK_HEADER_LEN - MLT_TAG_LEN)
        return torn(s, "a block header", MLT_BLOCK_HEADER_LEN, at);
    uint8_t h[MLT_BLOCK_HEADER_LEN - MLT_TAG_LEN];
    mlt_status st = take(s, h, sizeof h, 1);
    if (st != MLT_OK)
        return st;
    mlt_block_ref b = {.offset = s->pos,
                       .stream = h[0],
                       .codec = h[1],
                       .raw_len = mlt_get_u32(h + 4),
                       .stored_len = mlt_get_u32(h + 8)};
    const char *name = mlt_stream_name(b.stream);
    if (b.codec > MLT_CODEC_ZSTD)
        return bad(s, MLT_ERR_FORMAT, at + 5,
                   "block of stream 0x%02x (%s): unknown codec %u "
                   "(0 = stored, 1 = zstd)",
                   b.stream, name, b.codec);
    if (mlt_get_u16(h + 2) != 0)
        return bad(s, MLT_ERR_FORMAT, at + 6,
                   "block of stream 0x%02x (%s): reserved field is "
                   "%u, expected 0",
                   b.stream, name, mlt_get_u16(h + 2));
    if (b.raw_len == 0 || b.raw_len > MLT_MAX_BLOCK_RAW)
        return bad(s, b.raw_len ? MLT_ERR_LIMIT : MLT_ERR_FORMAT, at + 8,
                   "block of stream 0x%02x "
                   "(%s): raw_len %u outside 1..%u",
                   b.stream, name, b.raw_len, MLT_MAX_BLOCK_RAW);
    if (b.codec == MLT_CODEC_STORED && b.stored_len != b.raw_len)
        return bad(s, MLT_ERR_FORMAT, at + 12,
                   "stored block of stream 0x%02x (%s): stored_len "
                   "%u differs from raw_len %u",
                   b.stream, name, b.stored_len, b.raw_len);
    if (b.codec == MLT_CODEC_ZSTD &&
        (b.stored_len == 0 || b.stored_len > ZSTD_compressBound(b.raw_len)))
        return bad(s, MLT_ERR_FORMAT, at + 12,
                   "zstd block of stream 0x%02x (%s): stored_len %u "
                   "impossible for raw_len %u",
                   b.stream, name, b.stored_len, b.raw_len);
    if (b.stored_len > left(s))
        return torn(s, "a block payload", b.stored_len, s->pos);
    *raw_total += b.raw_len;
    if (*raw_total > expansion_cap(s, s->r->file_size - s->start))
        return bad(s, MLT_ERR_LIMIT, at,
                   "blocks expand to more than %llu bytes (expansion "
                   "limit %u x the stored size): refusing a possible decompression bomb",
                   (unsigned long long)expansion_cap(s, s->r->file_size - s->start),
                   s->r->options.expansion_limit);
    if (b.stream < MLT_S_CRITICAL_LIMIT && !mlt_stream_known(b.stream) && img->unknown_critical < 0)
        img->unknown_critical = b.stream;
    if (add_block(img, cap, &b))
        return mlt_fail(s->err, MLT_ERR_NOMEM, at, "out of memory");
    return skip(s, b.stored_len);
}

static mlt_status scan_trailer(scanner *s, mlt_image_index *img, uint64_t raw_total)
{
    uint64_t at = s->pos - MLT_TAG_LEN;
    uint8_t word[8];
    if (left(s) < 4)
        return torn(s, "the trailer", 8, at);
    mlt_status st = take(s, word, 4, 1);
    if (st != MLT_OK)
        return st;
    uint32_t len = mlt_get_u32(word);
    if (len > MLT_SUMMARY_MAX)
        return bad(s, MLT_ERR_LIMIT, at + 4, "summary length %u exceeds the 64 KiB limit", len);
    if (left(s) < (uint64_t)len + 16)
        return torn(s, "the trailer", (uint64_t)len + 16, s->pos);
    uint8_t *summary = s->chunk;
    if ((st = take(s, summary, len, 1)))
        return st;
    char where[300];
    snprintf(where, sizeof where, "%s: image %zu (started at %llu)", s->r->path, s->number,
             (unsigned long long)s->start);
    if ((st = mlt_decode_summary(summary, len, &img->info, where, at + 8, s->err)))
        return st;
    if ((st = take(s, word, 8, 1)))
        return st;
    uint64_t image_len = mlt_get_u64(word);
    uint64_t actual = XXH3_64bits_digest(s->hash);
    if ((st = take(s, word, 8, 0)))
        return st;
    uint64_t consumed = s->pos - s->start;
    if (image_len != consumed)
        return bad(s, MLT_ERR_FORMAT, s->pos - 16,
                   "trailer says the image is %llu bytes, it "
                   "is %llu",
                   (unsigned long long)image_len, (unsigned long long)consumed);
    if (raw_total > expansion_cap(s, consumed))
        return bad(s, MLT_ERR_LIMIT, s->start,
                   "blocks expand to %llu bytes, more than the "
                   "expansion limit allows for %llu stored bytes",
                   (unsigned long long)raw_total, (unsigned long long)consumed);
    uint64_t stated = mlt_get_u64(word);
    if (!s->r->options.skip_checksums && stated != actual)
        return bad(s, MLT_ERR_CHECKSUM, s->pos - 8,
                   "checksum mismatch: trailer says "
                   "0x%016llx, bytes hash to 0x%016llx",
                   (unsigned long long)stated, (unsigned long long)actual);
    img->length = consumed;
    return MLT_OK;
}

static mlt_status scan_meta(scanner *s, mlt_image_index *img)
{
    uint8_t fixed[8];
    if (left(s) < 8)
        return torn(s, "the image header", 8, s->pos);
    mlt_status st = take(s, fixed, 8, 1);
    if (st != MLT_OK)
        return st;
    if (memcmp(fixed, MLT_TAG_IMAGE, MLT_TAG_LEN) != 0)
        return bad(s, MLT_ERR_FORMAT, s->start,
                   "expected the image tag \"" MLT_TAG_IMAGE "\", found %02x %02x %02x %02x",
                   fixed[0], fixed[1], fixed[2], fixed[3]);
    uint32_t len = mlt_get_u32(fixed + 4);
    if (len > MLT_IMAGE_META_MAX)
        return bad(s, MLT_ERR_LIMIT, s->start + 4,
                   "image metadata length %u exceeds the 64 KiB "
                   "limit",
                   len);
    if (left(s) < len)
        return torn(s, "the image metadata", len, s->pos);
    uint8_t *meta = s->chunk;
    if ((st = take(s, meta, len, 1)))
        return st;
    char where[300];
    snprintf(where, sizeof where, "%s: image %zu (started at %llu)", s->r->path, s->number,
             (unsigned long long)s->start);
    return mlt_decode_image_info(meta, len, &img->info, &img->function, where, s->start + 8,
                                 s->err);
}

static mlt_status scan_image(scanner *s, mlt_image_index *img)
{
    memset(img, 0, sizeof *img);
    img->offset = s->start;
    img->unknown_critical = -1;
    XXH3_64bits_reset(s->hash);
    mlt_status st = scan_meta(s, img);
    size_t cap = 0;
    uint64_t raw_total = 0;
    while (st == MLT_OK) {
        uint8_t tag[MLT_TAG_LEN];
        if (left(s) < MLT_TAG_LEN)
            return torn(s, "a block header", MLT_BLOCK_HEADER_LEN, s->pos);
        if ((st = take(s, tag, MLT_TAG_LEN, 1)))
            break;
        if (memcmp(tag, MLT_TAG_BLOCK, MLT_TAG_LEN) == 0) {
            st = scan_block(s, img, &cap, &raw_total);
        } else if (memcmp(tag, MLT_TAG_TRAILER, MLT_TAG_LEN) == 0) {
            return scan_trailer(s, img, raw_total);
        } else {
            st = bad(s, MLT_ERR_FORMAT, s->pos - MLT_TAG_LEN,
                     "expected a block tag \"" MLT_TAG_BLOCK
                     "\" or the trailer tag \"" MLT_TAG_TRAILER "\", found %02x %02x %02x %02x",
                     tag[0], tag[1], tag[2], tag[3]);
        }
    }
    return st;
}

static int append_image(mlt_reader *r, const mlt_image_index *img)
{
    if (r->image_count == r->image_cap) {
        size_t cap = r->image_cap ? r->image_cap * 2 : 8;
        mlt_image_index *grown = realloc(r->images, cap * sizeof *grown);
        if (!grown)
            return -1;
        r->images = grown;
        r->image_cap = cap;
    }
    r->images[r->image_count++] = *img;
    return 0;
}

mlt_status mlt_reader_scan(mlt_reader *r, uint64_t offset, mlt_error *err)
{
    scanner s = {.r = r, .pos = offset, .hash = XXH3_createState(), .err = &r->tail_error};
    s.chunk = malloc(MLT_SCAN_CHUNK);
    if (!s.hash || !s.chunk) {
        XXH3_freeState(s.hash);
        free(s.chunk);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", r->path);
    }
    mlt_status fatal = MLT_OK;
    while (s.pos < r->file_size) {
        mlt_image_index img;
        s.start = s.pos;
        s.number = r->image_count;
        mlt_status st = scan_image(&s, &img);
        if (st == MLT_OK && append_image(r, &img))
            st = MLT_ERR_NOMEM;
        if (st != MLT_OK) {
            free(img.function);
            free(img.blocks);
            if (st == MLT_ERR_NOMEM)
                fatal = mlt_fail(err, st, s.pos, "%s",
                                 r->tail_error.message[0] ? r->tail_error.message
                                                          : "out of memory indexing images");
            else
                r->has_tail_error = 1;
            break;
        }
    }
    XXH3_freeState(s.hash);
    free(s.chunk);
    return fatal;
}
