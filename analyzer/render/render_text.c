/*
 * The text report for people: what is suspected first, then the evidence
 * (per-type table, clustered findings, examples with retainer paths), so the
 * first screen answers "is there a leak and where".
 */
#include <string.h>

#include "memalot/render.h"

#define SPARK_MAX_POINTS 16
/* The first screen should stay readable; --json and --html list every type. */
#define TABLE_MAX_ROWS 25
#define CLUSTER_MAX_ROWS 10
#define GROWTH_WIDTH 30 /* 16 sparkline points and "  N -> M" */

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
    fprintf(out, "%sSuspects: %llu candidate%s in %zu type%s, %s shallow, %s retained%s\n",
            color_on(style->color, STYLE_RED), (unsigned long long)report->candidate_count,
            report->candidate_count == 1 ? "" : "s", report->leak_count,
            report->leak_count == 1 ? "" : "s", shallow, retained, color_off(style->color));
}

static void print_type_table(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    if (report->leak_count == 0)
        return;
    fprintf(out, "\n%s%12s %11s %11s  %-*s %s%s\n", color_on(style->color, STYLE_BOLD), "COUNT",
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

static void print_clusters(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    if (report->cluster_count == 0)
        return;
    fprintf(out, "\n%s%zu finding%s:%s\n", color_on(style->color, STYLE_BOLD),
            report->cluster_count, report->cluster_count == 1 ? "" : "s", color_off(style->color));
    size_t shown = report->cluster_count < CLUSTER_MAX_ROWS ? report->cluster_count
                                                            : CLUSTER_MAX_ROWS;
    for (size_t i = 0; i < shown; i++) {
        const mla_cluster *cluster = &report->clusters[i];
        char retained[MLR_FMT_SIZE_MAX];
        fprintf(out, "  %s%llu x ", color_on(style->color, STYLE_YELLOW),
                (unsigned long long)cluster->count);
        mlr_put_terminal(out, cluster->type);
        fprintf(out, "%s (%s retained) held by ", color_off(style->color),
                mlr_fmt_size(cluster->retained_bytes, retained, sizeof retained));
        mlr_put_terminal(out, cluster->shape);
        fputc('\n', out);
    }
    if (shown < report->cluster_count)
        fprintf(out, "  ... %zu smaller findings (--json or --html lists them)\n",
                report->cluster_count - shown);
}

static void print_path(FILE *out, const mla_path *path, const mlr_text_style *style)
{
    fprintf(out, "        %s", color_on(style->color, STYLE_CYAN));
    mlr_put_terminal(out, path->root);
    fputs(color_off(style->color), out);
    mlr_put_path_steps(out, path);
    fputc('\n', out);
}

/* The analysis renders previews already (quoted, with an ellipsis when cut). */
static void print_example(FILE *out, const mla_example *example, const mlr_text_style *style)
{
    char shallow[MLR_FMT_SIZE_MAX], age[MLR_FMT_TIME_MAX];
    fprintf(out, "    %s0x%llx%s %s, age >= %s", color_on(style->color, STYLE_BOLD),
            (unsigned long long)example->address, color_off(style->color),
            mlr_fmt_size(example->shallow_bytes, shallow, sizeof shallow),
            mlr_fmt_duration(example->age_seconds, age, sizeof age));
    if (example->age_calls >= 0)
        fprintf(out, " / %lld call%s", (long long)example->age_calls,
                example->age_calls == 1 ? "" : "s");
    if (example->identity_approximate)
        fputs(" (identity approximate)", out);
    if (example->preview) {
        fputs(", value ", out);
        mlr_put_terminal(out, example->preview);
    }
    fputc('\n', out);
    if (example->path_count == 0)
        fputs("        (no retainer path found)\n", out);
    for (size_t i = 0; i < example->path_count; i++)
        print_path(out, &example->paths[i], style);
}

static void print_examples(FILE *out, const mla_report *report, const mlr_text_style *style)
{
    int heading = 0;
    for (size_t i = 0; i < report->leak_count; i++) {
        const mla_type_leak *leak = &report->leaks[i];
        if (leak->example_count == 0)
            continue;
        if (!heading)
            fprintf(out, "\n%sExamples:%s\n", color_on(style->color, STYLE_BOLD),
                    color_off(style->color));
        heading = 1;
        fputs("  ", out);
        mlr_put_terminal(out, leak->type);
        fprintf(out, " (%zu of %llu):\n", leak->example_count, (unsigned long long)leak->count);
        for (size_t j = 0; j < leak->example_count; j++)
            print_example(out, &leak->examples[j], style);
    }
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
        print_type_table(out, report, style);
        print_clusters(out, report, style);
        print_examples(out, report, style);
    }
    print_warnings(out, reports, count, style);
}
