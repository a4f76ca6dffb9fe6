/*
 * The text report for people: the growing leak suspects first, each in a few
 * lines (where it accumulates, what it holds, how fast it grows, what it
 * retains, up to three example paths of distinct shapes), then the stable
 * ones and late imports in a line each, then the per-type table, so the
 * first screen answers "is there a leak and where".
 */
#include <string.h>

#include "memalot/render.h"
#include "suspect_where.h"

#define SPARK_MAX_POINTS 16
/* The first screen should stay readable; --json and --html list every type. */
#define TABLE_MAX_ROWS 25
#define STABLE_MAX_ROWS 10
#define MLA_TREND_SAMPLES_MAX 40 /* more than the analysis samples (32, plus base and E) */
#define GROWTH_WIDTH 30          /* 16 sparkline points and "  N -> M" */

typedef enum { STYLE_BOLD, STYLE_RED, STYLE_YELLOW, STYLE_GREEN, STYLE_CYAN } ansi_style;

/* Escape sequences; "" when colors are off, so callers print unconditionally. */
static const char *color_on(int enabled, ansi_style style)
{
    if (!enabled)
        return "";
    switch (style) {
    case STYLE_BOLD: return "\033[1m";
    case STYLE_RED: return "\033[1;31m";
    case STYLE_YELLOW: return "\033[33m";
    case STYLE_GREEN: return "\033[32m";
    case STYLE_CYAN: return "\033[36m";
    }
    return "";
}

static const char *color_off(int enabled)
{
    return enabled ? "\033[0m" : "";
}

/* Growth as a sparkline of at most SPARK_MAX_POINTS samples plus first->last
 * numbers, into buf; returns the visible width. The shape tells "steady
 * climb" from "one burst" at a glance. */
static size_t format_growth(char *buf, size_t size, const uint64_t *growth, size_t count,
                            const mlr_text_style *style)
{
    static const char *const blocks[] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                         "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                         "\xe2\x96\x87", "\xe2\x96\x88"};
    static const char *const ascii[] = {"_", ".", "-", "~", "=", "+", "*", "#"};
    if (!growth || count == 0) {
        snprintf(buf, size, "-");
        return 1;
    }
    uint64_t highest = 0;
    for (size_t i = 0; i < count; i++)
        if (growth[i] > highest)
            highest = growth[i];
    size_t points = count < SPARK_MAX_POINTS ? count : SPARK_MAX_POINTS;
    size_t used = 0;
    buf[0] = '\0';
    for (size_t p = 0; p < points && used + 4 < size; p++) {
        size_t i = points == 1 ? count - 1 : p * (count - 1) / (points - 1);
        size_t level = highest ? (size_t)((growth[i] * 7 + highest / 2) / highest) : 0;
        const char *glyph = style->utf8 ? blocks[level] : ascii[level];
        memcpy(buf + used, glyph, strlen(glyph) + 1);
        used += strlen(glyph);
    }
    int tail = snprintf(buf + used, size - used, "  %llu -> %llu", (unsigned long long)growth[0],
                        (unsigned long long)growth[count - 1]);
    return points + (tail > 0 ? (size_t)tail : 0);
}

/* File and criterion: once per run of the command, also with --each. */
static void print_heading(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    char criterion[160];
    mlr_criterion_text(&report->criterion, criterion, sizeof criterion);
    fprintf(out, "%smemalot report%s: ", color_on(style->color, STYLE_BOLD),
            color_off(style->color));
    mlr_put_terminal(out, report->path);
    fprintf(out, "\nCriterion: %s (from %s)\n", criterion,
            report->criterion_source ? report->criterion_source : "?");
}

static void print_summary(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    char time_text[MLR_FMT_TIME_MAX], shallow[MLR_FMT_SIZE_MAX], retained[MLR_FMT_SIZE_MAX];
    const mla_image_summary *image = mla_report_image(report, report->evaluated_image);
    /* indexes are 0-based as `info` and --at use them: say the range */
    fprintf(out, "Evaluated: image %u (of 0-%zu), %s\n", report->evaluated_image,
            report->file_image_count ? report->file_image_count - 1 : 0,
            image ? mlr_fmt_time(image->wall_time, time_text, sizeof time_text) : "(none)");
    if (report->call_delta_count)
        fprintf(out, "Clean calls: %zu monitored call%s left nothing alive (call delta images)\n",
                report->call_delta_count, report->call_delta_count == 1 ? "" : "s");
    mlr_fmt_size(report->candidate_shallow_bytes, shallow, sizeof shallow);
    mlr_fmt_size(report->candidate_retained_bytes, retained, sizeof retained);
    if (report->candidate_count == 0) {
        fprintf(out, "%sNo leak candidates.%s\n", color_on(style->color, STYLE_GREEN),
                color_off(style->color));
        return;
    }
    size_t stable = report->suspect_count - report->growing_count;
    int alarm = report->growing_count > 0 || report->undated_count > 0;
    fputs(color_on(style->color, alarm ? STYLE_RED : STYLE_GREEN), out);
    if (report->growing_count)
        fprintf(out, "%zu leak suspect%s growing", report->growing_count,
                report->growing_count == 1 ? "" : "s");
    else
        fputs("No growing leak suspect", out);
    if (stable)
        fprintf(out, ", %zu stable", stable);
    fprintf(out, "%s: %llu candidate%s in %zu type%s, %s shallow, %s retained\n",
            color_off(style->color), (unsigned long long)report->candidate_count,
            report->candidate_count == 1 ? "" : "s", report->leak_count,
            report->leak_count == 1 ? "" : "s", shallow, retained);
}

