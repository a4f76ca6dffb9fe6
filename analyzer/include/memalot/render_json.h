/*
 * memalot JSON renderer: the report as schema memalot-report/1
 * (docs/report-schema.md), and the JSON building blocks every --json output
 * of memalot-analyze shares. Separate from memalot/render.h because it speaks
 * jansson's json_t: the text interface does not need a JSON library.
 */
#ifndef MEMALOT_RENDER_JSON_H
#define MEMALOT_RENDER_JSON_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "memalot/analysis.h"
#include "memalot/fleet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One report as a memalot-report/1 object; NULL on allocation failure. */
json_t *mlr_report_json(const mla_report *report);

/* The document --json prints: the report itself, or with `each`
 * {"schema": ..., "each": true, "reports": [...]}. */
json_t *mlr_render_json(const mla_report *const *reports, size_t count, int each);

/* A fleet report (memalot-report/1 with "fleet": true; docs/report-schema.md). */
json_t *mlr_fleet_json(const mla_fleet *fleet);

/* The file header as JSON, shared by `report` and `info`. */
json_t *mlr_file_info_json(const mlt_file_info *file, const char *path);

/* The criterion and where it came from ("dump", "options" or "default"). */
json_t *mlr_criterion_json(const mlt_criterion *criterion, const char *source);

/* One retainer path as memalot-report/1 writes it (root, root_kind,
 * root_type, root_address, edges, types, truncated). */
json_t *mlr_path_json(const mla_path *path);

/* A JSON string from untrusted bytes (invalid UTF-8 repaired); json_null() for NULL. */
json_t *mlr_json_string(const char *text);

/* A JSON real, or null when not finite (jansson refuses NaN and infinities). */
json_t *mlr_json_real(double value);

/* "0x7f3a..." for addresses and 64-bit ids that JSON numbers cannot hold exactly. */
json_t *mlr_json_hex(uint64_t value);

/* Writes a JSON document to out with a final newline; 0 or -1 (also for NULL). */
int mlr_json_dump(json_t *document, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_RENDER_JSON_H */
