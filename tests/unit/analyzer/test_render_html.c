/* The HTML renderer on a hand-built report: structure and escaping. The
 * rendering in a real browser is checked by tests/integration/html. */
#include "render_units.h"
#include "render_fixture.h"
#include "check_suite.h"

#include <check.h>
#include <math.h>

static char *render(const mla_report *const *reports, size_t count, int each)
{
    char *html = NULL;
    CAPTURE(html, ck_assert_int_eq(mlr_render_html(out, reports, count, each), 0));
    return html;
}

static char *render_one(const mla_report *report)
{
    const mla_report *reports[1] = {report};
    return render(reports, 1, 0);
}

/* Offset of needle in html; fails the test when it is missing. */
static size_t offset_of(const char *html, const char *needle)
{
    const char *at = strstr(html, needle);
    ck_assert_msg(at != NULL, "no \"%s\"", needle);
    return (size_t)(at - html);
}

/* A malloc'd copy of the SVG element that starts at or after `from`. */
static char *svg_at(const char *from, const char *opening)
{
    const char *start = strstr(from, opening);
    ck_assert_msg(start != NULL, "no \"%s\"", opening);
    const char *end = strstr(start, "</svg>");
    ck_assert_ptr_nonnull(end);
    return strndup(start, (size_t)(end - start));
}

/* The `points` of the index-th polyline of svg, malloc'd. */
static char *polyline_points(const char *svg, size_t index)
{
    const char *at = svg;
    for (size_t i = 0; i <= index; i++) {
        at = strstr(at, "<polyline");
        ck_assert_ptr_nonnull(at);
        at++;
    }
    const char *points = strstr(at, "points=\"");
    ck_assert_ptr_nonnull(points);
    points += strlen("points=\"");
    return strndup(points, strcspn(points, "\""));
}

/* Lowest and highest y of a points list "x,y x,y ...". */
static void y_range(const char *points, double *low, double *high)
{
    *low = 1e9;
    *high = -1e9;
    for (const char *at = strchr(points, ','); at; at = strchr(at + 1, ',')) {
        double y = strtod(at + 1, NULL);
        *low = y < *low ? y : *low;
        *high = y > *high ? y : *high;
    }
}

START_TEST(one_row_and_one_series_per_leaking_type)
{
    mla_report report = fixture_report();
    char *html = render_one(&report);
    ck_assert_int_eq(count_occurrences(html, "<tr class=\"leak\""), 2);
    ck_assert_int_eq(count_occurrences(html, "class=\"series\""), 2);
    /* app.Request: 0, 400, 1000 on its own scale, evenly over the images */
    ck_assert_ptr_nonnull(strstr(html, "data-type=\"app.Request\" points=\"3.0,21.0 "
                                       "60.0,13.8 117.0,3.0\""));
    /* two suspects' examples, the findings, the examples by type, the imports */
    ck_assert_int_eq(count_occurrences(html, "<details"), 5);
    ck_assert_int_eq(count_occurrences(html, "<summary>"), 5);
    ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
    /* a cut path shows its gap right after the root, as the text report does */
    ck_assert_ptr_nonnull(strstr(html, "<li><code>app.main:pending (thread 1) &#8594; &#8230; "
                                       "&#8594; [3]</code></li>"));
    free(html);
}
END_TEST

