/* The copy-a-dump loop of compact and redact (see rewrite.h): open both
 * files, copy or pass over each readable image through the hooks, and
 * leave no partial output behind on failure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rewrite.h"

#define EDGE_CHUNK 512

typedef struct {
    const char *in_path;
    const mlt_rewrite_hooks *hooks;
    void *self;
    mlt_reader *reader;
    mlt_writer *writer;
    uint32_t *type_map; /* input type index -> output index, for the image being copied */
    size_t type_map_capacity;
    mlt_edge edges[EDGE_CHUNK];
} rewriter;

int mlt_rewrite_grow_map(uint32_t **map, size_t *capacity, uint64_t needed)
{
    if (needed == 0)
        needed = 1; /* a map is never NULL, even for an empty table */
    if (needed <= *capacity)
        return 0;
    if (needed > SIZE_MAX / sizeof **map)
        return -1;
    uint32_t *grown = realloc(*map, (size_t)needed * sizeof **map);
    if (!grown)
        return -1;
    *map = grown;
    *capacity = (size_t)needed;
    return 0;
}

/* ------------------------------------------------------------- one image */

static mlt_status map_string(rewriter *rw, mlt_image *img, uint64_t id, mlt_string_use use,
                             uint32_t *out, const char *what, mlt_error *err)
{
    *out = MLT_NO_STRING;
    if (id == MLT_NO_STRING)
        return MLT_OK;
    if (id >= mlt_image_string_count(img))
        return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: %s names string %llu, past the table",
                        rw->in_path, what, (unsigned long long)id);
    return rw->hooks->map_string(rw->self, rw->writer, img, (uint32_t)id, use, out, err);
}

static mlt_status copy_types(rewriter *rw, mlt_image *img, mlt_error *err)
{
    uint64_t count = mlt_image_type_count(img);
    if (mlt_rewrite_grow_map(&rw->type_map, &rw->type_map_capacity, count) != 0)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %llu types",
                        (unsigned long long)count);
    for (uint64_t index = 0; index < count; index++) {
        const mlt_type *source = mlt_image_type(img, (uint32_t)index);
        if (!source)
            return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: type %llu is missing", rw->in_path,
                            (unsigned long long)index);
        mlt_type copy = *source;
        mlt_status st = map_string(rw, img, source->name, MLT_STRING_AS_NAME, &copy.name, "a type",
                                   err);
        if (st == MLT_OK)
            st = mlt_writer_add_type(rw->writer, &copy, &rw->type_map[index], err);
        if (st != MLT_OK)
            return st;
    }
    return MLT_OK;
}

static mlt_status copy_edges(rewriter *rw, mlt_image *img, mlt_error *err)
{
    long n;
    while ((n = mlt_image_read_edges(img, rw->edges, EDGE_CHUNK, err)) > 0) {
        for (long i = 0; i < n; i++) {
            mlt_edge *edge = &rw->edges[i];
            if (!mlt_label_has_string_id(edge->label_kind))
                continue;
            mlt_string_use use = edge->label_kind == MLT_LABEL_KEY_STR ? MLT_STRING_AS_KEY
                                                                       : MLT_STRING_AS_NAME;
            uint32_t mapped;
            mlt_status st = map_string(rw, img, edge->label, use, &mapped, "an edge label", err);
            if (st != MLT_OK)
                return st;
            edge->label = mapped;
        }
        mlt_status st = mlt_writer_add_edges(rw->writer, rw->edges, (size_t)n, err);
        if (st != MLT_OK)
            return st;
    }
    return n < 0 ? err->code : MLT_OK;
}