static void print_type_table(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    if (report->leak_count == 0)
        return;
    fprintf(out, "\n%sBy type:%s\n", color_on(style->color, STYLE_BOLD), color_off(style->color));
    fprintf(out, "%s%12s %11s %11s  %-*s %s%s\n", color_on(style->color, STYLE_BOLD), "COUNT",
            "SHALLOW", "RETAINED", GROWTH_WIDTH, "GROWTH", "TYPE", color_off(style->color));
    size_t shown = report->leak_count < TABLE_MAX_ROWS ? report->leak_count : TABLE_MAX_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const mla_type_leak *leak = &report->leaks[i];
        char shallow[MLR_FMT_SIZE_MAX], retained[MLR_FMT_SIZE_MAX];
        fprintf(out, "%12llu %11s %11s  ", (unsigned long long)leak->count,
                mlr_fmt_size(leak->shallow_bytes, shallow, sizeof shallow),
                mlr_fmt_size(leak->retained_bytes, retained, sizeof retained));
        char growth[SPARK_MAX_POINTS * 3 + 64];
        size_t visible = format_growth(growth, sizeof growth, leak->growth, report->image_count,
                                       style);
        fputs(growth, out);
        for (; visible < GROWTH_WIDTH; visible++)
            fputc(' ', out);
        fputc(' ', out);
        mlr_put_terminal(out, leak->type);
        fputc('\n', out);
    }
    if (shown < report->leak_count) {
        uint64_t rest = 0;
        for (size_t i = shown; i < report->leak_count; i++)
            rest += report->leaks[i].count;
        fprintf(out, "%12llu candidates in %zu more types (--json or --html lists them)\n",
                (unsigned long long)rest, report->leak_count - shown);
    }
}

/* Counts of a suspect's growth points, for the sparkline. */
static size_t growth_counts(const mla_suspect *suspect, uint64_t *counts, size_t max)
{
    size_t n = suspect->growth_count < max ? suspect->growth_count : max;
    for (size_t i = 0; i < n; i++)
        counts[i] = suspect->growth[i].count;
    return n;
}


static void print_growth(FILE *out, const mla_report *report, const mla_suspect *suspect,
                         const mlr_text_style *style)
{
    char bytes[MLR_FMT_SIZE_MAX], rate[MLR_FMT_SIZE_MAX], retained[MLR_FMT_SIZE_MAX];
    const char *per = report->criterion.kind == MLT_CRITERION_CALLS ? "call" : "s";
    if (suspect->growth_count > 0) {
        uint64_t counts[MLA_TREND_SAMPLES_MAX];
        size_t n = growth_counts(suspect, counts, MLA_TREND_SAMPLES_MAX);
        char spark[SPARK_MAX_POINTS * 3 + 64];
        format_growth(spark, sizeof spark, counts, n, style);
        fprintf(out, "    growth:   %s held; +%llu objects (%.4g/%s), +%s (%s/%s)\n", spark,
                (unsigned long long)suspect->growth_objects, suspect->rate_count, per,
                mlr_fmt_size(suspect->growth_bytes, bytes, sizeof bytes),
                mlr_fmt_size((uint64_t)suspect->rate_bytes, rate, sizeof rate), per);
    } else {
        fputs("    growth:   not measured (no accumulation point to follow)\n", out);
    }
    fprintf(out, "    retains:  %s",
            mlr_fmt_size(suspect->retained_bytes, retained, sizeof retained));
    if (suspect->undated_count)
        fprintf(out, "; %llu undated (may predate the warm-up's end)",
                (unsigned long long)suspect->undated_count);
    fputc('\n', out);
}

/* One line per example: its path, then what it is. */
static void print_suspect_example(FILE *out, const mla_example *example, int first,
                                  const mlr_text_style *style)
{
    char shallow[MLR_FMT_SIZE_MAX], age[MLR_FMT_TIME_MAX];
    fputs(first ? "    e.g.      " : "              ", out);
    if (example->path_count > 0) {
        fputs(color_on(style->color, STYLE_CYAN), out);
        mlr_put_terminal(out, example->paths[0].root);
        fputs(color_off(style->color), out);
        mlr_put_path_steps(out, &example->paths[0]);
    } else {
        fputs("(no retainer path found)", out);
    }
    fputs("  (", out);
    mlr_put_terminal(out, example->type);
    fprintf(out, ", %s, age >= %s", mlr_fmt_size(example->shallow_bytes, shallow, sizeof shallow),
            mlr_fmt_duration(example->age_seconds, age, sizeof age));
    if (example->age_calls >= 0)
        fprintf(out, " / %lld call%s", (long long)example->age_calls,
                example->age_calls == 1 ? "" : "s");
    if (example->preview) {
        fputs(", value ", out);
        mlr_put_terminal(out, example->preview);
    }
    fputs(")\n", out);
}

