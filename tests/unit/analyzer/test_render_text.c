/* The text renderer on a hand-built report: order, numbers, colors, escaping. */
#include "render_units.h"
#include "render_fixture.h"
#include "check_suite.h"

#include <check.h>

static char *render(const mla_report *report, int color, int utf8)
{
    char *text = NULL;
    mlr_text_style style = {color, utf8};
    const mla_report *reports[1] = {report};
    CAPTURE(text, mlr_render_text(out, reports, 1, 0, &style));
    return text;
}

/* Offset of needle in text, -1 when absent. */
static long position(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    return at ? (long)(at - text) : -1;
}

START_TEST(summary_comes_first_with_totals)
{
    mla_report report = fixture_report();
    char *text = render(&report, 0, 0);
    long suspects = position(text, "1 leak suspect growing, 1 stable: 1040 candidates in 2 "
                                   "types, 48.1 KiB shallow, 3.91 MiB retained");
    long growing = position(text, "#1 growing: 1000 candidates at module global app.cache -> "
                                  ".items (builtins.list)");
    long stable = position(text, "Stable (");
    long imports = position(text, "Imported after the warm-up");
    long table = position(text, "By type:");
    ck_assert_msg(suspects >= 0 && growing >= 0 && stable >= 0 && imports >= 0 && table >= 0, "%s",
                  text);
    ck_assert(suspects < growing && growing < stable && stable < imports && imports < table);
    ck_assert_ptr_nonnull(strstr(text, "Criterion: objects alive longer than 5.0 s"));
    ck_assert_ptr_nonnull(strstr(text, "Evaluated: image 2 (of 0-2), 2023-11-14T22:13:50.000Z"));
    free(text);
}
END_TEST

START_TEST(table_clusters_and_paths)
{
    mla_report report = fixture_report();
    char *text = render(&report, 0, 0);
    /* count, shallow, retained, growth first -> last, type */
    ck_assert_msg(strstr(text, "        1000    46.9 KiB    3.91 MiB  _~#  0 -> 1000") != NULL,
                  "%s", text);
    static const char *const shown[] = {
        "    holds:    1000 app.Request\n",
        "    growth:   _~#  0 -> 1000 held; +600 objects (60/s), +28.1 KiB (2.81 KiB/s)\n",
        "    retains:  3.91 MiB; 25 undated (may predate the warm-up's end)\n",
        "    e.g.      app.cache -> .items -> [3]  (app.Request, 48 B, age >= 20.5 s / 12 calls",
        "  #2 40 candidates held by sys.modules -> ['<b>key</b>'] -> ",
        "  module `urllib.parse`: 1204 objects, 146 KiB\n",
        "warning: identities of 3 objects are approximate"};
    EXPECT_IN(text, 1, shown);
    free(text);
}
END_TEST

START_TEST(utf8_sparkline)
{
    mla_report report = fixture_report();
    char *text = render(&report, 0, 1);
    /* 0, 400, 1000 of 1000 -> levels 0, 3, 7 */
    ck_assert_ptr_nonnull(strstr(text, "\xe2\x96\x81\xe2\x96\x84\xe2\x96\x88  0 -> 1000"));
    free(text);
}
END_TEST

START_TEST(no_escape_bytes_without_color_even_from_hostile_strings)
{
    mla_report report = fixture_report();
    char *text = render(&report, 0, 1);
    ck_assert_ptr_null(strchr(text, '\x1b'));
    /* the preview's escape is shown, not sent */
    ck_assert_ptr_nonnull(strstr(text, "value '\\x1b[31mred\\x1b[0m\xe2\x80\xa6'"));
    free(text);
    text = render(&report, 1, 1);
    ck_assert_ptr_nonnull(strstr(text, "\x1b[1m"));
    free(text);
}
END_TEST