START_TEST(one_chart_per_suspect_growing_first)
{
    mla_report report = fixture_report();
    char *html = render_one(&report);
    ck_assert_int_eq(count_occurrences(html, "<svg class=\"suspect-chart\""), 2);
    ck_assert_int_eq(count_occurrences(html, "<article class=\"suspect "), 2);
    ck_assert_int_eq(count_occurrences(html, "class=\"count-line\""), 2);
    ck_assert_int_eq(count_occurrences(html, "class=\"bytes-line\""), 2);
    size_t verdict = offset_of(html, "<p class=\"verdict growing\">1 leak suspect growing, 1 "
                                     "stable: 1040 candidates in 2 types");
    size_t growing = offset_of(html, "<h3>Growing leak suspects (1)</h3>");
    size_t first = offset_of(html, "<article class=\"suspect growing\" data-suspect=\"1\"");
    size_t first_chart = offset_of(html, "<svg class=\"suspect-chart\" data-suspect=\"1\"");
    size_t stable = offset_of(html, "<h3>Stable suspects (1)</h3>");
    size_t second = offset_of(html, "<article class=\"suspect stable\" data-suspect=\"2\"");
    size_t second_chart = offset_of(html, "<svg class=\"suspect-chart\" data-suspect=\"2\"");
    size_t by_type = offset_of(html, "<h3>By type</h3>");
    size_t warnings = offset_of(html, "<h3>Warnings</h3>");
    ck_assert(verdict < growing && growing < first && first < first_chart);
    ck_assert(first_chart < stable && stable < second && second < second_chart);
    ck_assert(second_chart < by_type && by_type < warnings);
    static const char *const facts[] = {
        "at <code>module global app.cache -&gt; .items</code> (<code>builtins.list</code>)",
        "<li>1000 <code>app.Request</code> <span class=\"muted\">(46.9 KiB)</span></li>",
        "<dt>Retains</dt><dd>3.91 MiB</dd>",
        "growing: +600 objects, +28.1 KiB over the trend span",
        "<dt>Rate</dt><dd>60 objects/s, 2.81 KiB/s</dd>",
        "<dt>Undated</dt><dd>25 (may predate",
        "stable: held no more than a trend span ago",
        "; 25 undated (may predate"};
    EXPECT_IN(html, 1, facts);
    free(html);
}
END_TEST

START_TEST(x_axis_is_seconds_since_the_first_image)
{
    mla_report report = fixture_report();
    char *html = render_one(&report);
    char *chart = svg_at(html, "<svg class=\"suspect-chart\" data-suspect=\"1\"");
    ck_assert_ptr_nonnull(strstr(chart, "data-x=\"seconds\""));
    ck_assert_ptr_nonnull(strstr(chart, ">seconds since the first image</text>"));
    /* samples at 0, 10 and 20 s: ticks every 5 s, the last sample at the right edge */
    for (int seconds = 0; seconds <= 20; seconds += 5) {
        char tick[64];
        snprintf(tick, sizeof tick, "text-anchor=\"middle\">%d</text>", seconds);
        ck_assert_msg(strstr(chart, tick) != NULL, "no tick %d s", seconds);
    }
    char *count_points = polyline_points(chart, 0);
    ck_assert_str_eq(count_points, "64.0,92.0 259.0,63.2 454.0,20.0");
    static const char *const y_ticks[] = {">1000</text>", ">60 KiB</text>", ">0</text>"};
    EXPECT_IN(chart, 1, y_ticks);
    /* the old chart counted images instead */
    ck_assert_ptr_null(strstr(html, "image 0</text>"));
    free(count_points);
    free(chart);
    free(html);
}
END_TEST

START_TEST(x_axis_is_calls_under_the_call_criterion)
{
    mla_report report = fixture_report();
    report.criterion.kind = MLT_CRITERION_CALLS;
    report.criterion.calls = 2;
    report.criterion.warmup_calls = 1;
    mla_growth_point trend[3];
    memcpy(trend, fixture_request_trend, sizeof trend);
    trend[1].calls = 6;
    trend[2].calls = 12;
    mla_suspect suspects[2];
    memcpy(suspects, fixture_suspects, sizeof suspects);
    suspects[0].growth = trend;
    report.suspects = suspects;
    char *html = render_one(&report);
    char *chart = svg_at(html, "<svg class=\"suspect-chart\" data-suspect=\"1\"");
    ck_assert_ptr_nonnull(strstr(chart, "data-x=\"calls\""));
    ck_assert_ptr_nonnull(strstr(chart, ">monitored calls completed</text>"));
    ck_assert_ptr_null(strstr(chart, "seconds"));
    char *count_points = polyline_points(chart, 0);
    ck_assert_str_eq(count_points, "64.0,92.0 259.0,63.2 454.0,20.0");
    ck_assert_ptr_nonnull(strstr(chart, "text-anchor=\"middle\">12</text>"));
    ck_assert_ptr_nonnull(strstr(html, "<dt>Rate</dt><dd>60 objects/call, 2.81 KiB/call</dd>"));
    free(count_points);
    free(chart);
    free(html);
}
END_TEST

