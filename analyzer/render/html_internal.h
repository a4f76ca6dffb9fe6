/*
 * Internal to the HTML report (render_html.c and its html_*.c parts): the
 * pieces each part draws, and the helpers they share. Every dump string
 * goes through mlr_internal_put_html (safe_text.h) or a helper here that
 * calls it.
 */
#ifndef MEMALOT_RENDER_HTML_INTERNAL_H
#define MEMALOT_RENDER_HTML_INTERNAL_H

#include <stdint.h>
#include <stdio.h>

#include "memalot/analysis.h"

/* Series colors: objects and bytes are drawn in their own panels, so one
 * color each is enough to tell the panels apart at a glance. */
#define MLR_HTML_COUNT_COLOR "#1f77b4"
#define MLR_HTML_BYTES_COLOR "#d95f02"

/* A size as "1.50 KiB" (mlr_fmt_size). */
void mlr_internal_html_size(FILE *out, uint64_t bytes);

/* Untrusted text escaped inside <code>. */
void mlr_internal_html_code(FILE *out, const char *text);

/* One example object: what it is, then its retainer paths (html_examples.c). */
void mlr_internal_html_example(FILE *out, const mla_example *example);

/* The leak suspects, growing then stable, and the import-time state
 * (html_suspects.c); each: the report is one of a report per image. */
void mlr_internal_html_suspects(FILE *out, const mla_report *report, int each);

/* A suspect's objects and bytes over time (or calls) as one inline SVG of
 * two stacked panels sharing the x axis, or a sentence when the analysis
 * measured no growth (html_chart.c). */
void mlr_internal_html_suspect_chart(FILE *out, const mla_report *report,
                                     const mla_suspect *suspect, int each);

/* Why a suspect's growth was not measured: a report per image measures no
 * trend; otherwise the suspect had no accumulation point to follow. */
const char *mlr_internal_html_unmeasured(int each);

/* The per-type table (a sparkline per type), the findings by path shape and
 * the examples by type (html_types.c). */
void mlr_internal_html_types(FILE *out, const mla_report *report);

/* ------------------------------------------------------------ scales */

/* A linear axis from 0 to top, ticks every step. Values are shown in
 * multiples of unit ("MiB" for 1048576), with decimals digits. */
typedef struct {
    double top;
    double step;
    int decimals;
    double unit;
    const char *unit_name; /* "" for plain numbers */
} mlr_axis;

/* An axis whose top is at least highest, with at most max_ticks steps of
 * 1, 2, 2.5 or 5 times a power of ten; integral steps when integral is set
 * (counts, calls). highest <= 0 gives 0..1. */
mlr_axis mlr_internal_axis_linear(double highest, int max_ticks, int integral);

/* The same for bytes: the unit is the largest power of 1024 not above
 * highest, so the labels read "0.5 MiB", "1 MiB". */
mlr_axis mlr_internal_axis_bytes(uint64_t highest, int max_ticks);

/* Writes the tick value at `value` (a multiple of axis->step) with its unit. */
void mlr_internal_axis_label(FILE *out, const mlr_axis *axis, double value);

#endif /* MEMALOT_RENDER_HTML_INTERNAL_H */
