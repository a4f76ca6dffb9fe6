/*
 * Internal to the renderers: escaping untrusted dump strings for HTML and
 * for jansson (the terminal form, mlr_put_terminal, is public in
 * memalot/render.h). A type name, dict key or preview may hold markup or
 * invalid UTF-8; these keep what it says and make it safe.
 */
#ifndef MEMALOT_RENDER_SAFE_TEXT_H
#define MEMALOT_RENDER_SAFE_TEXT_H

#include <stdio.h>

#include "memalot/analysis.h"

/* Writes text escaped for HTML element content and quoted attributes
 * (& < > " '), with control bytes and invalid UTF-8 replaced by U+FFFD. */
void mlr_internal_put_html(FILE *out, const char *text);

/* A malloc'd copy that is valid UTF-8 (invalid bytes become U+FFFD), for
 * jansson, which refuses invalid UTF-8. NULL on allocation failure. */
char *mlr_internal_utf8_repair(const char *text);

/* Writes a path's steps after its root: `gap` after the first `arrow` when
 * the path was cut, then `arrow` and each step escaped by `put`. */
void mlr_internal_put_steps(FILE *out, const mla_path *path, const char *arrow, const char *gap,
                            void (*put)(FILE *out, const char *text));

#endif /* MEMALOT_RENDER_SAFE_TEXT_H */