/* Bytes proportional to objects (one size per object) give the same line
 * shape; on one plot with two scales one would cover the other. Every
 * series of every chart must be drawn where no other series of that chart
 * is: two polylines of one SVG never have the same points, and objects and
 * bytes sit in disjoint bands. */
START_TEST(no_series_hides_another)
{
    mla_report report = fixture_report();
    mla_type_leak leaks[2];
    memcpy(leaks, fixture_leaks, sizeof leaks);
    leaks[1].growth = leaks[0].growth; /* two types with the same counts */
    report.leaks = leaks;
    char *html = render_one(&report);
    ck_assert_int_eq(count_occurrences(html, "<svg class=\"type-spark\""), 2);
    for (const char *svg = strstr(html, "<svg"); svg; svg = strstr(svg + 1, "<svg")) {
        char *element = svg_at(svg, "<svg");
        size_t lines = count_occurrences(element, "<polyline");
        for (size_t i = 0; i < lines; i++)
            for (size_t j = i + 1; j < lines; j++) {
                char *a = polyline_points(element, i), *b = polyline_points(element, j);
                ck_assert_str_ne(a, b);
                free(a);
                free(b);
            }
        if (strncmp(element, "<svg class=\"suspect-chart\"", 26) == 0) {
            ck_assert_uint_eq(lines, 2);
            char *objects = polyline_points(element, 0), *bytes = polyline_points(element, 1);
            double objects_low, objects_high, bytes_low, bytes_high;
            y_range(objects, &objects_low, &objects_high);
            y_range(bytes, &bytes_low, &bytes_high);
            ck_assert(objects_high < bytes_low);
            free(objects);
            free(bytes);
        } else {
            ck_assert_uint_eq(lines, 1); /* small multiples: one type per sparkline */
        }
        free(element);
    }
    free(html);
}
END_TEST

START_TEST(first_suspects_examples_open_others_collapsed)
{
    mla_report report = fixture_report();
    char *html = render_one(&report);
    ck_assert_int_eq(count_occurrences(html, "<details class=\"suspect-examples\" open>"), 1);
    ck_assert_int_eq(count_occurrences(html, "<details class=\"suspect-examples\">"), 1);
    size_t open = offset_of(html, "<details class=\"suspect-examples\" open>");
    size_t second = offset_of(html, "data-suspect=\"2\"");
    size_t closed = offset_of(html, "<details class=\"suspect-examples\">");
    ck_assert(open < second && second < closed);
    /* the open one shows both paths of its example */
    ck_assert_ptr_nonnull(strstr(html + open, "<li><code>app.cache &#8594; .items &#8594; "
                                              "[3]</code></li>"));
    ck_assert_ptr_nonnull(strstr(html, "<details class=\"import-state\"><summary>Imported "
                                       "after the warm-up: 1 module, 1204 objects"));
    ck_assert_ptr_nonnull(strstr(html, "<td class=\"type\">urllib.parse</td><td>1204</td>"
                                       "<td>146 KiB</td>"));
    ck_assert_ptr_null(strstr(html, "<details class=\"import-state\" open"));
    free(html);
}
END_TEST

START_TEST(unmeasured_suspect_says_so_instead_of_a_chart)
{
    mla_report report = fixture_report();
    mla_suspect suspects[2];
    memcpy(suspects, fixture_suspects, sizeof suspects);
    suspects[1].growth_count = 0;
    suspects[1].measured = 0;
    report.suspects = suspects;
    char *html = render_one(&report);
    ck_assert_int_eq(count_occurrences(html, "<svg class=\"suspect-chart\""), 1);
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"no-chart\" data-suspect=\"2\">Growth not "
                                       "measured"));
    ck_assert_ptr_nonnull(strstr(html, "growing (assumed: no accumulation point to follow)"));
    free(html);
    /* with a report per image the reason is that mode, not the suspect */
    const mla_report *reports[1] = {&report};
    html = render(reports, 1, 1);
    ck_assert_ptr_nonnull(strstr(html, "Growth not measured (a report per image (--each) "
                                       "measures no trend)"));
    ck_assert_ptr_null(strstr(html, "no accumulation point"));
    free(html);
}
END_TEST

/* A hostile dump's times can be anything: the chart still ends, with a
 * bounded number of ticks. */