static void print_suspect(FILE *out, const mla_report *report, const mla_suspect *suspect,
                          const mlr_text_style *style)
{
    fprintf(out, "\n%s#%u growing%s: %llu candidate%s ", color_on(style->color, STYLE_RED),
            suspect->id + 1, color_off(style->color), (unsigned long long)suspect->count,
            suspect->count == 1 ? "" : "s");
    mlr_internal_put_where(out, suspect, mlr_put_terminal);
    fputc('\n', out);
    mlr_internal_put_holds(out, suspect, "");
    print_growth(out, report, suspect, style);
    for (size_t i = 0; i < suspect->example_count; i++)
        print_suspect_example(out, &suspect->examples[i], i == 0, style);
}

static void print_stable(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    size_t stable = report->suspect_count - report->growing_count;
    if (stable == 0)
        return;
    fprintf(out,
            "\n%sStable%s (held no more than a trend span ago: bounded caches and tables, "
            "not failing the report):\n",
            color_on(style->color, STYLE_BOLD), color_off(style->color));
    size_t shown = stable < STABLE_MAX_ROWS ? stable : STABLE_MAX_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const mla_suspect *suspect = &report->suspects[report->growing_count + i];
        char retained[MLR_FMT_SIZE_MAX];
        fprintf(out, "  #%u %llu candidate%s ", suspect->id + 1, (unsigned long long)suspect->count,
                suspect->count == 1 ? "" : "s");
        mlr_internal_put_where(out, suspect, mlr_put_terminal);
        fprintf(out, ", %s retained\n",
                mlr_fmt_size(suspect->retained_bytes, retained, sizeof retained));
    }
    if (shown < stable)
        fprintf(out, "  ... %zu more stable suspects (--json or --html lists them)\n",
                stable - shown);
}

static void print_import_state(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    if (report->import_state_count == 0)
        return;
    fprintf(out, "\n%sImported after the warm-up%s (module state, not leaks):\n",
            color_on(style->color, STYLE_BOLD), color_off(style->color));
    size_t shown = report->import_state_count < STABLE_MAX_ROWS ? report->import_state_count
                                                                : STABLE_MAX_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const mla_import_state *m = &report->import_states[i];
        char bytes[MLR_FMT_SIZE_MAX];
        int named = m->module[0] != '(';
        fputs(named ? "  module `" : "  ", out);
        mlr_put_terminal(out, m->module);
        fprintf(out, "%s: %llu objects, %s\n", named ? "`" : "", (unsigned long long)m->count,
                mlr_fmt_size(m->shallow_bytes, bytes, sizeof bytes));
    }
    if (shown < report->import_state_count) {
        uint64_t rest = 0;
        for (size_t i = shown; i < report->import_state_count; i++)
            rest += report->import_states[i].count;
        fprintf(out, "  ... %zu more modules, %llu objects\n", report->import_state_count - shown,
                (unsigned long long)rest);
    }
}

static void print_suspects(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    for (size_t i = 0; i < report->growing_count; i++)
        print_suspect(out, report, &report->suspects[i], style);
    print_stable(out, report, style);
    print_import_state(out, report, style);
}

/* Warnings are mostly about the file, so with --each every report repeats
 * them: each distinct one is printed once, after all reports. */
static void print_warnings(FILE *out, const mla_report *const *reports, size_t count,
                           const mlr_text_style *style)
{
    int first = 1;
    for (size_t r = 0; r < count; r++)
        for (size_t i = 0; i < reports[r]->warning_count; i++) {
            const char *warning = reports[r]->warnings[i];
            int seen = 0;
            for (size_t q = 0; q <= r && !seen; q++)
                for (size_t j = 0; j < reports[q]->warning_count && !seen; j++)
                    seen = (q < r || j < i) && strcmp(reports[q]->warnings[j], warning) == 0;
            if (seen)
                continue;
            if (first)
                fputc('\n', out);
            first = 0;
            fprintf(out, "%swarning:%s ", color_on(style->color, STYLE_YELLOW),
                    color_off(style->color));
            mlr_put_terminal(out, warning);
            fputc('\n', out);
        }
}

void mlr_render_text(FILE *out, const mla_report *const *reports, size_t count, int each,
                     const mlr_text_style *style)
{
    if (count == 0)
        return;
    print_heading(out, reports[0], style);
    for (size_t i = 0; i < count; i++) {
        const mla_report *report = reports[i];
        if (each)
            fprintf(out, "\n%s=== image %u ===%s\n", color_on(style->color, STYLE_BOLD),
                    report->evaluated_image, color_off(style->color));
        print_summary(out, report, style);
        print_suspects(out, report, style);
        print_type_table(out, report, style);
    }
    print_warnings(out, reports, count, style);
}
