/* Rewrites a dump without what it should not carry when shared (see
 * memalot/redact.h for what goes and what stays).
 *
 * Only the public reader and writer are used, image by image, record by
 * record: the output is a normal dump written by the normal writer, so it
 * is valid by construction. Strings are re-interned per use: one string id
 * of the input may be an attribute name in one edge and a dict key in
 * another, and only the key use must be hashed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "internal.h"
#include "memalot/redact.h"

#define EDGE_CHUNK 512
#define UNMAPPED UINT32_MAX

typedef struct {
    const char *in_path;
    mlt_reader *reader;
    mlt_writer *writer;
    int hash_names;
    uint32_t *name_map; /* input string id -> output id, as a name */
    uint32_t *key_map;  /* input string id -> output id, as a dict key */
    uint32_t *type_map;
    mlt_edge edges[EDGE_CHUNK];
} redactor;

void mlt_redact_hash(const char *bytes, size_t length, char *out) {
    snprintf(out, MLT_REDACT_HASH_LEN + 1, "h:%012llx",
             (unsigned long long)(XXH3_64bits(bytes, length) >> 16));
}

/* Every Python has the same builtins: hashing them hides nothing and makes
 * reports unreadable. */
static int is_public_name(const char *bytes, size_t length) {
    return length > 9 && memcmp(bytes, "builtins.", 9) == 0;
}

static mlt_status map_string(redactor *x, mlt_image *img, uint32_t id, int as_key, uint32_t *out,
                             mlt_error *err) {
    /* *out is defined on every path, failures included, so no caller reads
     * an indeterminate id (GCC 12 -O3 cannot prove the callers' checks). */
    *out = MLT_NO_STRING;
    if (id == MLT_NO_STRING)
        return MLT_OK;
    size_t length = 0;
    const char *bytes = mlt_image_string(img, id, &length);
    if (!bytes)
        return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: string id %u past the string table",
                        x->in_path, id);
    uint32_t *slot = as_key ? &x->key_map[id] : &x->name_map[id];
    if (*slot != UNMAPPED) {
        *out = *slot;
        return MLT_OK;
    }
    char hashed[MLT_REDACT_HASH_LEN + 1];
    if (as_key || (x->hash_names && !is_public_name(bytes, length))) {
        mlt_redact_hash(bytes, length, hashed);
        bytes = hashed;
        length = MLT_REDACT_HASH_LEN;
    }
    mlt_status st = mlt_writer_intern(x->writer, bytes, length, slot, err);
    *out = *slot;
    return st;
}

static mlt_status copy_edges(redactor *x, mlt_image *img, mlt_error *err) {
    long n;
    while ((n = mlt_image_read_edges(img, x->edges, EDGE_CHUNK, err)) > 0) {
        for (long i = 0; i < n; i++) {
            mlt_edge *edge = &x->edges[i];
            if (!mlt_label_has_string_id(edge->label_kind)) continue;
            uint32_t mapped;
            mlt_status st = map_string(x, img, (uint32_t)edge->label,
                                       edge->label_kind == MLT_LABEL_KEY_STR, &mapped, err);
            if (st != MLT_OK) return st;
            edge->label = mapped;
        }
        mlt_status st = mlt_writer_add_edges(x->writer, x->edges, (size_t)n, err);
        if (st != MLT_OK) return st;
    }
    return n < 0 ? err->code : MLT_OK;
}

static mlt_status copy_types(redactor *x, mlt_image *img, mlt_error *err) {
    uint64_t count = mlt_image_type_count(img);
    for (uint64_t index = 0; index < count; index++) {
        mlt_type type = *mlt_image_type(img, (uint32_t)index);
        mlt_status st = map_string(x, img, type.name, 0, &type.name, err);
        if (st == MLT_OK) st = mlt_writer_add_type(x->writer, &type, &x->type_map[index], err);
        if (st != MLT_OK) return st;
    }
    return MLT_OK;
}

