/* Streams one image through the format reader into compact arrays: u32
 * indices, CSR edges, no per-object allocation. Counts from the image
 * trailer size the arrays once; the stream is checked against them. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

#define EDGE_CHUNK 512u
#define PREVIEW_MAX_CHARS 100

typedef struct {
    mlt_reader *reader;
    size_t index;
    mlt_image *image;
    const mlt_image_info *info;
    uint32_t *type_map;
    uint64_t type_count;
} load_ctx;

static mlt_status bad(const load_ctx *ctx, mlt_error *err, mlt_status code, const char *what)
{
    return mlt_fail(err, code, 0, "%s: image %zu: %s", mlt_reader_path(ctx->reader), ctx->index,
                    what);
}

static mlt_status map_types(load_ctx *ctx, mla_typereg *reg, mlt_error *err)
{
    ctx->type_count = mlt_image_type_count(ctx->image);
    ctx->type_map = mla_malloc_array(ctx->type_count, sizeof *ctx->type_map);
    if (!ctx->type_map)
        return bad(ctx, err, MLT_ERR_NOMEM, "out of memory for the type table");
    for (uint64_t t = 0; t < ctx->type_count; t++) {
        const mlt_type *type = mlt_image_type(ctx->image, (uint32_t)t);
        size_t length = 0;
        const char *name = type ? mlt_image_string(ctx->image, type->name, &length) : NULL;
        if (!name) {
            name = "?";
            length = 1;
        }
        mlt_status st = mla_typereg_intern(reg, name, length, &ctx->type_map[t], err);
        if (st != MLT_OK)
            return st;
    }
    return MLT_OK;
}

static mlt_status copy_strings(load_ctx *ctx, mla_strtab *table, mlt_error *err)
{
    uint64_t count = mlt_image_string_count(ctx->image);
    if (count >= UINT32_MAX)
        return bad(ctx, err, MLT_ERR_LIMIT, "more strings than the analyzer indexes (2^32)");
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t length = 0;
        mlt_image_string(ctx->image, (uint32_t)i, &length);
        total += length + 1;
    }
    table->offset = mla_malloc_array(count + 1, sizeof *table->offset);
    table->blob = mla_malloc_array(total ? total : 1, 1);
    if (!table->offset || !table->blob)
        return bad(ctx, err, MLT_ERR_NOMEM, "out of memory copying the string table");
    uint64_t at = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t length = 0;
        const char *text = mlt_image_string(ctx->image, (uint32_t)i, &length);
        table->offset[i] = at;
        if (text && length)
            memcpy(table->blob + at, text, length);
        at += length;
        table->blob[at++] = '\0';
    }
    table->offset[count] = at;
    table->count = (uint32_t)count;
    return MLT_OK;
}

static mlt_status read_edges(load_ctx *ctx, mla_graph *g, uint32_t *filled, mlt_error *err)
{
    mlt_edge chunk[EDGE_CHUNK];
    long got;
    while ((got = mlt_image_read_edges(ctx->image, chunk, EDGE_CHUNK, err)) > 0) {
        if ((uint64_t)*filled + (uint64_t)got > g->edge_count)
            return bad(ctx, err, MLT_ERR_FORMAT, "more edges than the image trailer declares");
        for (long i = 0; i < got; i++) {
            uint32_t e = (*filled)++;
            g->edge_target[e] = chunk[i].target;
            g->edge_kind[e] = (uint8_t)(chunk[i].label_kind < MLT_LABEL_COUNT_ ? chunk[i].label_kind
                                                                               : 0);
            g->edge_label[e] = chunk[i].label > UINT32_MAX ? UINT32_MAX : (uint32_t)chunk[i].label;
        }
    }
    return got < 0 ? err->code : MLT_OK;
}

static mlt_status read_objects(load_ctx *ctx, mla_graph *g, int full, mlt_error *err)
{
    mlt_object o;
    uint32_t count = 0, edges = 0;
    int rc;
    while ((rc = mlt_image_next_object(ctx->image, &o, err)) == 1) {
        if (count >= g->node_count)
            return bad(ctx, err, MLT_ERR_FORMAT, "more objects than the image trailer declares");
        if (count && o.address <= g->address[count - 1])
            return bad(ctx, err, MLT_ERR_FORMAT, "object addresses are not strictly increasing");
        if (o.type >= ctx->type_count)
            return bad(ctx, err, MLT_ERR_FORMAT, "object type index beyond the type table");
        g->address[count] = o.address;
        g->type[count] = ctx->type_map[o.type];
        g->flags[count] = o.flags;
        if (full) {
            g->size[count] = o.size;
            g->refcount[count] = o.refcount > UINT32_MAX ? UINT32_MAX : (uint32_t)o.refcount;
            g->edge_start[count] = edges;
            mlt_status st = read_edges(ctx, g, &edges, err);
            if (st != MLT_OK)
                return st;
        }
        count++;
    }
    if (rc < 0)
        return err->code;
    if (count != g->node_count)
        return bad(ctx, err, MLT_ERR_FORMAT, "fewer objects than the image trailer declares");
    if (full) {
        if (edges != g->edge_count)
            return bad(ctx, err, MLT_ERR_FORMAT, "fewer edges than the image trailer declares");
        g->edge_start[count] = edges;
        for (uint32_t e = 0; e < edges; e++)
            if (g->edge_target[e] >= count)
                return bad(ctx, err, MLT_ERR_FORMAT, "edge target beyond the object count");
    }
    return MLT_OK;
}

static mlt_status read_roots(load_ctx *ctx, mla_graph *g, mlt_error *err)
{
    mlt_root root;
    size_t count = 0;
    int rc;
    while ((rc = mlt_image_next_root(ctx->image, &root, err)) == 1) {
        if (count >= g->root_count)
            return bad(ctx, err, MLT_ERR_FORMAT, "more roots than the image trailer declares");
        if (root.object >= g->node_count)
            return bad(ctx, err, MLT_ERR_FORMAT, "root names an object beyond the object count");
        g->roots[count++] = root;
    }
    if (rc < 0)
        return err->code;
    g->root_count = count;
    return MLT_OK;
}

/* The reader caps the decompressed bytes of an image at max(64 MiB, 512 x
 * its stored size), but a graph costs ~90 bytes per object and ~20 per edge
 * here, and 64 MiB of one repeated byte compresses to a few KiB: a 3 KiB
 * file could declare 11 million objects and take a gigabyte. Real heaps
 * store well under two records (objects + edges) per byte: a typical image
 * 0.35, three lists of 7 million small numbers 1.2. More than
 * MAX_RECORDS_PER_BYTE per stored byte, beyond a floor that small synthetic
 * dumps stay under, is refused as a likely bomb; what remains bounds the
 * graph at ~1.5 KB of memory per stored byte. */
