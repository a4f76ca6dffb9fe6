/*
 * Renderers of analysis reports: text for people, JSON for programs
 * (schema memalot-report/1, docs/report-schema.md) and one self-contained
 * HTML file. They take plain arrays of reports so they can be driven by a
 * hand-built mla_report as well as by mla_analyze_file's result.
 */
#ifndef MEMALOT_CLI_RENDER_H
#define MEMALOT_CLI_RENDER_H

#include <stdio.h>

#include <jansson.h>

#include "memalot/analysis.h"

typedef struct {
    int color; /* ANSI escapes (see color.h for the decision) */
    int utf8;  /* sparklines with block characters instead of ASCII */
} cli_text_style;

/* Text report(s) to out. `each` reports are separated by a heading. */
void cli_render_text(FILE *out, const mla_report *const *reports, size_t count, int each,
                     const cli_text_style *style);

/* One report as a memalot-report/1 object; NULL on allocation failure. */
json_t *cli_report_json(const mla_report *report);

/* The document --json prints: the report itself, or with `each`
 * {"schema": ..., "each": true, "reports": [...]}. */
json_t *cli_render_json(const mla_report *const *reports, size_t count, int each);

/* The file header as JSON, shared by `report` and `info`. */
json_t *cli_file_info_json(const mlt_file_info *file, const char *path);

/* Criterion as JSON and as a sentence ("alive longer than 60 s after a 60 s warm-up"). */
json_t *cli_criterion_json(const mlt_criterion *criterion, const char *source);
void cli_criterion_text(const mlt_criterion *criterion, char *out, size_t out_size);

/* A JSON string from untrusted bytes (invalid UTF-8 repaired); json_null() for NULL. */
json_t *cli_json_string(const char *text);

/* A JSON real, or null when not finite (jansson refuses NaN and infinities). */
json_t *cli_json_real(double value);

/* "0x7f3a..." for addresses and 64-bit ids that JSON numbers cannot hold exactly. */
json_t *cli_json_hex(uint64_t value);

/* Writes a JSON document to out with a final newline; 0 or -1. */
int cli_json_dump(json_t *document, FILE *out);

/* A self-contained HTML document; returns 0 or -1 (write error). */
int cli_render_html(FILE *out, const mla_report *const *reports, size_t count, int each);

#endif /* MEMALOT_CLI_RENDER_H */