static mlt_status copy_objects(rewriter *rw, size_t index, mlt_image *img, mlt_error *err)
{
    uint64_t type_count = mlt_image_type_count(img);
    mlt_object o;
    int rc;
    while ((rc = mlt_image_next_object(img, &o, err)) == 1) {
        if (o.type >= type_count)
            return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: object 0x%llx has type %u of %llu",
                            rw->in_path, (unsigned long long)o.address, o.type,
                            (unsigned long long)type_count);
        o.type = rw->type_map[o.type];
        mlt_status st = rw->hooks->map_object ? rw->hooks->map_object(rw->self, index, &o, err)
                                              : MLT_OK;
        if (st == MLT_OK)
            st = mlt_writer_add_object(rw->writer, &o, err);
        if (st == MLT_OK)
            st = copy_edges(rw, img, err);
        if (st != MLT_OK)
            return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status copy_roots(rewriter *rw, mlt_image *img, mlt_error *err)
{
    mlt_root root;
    int rc;
    while ((rc = mlt_image_next_root(img, &root, err)) == 1) {
        mlt_status st = map_string(rw, img, root.name, MLT_STRING_AS_NAME, &root.name,
                                   "a root name", err);
        if (st == MLT_OK)
            st = map_string(rw, img, root.context, MLT_STRING_AS_NAME, &root.context, "a root",
                            err);
        if (st == MLT_OK)
            st = mlt_writer_add_root(rw->writer, &root, err);
        if (st != MLT_OK)
            return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status copy_previews(rewriter *rw, mlt_image *img, mlt_error *err)
{
    mlt_preview preview;
    int rc;
    while ((rc = mlt_image_next_preview(img, &preview, err)) == 1) {
        if (!rw->hooks->copy_previews)
            continue;
        mlt_status st = mlt_writer_add_preview(rw->writer, &preview, err);
        if (st != MLT_OK)
            return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status copy_image(rewriter *rw, size_t index, mlt_image *img, const mlt_image_info *info,
                             mlt_error *err)
{
    const mlt_rewrite_hooks *hooks = rw->hooks;
    mlt_status st = mlt_writer_begin_image(rw->writer, info, err);
    if (st == MLT_OK && hooks->image_started)
        st = hooks->image_started(rw->self, rw->writer, img, err);
    if (st == MLT_OK)
        st = copy_types(rw, img, err);
    if (st == MLT_OK)
        st = copy_objects(rw, index, img, err);
    if (st == MLT_OK)
        st = copy_roots(rw, img, err);
    if (st == MLT_OK)
        st = copy_previews(rw, img, err);
    if (st == MLT_OK)
        st = mlt_writer_end_image(rw->writer, info->pause_ns, err);
    return st;
}

static mlt_status rewrite_image(rewriter *rw, size_t index, mlt_error *err)
{
    const mlt_rewrite_hooks *hooks = rw->hooks;
    mlt_image *img = NULL;
    mlt_status st = mlt_image_open(rw->reader, index, &img, err);
    if (st != MLT_OK)
        return st;
    mlt_image_info info = *mlt_image_get_info(img);
    int copy = 1;
    if (hooks->begin_image)
        st = hooks->begin_image(rw->self, index, img, &info, &copy, err);
    if (st == MLT_OK && copy)
        st = copy_image(rw, index, img, &info, err);
    if (st == MLT_OK && hooks->end_image)
        st = hooks->end_image(rw->self, index, img, copy, err);
    mlt_image_close(img);
    return st;
}

/* ------------------------------------------------------------------ files */

/* The output is removed first so it is always created afresh with mode
 * 0600 (an existing file would keep its wider mode, a stale partial output
 * must not be kept), and a second name of the input (a hard link) is
 * refused rather than replaced. */
static mlt_status prepare_output(const char *in_path, const char *out_path, mlt_error *err)
{
    struct stat in, out;
    if (stat(in_path, &in) == 0 && stat(out_path, &out) == 0 && in.st_dev == out.st_dev &&
        in.st_ino == out.st_ino)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "%s and %s are the same file", in_path, out_path);
    if (unlink(out_path) != 0 && errno != ENOENT)
        return mlt_fail(err, MLT_ERR_IO, 0, "%s: cannot replace: %s", out_path, strerror(errno));
    return MLT_OK;
}

static mlt_status open_files(rewriter *rw, const char *out_path, const mlt_writer_options *options,
                             mlt_error *err)
{
    mlt_status st = mlt_reader_open(rw->in_path, NULL, &rw->reader, err);
    if (st == MLT_OK && rw->hooks->check_input)
        st = rw->hooks->check_input(rw->self, rw->reader, err);
    if (st == MLT_OK)
        st = prepare_output(rw->in_path, out_path, err);
    if (st != MLT_OK)
        return st;
    mlt_file_info info = *mlt_reader_file_info(rw->reader);
    if (rw->hooks->withhold_argv) {
        info.argc = 0;
        info.argv = NULL;
        info.argv_withheld = 1;
    }
    mlt_writer_options opts = {0};
    if (options)
        opts = *options;
    opts.append = 0;
    opts.file_mode = 0600; /* images may hold values and argv */
    return mlt_writer_open(out_path, &info, &opts, &rw->writer, err);
}

mlt_status mlt_rewrite(const char *in_path, const char *out_path, const mlt_writer_options *options,
                       const mlt_rewrite_hooks *hooks, void *self, mlt_error *err)
{
    mlt_error local;
    if (!err)
        err = &local;
    rewriter *rw = calloc(1, sizeof *rw);
    if (!rw)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    rw->in_path = in_path;
    rw->hooks = hooks;
    rw->self = self;
    mlt_status st = open_files(rw, out_path, options, err);
    size_t images = rw->writer ? mlt_reader_image_count(rw->reader) : 0;
    if (st == MLT_OK && images == 0)
        st = mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: no complete image to %s", in_path, hooks->verb);
    for (size_t i = 0; st == MLT_OK && i < images; i++)
        st = rewrite_image(rw, i, err);
    int opened_output = rw->writer != NULL;
    mlt_writer_close(rw->writer);
    mlt_reader_close(rw->reader);
    free(rw->type_map);
    free(rw);
    if (st != MLT_OK && opened_output)
        unlink(out_path);
    return st;
}