#define MAX_RECORDS_PER_BYTE 16u
#define RECORDS_FLOOR (1u << 20)

static mlt_status check_density(const load_ctx *ctx, mlt_error *err)
{
    uint64_t stored = mlt_reader_image_length(ctx->reader, ctx->index);
    uint64_t records = ctx->info->object_count + ctx->info->edge_count;
    uint64_t allowed = stored * MAX_RECORDS_PER_BYTE;
    if (allowed < RECORDS_FLOOR)
        allowed = RECORDS_FLOOR;
    if (records <= allowed)
        return MLT_OK;
    return mlt_fail(err, MLT_ERR_LIMIT, 0,
                    "%s: image %zu: %" PRIu64 " objects and %" PRIu64 " edges in %" PRIu64
                    " stored bytes is more than %u records per byte: refused as a likely "
                    "decompression bomb",
                    mlt_reader_path(ctx->reader), ctx->index, ctx->info->object_count,
                    ctx->info->edge_count, stored, MAX_RECORDS_PER_BYTE);
}

mlt_status mla_load_image(mlt_reader *reader, size_t index, mla_typereg *reg, int full,
                          mla_graph *graph, mlt_error *err)
{
    load_ctx ctx = {reader, index, NULL, NULL, NULL, 0};
    memset(graph, 0, sizeof *graph);
    mlt_status st = mlt_image_open(reader, index, &ctx.image, err);
    if (st != MLT_OK)
        return st;
    ctx.info = mlt_image_get_info(ctx.image);
    if (ctx.info->object_count >= UINT32_MAX || ctx.info->edge_count >= UINT32_MAX) {
        st = bad(&ctx, err, MLT_ERR_LIMIT, "more than 2^32-1 objects or edges in one image");
        goto out;
    }
    st = check_density(&ctx, err);
    if (st != MLT_OK)
        goto out;
    st = mla_graph_alloc(graph, (uint32_t)ctx.info->object_count, (uint32_t)ctx.info->edge_count,
                         (size_t)ctx.info->root_count, full, err);
    if (st != MLT_OK)
        goto out;
    st = map_types(&ctx, reg, err);
    if (st == MLT_OK)
        st = read_objects(&ctx, graph, full, err);
    if (st == MLT_OK && full)
        st = read_roots(&ctx, graph, err);
    if (st == MLT_OK && full)
        st = copy_strings(&ctx, &graph->strings, err);
out:
    free(ctx.type_map);
    mlt_image_close(ctx.image);
    if (st != MLT_OK)
        mla_graph_free(graph);
    return st;
}

