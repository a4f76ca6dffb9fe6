/* mla_type_census: objects and bytes per type in one image, streamed (no
 * graph), for `memalot-analyze diff A B` and quick summaries. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

typedef struct {
    mla_census census; /* first, so the public pointer frees the whole */
    mla_arena arena;
} census_result;

static int census_order(const void *a, const void *b)
{
    const mla_type_count *x = a, *y = b;
    if (x->shallow_bytes != y->shallow_bytes)
        return x->shallow_bytes > y->shallow_bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->type, y->type);
}

static mlt_status count_objects(mlt_reader *reader, size_t index, census_result *res,
                                mlt_error *err)
{
    mlt_image *image;
    mlt_status st = mlt_image_open(reader, index, &image, err);
    if (st != MLT_OK)
        return st;
    uint64_t types = mlt_image_type_count(image);
    mla_type_count *counts = mla_arena_alloc(&res->arena, (types + 1) * sizeof *counts);
    if (!counts) {
        mlt_image_close(image);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for the census");
    }
    for (uint64_t t = 0; t < types; t++) {
        const mlt_type *type = mlt_image_type(image, (uint32_t)t);
        const char *name = type ? mlt_image_string(image, type->name, NULL) : NULL;
        counts[t].type = mla_arena_strdup(&res->arena, name ? name : "?");
    }
    mlt_object o;
    int rc;
    while ((rc = mlt_image_next_object(image, &o, err)) == 1) {
        if (o.type >= types) {
            mlt_image_close(image);
            return mlt_fail(err, MLT_ERR_FORMAT, 0,
                            "%s: image %zu: object type index beyond the type table",
                            mlt_reader_path(reader), index);
        }
        mla_type_count *c = &counts[o.type];
        c->count++;
        c->shallow_bytes += o.size;
        if (o.flags & MLT_OBJ_NEW) {
            c->new_count++;
            c->new_bytes += o.size;
        }
        res->census.object_count++;
        res->census.shallow_bytes += o.size;
    }
    mlt_image_close(image);
    if (rc < 0)
        return err->code;
    /* Two table entries may carry one name: merge them, drop empty ones. */
    qsort(counts, types, sizeof *counts, census_order);
    size_t kept = 0;
    for (uint64_t t = 0; t < types; t++) {
        if (counts[t].count == 0)
            continue;
        size_t j = 0;
        while (j < kept && strcmp(counts[j].type, counts[t].type) != 0)
            j++;
        if (j < kept) {
            counts[j].count += counts[t].count;
            counts[j].shallow_bytes += counts[t].shallow_bytes;
            counts[j].new_count += counts[t].new_count;
            counts[j].new_bytes += counts[t].new_bytes;
        } else {
            counts[kept++] = counts[t];
        }
    }
    qsort(counts, kept, sizeof *counts, census_order);
    res->census.types = counts;
    res->census.type_count = kept;
    return MLT_OK;
}

static void summarize(mlt_reader *reader, size_t index, const mlt_image_info *info,
                      census_result *res)
{
    mla_image_summary *s = &res->census.image;
    s->index = (uint32_t)index;
    s->sequence = info->sequence;
    s->wall_time = info->wall_time;
    s->monotonic_time = info->monotonic_time;
    s->trigger = info->trigger;
    s->call_counter = info->call_counter;
    s->function = mla_arena_strdup(&res->arena, info->function);
    s->objects = info->object_count;
    s->edges = info->edge_count;
    s->stored_bytes = mlt_reader_image_length(reader, index);
}

mlt_status mla_type_census(const char *path, long image_index, mla_census **out, mlt_error *err)
{
    *out = NULL;
    if (!path)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "no dump file given");
    census_result *res = calloc(1, sizeof *res);
    if (!res)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    mlt_reader *reader = NULL;
    size_t index = 0;
    mlt_image_info info;
    mlt_status st = mlt_reader_open(path, NULL, &reader, err);
    if (st == MLT_OK)
        st = mla_resolve_image(reader, path, image_index, &index, err);
    if (st == MLT_OK)
        st = mlt_reader_image_info(reader, index, &info, err);
    if (st == MLT_OK) {
        summarize(reader, index, &info, res);
        res->census.path = mla_arena_strdup(&res->arena, path);
        res->census.file = mla_copy_file_info(&res->arena, mlt_reader_file_info(reader));
        const mlt_error *tail = mlt_reader_tail_error(reader);
        res->census.torn_tail = tail ? mla_arena_strdup(&res->arena, tail->message) : NULL;
        st = count_objects(reader, index, res, err);
    }
    mlt_reader_close(reader);
    if (st != MLT_OK) {
        mla_census_free(&res->census);
        return st;
    }
    *out = &res->census;
    return MLT_OK;
}

void mla_census_free(mla_census *census)
{
    if (!census)
        return;
    census_result *res = (census_result *)census;
    mla_arena_free(&res->arena);
    free(res);
}
