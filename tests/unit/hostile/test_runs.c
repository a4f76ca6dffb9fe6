/* Images out of order and images of other processes: the analysis warns and
 * never computes an age across them (see make_runs for the scenarios). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "hostile_files.h"
#include "memalot/analysis.h"
#include "check_suite.h"
#include "time_options.h"

typedef struct {
    mla_report_set *set;
    const mla_report *report;
    char *path;
} runs_result;

static runs_result analyze_runs(runs_variant variant)
{
    hbuf bytes = {0};
    make_runs(&bytes, variant);
    runs_result result = {0};
    mla_options options = ts_time_options(5, 0);
    result.set = hanalyze_temp(&bytes, "runs.mlt", &options, &result.path);
    result.report = mla_report_set_get(result.set, 0);
    return result;
}

static void runs_free(runs_result *result)
{
    mla_report_set_free(result->set);
    hremove_temp(result->path);
}

static int has_warning(const mla_report *report, const char *a, const char *b)
{
    for (size_t i = 0; i < report->warning_count; i++)
        if (strstr(report->warnings[i], a) && (!b || strstr(report->warnings[i], b)))
            return 1;
    return 0;
}

static void dump_warnings(const mla_report *report)
{
    for (size_t i = 0; i < report->warning_count; i++)
        fprintf(stderr, "  warning: %s\n", report->warnings[i]);
}

/* A macro, so a failure names the test's line; the warnings that were given
 * go to stderr first, since the message cannot hold them all. */
#define ck_assert_warning(report, a, b)                                                            \
    do {                                                                                           \
        if (!has_warning((report), (a), (b)))                                                      \
            dump_warnings(report);                                                                 \
        ck_assert_msg(has_warning((report), (a), (b)), "no warning with \"%s\" and \"%s\"", (a),   \
                      (b) ? (b) : "");                                                             \
    } while (0)

/* The oldest age any candidate was given; -1 when there is none. */
static double oldest_age(const mla_report *report)
{
    double oldest = -1;
    for (size_t l = 0; l < report->leak_count; l++)
        for (size_t e = 0; e < report->leaks[l].example_count; e++)
            if (report->leaks[l].examples[e].age_seconds > oldest)
                oldest = report->leaks[l].examples[e].age_seconds;
    return oldest;
}

START_TEST(control_reports_y_aged_ten_seconds)
{
    runs_result r = analyze_runs(RUNS_CONTROL);
    ck_assert_uint_eq(r.report->image_count, 3);
    ck_assert_uint_eq(r.report->candidate_count, 1);
    ck_assert_str_eq(r.report->leaks[0].type, "app.Y");
    ck_assert_double_eq_tol(oldest_age(r.report), 10.0, 1e-9);
    ck_assert_uint_eq(r.report->warning_count, 0);
    runs_free(&r);
}
END_TEST

START_TEST(image_of_another_run_is_excluded_and_ages_skip_it)
{
    runs_result r = analyze_runs(RUNS_OTHER_RUN_INSERTED);
    ck_assert_warning(r.report, "belongs to run 0000000000000002", "excluded");
    ck_assert_uint_eq(r.report->image_count, 3);
    ck_assert_uint_eq(r.report->evaluated_image, 3); /* file position of run 1's last image */
    ck_assert_uint_eq(r.report->candidate_count, 1);
    /* t = 1000 of the other run never enters an age. */
    ck_assert_double_eq_tol(oldest_age(r.report), 10.0, 1e-9);
    runs_free(&r);
}
END_TEST

START_TEST(other_run_as_last_image_is_not_evaluated)
{
    runs_result r = analyze_runs(RUNS_OTHER_RUN_LAST);
    ck_assert_warning(r.report, "belongs to run", "excluded");
    ck_assert_uint_eq(r.report->image_count, 2);
    ck_assert_uint_eq(r.report->evaluated_image, 1);
    ck_assert_uint_eq(r.report->candidate_count, 0); /* Y is 0 s old at run 1's last image */
    runs_free(&r);
}
END_TEST

/* The variants whose last image must warn (a warning holding a and b) and
 * then give no candidate, since no age may be computed across the break. */
static void check_warns_and_ages_nothing(runs_variant variant, const char *a, const char *b)
{
    runs_result r = analyze_runs(variant);
    ck_assert_warning(r.report, a, b);
    ck_assert_uint_eq(r.report->candidate_count, 0);
    runs_free(&r);
}

START_TEST(other_pid_breaks_the_identity_chain)
{
    /* Y at image 2 counts as new there: no age across the fork. */
    check_warns_and_ages_nothing(RUNS_OTHER_PID, "pid 11 vs 10", "identity chains break");
}
END_TEST

START_TEST(base_not_previous_breaks_the_identity_chain)
{
    check_warns_and_ages_nothing(RUNS_BASE_NOT_PREVIOUS, "refers to base image sequence 0",
                                 "previous image is sequence 1");
}
END_TEST

START_TEST(sequence_going_backwards_breaks_the_identity_chain)
{
    check_warns_and_ages_nothing(RUNS_SEQUENCE_BACKWARDS, "sequence 0", "out of order");
}
END_TEST

START_TEST(clock_going_backwards_warns_and_gives_no_negative_age)
{
    /* 15 - 20 is no age of 5 s or more */
    check_warns_and_ages_nothing(RUNS_CLOCK_BACKWARDS, "clock went back", NULL);
}
END_TEST

Suite *runs_suite(void);
Suite *runs_suite(void)
{
    const TTest *tests[] = {control_reports_y_aged_ten_seconds,
                            image_of_another_run_is_excluded_and_ages_skip_it,
                            other_run_as_last_image_is_not_evaluated,
                            other_pid_breaks_the_identity_chain,
                            base_not_previous_breaks_the_identity_chain,
                            sequence_going_backwards_breaks_the_identity_chain,
                            clock_going_backwards_warns_and_gives_no_negative_age};
    return ts_suite("runs", "order and origin", 0, tests, TS_COUNT(tests));
}
