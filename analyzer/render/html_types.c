/*
 * The per-type part of the HTML report, after the suspects: a table row per
 * leaking type with its own sparkline of candidates at each image (small
 * multiples: types with the same counts would draw one line over the other
 * on a shared chart), the findings by path shape, and the examples by type,
 * the last two collapsed since the suspects already show the paths that
 * matter first.
 */
#include "html_internal.h"
#include "safe_text.h"

#define SPARK_WIDTH 120
#define SPARK_HEIGHT 24
#define SPARK_PAD 3

static uint64_t highest_of(const uint64_t *values, size_t count)
{
    uint64_t highest = 0;
    for (size_t i = 0; i < count; i++)
        if (values[i] > highest)
            highest = values[i];
    return highest ? highest : 1;
}

/* Candidates of one type at each image, on the type's own scale. */
static void put_sparkline(FILE *out, const mla_report *report, const mla_type_leak *leak)
{
    size_t count = report->image_count;
    uint64_t highest = highest_of(leak->growth, count);
    double span_x = SPARK_WIDTH - 2 * SPARK_PAD, span_y = SPARK_HEIGHT - 2 * SPARK_PAD;
    fprintf(out,
            "<svg class=\"type-spark\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
            "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"candidates at each "
            "image\"><polyline class=\"series\" stroke=\"%s\" data-type=\"",
            SPARK_WIDTH, SPARK_HEIGHT, SPARK_WIDTH, SPARK_HEIGHT, MLR_HTML_COUNT_COLOR);
    mlr_internal_put_html(out, leak->type);
    fputs("\" points=\"", out);
    double x = 0, y = 0;
    for (size_t i = 0; i < count; i++) {
        x = SPARK_PAD + (count > 1 ? span_x * (double)i / (double)(count - 1) : span_x / 2);
        y = SPARK_PAD + span_y - span_y * (double)leak->growth[i] / (double)highest;
        fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
    }
    fprintf(out, "\"/><circle fill=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2\"/></svg>",
            MLR_HTML_COUNT_COLOR, x, y);
}

static void put_row(FILE *out, const mla_report *report, const mla_type_leak *leak)
{
    fputs("<tr class=\"leak\" data-type=\"", out);
    mlr_internal_put_html(out, leak->type);
    fputs("\"><td class=\"type\">", out);
    mlr_internal_put_html(out, leak->type);
    fprintf(out, "</td><td>%llu</td><td>", (unsigned long long)leak->count);
    mlr_internal_html_size(out, leak->shallow_bytes);
    fputs("</td><td>", out);
    mlr_internal_html_size(out, leak->retained_bytes);
    fputs("</td><td class=\"growth\">", out);
    if (leak->growth && report->image_count > 0) {
        put_sparkline(out, report, leak);
        fprintf(out, " %llu &#8594; %llu", (unsigned long long)leak->growth[0],
                (unsigned long long)leak->growth[report->image_count - 1]);
    }
    fputs("</td></tr>\n", out);
}

static void put_table(FILE *out, const mla_report *report)
{
    fputs("<h3>By type</h3>\n<table class=\"summary\">\n<thead><tr><th>Type</th><th>Count</th>"
          "<th>Shallow</th><th>Retained</th><th>Candidates at each image (own scale)</th>"
          "</tr></thead>\n<tbody>\n",
          out);
    for (size_t i = 0; i < report->leak_count; i++)
        put_row(out, report, &report->leaks[i]);
    fputs("</tbody>\n</table>\n", out);
}

static void put_clusters(FILE *out, const mla_report *report)
{
    if (report->cluster_count == 0)
        return;
    fprintf(out,
            "<details class=\"findings\"><summary>%zu finding%s by path shape</summary>\n"
            "<ol class=\"clusters\">\n",
            report->cluster_count, report->cluster_count == 1 ? "" : "s");
    for (size_t i = 0; i < report->cluster_count; i++) {
        const mla_cluster *cluster = &report->clusters[i];
        fprintf(out, "<li>%llu &#215; ", (unsigned long long)cluster->count);
        mlr_internal_html_code(out, cluster->type);
        fputs(" (", out);
        mlr_internal_html_size(out, cluster->retained_bytes);
        fputs(" retained) held by ", out);
        mlr_internal_html_code(out, cluster->shape);
        fputs("</li>\n", out);
    }
    fputs("</ol>\n</details>\n", out);
}

static void put_examples(FILE *out, const mla_report *report)
{
    size_t examples = 0, types = 0;
    for (size_t i = 0; i < report->leak_count; i++) {
        examples += report->leaks[i].example_count;
        types += report->leaks[i].example_count > 0;
    }
    if (examples == 0)
        return;
    fprintf(out,
            "<details class=\"type-examples\"><summary>Examples by type: %zu object%s of %zu "
            "type%s, with their retainer paths</summary>\n",
            examples, examples == 1 ? "" : "s", types, types == 1 ? "" : "s");
    for (size_t i = 0; i < report->leak_count; i++) {
        const mla_type_leak *leak = &report->leaks[i];
        if (leak->example_count == 0)
            continue;
        fputs("<h4>", out);
        mlr_internal_html_code(out, leak->type);
        fprintf(out, " (%zu of %llu)</h4>\n", leak->example_count, (unsigned long long)leak->count);
        for (size_t j = 0; j < leak->example_count; j++)
            mlr_internal_html_example(out, &leak->examples[j]);
    }
    fputs("</details>\n", out);
}

void mlr_internal_html_types(FILE *out, const mla_report *report)
{
    if (report->leak_count == 0)
        return;
    put_table(out, report);
    put_clusters(out, report);
    put_examples(out, report);
}
