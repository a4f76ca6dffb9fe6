/* The HTML renderer on a hand-built report: structure and escaping. The
 * rendering in a real browser is checked by tests/integration/html. */
#include "render_units.h"
#include "render_fixture.h"
#include "check_suite.h"

#include <check.h>

static char *render(const mla_report *const *reports, size_t count, int each)
{
    char *html = NULL;
    CAPTURE(html, ck_assert_int_eq(mlr_render_html(out, reports, count, each), 0));
    return html;
}

START_TEST(one_row_and_one_series_per_leaking_type)
{
    mla_report report = fixture_report();
    const mla_report *reports[1] = {&report};
    char *html = render(reports, 1, 0);
    ck_assert_int_eq(count_occurrences(html, "<tr class=\"leak\""), 2);
    ck_assert_int_eq(count_occurrences(html, "class=\"series\""), 2);
    ck_assert_ptr_nonnull(strstr(html, "data-type=\"app.Request\" points=\"70.0,225.0 "
                                       "385.0,141.0 700.0,15.0\""));
    ck_assert_int_eq(count_occurrences(html, "<details"), 2);
    ck_assert_int_eq(count_occurrences(html, "<summary>"), 2);
    ck_assert_ptr_nonnull(strstr(html, "Content-Security-Policy"));
    /* a cut path shows its gap right after the root, as the text report does */
    ck_assert_ptr_nonnull(strstr(html, "<li><code>app.main:pending (thread 1) &#8594; &#8230; "
                                       "&#8594; [3]</code></li>"));
    free(html);
}
END_TEST

START_TEST(dump_strings_are_escaped)
{
    mla_report report = fixture_report();
    const mla_report *reports[1] = {&report};
    char *html = render(reports, 1, 0);
    /* nothing is fetched either: no src or href anywhere */
    static const char *const raw[] = {"<script", "<b>", "\x1b", "src=", "href="};
    EXPECT_IN(html, 0, raw);
    static const char *const escaped[] = {"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;",
                                          "data-type=\"&lt;script&gt;"};
    EXPECT_IN(html, 1, escaped);
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
    free(html);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {one_row_and_one_series_per_leaking_type, dump_strings_are_escaped,
                            each_gives_one_section_per_report};
    return ts_main("render_html", "html", 0, tests, TS_COUNT(tests));
}