/* ------------------------------------------------------------- previews */

static char *render_preview(mla_arena *arena, const mlt_preview *p)
{
    mla_sbuf out = {0};
    const char *data = (const char *)p->data;
    switch (p->kind) {
    case MLT_PREVIEW_STR:
        mla_render_quoted(&out, data, p->length, PREVIEW_MAX_CHARS);
        if (p->truncated && p->length <= PREVIEW_MAX_CHARS) {
            out.length--; /* reopen the quote to mark the cut */
            mla_sbuf_puts(&out, "\xE2\x80\xA6'");
        }
        break;
    case MLT_PREVIEW_BYTES:
        mla_sbuf_puts(&out, "b");
        mla_render_quoted(&out, data, p->length, PREVIEW_MAX_CHARS);
        break;
    default:
        mla_sbuf_append(&out, data, p->length > PREVIEW_MAX_CHARS ? PREVIEW_MAX_CHARS : p->length);
        if (p->truncated || p->length > PREVIEW_MAX_CHARS)
            mla_sbuf_puts(&out, "\xE2\x80\xA6");
        break;
    }
    char *text = out.failed ? NULL : mla_arena_strdup(arena, out.data ? out.data : "");
    mla_sbuf_free(&out);
    return text;
}

mlt_status mla_load_previews(mlt_reader *reader, size_t index, const uint32_t *objects,
                             uint32_t count, mla_previews *out, mlt_error *err)
{
    memset(out, 0, sizeof *out);
    if (!count || !reader)
        return MLT_OK;
    out->object = mla_arena_alloc(&out->arena, count * sizeof *out->object);
    out->text = mla_arena_alloc(&out->arena, count * sizeof *out->text);
    out->truncated = mla_arena_alloc(&out->arena, count);
    out->kind = mla_arena_alloc(&out->arena, count);
    if (!out->object || !out->text || !out->truncated || !out->kind)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for previews");
    mlt_image *image;
    mlt_status st = mlt_image_open(reader, index, &image, err);
    if (st != MLT_OK)
        return st;
    mlt_preview p;
    uint32_t want = 0;
    int rc;
    while (want < count && (rc = mlt_image_next_preview(image, &p, err)) == 1) {
        while (want < count && objects[want] < p.object)
            want++;
        if (want == count || objects[want] != p.object)
            continue;
        uint32_t slot = out->count++;
        out->object[slot] = p.object;
        out->kind[slot] = (uint8_t)p.kind;
        out->truncated[slot] = (uint8_t)(p.truncated != 0);
        out->text[slot] = render_preview(&out->arena, &p);
        if (!out->text[slot]) {
            mlt_image_close(image);
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for previews");
        }
        want++;
    }
    mlt_image_close(image);
    /* A broken preview stream only costs the previews, never the report. */
    return MLT_OK;
}

const char *mla_previews_find(const mla_previews *previews, uint32_t object, int *truncated)
{
    uint32_t lo = 0, hi = previews->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (previews->object[mid] < object)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < previews->count && previews->object[lo] == object) {
        if (truncated)
            *truncated = previews->truncated[lo];
        return previews->text[lo];
    }
    return NULL;
}

void mla_previews_free(mla_previews *previews)
{
    mla_arena_free(&previews->arena);
    memset(previews, 0, sizeof *previews);
}