static mlt_status copy_objects(redactor *x, mlt_image *img, mlt_error *err) {
    mlt_object o;
    int rc;
    while ((rc = mlt_image_next_object(img, &o, err)) == 1) {
        o.type = x->type_map[o.type];
        mlt_status st = mlt_writer_add_object(x->writer, &o, err);
        if (st == MLT_OK) st = copy_edges(x, img, err);
        if (st != MLT_OK) return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status copy_roots(redactor *x, mlt_image *img, mlt_error *err) {
    mlt_root root;
    int rc;
    while ((rc = mlt_image_next_root(img, &root, err)) == 1) {
        mlt_status st = map_string(x, img, root.name, 0, &root.name, err);
        if (st == MLT_OK) st = map_string(x, img, root.context, 0, &root.context, err);
        if (st == MLT_OK) st = mlt_writer_add_root(x->writer, &root, err);
        if (st != MLT_OK) return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

/* Previews are not copied, but a broken preview stream still fails the copy:
 * redacting must not be a way to launder a damaged file into a valid one. */
static mlt_status check_previews(mlt_image *img, mlt_error *err) {
    mlt_preview preview;
    int rc;
    while ((rc = mlt_image_next_preview(img, &preview, err)) == 1) {}
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status alloc_maps(redactor *x, const mlt_image *img, mlt_error *err) {
    uint64_t strings = mlt_image_string_count(img), types = mlt_image_type_count(img);
    free(x->name_map);
    free(x->key_map);
    free(x->type_map);
    x->name_map = malloc((strings + 1) * sizeof *x->name_map);
    x->key_map = malloc((strings + 1) * sizeof *x->key_map);
    x->type_map = malloc((types + 1) * sizeof *x->type_map);
    if (!x->name_map || !x->key_map || !x->type_map)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %llu strings",
                        (unsigned long long)strings);
    memset(x->name_map, 0xFF, (strings + 1) * sizeof *x->name_map);
    memset(x->key_map, 0xFF, (strings + 1) * sizeof *x->key_map);
    return MLT_OK;
}

static mlt_status copy_image(redactor *x, size_t index, mlt_error *err) {
    mlt_image *img;
    mlt_status st = mlt_image_open(x->reader, index, &img, err);
    if (st != MLT_OK) return st;
    mlt_image_info info = *mlt_image_get_info(img);
    char function[MLT_REDACT_HASH_LEN + 1];
    if (x->hash_names && info.function) {
        mlt_redact_hash(info.function, strlen(info.function), function);
        info.function = function;
    }
    st = alloc_maps(x, img, err);
    if (st == MLT_OK) st = mlt_writer_begin_image(x->writer, &info, err);
    if (st == MLT_OK) st = copy_types(x, img, err);
    if (st == MLT_OK) st = copy_objects(x, img, err);
    if (st == MLT_OK) st = copy_roots(x, img, err);
    if (st == MLT_OK) st = check_previews(img, err);
    if (st == MLT_OK) st = mlt_writer_end_image(x->writer, info.pause_ns, err);
    mlt_image_close(img);
    return st;
}

/* The output is removed first so it is always created afresh with mode
 * 0600 (an existing file would keep its wider mode), and a second name of
 * the input (a hard link) is refused rather than truncated. */
static mlt_status prepare_output(const char *in_path, const char *out_path, mlt_error *err) {
    struct stat in, out;
    if (stat(in_path, &in) == 0 && stat(out_path, &out) == 0 && in.st_dev == out.st_dev &&
        in.st_ino == out.st_ino)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "%s and %s are the same file", in_path, out_path);
    if (unlink(out_path) != 0 && errno != ENOENT)
        return mlt_fail(err, MLT_ERR_IO, 0, "%s: cannot replace: %s", out_path, strerror(errno));
    return MLT_OK;
}

static mlt_status open_files(redactor *x, const char *out_path, mlt_error *err) {
    mlt_status st = mlt_reader_open(x->in_path, NULL, &x->reader, err);
    if (st == MLT_OK) st = prepare_output(x->in_path, out_path, err);
    if (st != MLT_OK) return st;
    mlt_file_info info = *mlt_reader_file_info(x->reader);
    info.argc = 0;
    info.argv = NULL;
    info.argv_withheld = 1;
    mlt_writer_options options = {0};
    return mlt_writer_open(out_path, &info, &options, &x->writer, err);
}

mlt_status mlt_redact(const char *in_path, const char *out_path,
                      const mlt_redact_options *options, mlt_error *err) {
    if (!in_path || !out_path || strcmp(in_path, out_path) == 0)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "redact needs an input and a different output");
    redactor x;
    memset(&x, 0, sizeof x);
    x.in_path = in_path;
    x.hash_names = options && options->hash_names;
    mlt_status st = open_files(&x, out_path, err);
    size_t images = x.reader ? mlt_reader_image_count(x.reader) : 0;
    if (st == MLT_OK && images == 0)
        st = mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: no complete image to redact", in_path);
    for (size_t i = 0; st == MLT_OK && i < images; i++) st = copy_image(&x, i, err);
    mlt_writer_close(x.writer);
    mlt_reader_close(x.reader);
    free(x.name_map);
    free(x.key_map);
    free(x.type_map);
    if (st != MLT_OK && x.writer) unlink(out_path);
    return st;
}
