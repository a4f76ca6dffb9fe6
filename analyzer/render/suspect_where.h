/*
 * Internal to the renderers: the sentence saying where a leak suspect
 * accumulates, one wording for the text and the HTML report.
 */
#ifndef MEMALOT_RENDER_SUSPECT_WHERE_H
#define MEMALOT_RENDER_SUSPECT_WHERE_H

#include <stdio.h>

#include "memalot/analysis.h"

/* Writes "at PATH (TYPE)", "at a TYPE held outside the visible heap",
 * "held by SHAPE" and the like. Dump strings go through put_name, which
 * escapes them for the output (and may decorate them); the words around
 * them are plain ASCII, safe in every output. */
void mlr_internal_put_where(FILE *out, const mla_suspect *suspect,
                            void (*put_name)(FILE *out, const char *text));

/* Writes "    holds:    N TYPE, M TYPE, ..." (four types at most) and then
 * suffix and a newline: the line the text and fleet reports share. */
void mlr_internal_put_holds(FILE *out, const mla_suspect *suspect, const char *suffix);

#endif /* MEMALOT_RENDER_SUSPECT_WHERE_H */
