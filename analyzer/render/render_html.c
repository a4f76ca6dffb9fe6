/*
 * The --html report: one self-contained file (inline CSS and SVG, no script,
 * no external asset) that can be attached to a bug report and opened
 * offline. Every string from the dump is escaped; a Content-Security-Policy
 * forbids scripts and network anyway, as a second line of defense.
 */
#include "memalot/render.h"
#include "safe_text.h"

#define CHART_WIDTH 720
#define CHART_HEIGHT 260
#define CHART_LEFT 70
#define CHART_RIGHT 20
#define CHART_TOP 15
#define CHART_BOTTOM 35

static const char *const palette[] = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
#define PALETTE_SIZE (sizeof palette / sizeof palette[0])

static void put_head(FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>memalot report</title>\n<style>\n"
          "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}\n"
          "table{border-collapse:collapse;margin:1em 0}\n"
          "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\n"
          "th{background:#f3f3f3}th:first-child{text-align:left}\n"
          "td.type{text-align:left;font-family:monospace}\n"
          ".suspects{font-weight:bold;color:#b00}.clean{font-weight:bold;color:#070}\n"
          "code{background:#f6f6f6;padding:.1em .3em}\n"
          "details{margin:.3em 0}summary{cursor:pointer;font-family:monospace}\n"
          ".legend span{display:inline-block;width:.9em;height:.9em;margin-right:.3em}\n"
          ".legend li{list-style:none;font-family:monospace}\n"
          "svg .axis{stroke:#444}svg .grid{stroke:#ddd}svg text{font-size:11px;fill:#444}\n"
          "svg .series{fill:none;stroke-width:2}\n"
          ".warning{color:#a60}\n"
          "</style>\n</head>\n<body>\n",
          out);
}

static void put_size(FILE *out, uint64_t bytes)
{
    char text[MLR_FMT_SIZE_MAX];
    fputs(mlr_fmt_size(bytes, text, sizeof text), out);
}

static void put_summary(FILE *out, const mla_report *report)
{
    char criterion[160];
    mlr_criterion_text(&report->criterion, criterion, sizeof criterion);
    fputs("<p class=\"criterion\">Criterion: ", out);
    mlr_internal_put_html(out, criterion);
    fputs(" (from ", out);
    mlr_internal_put_html(out, report->criterion_source);
    fprintf(out, "); evaluated image %u (of 0-%zu).</p>\n", report->evaluated_image,
            report->file_image_count ? report->file_image_count - 1 : 0);
    if (report->candidate_count == 0) {
        fputs("<p class=\"clean\">No leak candidates.</p>\n", out);
        return;
    }
    fprintf(out, "<p class=\"suspects\">Suspects: %llu candidates in %zu types, ",
            (unsigned long long)report->candidate_count, report->leak_count);
    put_size(out, report->candidate_shallow_bytes);
    fputs(" shallow, ", out);
    put_size(out, report->candidate_retained_bytes);
    fputs(" retained.</p>\n", out);
}

static void put_table(FILE *out, const mla_report *report)
{
    if (report->leak_count == 0)
        return;
    fputs("<table class=\"summary\">\n<thead><tr><th>Type</th><th>Count</th><th>Shallow</th>"
          "<th>Retained</th><th>First &#8594; last image</th></tr></thead>\n<tbody>\n",
          out);
    for (size_t i = 0; i < report->leak_count; i++) {
        const mla_type_leak *leak = &report->leaks[i];
        fputs("<tr class=\"leak\" data-type=\"", out);
        mlr_internal_put_html(out, leak->type);
        fputs("\"><td class=\"type\">", out);
        mlr_internal_put_html(out, leak->type);
        fprintf(out, "</td><td>%llu</td><td>", (unsigned long long)leak->count);
        put_size(out, leak->shallow_bytes);
        fputs("</td><td>", out);
        put_size(out, leak->retained_bytes);
        fputs("</td><td>", out);
        if (leak->growth && report->image_count > 0)
            fprintf(out, "%llu &#8594; %llu", (unsigned long long)leak->growth[0],
                    (unsigned long long)leak->growth[report->image_count - 1]);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n", out);
}

static uint64_t highest_growth(const mla_report *report)
{
    uint64_t highest = 0;
    for (size_t i = 0; i < report->leak_count; i++)
        for (size_t j = 0; report->leaks[i].growth && j < report->image_count; j++)
            if (report->leaks[i].growth[j] > highest)
                highest = report->leaks[i].growth[j];
    return highest ? highest : 1;
}

static void put_axes(FILE *out, const mla_report *report, uint64_t highest)
{
    int bottom = CHART_HEIGHT - CHART_BOTTOM, right = CHART_WIDTH - CHART_RIGHT;
    for (int tick = 0; tick <= 4; tick++) {
        double y = bottom - (double)tick * (bottom - CHART_TOP) / 4.0;
        fprintf(out,
                "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%llu</text>\n",
                CHART_LEFT, y, right, y, CHART_LEFT - 6, y + 4,
                (unsigned long long)(highest * (uint64_t)tick / 4));
    }
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", CHART_LEFT,
            bottom, right, bottom);
    fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", CHART_LEFT,
            CHART_TOP, CHART_LEFT, bottom);
    fprintf(out,
            "<text x=\"%d\" y=\"%d\">image 0</text>"
            "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">image %zu</text>\n",
            CHART_LEFT, CHART_HEIGHT - 10, right, CHART_HEIGHT - 10,
            report->image_count ? report->image_count - 1 : 0);
}

/* One polyline per leaking type: x is the image index, y the candidates of
 * that type alive at the image. */
