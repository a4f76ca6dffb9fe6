/* Self-references and a cycle no root reaches: the analysis terminates and
 * reports each object once, with retained sizes that never double count. */
#include <check.h>
#include <string.h>

#include "hostile_files.h"
#include "memalot/analysis.h"
#include "check_suite.h"
#include "time_options.h"

static const mla_type_leak *find_leak(const mla_report *report, const char *type)
{
    for (size_t i = 0; i < report->leak_count; i++)
        if (strcmp(report->leaks[i].type, type) == 0)
            return &report->leaks[i];
    return NULL;
}

START_TEST(self_reference_and_rootless_cycle_are_reported_once)
{
    hbuf bytes = {0};
    make_cycles(&bytes);
    mla_options options = ts_time_options(5, 0);
    char *path;
    mla_report_set *set = hanalyze_temp(&bytes, "cycles.mlt", &options, &path);
    const mla_report *report = mla_report_set_get(set, 0);
    ck_assert_uint_eq(report->evaluated_image, 2);
    ck_assert_uint_eq(report->candidate_count, 4); /* Self + 3 nodes; the rooted anchor is old */
    const mla_type_leak *self = find_leak(report, "app.Self");
    const mla_type_leak *node = find_leak(report, "app.Node");
    ck_assert_ptr_nonnull(self);
    ck_assert_ptr_nonnull(node);
    ck_assert_uint_eq(self->count, 1);
    ck_assert_uint_eq(self->retained_bytes, 64);
    ck_assert_uint_eq(node->count, 3);
    ck_assert_uint_eq(node->shallow_bytes, 192);
    /* One node holds the other two: 192, not 3 x 192. */
    ck_assert_uint_eq(node->retained_bytes, 192);
    ck_assert_uint_eq(report->candidate_retained_bytes, 256);
    ck_assert_uint_ge(node->example_count, 1);
    for (size_t e = 0; e < node->example_count; e++) {
        const mla_example *ex = &node->examples[e];
        ck_assert_double_eq_tol(ex->age_seconds, 10.0, 1e-9);
        ck_assert_uint_ge(ex->path_count, 1);
        for (size_t p = 0; p < ex->path_count; p++)
            ck_assert_uint_le(ex->paths[p].edge_count, 3); /* a cycle is never walked round */
    }
    mla_report_set_free(set);

    mla_object_info *info;
    mlt_error err;
    ck_assert_msg(mla_object_paths(path, -1, CYCLE_NODE_A, 0, 0, &info, &err) == MLT_OK, "%s",
                  err.message);
    ck_assert_uint_eq(info->referrer_count, 1);
    ck_assert_uint_eq(info->retained_bytes, 192);
    ck_assert_uint_ge(info->path_count, 1);
    mla_object_info_free(info);
    hremove_temp(path);
}
END_TEST

START_TEST(cycles_under_each_are_reported_in_one_report_only)
{
    hbuf bytes = {0};
    make_cycles(&bytes);
    mla_options options = ts_time_options(5, 0);
    options.each = 1;
    char *path;
    mla_report_set *set = hanalyze_temp(&bytes, "cycles-each.mlt", &options, &path);
    ck_assert_uint_eq(mla_report_set_count(set), 2);
    ck_assert_uint_eq(mla_report_set_get(set, 0)->candidate_count, 0);
    ck_assert_uint_eq(mla_report_set_get(set, 1)->candidate_count, 4);
    mla_report_set_free(set);
    hremove_temp(path);
}
END_TEST

/* 200 000 nodes deep: every walk is iterative, and paths are cut at
 * max_path_length keeping the steps nearest the object. */
START_TEST(deep_chain_terminates_and_paths_are_cut)
{
    hbuf bytes = {0};
    make_chain(&bytes, 200000);
    mla_options options = ts_time_options(5, 0);
    options.max_path_length = 16;
    char *path;
    mla_report_set *set = hanalyze_temp(&bytes, "chain.mlt", &options, &path);
    const mla_report *report = mla_report_set_get(set, 0);
    ck_assert_uint_eq(report->candidate_count, 200000);
    ck_assert_uint_eq(report->leak_count, 1);
    ck_assert_uint_eq(report->leaks[0].retained_bytes, 200000ull * 64);
    int cut = 0;
    for (size_t e = 0; e < report->leaks[0].example_count; e++)
        for (size_t p = 0; p < report->leaks[0].examples[e].path_count; p++) {
            const mla_path *steps = &report->leaks[0].examples[e].paths[p];
            ck_assert_uint_le(steps->edge_count, 16);
            cut += steps->truncated;
        }
    ck_assert_int_gt(cut, 0);
    mla_report_set_free(set);
    hremove_temp(path);
}
END_TEST

Suite *cycles_suite(void);
Suite *cycles_suite(void)
{
    const TTest *tests[] = {self_reference_and_rootless_cycle_are_reported_once,
                            cycles_under_each_are_reported_in_one_report_only,
                            deep_chain_terminates_and_paths_are_cut};
    return ts_suite("cycles", "cycles", 120, tests, TS_COUNT(tests));
}