START_TEST(each_prints_the_heading_and_each_warning_once)
{
    mla_report first = fixture_report(), second = fixture_report();
    first.evaluated_image = 1;
    const mla_report *reports[2] = {&first, &second};
    char *text = NULL;
    mlr_text_style style = {0, 0};
    CAPTURE(text, mlr_render_text(out, reports, 2, 1, &style));
    ck_assert_int_eq(count_occurrences(text, "memalot report: /dumps/app.mlt"), 1);
    ck_assert_int_eq(count_occurrences(text, "Criterion:"), 1);
    ck_assert_int_eq(count_occurrences(text, "=== image 1 ==="), 1);
    ck_assert_int_eq(count_occurrences(text, "=== image 2 ==="), 1);
    ck_assert_int_eq(count_occurrences(text, "1 leak suspect growing"), 2);
    ck_assert_int_eq(count_occurrences(text, "warning: identities of 3 objects"), 1);
    free(text);
}
END_TEST

START_TEST(terminal_text_escapes_controls_and_bidi_overrides)
{
    char *text = NULL;
    CAPTURE(text, mlr_put_terminal(out, "a\x1b]0;x\x07 \xc2\x9b \xe2\x80\xae"
                                        "evil \xff caf\xc3\xa9"));
    ck_assert_str_eq(text, "a\\x1b]0;x\\x07 \\xc2\\x9b \\u202eevil \\xff caf\xc3\xa9");
    free(text);
}
END_TEST

START_TEST(long_tables_are_cut_with_a_count)
{
    mla_type_leak leaks[30];
    for (size_t i = 0; i < 30; i++) {
        leaks[i] = fixture_leaks[0];
        leaks[i].count = 100 - i;
        leaks[i].example_count = 0;
    }
    mla_report report = fixture_report();
    report.leaks = leaks;
    report.leak_count = 30;
    char *text = render(&report, 0, 0);
    /* rows 26-30 hold 75 + 74 + 73 + 72 + 71 candidates */
    ck_assert_msg(strstr(text, "         365 candidates in 5 more types") != NULL, "%s", text);
    ck_assert_int_eq(count_occurrences(text, "  app.Request\n"), 25);
    free(text);
}
END_TEST

START_TEST(clean_report_says_so)
{
    mla_report report = fixture_clean_report();
    char *text = render(&report, 0, 0);
    ck_assert_ptr_nonnull(strstr(text, "No leak candidates."));
    static const char *const table[] = {"Suspects", "COUNT"};
    EXPECT_IN(text, 0, table);
    free(text);
}
END_TEST

START_TEST(human_sizes_and_times)
{
    char text[64];
    ck_assert_str_eq(mlr_fmt_size(0, text, sizeof text), "0 B");
    ck_assert_str_eq(mlr_fmt_size(1023, text, sizeof text), "1023 B");
    ck_assert_str_eq(mlr_fmt_size(1536, text, sizeof text), "1.50 KiB");
    ck_assert_str_eq(mlr_fmt_size(10u * 1024 * 1024, text, sizeof text), "10.0 MiB");
    ck_assert_str_eq(mlr_fmt_size(300ull << 30, text, sizeof text), "300 GiB");
    ck_assert_str_eq(mlr_fmt_time(1700000000.25, text, sizeof text), "2023-11-14T22:13:20.250Z");
    ck_assert_str_eq(mlr_fmt_time(0, text, sizeof text), "(unknown)");
    ck_assert_str_eq(mlr_fmt_duration(125, text, sizeof text), "2 min 5 s");
}
END_TEST

START_TEST(color_decision_follows_no_color)
{
    FILE *file = tmpfile();
    setenv("NO_COLOR", "1", 1);
    ck_assert_int_eq(mlr_color_enabled(MLR_COLOR_AUTO, file), 0);
    ck_assert_int_eq(mlr_color_enabled(MLR_COLOR_ALWAYS, file), 1);
    unsetenv("NO_COLOR");
    ck_assert_int_eq(mlr_color_enabled(MLR_COLOR_AUTO, file), 0); /* not a terminal */
    ck_assert_int_eq(mlr_color_enabled(MLR_COLOR_NEVER, file), 0);
    fclose(file);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {summary_comes_first_with_totals,
                            table_clusters_and_paths,
                            utf8_sparkline,
                            no_escape_bytes_without_color_even_from_hostile_strings,
                            each_prints_the_heading_and_each_warning_once,
                            clean_report_says_so,
                            terminal_text_escapes_controls_and_bidi_overrides,
                            long_tables_are_cut_with_a_count,
                            human_sizes_and_times,
                            color_decision_follows_no_color};
    return ts_main("render_text", "text", 0, tests, TS_COUNT(tests));
}
