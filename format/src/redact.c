/* Rewrites a dump without what it should not carry when shared (see
 * memalot/redact.h for what goes and what stays), through the shared
 * rewrite loop (rewrite.h). Strings are re-interned per use: one string id
 * of the input may be an attribute name in one edge and a dict key in
 * another, and only the key use must be hashed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "memalot/redact.h"
#include "rewrite.h"

#define UNMAPPED UINT32_MAX

typedef struct {
    const char *in_path;
    int hash_names;
    uint32_t *name_map; /* input string id -> output id, as a name */
    uint32_t *key_map;  /* input string id -> output id, as a dict key */
    size_t name_map_capacity, key_map_capacity;
    char function[MLT_REDACT_HASH_LEN + 1]; /* the hashed name of the image's function */
} redactor;

void mlt_redact_hash(const char *bytes, size_t length, char *out)
{
    snprintf(out, MLT_REDACT_HASH_LEN + 1, "h:%012llx",
             (unsigned long long)(XXH3_64bits(bytes, length) >> 16));
}

/* Every Python has the same builtins: hashing them hides nothing and makes
 * reports unreadable. */
static int is_public_name(const char *bytes, size_t length)
{
    return length > 9 && memcmp(bytes, "builtins.", 9) == 0;
}

static mlt_status map_string(void *self, mlt_writer *writer, mlt_image *img, uint32_t id,
                             mlt_string_use use, uint32_t *out, mlt_error *err)
{
    redactor *x = self;
    /* *out is defined on every path, failures included, so no caller reads
     * an indeterminate id (GCC 12 -O3 cannot prove the callers' checks). */
    *out = MLT_NO_STRING;
    size_t length = 0;
    const char *bytes = mlt_image_string(img, id, &length);
    if (!bytes)
        return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: string id %u past the string table",
                        x->in_path, id);
    int as_key = use == MLT_STRING_AS_KEY;
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
    mlt_status st = mlt_writer_intern(writer, bytes, length, slot, err);
    *out = *slot;
    return st;
}

/* Output string ids are per image: both maps start empty for each. */
static mlt_status reset_maps(redactor *x, const mlt_image *img, mlt_error *err)
{
    uint64_t strings = mlt_image_string_count(img);
    if (mlt_rewrite_grow_map(&x->name_map, &x->name_map_capacity, strings) != 0 ||
        mlt_rewrite_grow_map(&x->key_map, &x->key_map_capacity, strings) != 0)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %llu strings",
                        (unsigned long long)strings);
    memset(x->name_map, 0xFF, x->name_map_capacity * sizeof *x->name_map);
    memset(x->key_map, 0xFF, x->key_map_capacity * sizeof *x->key_map);
    return MLT_OK;
}

static mlt_status begin_image(void *self, size_t index, mlt_image *img, mlt_image_info *info,
                              int *copy, mlt_error *err)
{
    redactor *x = self;
    (void)index, (void)copy;
    if (x->hash_names && info->function) {
        mlt_redact_hash(info->function, strlen(info->function), x->function);
        info->function = x->function;
    }
    return reset_maps(x, img, err);
}

/* argv and previews are dropped; a broken preview stream still fails the
 * copy: redacting must not be a way to launder a damaged file into a valid
 * one. */
static const mlt_rewrite_hooks REDACT_HOOKS = {
    .verb = "redact",
    .withhold_argv = 1,
    .copy_previews = 0,
    .begin_image = begin_image,
    .map_string = map_string,
};

mlt_status mlt_redact(const char *in_path, const char *out_path, const mlt_redact_options *options,
                      mlt_error *err)
{
    if (!in_path || !out_path || strcmp(in_path, out_path) == 0)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "redact needs an input and a different output");
    redactor x;
    memset(&x, 0, sizeof x);
    x.in_path = in_path;
    x.hash_names = options && options->hash_names;
    mlt_status st = mlt_rewrite(in_path, out_path, NULL, &REDACT_HOOKS, &x, err);
    free(x.name_map);
    free(x.key_map);
    return st;
}
