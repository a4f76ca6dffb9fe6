/* The copy-a-dump loop that mlt_compact and mlt_redact share.
 *
 * Only the public reader and writer are used: each readable image is
 * decoded and re-encoded record by record, so the output is a normal dump
 * written by the normal writer and valid by construction. String and type
 * ids are remapped because the writer assigns its own. What a rewrite
 * changes (which images it keeps, how it re-bases them, which strings it
 * hashes, which flags it merges) is told through mlt_rewrite_hooks.
 *
 * Private to the format library. */
#ifndef MEMALOT_FORMAT_REWRITE_H
#define MEMALOT_FORMAT_REWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* How a string is used where it is referred to: redact hashes the same id
 * as a dict key but not as an attribute name. */
typedef enum {
    MLT_STRING_AS_NAME = 0, /* type, attribute, cell, local, other label; root name/context */
    MLT_STRING_AS_KEY = 1   /* an MLT_LABEL_KEY_STR label */
} mlt_string_use;

/* Every hook gets the rewrite's `self`. A NULL hook does nothing. */
typedef struct {
    const char *verb;  /* "compact", "redact": for messages */
    int withhold_argv; /* 1: the output's header drops argv and says it was withheld */
    int copy_previews; /* 0: previews are read (damage still fails the copy), not written */

    /* The input is open, the output not yet touched: may refuse the input. */
    mlt_status (*check_input)(void *self, mlt_reader *reader, mlt_error *err);
    /* Image `index` is open. May edit *info, which the output image is begun
     * with (re-base it, hash the function), and clear *copy to pass the image
     * over; *copy starts at 1. */
    mlt_status (*begin_image)(void *self, size_t index, mlt_image *img, mlt_image_info *info,
                              int *copy, mlt_error *err);
    /* The output image was begun (compact interns the string table here). */
    mlt_status (*image_started)(void *self, mlt_writer *writer, mlt_image *img, mlt_error *err);
    /* The output id of input string `id` (below the image's string count) in
     * `use`. Required. */
    mlt_status (*map_string)(void *self, mlt_writer *writer, mlt_image *img, uint32_t id,
                             mlt_string_use use, uint32_t *out, mlt_error *err);
    /* An object of image `index` about to be written (its type already
     * remapped): may change its flags or refuse it. */
    mlt_status (*map_object)(void *self, size_t index, mlt_object *object, mlt_error *err);
    /* Image `index` was copied (copied = 1) or passed over; it is still open,
     * its objects unread when it was passed over. */
    mlt_status (*end_image)(void *self, size_t index, mlt_image *img, int copied, mlt_error *err);
} mlt_rewrite_hooks;

/* Writes out_path from in_path through the hooks. The output is created
 * afresh with mode 0600 (a stale or wider-mode file at out_path is removed
 * first; a second name of the input is refused); options give compression
 * and block size (NULL: defaults; append and file_mode are ignored). On
 * error out_path is removed again. err may be NULL. */
mlt_status mlt_rewrite(const char *in_path, const char *out_path, const mlt_writer_options *options,
                       const mlt_rewrite_hooks *hooks, void *self, mlt_error *err);

/* Grows an id map to hold `needed` entries: 0, or -1 when out of memory. */
int mlt_rewrite_grow_map(uint32_t **map, size_t *capacity, uint64_t needed);

#endif
