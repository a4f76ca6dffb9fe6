/*
 * The leak suspects in the HTML report, which lead the page: a card per
 * suspect (where it accumulates, what it holds, how it grows, what it
 * retains, its chart and example paths), the growing ones first and the
 * stable ones under their own heading, then the state of modules imported
 * after the warm-up. Only the first card's examples are open: it is the
 * likeliest leak, and the rest would push the others off the screen.
 */
#include "memalot/render.h"
#include "html_internal.h"
#include "safe_text.h"
#include "suspect_where.h"

#define CARD_MAX_TYPES 8 /* the per-type table lists every type */

static void put_types(FILE *out, const mla_suspect *suspect)
{
    size_t shown = suspect->type_count < CARD_MAX_TYPES ? suspect->type_count : CARD_MAX_TYPES;
    fputs("<dt>Holds</dt><dd><ul class=\"types\">", out);
    for (size_t i = 0; i < shown; i++) {
        const mla_suspect_type *type = &suspect->types[i];
        fprintf(out, "<li>%llu ", (unsigned long long)type->count);
        mlr_internal_html_code(out, type->type);
        fputs(" <span class=\"muted\">(", out);
        mlr_internal_html_size(out, type->shallow_bytes);
        fputs(")</span></li>", out);
    }
    if (shown < suspect->type_count)
        fprintf(out, "<li class=\"muted\">and %zu more types</li>", suspect->type_count - shown);
    fputs("</ul></dd>\n", out);
}

static void put_trend(FILE *out, const mla_suspect *suspect, int each)
{
    fputs("<dt>Trend</dt><dd>", out);
    if (!suspect->measured) {
        fprintf(out, "growing (assumed: %s)</dd>\n", mlr_internal_html_unmeasured(each));
        return;
    }
    if (suspect->trend == MLA_TREND_STABLE) {
        fputs("stable: held no more than a trend span ago</dd>\n", out);
        return;
    }
    fprintf(out, "growing: +%llu objects, +", (unsigned long long)suspect->growth_objects);
    mlr_internal_html_size(out, suspect->growth_bytes);
    fputs(" over the trend span</dd>\n", out);
}

static void put_rate(FILE *out, const mla_report *report, const mla_suspect *suspect)
{
    const char *per = report->criterion.kind == MLT_CRITERION_CALLS ? "call" : "s";
    fputs("<dt>Rate</dt><dd>", out);
    if (suspect->growth_count == 0) {
        fputs("not measured</dd>\n", out);
        return;
    }
    fprintf(out, "%.4g objects/%s, ", suspect->rate_count, per);
    /* a hostile dump's near-zero span can make the rate infinite: no cast of that */
    double rate = suspect->rate_bytes;
    mlr_internal_html_size(out, rate > 0 && rate < (double)UINT64_MAX ? (uint64_t)rate : 0);
    fprintf(out, "/%s</dd>\n", per);
}

static void put_facts(FILE *out, const mla_report *report, const mla_suspect *suspect, int each)
{
    fputs("<dl class=\"facts\">\n", out);
    put_types(out, suspect);
    fprintf(out, "<dt>Count</dt><dd>%llu candidate%s, ", (unsigned long long)suspect->count,
            suspect->count == 1 ? "" : "s");
    mlr_internal_html_size(out, suspect->shallow_bytes);
    fputs(" shallow</dd>\n<dt>Retains</dt><dd>", out);
    mlr_internal_html_size(out, suspect->retained_bytes);
    fputs("</dd>\n", out);
    put_trend(out, suspect, each);
    put_rate(out, report, suspect);
    fputs("<dt>Undated</dt><dd>", out);
    if (suspect->undated_count)
        fprintf(out, "%llu (may predate the warm-up&#8217;s end)",
                (unsigned long long)suspect->undated_count);
    else
        fputs("none", out);
    fputs("</dd>\n", out);
    if (suspect->new_module) {
        fputs("<dt>Module</dt><dd>", out);
        mlr_internal_html_code(out, suspect->new_module);
        fputs(", imported after the warm-up</dd>\n", out);
    }
    fputs("</dl>\n", out);
}

static void put_examples(FILE *out, const mla_suspect *suspect, int open)
{
    if (suspect->example_count == 0)
        return;
    fprintf(out,
            "<details class=\"suspect-examples\"%s><summary>%zu example%s, with their retainer "
            "paths</summary>\n",
            open ? " open" : "", suspect->example_count, suspect->example_count == 1 ? "" : "s");
    for (size_t i = 0; i < suspect->example_count; i++)
        mlr_internal_html_example(out, &suspect->examples[i]);
    fputs("</details>\n", out);
}

static void put_card(FILE *out, const mla_report *report, const mla_suspect *suspect, int open,
                     int each)
{
    const char *trend = suspect->trend == MLA_TREND_STABLE ? "stable" : "growing";
    fprintf(out,
            "<article class=\"suspect %s\" data-suspect=\"%u\" data-trend=\"%s\">\n"
            "<h4><span class=\"badge %s\">#%u %s</span> %llu candidate%s ",
            trend, suspect->id + 1, trend, trend, suspect->id + 1, trend,
            (unsigned long long)suspect->count, suspect->count == 1 ? "" : "s");
    mlr_internal_put_where(out, suspect, mlr_internal_html_code);
    fputs("</h4>\n<div class=\"suspect-body\">\n", out);
    put_facts(out, report, suspect, each);
    mlr_internal_html_suspect_chart(out, report, suspect, each);
    fputs("</div>\n", out);
    put_examples(out, suspect, open);
    fputs("</article>\n", out);
}

static void put_import_state(FILE *out, const mla_report *report)
{
    if (report->import_state_count == 0)
        return;
    uint64_t objects = 0;
    for (size_t i = 0; i < report->import_state_count; i++)
        objects += report->import_states[i].count;
    fprintf(out,
            "<details class=\"import-state\"><summary>Imported after the warm-up: %zu module%s, "
            "%llu objects (module state, not leaks)</summary>\n<table class=\"imports\">\n"
            "<thead><tr><th>Module</th><th>Objects</th><th>Bytes</th></tr></thead>\n<tbody>\n",
            report->import_state_count, report->import_state_count == 1 ? "" : "s",
            (unsigned long long)objects);
    for (size_t i = 0; i < report->import_state_count; i++) {
        const mla_import_state *state = &report->import_states[i];
        fputs("<tr><td class=\"type\">", out);
        mlr_internal_put_html(out, state->module);
        fprintf(out, "</td><td>%llu</td><td>", (unsigned long long)state->count);
        mlr_internal_html_size(out, state->shallow_bytes);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n</details>\n", out);
}

void mlr_internal_html_suspects(FILE *out, const mla_report *report, int each)
{
    size_t stable = report->suspect_count - report->growing_count;
    if (report->growing_count)
        fprintf(out, "<h3>Growing leak suspects (%zu)</h3>\n", report->growing_count);
    for (size_t i = 0; i < report->growing_count; i++)
        put_card(out, report, &report->suspects[i], i == 0, each);
    if (stable)
        fprintf(out,
                "<h3>Stable suspects (%zu)</h3>\n<p class=\"note\">Held no more than a trend "
                "span ago: bounded caches and tables. They do not fail the report unless "
                "<code>--fail-on any</code>.</p>\n",
                stable);
    for (size_t i = report->growing_count; i < report->suspect_count; i++)
        put_card(out, report, &report->suspects[i], i == 0, each);
    put_import_state(out, report);
}