START_TEST(non_finite_times_draw_a_bounded_chart)
{
    mla_report report = fixture_report();
    mla_growth_point trend[3];
    memcpy(trend, fixture_request_trend, sizeof trend);
    trend[1].time = INFINITY;
    trend[2].time = NAN;
    mla_suspect suspects[2];
    memcpy(suspects, fixture_suspects, sizeof suspects);
    suspects[0].growth = trend;
    suspects[0].rate_bytes = INFINITY;
    report.suspects = suspects;
    char *html = render_one(&report);
    char *chart = svg_at(html, "<svg class=\"suspect-chart\" data-suspect=\"1\"");
    ck_assert_uint_le(count_occurrences(chart, "x-tick"), 7);
    ck_assert_ptr_nonnull(strstr(html, "<dt>Rate</dt><dd>60 objects/s, 0 B/s</dd>"));
    free(chart);
    free(html);
}
END_TEST

START_TEST(dump_strings_are_escaped)
{
    mla_report report = fixture_report();
    mla_suspect suspects[2];
    memcpy(suspects, fixture_suspects, sizeof suspects);
    suspects[0].point_path = "module global <img onerror=alert(1)>";
    suspects[0].point_type = "</code><svg onload=alert(2)>";
    suspects[0].new_module = "<iframe>";
    mla_import_state imports[1] = {{"<style>body{display:none}</style>", 1, 2}};
    report.suspects = suspects;
    report.import_states = imports;
    char *html = render_one(&report);
    /* nothing is fetched either: no src or href anywhere */
    static const char *const raw[] = {
        "<script", "<b>", "\x1b", "src=", "href=", "<img", "<svg onload", "<iframe", "<style>body"};
    EXPECT_IN(html, 0, raw);
    static const char *const escaped[] = {
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
        "data-type=\"&lt;script&gt;",
        "held by <code>sys.modules -&gt; [&#39;&lt;b&gt;key&lt;/b&gt;&#39;] -&gt; &lt;script&gt;",
        "<li>40 <code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</code>",
        "at <code>module global &lt;img onerror=alert(1)&gt;</code>",
        "(<code>&lt;/code&gt;&lt;svg onload=alert(2)&gt;</code>)",
        "<code>&lt;iframe&gt;</code>, imported after the warm-up",
        "<td class=\"type\">&lt;style&gt;body{display:none}&lt;/style&gt;</td>"};
    EXPECT_IN(html, 1, escaped);
    ck_assert_int_eq(count_occurrences(html, "<style>"), 1); /* the page's own */
    ck_assert_int_eq(count_occurrences(html, "<svg "), 4);   /* 2 charts, 2 sparklines */
    free(html);
}
END_TEST

START_TEST(each_gives_one_section_per_report)
{
    mla_report first = fixture_clean_report(), second = fixture_report();
    first.evaluated_image = 1;
    const mla_report *reports[2] = {&first, &second};
    char *html = render(reports, 2, 1);
    ck_assert_int_eq(count_occurrences(html, "<section class=\"report\""), 2);
    ck_assert_ptr_nonnull(strstr(html, "<h2>Image 1</h2>"));
    ck_assert_ptr_nonnull(strstr(html, "No leak candidates."));
    ck_assert_int_eq(count_occurrences(html, "class=\"series\""), 2);
    ck_assert_int_eq(count_occurrences(html, "<svg class=\"suspect-chart\""), 2);
    ck_assert_ptr_nonnull(strstr(html, "data-verdict=\"clean\""));
    ck_assert_ptr_nonnull(strstr(html, "data-verdict=\"growing\""));
    free(html);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {one_row_and_one_series_per_leaking_type,
                            one_chart_per_suspect_growing_first,
                            x_axis_is_seconds_since_the_first_image,
                            x_axis_is_calls_under_the_call_criterion,
                            no_series_hides_another,
                            first_suspects_examples_open_others_collapsed,
                            unmeasured_suspect_says_so_instead_of_a_chart,
                            non_finite_times_draw_a_bounded_chart,
                            dump_strings_are_escaped,
                            each_gives_one_section_per_report};
    return ts_main("render_html", "html", 0, tests, TS_COUNT(tests));
}
