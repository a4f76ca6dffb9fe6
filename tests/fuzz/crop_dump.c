/* Crops a real dump into a small seed for the fuzzers: the first IMAGES
 * images, each keeping only its first OBJECTS objects plus up to OBJECTS/4
 * objects whose type name contains MATCH, with the edges, roots and previews among
 * them; small blocks so records span blocks. Real dumps are megabytes (the
 * whole interpreter heap); a fuzzer wants inputs of a few KiB with the
 * shapes real heaps have (type tables, labels, identity flags, roots).
 *   crop_dump IN OUT IMAGES OBJECTS [MATCH] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memalot/format.h"

typedef struct {
    mlt_reader *r;
    mlt_writer *w;
    size_t index;
    uint64_t keep_first;
    const char *match;
    uint32_t *new_index;  /* per object: index in the output, UINT32_MAX if dropped */
    uint32_t *string_map; /* per input string id: output id, UINT32_MAX until interned */
    uint32_t *type_map;
} crop;

static int fail(const mlt_error *err)
{
    fprintf(stderr, "crop_dump: %s\n", err->message);
    return 1;
}

static int map_string(crop *c, mlt_image *img, uint32_t id, uint32_t *out, mlt_error *err)
{
    if (id == MLT_NO_STRING) {
        *out = MLT_NO_STRING;
        return 0;
    }
    if (c->string_map[id] == UINT32_MAX) {
        size_t length;
        const char *text = mlt_image_string(img, id, &length);
        if (mlt_writer_intern(c->w, text, length, &c->string_map[id], err))
            return -1;
    }
    *out = c->string_map[id];
    return 0;
}

static int type_matches(crop *c, mlt_image *img, uint32_t type)
{
    if (!c->match)
        return 0;
    const char *name = mlt_image_string(img, mlt_image_type(img, type)->name, NULL);
    return name && strstr(name, c->match);
}

/* Pass 1: which objects stay, and their new indices. */
static int choose(crop *c, mlt_image *img, mlt_error *err)
{
    uint64_t kept = 0, matched = 0;
    mlt_object o;
    int rc;
    for (uint64_t i = 0; (rc = mlt_image_next_object(img, &o, err)) == 1; i++) {
        /* As many matching objects as first ones, so a leak's type stays a handful. */
        int keep = i < c->keep_first ||
                   (matched < c->keep_first / 4 && type_matches(c, img, o.type) && ++matched);
        c->new_index[i] = keep ? (uint32_t)kept++ : UINT32_MAX;
    }
    return rc < 0 ? -1 : 0;
}

static int copy_objects(crop *c, mlt_image *img, mlt_error *err)
{
    mlt_object o;
    mlt_edge edges[64];
    for (uint64_t i = 0; mlt_image_next_object(img, &o, err) == 1; i++) {
        if (c->new_index[i] == UINT32_MAX)
            continue;
        size_t kept = 0;
        mlt_edge *all = NULL;
        long got;
        while ((got = mlt_image_read_edges(img, edges, 64, err)) > 0) {
            for (long e = 0; e < got; e++) {
                if (c->new_index[edges[e].target] == UINT32_MAX)
                    continue;
                if (edges[e].label_kind == MLT_LABEL_KEY_OBJ &&
                    c->new_index[edges[e].label] == UINT32_MAX)
                    continue;
                mlt_edge *grown = realloc(all, (kept + 1) * sizeof *all);
                if (!grown)
                    return -1;
                all = grown;
                all[kept] = edges[e];
                all[kept].target = c->new_index[edges[e].target];
                uint32_t kind = edges[e].label_kind;
                if (kind == MLT_LABEL_KEY_OBJ)
                    all[kept].label = c->new_index[edges[e].label];
                else if (kind != MLT_LABEL_NONE && kind != MLT_LABEL_INDEX) {
                    uint32_t sid;
                    if (map_string(c, img, (uint32_t)edges[e].label, &sid, err))
                        return -1;
                    all[kept].label = sid;
                }
                kept++;
            }
        }
        o.type = c->type_map[o.type];
        o.edge_count = kept;
        int bad = mlt_writer_add_object(c->w, &o, err) ||
                  (kept && mlt_writer_add_edges(c->w, all, kept, err));
        free(all);
        if (bad)
            return -1;
    }
    return 0;
}

static int copy_tables(crop *c, mlt_image *img, mlt_error *err)
{
    for (uint64_t t = 0; t < mlt_image_type_count(img); t++) {
        mlt_type type = *mlt_image_type(img, (uint32_t)t);
        if (map_string(c, img, type.name, &type.name, err) ||
            mlt_writer_add_type(c->w, &type, &c->type_map[t], err))
            return -1;
    }
    return 0;
}

static int copy_roots_previews(crop *c, mlt_image *img, mlt_error *err)
{
    mlt_root root;
    while (mlt_image_next_root(img, &root, err) == 1) {
        if (c->new_index[root.object] == UINT32_MAX)
            continue;
        root.object = c->new_index[root.object];
        if (map_string(c, img, root.name, &root.name, err) ||
            map_string(c, img, root.context, &root.context, err) ||
            mlt_writer_add_root(c->w, &root, err))
            return -1;
    }
    mlt_preview p;
    while (mlt_image_next_preview(img, &p, err) == 1) {
        if (c->new_index[p.object] == UINT32_MAX)
            continue;
        p.object = c->new_index[p.object];
        if (mlt_writer_add_preview(c->w, &p, err))
            return -1;
    }
    return 0;
}

static int copy_image(crop *c, mlt_error *err)
{
    mlt_image *img;
    if (mlt_image_open(c->r, c->index, &img, err))
        return -1;
    mlt_image_info info = *mlt_image_get_info(img);
    c->new_index = malloc((info.object_count + 1) * sizeof *c->new_index);
    c->string_map = malloc((info.string_count + 1) * sizeof *c->string_map);
    c->type_map = malloc((info.type_count + 1) * sizeof *c->type_map);
    int bad = !c->new_index || !c->string_map || !c->type_map;
    if (!bad)
        memset(c->string_map, 0xFF, (info.string_count + 1) * sizeof *c->string_map);
    bad = bad || choose(c, img, err);
    mlt_image_close(img);
    if (!bad &&
        (mlt_image_open(c->r, c->index, &img, err) || mlt_writer_begin_image(c->w, &info, err)))
        bad = 1;
    else if (!bad) {
        bad = copy_tables(c, img, err) || copy_objects(c, img, err) ||
              copy_roots_previews(c, img, err) || mlt_writer_end_image(c->w, info.pause_ns, err);
        mlt_image_close(img);
    }
    free(c->new_index);
    free(c->string_map);
    free(c->type_map);
    return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: crop_dump IN OUT IMAGES OBJECTS [MATCH]\n");
        return 2;
    }
    crop c = {.keep_first = strtoull(argv[4], NULL, 10), .match = argc > 5 ? argv[5] : NULL};
    mlt_error err;
    if (mlt_reader_open(argv[1], NULL, &c.r, &err))
        return fail(&err);
    mlt_writer_options options = {.block_size = 512};
    if (mlt_writer_open(argv[2], mlt_reader_file_info(c.r), &options, &c.w, &err)) {
        mlt_reader_close(c.r);
        return fail(&err);
    }
    size_t images = strtoul(argv[3], NULL, 10);
    int status = 0;
    for (c.index = 0; c.index < images && c.index < mlt_reader_image_count(c.r); c.index++)
        if (copy_image(&c, &err)) {
            status = fail(&err);
            break;
        }
    mlt_writer_close(c.w);
    mlt_reader_close(c.r);
    return status;
}
