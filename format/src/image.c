/* Opening an image: version and count checks, then the string and type
 * tables, which every other record refers to. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

static mlt_status image_fail(mlt_image *img, mlt_error *err, mlt_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mlt_status image_fail(mlt_image *img, mlt_error *err, mlt_status code, const char *fmt, ...)
{
    char text[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return mlt_fail(err, code, img->ix->offset, "%s: image %zu (started at %llu): %s", img->r->path,
                    img->index, (unsigned long long)img->ix->offset, text);
}

/* Every record takes at least `min_bytes` of its stream, so a count is only
 * believable when the stream is that long: this bounds every allocation by
 * bytes that really exist in the file. */
static mlt_status check_count(mlt_image *img, uint8_t id, uint64_t count, uint64_t min_bytes,
                              uint64_t cap, const char *what, mlt_error *err)
{
    mlt_cursor *c = mlt_image_cursor(img, id);
    if (count > c->total / min_bytes)
        return image_fail(
            img, err, MLT_ERR_FORMAT, "summary says %llu %s but stream %s holds only %llu bytes",
            (unsigned long long)count, what, mlt_stream_name(id), (unsigned long long)c->total);
    if (count > cap)
        return image_fail(img, err, MLT_ERR_LIMIT,
                          "summary says %llu %s, more than the %llu allowed",
                          (unsigned long long)count, what, (unsigned long long)cap);
    return MLT_OK;
}

static mlt_status check_counts(mlt_image *img, mlt_error *err)
{
    const mlt_image_info *n = &img->info;
    mlt_status st;
    const uint64_t max_index = UINT32_MAX + 1ull; /* object indices are 32-bit */
    if ((st = check_count(img, MLT_S_STRINGS, n->string_count, 1, UINT32_MAX - 1ull, "strings",
                          err)) ||
        (st = check_count(img, MLT_S_TYPES, n->type_count, 4, UINT32_MAX, "types", err)) ||
        (st = check_count(img, MLT_S_OBJ_ADDR, n->object_count, 1, max_index, "objects", err)) ||
        (st = check_count(img, MLT_S_OBJ_FLAGS, n->object_count, 1, max_index, "objects", err)) ||
        (st = check_count(img, MLT_S_EDGE_TARGET, n->edge_count, 1, UINT64_MAX, "edges", err)) ||
        (st = check_count(img, MLT_S_EDGE_LABEL, n->edge_count, 1, UINT64_MAX, "edges", err)) ||
        (st = check_count(img, MLT_S_ROOTS, n->root_count, 6, UINT64_MAX, "roots", err)) ||
        (st = check_count(img, MLT_S_PREVIEWS, n->preview_count, 3, max_index, "previews", err)))
        return st;
    return MLT_OK;
}

/* The tables are held whole and cost more than their stream bytes: an offset
 * and a NUL per string, a struct per type. A few KiB of zstd can describe
 * tens of millions of empty strings, so the tables' memory counts against
 * the image's expansion cap too (docs/format.md section 7), or a tiny file
 * could make every reader allocate gigabytes. */
static mlt_status check_table_memory(mlt_image *img, mlt_error *err)
{
    uint64_t limit = img->r->options.expansion_limit, stored = img->ix->length;
    uint64_t cap = stored > UINT64_MAX / limit ? UINT64_MAX : stored * limit;
    if (cap < MLT_EXPANSION_FLOOR)
        cap = MLT_EXPANSION_FLOOR;
    /* Both counts are at most their stream's raw size (check_counts), which the
     * scan capped, so the products fit in 64 bits. */
    uint64_t strings = img->info.string_count, types = img->info.type_count;
    uint64_t need = strings * (sizeof *img->string_offsets + 1) +
                    mlt_image_cursor(img, MLT_S_STRINGS)->total + types * sizeof *img->types;
    if (need > cap)
        return image_fail(img, err, MLT_ERR_LIMIT,
                          "%llu strings and %llu types would take %llu bytes in memory, more "
                          "than the expansion limit allows for this image's %llu stored bytes "
                          "(%llu)",
                          (unsigned long long)strings, (unsigned long long)types,
                          (unsigned long long)need, (unsigned long long)stored,
                          (unsigned long long)cap);
    return MLT_OK;
}

static mlt_status load_strings(mlt_image *img, mlt_error *err)
{
    mlt_cursor *c = mlt_image_cursor(img, MLT_S_STRINGS);
    uint64_t count = img->info.string_count;
    img->string_offsets = malloc((count + 1) * sizeof *img->string_offsets);
    img->string_bytes = malloc(c->total + count + 1);
    if (!img->string_offsets || !img->string_bytes)
        return image_fail(img, err, MLT_ERR_NOMEM, "out of memory for %llu strings",
                          (unsigned long long)count);
    uint64_t at = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t length;
        c->record = i;
        mlt_status st = mlt_cursor_varint(c, &length, err);
        if (st != MLT_OK)
            return st;
        if (length > mlt_cursor_left(c))
            return mlt_cursor_fail(c, err,
                                   "string length %llu runs past the stream's end "
                                   "(%llu bytes left)",
                                   (unsigned long long)length,
                                   (unsigned long long)mlt_cursor_left(c));
        img->string_offsets[i] = at;
        if ((st = mlt_cursor_bytes(c, img->string_bytes + at, (size_t)length, err)))
            return st;
        at += length;
        img->string_bytes[at++] = '\0';
    }
    img->string_offsets[count] = at;
    c->record = count;
    return mlt_cursor_finish(c, err);
}

