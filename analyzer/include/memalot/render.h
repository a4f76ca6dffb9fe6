/*
 * memalot report renderers: text for people and one self-contained HTML
 * file, plus the building blocks (sizes, times, terminal-safe strings) that
 * every text output of memalot-analyze is written with, so that the CLI and
 * the dumper's console reports read the same. JSON is in memalot/render_json.h,
 * kept apart so that this interface needs no JSON library.
 *
 * The renderers take plain arrays of reports, so a hand-built mla_report
 * renders as well as mla_analyze_file's result. Strings from a dump are
 * untrusted: every function here escapes them for its output.
 */
#ifndef MEMALOT_RENDER_H
#define MEMALOT_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memalot/analysis.h"
#include "memalot/fleet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------- reports */

typedef struct {
    int color; /* ANSI escapes (mlr_color_enabled decides) */
    int utf8;  /* sparklines with block characters instead of ASCII */
} mlr_text_style;

/* Text report(s) to out. With `each`, reports are separated by a heading. */
void mlr_render_text(FILE *out, const mla_report *const *reports, size_t count, int each,
                     const mlr_text_style *style);

/* A fleet report (several processes' dumps): the processes, the merged
 * suspects with each process's share, then the master's own. */
void mlr_render_fleet_text(FILE *out, const mla_fleet *fleet, const mlr_text_style *style);

/* A self-contained HTML document; returns 0 or -1 (write error). */
int mlr_render_html(FILE *out, const mla_report *const *reports, size_t count, int each);

/* The criterion as a sentence ("objects alive longer than 1.0 min, ..."). */
void mlr_criterion_text(const mlt_criterion *criterion, char *out, size_t out_size);

/* --------------------------------------------------------------- color */

/* Rule (docs/cli.md): --no-color wins, then --color, then NO_COLOR (set and
 * non-empty, per no-color.org) disables, else colors only on a terminal. */
typedef enum {
    MLR_COLOR_AUTO = 0,
    MLR_COLOR_ALWAYS = 1, /* --color */
    MLR_COLOR_NEVER = 2   /* --no-color */
} mlr_color_mode;

/* 1 when output to `stream` should carry ANSI escapes. */
int mlr_color_enabled(mlr_color_mode mode, FILE *stream);

/* ------------------------------------------------------ building blocks */

#define MLR_FMT_SIZE_MAX 32
#define MLR_FMT_TIME_MAX 40

/* "512 B", "1.5 KiB", "12.0 MiB", ... into out (MLR_FMT_SIZE_MAX bytes); returns out. */
const char *mlr_fmt_size(uint64_t bytes, char *out, size_t out_size);

/* "2026-11-24T01:02:03.456Z" from Unix seconds; "(unknown)" for 0 or non-finite. */
const char *mlr_fmt_time(double unix_seconds, char *out, size_t out_size);

/* "12.3 s", "4 min 5 s", "2 h 3 min" for a duration. */
const char *mlr_fmt_duration(double seconds, char *out, size_t out_size);

/* Writes untrusted text for a terminal: control bytes, invalid UTF-8 and
 * bidirectional controls become \xNN / \uNNNN escapes. NULL prints nothing. */
void mlr_put_terminal(FILE *out, const char *text);

/* Writes a retainer path's steps after its root for a terminal, as the text
 * report does: " -> ..." when the path was cut (the steps nearest the
 * object are kept), then " -> step" for each step. */
void mlr_put_path_steps(FILE *out, const mla_path *path);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_RENDER_H */