static void put_chart(FILE *out, const mla_report *report)
{
    if (report->leak_count == 0)
        return;
    uint64_t highest = highest_growth(report);
    double span_x = CHART_WIDTH - CHART_LEFT - CHART_RIGHT;
    double span_y = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM;
    size_t steps = report->image_count > 1 ? report->image_count - 1 : 1;
    fprintf(out,
            "<h3>Growth</h3>\n<svg class=\"growth-chart\" xmlns=\"http://www.w3.org/2000/svg\" "
            "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
            "aria-label=\"leak candidates per type over images\">\n",
            CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH, CHART_HEIGHT);
    put_axes(out, report, highest);
    for (size_t i = 0; i < report->leak_count; i++) {
        const mla_type_leak *leak = &report->leaks[i];
        fprintf(out, "<polyline class=\"series\" stroke=\"%s\" data-type=\"",
                palette[i % PALETTE_SIZE]);
        mlr_internal_put_html(out, leak->type);
        fputs("\" points=\"", out);
        for (size_t j = 0; leak->growth && j < report->image_count; j++)
            fprintf(out, "%s%.1f,%.1f", j ? " " : "", CHART_LEFT + span_x * (double)j / steps,
                    CHART_TOP + span_y - span_y * (double)leak->growth[j] / (double)highest);
        fputs("\"/>\n", out);
    }
    fputs("</svg>\n<ul class=\"legend\">\n", out);
    for (size_t i = 0; i < report->leak_count; i++) {
        fprintf(out, "<li><span style=\"background:%s\"></span>", palette[i % PALETTE_SIZE]);
        mlr_internal_put_html(out, report->leaks[i].type);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

static void put_clusters(FILE *out, const mla_report *report)
{
    if (report->cluster_count == 0)
        return;
    fprintf(out, "<h3>%zu finding%s</h3>\n<ol class=\"clusters\">\n", report->cluster_count,
            report->cluster_count == 1 ? "" : "s");
    for (size_t i = 0; i < report->cluster_count; i++) {
        const mla_cluster *cluster = &report->clusters[i];
        fprintf(out, "<li>%llu &#215; <code>", (unsigned long long)cluster->count);
        mlr_internal_put_html(out, cluster->type);
        fputs("</code> (", out);
        put_size(out, cluster->retained_bytes);
        fputs(" retained) held by <code>", out);
        mlr_internal_put_html(out, cluster->shape);
        fputs("</code></li>\n", out);
    }
    fputs("</ol>\n", out);
}

static void put_path(FILE *out, const mla_path *path)
{
    fputs("<li><code>", out);
    mlr_internal_put_html(out, path->root);
    mlr_internal_put_steps(out, path, " &#8594; ", "&#8230;", mlr_internal_put_html);
    fputs("</code></li>\n", out);
}

static void put_example(FILE *out, const mla_example *example)
{
    char age[MLR_FMT_TIME_MAX];
    fprintf(out, "<details class=\"example\"><summary>0x%llx ",
            (unsigned long long)example->address);
    mlr_internal_put_html(out, example->type);
    fputs(", ", out);
    put_size(out, example->shallow_bytes);
    fprintf(out, ", age &#8805; %s", mlr_fmt_duration(example->age_seconds, age, sizeof age));
    if (example->age_calls >= 0)
        fprintf(out, " / %lld calls", (long long)example->age_calls);
    fprintf(out, " &#8212; %zu path%s</summary>\n", example->path_count,
            example->path_count == 1 ? "" : "s");
    if (example->preview) { /* rendered by the analysis: quoted, ellipsis when cut */
        fputs("<p>Value: <code>", out);
        mlr_internal_put_html(out, example->preview);
        fputs("</code></p>\n", out);
    }
    fputs("<ol class=\"paths\">\n", out);
    for (size_t i = 0; i < example->path_count; i++)
        put_path(out, &example->paths[i]);
    fputs("</ol>\n</details>\n", out);
}

static void put_examples(FILE *out, const mla_report *report)
{
    int heading = 0;
    for (size_t i = 0; i < report->leak_count; i++) {
        const mla_type_leak *leak = &report->leaks[i];
        if (leak->example_count == 0)
            continue;
        if (!heading)
            fputs("<h3>Examples and retainer paths</h3>\n", out);
        heading = 1;
        fputs("<h4><code>", out);
        mlr_internal_put_html(out, leak->type);
        fprintf(out, "</code> (%zu of %llu)</h4>\n", leak->example_count,
                (unsigned long long)leak->count);
        for (size_t j = 0; j < leak->example_count; j++)
            put_example(out, &leak->examples[j]);
    }
}

static void put_warnings(FILE *out, const mla_report *report)
{
    if (report->warning_count == 0)
        return;
    fputs("<h3>Warnings</h3>\n<ul>\n", out);
    for (size_t i = 0; i < report->warning_count; i++) {
        fputs("<li class=\"warning\">", out);
        mlr_internal_put_html(out, report->warnings[i]);
        fputs("</li>\n", out);
    }
    fputs("</ul>\n", out);
}

int mlr_render_html(FILE *out, const mla_report *const *reports, size_t count, int each)
{
    put_head(out);
    fputs("<h1>memalot report</h1>\n", out);
    if (count > 0) {
        fputs("<p class=\"file\">File: <code>", out);
        mlr_internal_put_html(out, reports[0]->path);
        fputs("</code></p>\n", out);
    }
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "<section class=\"report\" data-image=\"%u\">\n", reports[i]->evaluated_image);
        if (each)
            fprintf(out, "<h2>Image %u</h2>\n", reports[i]->evaluated_image);
        put_summary(out, reports[i]);
        put_table(out, reports[i]);
        put_chart(out, reports[i]);
        put_clusters(out, reports[i]);
        put_examples(out, reports[i]);
        put_warnings(out, reports[i]);
        fputs("</section>\n", out);
    }
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