static mlt_status load_types(mlt_image *img, mlt_error *err)
{
    mlt_cursor *c = mlt_image_cursor(img, MLT_S_TYPES);
    uint64_t count = img->info.type_count;
    img->types = calloc(count ? count : 1, sizeof *img->types);
    if (!img->types)
        return image_fail(img, err, MLT_ERR_NOMEM, "out of memory for %llu types",
                          (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t name;
        mlt_type *t = &img->types[i];
        c->record = i;
        mlt_status st;
        if ((st = mlt_cursor_varint(c, &name, err)) ||
            (st = mlt_cursor_varint(c, &t->address, err)) ||
            (st = mlt_cursor_varint(c, &t->basicsize, err)) ||
            (st = mlt_cursor_varint(c, &t->itemsize, err)))
            return st;
        if (name >= img->info.string_count)
            return mlt_cursor_fail(c, err, "type name string id %llu out of range (%llu strings)",
                                   (unsigned long long)name,
                                   (unsigned long long)img->info.string_count);
        t->name = (uint32_t)name;
    }
    c->record = count;
    return mlt_cursor_finish(c, err);
}

mlt_status mlt_image_open(mlt_reader *r, size_t index, mlt_image **out, mlt_error *err)
{
    mlt_error_clear(err);
    *out = NULL;
    if (!r || index >= r->image_count)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "%s: image %zu does not exist (%zu images)",
                        r ? r->path : "?", index, r ? r->image_count : 0);
    mlt_image *img = calloc(1, sizeof *img);
    if (!img)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", r->path);
    img->r = r;
    img->index = index;
    img->ix = &r->images[index];
    img->info = img->ix->info;
    mlt_status st = MLT_OK;
    if (img->ix->unknown_critical >= 0)
        st = image_fail(img, err, MLT_ERR_VERSION,
                        "uses critical stream 0x%02x, unknown to "
                        "this reader: it needs a newer reader (this one reads format %d.%d)",
                        (unsigned)img->ix->unknown_critical, MLT_FORMAT_MAJOR, MLT_FORMAT_MINOR);
    if (st == MLT_OK && img->info.kind > MLT_IMAGE_CALL_DELTA)
        st = image_fail(img, err, MLT_ERR_VERSION,
                        "has image_kind %u, unknown to this reader: "
                        "it needs a newer reader (this one reads format %d.%d)",
                        (unsigned)img->info.kind, MLT_FORMAT_MAJOR, MLT_FORMAT_MINOR);
    if (st == MLT_OK && img->info.kind == MLT_IMAGE_CALL_DELTA &&
        (img->info.object_count || img->info.edge_count || img->info.root_count))
        st = image_fail(img, err, MLT_ERR_FORMAT,
                        "is a call delta (image_kind 1) but its summary "
                        "announces %llu objects, %llu edges, %llu roots: a call delta holds none",
                        (unsigned long long)img->info.object_count,
                        (unsigned long long)img->info.edge_count,
                        (unsigned long long)img->info.root_count);
    if (st == MLT_OK && !(img->dctx = ZSTD_createDCtx()))
        st = image_fail(img, err, MLT_ERR_NOMEM, "out of memory");
    if (st == MLT_OK)
        st = check_counts(img, err);
    if (st == MLT_OK)
        st = check_table_memory(img, err);
    if (st == MLT_OK)
        st = load_strings(img, err);
    if (st == MLT_OK)
        st = load_types(img, err);
    if (st != MLT_OK) {
        mlt_image_close(img);
        return st;
    }
    *out = img;
    return MLT_OK;
}

const mlt_image_info *mlt_image_get_info(const mlt_image *img)
{
    return &img->info;
}

const char *mlt_image_string(const mlt_image *img, uint32_t id, size_t *length)
{
    if (id == MLT_NO_STRING || id >= img->info.string_count) {
        if (length)
            *length = 0;
        return NULL;
    }
    uint64_t start = img->string_offsets[id], end = img->string_offsets[id + 1] - 1;
    if (length)
        *length = (size_t)(end - start);
    return (const char *)img->string_bytes + start;
}

uint64_t mlt_image_string_count(const mlt_image *img)
{
    return img->info.string_count;
}

const mlt_type *mlt_image_type(const mlt_image *img, uint32_t index)
{
    return index < img->info.type_count ? &img->types[index] : NULL;
}

uint64_t mlt_image_type_count(const mlt_image *img)
{
    return img->info.type_count;
}

void mlt_image_close(mlt_image *img)
{
    if (!img)
        return;
    for (int i = 0; i < MLT_RS_COUNT; i++)
        mlt_cursor_free(&img->cursors[i]);
    ZSTD_freeDCtx(img->dctx);
    free(img->packed);
    free(img->string_bytes);
    free(img->string_offsets);
    free(img->types);
    free(img);
}
