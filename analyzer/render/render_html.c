/*
 * The --html report: one self-contained file (inline CSS and SVG, no script,
 * no external asset) that can be attached to a bug report and opened
 * offline. Every string from the dump is escaped; a Content-Security-Policy
 * forbids scripts and network anyway, as a second line of defense.
 *
 * The page follows the text report's order: the verdict, the leak suspects
 * (html_suspects.c, each with its chart from html_chart.c), then the per-type
 * detail (html_types.c) and the warnings.
 */
#include "memalot/render.h"
#include "html_internal.h"
#include "safe_text.h"

static void put_style(FILE *out)
{
    fputs(
        "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}\n"
        "h4{font-size:1em;margin:0 0 .6em}\n"
        "table{border-collapse:collapse;margin:1em 0}\n"
        "th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\n"
        "th{background:#f3f3f3}th:first-child{text-align:left}\n"
        "td.type{text-align:left;font-family:monospace}td.growth{white-space:nowrap;text-align:left}\n"
        ".verdict{font-weight:bold}.verdict.growing,.verdict.undated{color:#b00}\n"
        ".verdict.stable{color:#8a6d00}.clean{font-weight:bold;color:#070}\n"
        "code{background:#f6f6f6;padding:.1em .3em;overflow-wrap:anywhere}\n"
        "details{margin:.5em 0}summary{cursor:pointer;color:#335}\n"
        ".suspect{border:1px solid #ddd;border-left:6px solid #c62828;border-radius:4px;"
        "padding:.7em 1em;margin:1em 0}\n"
        ".suspect.stable{border-left-color:#7a8f3a}\n"
        ".badge{display:inline-block;padding:.05em .5em;border-radius:3px;color:#fff;"
        "margin-right:.3em}\n"
        ".badge.growing{background:#c62828}.badge.stable{background:#66792c}\n"
        ".suspect-body{display:flex;flex-wrap:wrap;gap:1em 2em;align-items:flex-start}\n"
        "dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25em 1em;margin:0;"
        "flex:1 1 320px;min-width:280px}\n"
        "dt{font-weight:600;color:#555}dd{margin:0}\n"
        "ul.types{margin:0;padding:0;list-style:none}\n"
        ".muted,.note{color:#666}.no-chart{color:#666;font-style:italic}\n"
        ".example{margin:.4em 0 .7em}ol.paths{margin:.2em 0;padding-left:2em}\n"
        "svg text{font-size:11px;fill:#444}svg .axis{stroke:#444}svg .grid{stroke:#e6e6e6}\n"
        "svg .panel-title{font-size:12px;font-weight:600}\n"
        "svg .axis-title{font-size:12px;fill:#333}\n"
        "svg .warmup{fill:#f1f1f1}svg .warmup-label{fill:#999;font-style:italic}\n"
        "svg .count-line,svg .bytes-line{fill:none;stroke-width:2}\n"
        "svg .series{fill:none;stroke-width:1.5}svg.type-spark{vertical-align:middle}\n"
        ".warning{color:#a60}\n",
        out);
}

static void put_head(FILE *out)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>memalot report</title>\n<style>\n",
          out);
    put_style(out);
    fputs("</style>\n</head>\n<body>\n", out);
}

static void put_criterion(FILE *out, const mla_report *report)
{
    char criterion[160], when[MLR_FMT_TIME_MAX];
    const mla_image_summary *image = mla_report_image(report, report->evaluated_image);
    mlr_criterion_text(&report->criterion, criterion, sizeof criterion);
    fputs("<p class=\"criterion\">Criterion: ", out);
    mlr_internal_put_html(out, criterion);
    fputs(" (from ", out);
    mlr_internal_put_html(out, report->criterion_source);
    fprintf(out, "); evaluated image %u (of 0-%zu), %s.</p>\n", report->evaluated_image,
            report->file_image_count ? report->file_image_count - 1 : 0,
            image ? mlr_fmt_time(image->wall_time, when, sizeof when) : "(none)");
    if (report->call_delta_count)
        fprintf(out,
                "<p class=\"clean-calls\">Clean calls: %zu monitored call%s left nothing alive "
                "(call delta images).</p>\n",
                report->call_delta_count, report->call_delta_count == 1 ? "" : "s");
}

static void put_verdict(FILE *out, const mla_report *report)
{
    if (report->candidate_count == 0) {
        fputs("<p class=\"clean\">No leak candidates.</p>\n", out);
        return;
    }
    size_t stable = report->suspect_count - report->growing_count;
    fprintf(out, "<p class=\"verdict %s\">%zu leak suspect%s%s", mla_report_verdict(report),
            report->growing_count, report->growing_count == 1 ? "" : "s",
            report->growing_count ? " growing" : "");
    if (stable)
        fprintf(out, ", %zu stable", stable);
    fprintf(out, ": %llu candidate%s in %zu type%s, ", (unsigned long long)report->candidate_count,
            report->candidate_count == 1 ? "" : "s", report->leak_count,
            report->leak_count == 1 ? "" : "s");
    mlr_internal_html_size(out, report->candidate_shallow_bytes);
    fputs(" shallow, ", out);
    mlr_internal_html_size(out, report->candidate_retained_bytes);
    fputs(" retained", out);
    if (report->undated_count)
        fprintf(out, "; %llu undated (may predate the warm-up&#8217;s end)",
                (unsigned long long)report->undated_count);
    fputs(".</p>\n", out);
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

static void put_report(FILE *out, const mla_report *report, int each)
{
    fprintf(out, "<section class=\"report\" data-image=\"%u\" data-verdict=\"%s\">\n",
            report->evaluated_image, mla_report_verdict(report));
    if (each)
        fprintf(out, "<h2>Image %u</h2>\n", report->evaluated_image);
    put_criterion(out, report);
    put_verdict(out, report);
    mlr_internal_html_suspects(out, report, each);
    mlr_internal_html_types(out, report);
    put_warnings(out, report);
    fputs("</section>\n", out);
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
    for (size_t i = 0; i < count; i++)
        put_report(out, reports[i], each);
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
