/* End-to-end: synthetic dumps written with the format writer, analysed by
 * mla_analyze_file, checked against answers computed from how they were
 * built. Covers ages and criteria, identity chains, warnings, paths and
 * their labels, clusters, filters, the example budget, each-mode and bad
 * input. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_test_util.h"
#include "check_suite.h"
#include "time_options.h"

#define LIST_ADDR 0x10000u
#define LIST2_ADDR 0x10100u
static uint64_t req_addr(uint32_t j)
{
    return 0x100000u + 0x40ull * j;
}
static uint64_t str_addr(uint32_t j)
{
    return 0x800000u + 0x40ull * j;
}

/* Image k at t = 10 k holds app.cache (a list, old) with every app.Request
 * created so far: per_image of them appear in each image k >= 1 and never
 * die; each has .body -> builtins.str. With two_lists, odd requests live in
 * a second module global app.other instead. */
static void write_leak(const char *path, int images, uint32_t per_image, int two_lists)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t count = per_image * (uint32_t)k;
        uint32_t fresh_from = per_image * (uint32_t)(k ? k - 1 : 0);
        uint32_t len1 = two_lists ? (count + 1) / 2 : count, len2 = count / 2;
        uint32_t list = at_obj(d, LIST_ADDR, "builtins.list", 0, 56 + 8ull * len1);
        uint32_t list2 = two_lists ? at_obj(d, LIST2_ADDR, "builtins.list", 0, 56 + 8ull * len2)
                                   : MLA_NONE;
        uint32_t first_req = list + 1 + (two_lists ? 1 : 0);
        for (uint32_t j = 0; j < count; j++)
            at_obj(d, req_addr(j), "app.Request", k && j >= fresh_from ? MLT_OBJ_NEW : 0, 48);
        for (uint32_t j = 0; j < count; j++)
            at_obj(d, str_addr(j), "builtins.str", k && j >= fresh_from ? MLT_OBJ_NEW : 0, 60);
        uint32_t pos1 = 0, pos2 = 0;
        for (uint32_t j = 0; j < count; j++) {
            if (two_lists && (j & 1))
                at_edge(d, list2, first_req + j, MLT_LABEL_INDEX, NULL, pos2++);
            else
                at_edge(d, list, first_req + j, MLT_LABEL_INDEX, NULL, pos1++);
            at_edge(d, first_req + j, first_req + count + j, MLT_LABEL_ATTR, "body", 0);
        }
        at_root(d, list, MLT_ROOT_MODULE_GLOBAL, "cache", "app", 0);
        if (two_lists)
            at_root(d, list2, MLT_ROOT_MODULE_GLOBAL, "other", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(leak_through_list)
{
    char *path = at_tmp_path("leak.mlt");
    write_leak(path, 5, 250, 0);
    /* E = image 4 (t 40). Warm-up 10 ends on image 1: f >= 2 (with 5, image
     * 1 would straddle it: test_suspects.c). Lifetime 15: t_f <= 25: f = 2. */
    mla_options o = ts_time_options(15.0, 10.0);
    mla_report_set *set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_count(set), 1);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->evaluated_image, 4);
    ck_assert_uint_eq(r->image_count, 5);
    ck_assert_str_eq(r->criterion_source, "options");
    ck_assert_uint_eq(r->candidate_count, 500);
    ck_assert_uint_eq(r->candidate_shallow_bytes, 250 * (48 + 60));
    ck_assert_uint_eq(r->candidate_retained_bytes, 250 * (48 + 60));
    ck_assert_uint_eq(r->leak_count, 2);
    /* Requests first: they retain their bodies; the bodies add nothing. */
    ck_assert_str_eq(r->leaks[0].type, "app.Request");
    ck_assert_uint_eq(r->leaks[0].count, 250);
    ck_assert_uint_eq(r->leaks[0].retained_bytes, 250 * 108);
    ck_assert_str_eq(r->leaks[1].type, "builtins.str");
    ck_assert_uint_eq(r->leaks[1].retained_bytes, 0);
    /* Growth: candidates of the type if each image were evaluated. */
    const uint64_t want_growth[5] = {0, 0, 0, 0, 250};
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(r->leaks[0].growth[i], want_growth[i]);
    /* One list: one cluster per leaked type, whatever the index. */
    ck_assert_uint_eq(r->cluster_count, 2);
    ck_assert_uint_eq(r->clusters[0].count, 250);
    ck_assert_str_eq(r->clusters[0].shape, "module global app.cache -> [*] -> app.Request");
    ck_assert_str_eq(r->clusters[1].shape,
                     "module global app.cache -> [*] -> .body -> builtins.str");
    /* Examples: both types, the request path rendered in full. */
    const mla_example *ex = &r->leaks[0].examples[0];
    ck_assert_uint_ge(r->leaks[0].example_count, 1);
    ck_assert_uint_eq(ex->shallow_bytes, 48);
    ck_assert_uint_eq(ex->retained_bytes, 108);
    ck_assert(ex->age_seconds == 20.0);
    ck_assert_int_eq(ex->age_calls, -1);
    ck_assert_int_eq(ex->created_in_call, -1);
    ck_assert_uint_eq(ex->path_count, 1);
    ck_assert_int_eq(ex->paths[0].root_kind, MLA_ROOT_MODULE_GLOBAL);
    ck_assert_str_eq(ex->paths[0].root, "app.cache");
    ck_assert_str_eq(ex->paths[0].root_type, "builtins.list");
    ck_assert_uint_eq(ex->paths[0].edge_count, 1);
    uint32_t j = (uint32_t)((ex->address - 0x100000u) / 0x40u);
    char want[32];
    snprintf(want, sizeof want, "[%u]", j);
    ck_assert_str_eq(ex->paths[0].edges[0], want);
    ck_assert_str_eq(ex->paths[0].types[0], "app.Request");
    ck_assert(j >= 250 && j < 500);
    ck_assert_uint_eq(r->clusters[ex->cluster].count, 250);
    mla_report_set_free(set);
    /* Without dominators: same findings, no retained sizes. */
    o.skip_retained = 1;
    set = at_analyze(path, &o);
    r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 500);
    ck_assert_uint_eq(r->candidate_retained_bytes, 0);
    ck_assert_uint_eq(r->cluster_count, 2);
    ck_assert_uint_eq(r->leaks[0].examples[0].retained_bytes, 0);
    ck_assert_uint_eq(r->leaks[0].examples[0].path_count, 1);
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(thousand_in_one_list_two_containers)
{
    char *path = at_tmp_path("clusters.mlt");
    write_leak(path, 3, 1000, 1);
    mla_options o = ts_time_options(10.0, 0.0);
    const char *inc[] = {"Request"};
    o.include = inc;
    o.include_count = 1;
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    /* f = 1 (t 10, age 10): 1000 requests split over two lists. */
    ck_assert_uint_eq(r->candidate_count, 1000);
    ck_assert_uint_eq(r->leak_count, 1);
    ck_assert_uint_eq(r->cluster_count, 2);
    ck_assert_uint_eq(r->clusters[0].count, 500);
    ck_assert_uint_eq(r->clusters[1].count, 500);
    ck_assert_str_ne(r->clusters[0].shape, r->clusters[1].shape);
    mla_report_set_free(set);
    /* One list only: a thousand objects read as one finding. */
    write_leak(path, 3, 1000, 0);
    set = at_analyze(path, &o);
    r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 1000);
    ck_assert_uint_eq(r->cluster_count, 1);
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(criterion_from_dump_and_default_warmup)
{
    char *path = at_tmp_path("dumpcrit.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 4; k++) {
        mlt_image_info *info = at_image_begin(d, 10.0 * k);
        info->criterion.kind = MLT_CRITERION_TIME;
        info->criterion.lifetime = 20.0;
        info->criterion.warmup = -1.0; /* default: the lifetime */
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        for (int j = 1; j <= k; j++) {
            uint32_t o = at_obj(d, 0x1000u + 0x10u * (uint32_t)j, "app.Thing",
                                j == k ? MLT_OBJ_NEW : 0, 32);
            at_edge(d, root, o, MLT_LABEL_INDEX, NULL, (uint64_t)j);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_report_set *set = at_analyze(path, NULL);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_str_eq(r->criterion_source, "dump");
    ck_assert(r->criterion.warmup == 20.0);
    /* Warm-up 20: t_{f-1} >= 20 needs f >= 3; lifetime 20 at t 30 needs f <= 1. */
    ck_assert_uint_eq(r->candidate_count, 0);
    mla_report_set_free(set);
    mla_options o = ts_time_options(20.0, 0.0);
    set = at_analyze(path, &o);
    r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 1); /* f = 1, age exactly 20 */
    ck_assert(r->leaks[0].examples[0].age_seconds == 20.0);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* Object A lives from image 1 to 9; address X holds B in images 1-3, then a
 * new object C from image 5 on (address reuse must start a new chain). */
START_TEST(chains_across_ten_images)
{
    char *path = at_tmp_path("chains.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 10; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        if (k >= 1) {
            uint32_t a = at_obj(d, 0x200, "app.Obj", k == 1 ? MLT_OBJ_NEW : 0, 32);
            at_edge(d, root, a, MLT_LABEL_ATTR, "a", 0);
        }
        if ((k >= 1 && k <= 3) || k >= 5) {
            uint32_t x = at_obj(d, 0x300, "app.Obj", (k == 1 || k == 5) ? MLT_OBJ_NEW : 0, 32);
            at_edge(d, root, x, MLT_LABEL_ATTR, "x", 0);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(50.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 1);
    ck_assert_uint_eq(r->leaks[0].examples[0].address, 0x200);
    ck_assert(r->leaks[0].examples[0].age_seconds == 80.0);
    ck_assert_str_eq(r->leaks[0].examples[0].paths[0].edges[0], ".a");
    ck_assert_uint_eq(r->warning_count, 0);
    mla_report_set_free(set);
    /* Lifetime 40: C (first at image 5, t 50) is exactly 40 old at t 90. */
    o = ts_time_options(40.0, 0.0);
    set = at_analyze(path, &o);
    r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 2);
    ck_assert(r->leaks[0].growth[9] == 2 && r->leaks[0].growth[8] == 1);
    ck_assert_uint_eq(r->leaks[0].growth[5], 1);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* Four images; image 2 names base sequence 0 (image 1 missing from the
 * chain), image 3 has an object claiming to survive from nothing. */
START_TEST(broken_chains_warn)
{
    char *path = at_tmp_path("broken.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 4; k++) {
        mlt_image_info *info = at_image_begin(d, 10.0 * k);
        if (k == 2)
            info->base_sequence = 0;
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        if (k >= 1) {
            uint32_t a = at_obj(d, 0x200, "app.Obj", k == 1 ? MLT_OBJ_NEW : 0, 32);
            at_edge(d, root, a, MLT_LABEL_ATTR, "a", 0);
        }
        if (k == 3) {
            uint32_t ghost = at_obj(d, 0x900, "app.Ghost", 0, 32);
            at_edge(d, root, ghost, MLT_LABEL_ATTR, "g", 0);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(15.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert(at_has_warning(r, "image 2 refers to base image sequence 0"));
    ck_assert(
        at_has_warning(r, "image 3: 1 objects existed at the previous image but were not in it"));
    /* A's chain restarts at image 2: age 10 < 15, so no candidate; the
     * ghost counts as new at image 3. */
    ck_assert_uint_eq(r->candidate_count, 0);
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(mixed_runs_excluded)
{
    char *path = at_tmp_path("mixed.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 4; k++) {
        mlt_image_info *info = at_image_begin(d, 10.0 * k);
        if (k == 2) {
            info->run_id = 99;
            info->pid = 4321;
            info->has_base = 0;
        }
        if (k == 3)
            info->base_sequence = 1;
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        if (k >= 1 && k != 2) {
            uint32_t a = at_obj(d, 0x200, "app.Obj", k == 1 ? MLT_OBJ_NEW : 0, 32);
            at_edge(d, root, a, MLT_LABEL_ATTR, "a", 0);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(20.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert(at_has_warning(r, "image 2 belongs to run"));
    ck_assert_uint_eq(r->image_count, 3);
    ck_assert_uint_eq(r->images[2].index, 3);
    ck_assert_uint_eq(r->evaluated_image, 3);
    ck_assert_uint_eq(r->candidate_count, 1); /* chain 1 -> 3 intact, age 20 */
    mla_report_set_free(set);
    /* Asking for the excluded image is a usage error. */
    o.at_image = 2;
    mla_report_set *none = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_analyze_file(path, &o, &none, &err), MLT_ERR_USAGE);
    ck_assert_ptr_null(none);
    ck_assert_ptr_nonnull(strstr(err.message, path));
    free(path);
}
END_TEST

/* start(k) / end(k) pairs for k = 1..4; one app.Item is created in every
 * call and never freed. */
static void write_calls(const char *path, const mlt_criterion *recorded)
{
    at_dump *d = at_dump_open(path);
    for (int k = 1; k <= 4; k++) {
        for (int end = 0; end <= 1; end++) {
            mlt_image_info *info = at_image_begin(d, 10.0 * k + end);
            info->trigger = end ? MLT_TRIGGER_CALL_END : MLT_TRIGGER_CALL_START;
            info->call_counter = (uint64_t)k;
            info->function = "app.handle";
            if (recorded)
                info->criterion = *recorded;
            uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
            at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "items", "app", 0);
            int alive = k - 1 + end;
            for (int j = 1; j <= alive; j++) {
                uint32_t o = at_obj(d, 0x1000u + 0x10u * (uint32_t)j, "app.Item",
                                    end && j == k ? MLT_OBJ_NEW : 0, 32);
                at_edge(d, root, o, MLT_LABEL_INDEX, NULL, (uint64_t)j - 1);
            }
            at_image_end(d);
        }
    }
    at_dump_close(d);
}

START_TEST(calls_criterion_end_to_end)
{
    char *path = at_tmp_path("calls.mlt");
    mlt_criterion recorded = {MLT_CRITERION_CALLS, 0, 0, 2, 1};
    write_calls(path, &recorded);
    /* Dump's criterion: N 2, K 1: calls 2..3 (k + 1 <= 4). */
    mla_report_set *set = at_analyze(path, NULL);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_str_eq(r->criterion_source, "dump");
    ck_assert_int_eq(r->criterion.kind, MLT_CRITERION_CALLS);
    ck_assert_uint_eq(r->candidate_count, 2);
    const mla_type_leak *items = at_leak(r, "app.Item");
    ck_assert_ptr_nonnull(items);
    for (size_t i = 0; i < items->example_count; i++) {
        const mla_example *ex = &items->examples[i];
        int64_t k = (int64_t)((ex->address - 0x1000u) / 0x10u);
        ck_assert_int_eq(ex->created_in_call, k);
        ck_assert_int_eq(ex->age_calls, 4 - k + 1);
    }
    mla_report_set_free(set);
    for (uint64_t n = 1; n <= 3; n++) {
        mla_options o;
        mla_options_init(&o);
        o.criterion.kind = MLT_CRITERION_CALLS;
        o.criterion.calls = n;
        set = at_analyze(path, &o);
        r = mla_report_set_get(set, 0);
        /* K defaults to 1: calls 2..(5 - n) */
        ck_assert_uint_eq(r->candidate_count, 4 - n);
        ck_assert_uint_eq(r->criterion.warmup_calls, 1);
        mla_report_set_free(set);
    }
    mla_options o;
    mla_options_init(&o);
    o.criterion.kind = MLT_CRITERION_CALLS;
    o.criterion.calls = 1;
    o.criterion.warmup_calls = 0;
    o.warmup_defaulted = 0;
    set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_get(set, 0)->candidate_count, 4);
    mla_report_set_free(set);
    /* Evaluated at end(2): only call 2 with N 1. */
    mla_options_init(&o);
    o.criterion.kind = MLT_CRITERION_CALLS;
    o.at_image = 3;
    set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_get(set, 0)->candidate_count, 1);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* One of every label kind on the way to an app.Leaf. */
START_TEST(path_labels)
{
    char *path = at_tmp_path("labels.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 2; k++) {
        at_image_begin(d, 10.0 * k);
        uint8_t fresh = k ? MLT_OBJ_NEW : 0;
        uint32_t holder = at_obj(d, 0x100, "app.Holder", 0, 10);
        if (k == 0) {
            at_root(d, holder, MLT_ROOT_MODULE_GLOBAL, "g", "pkg.mod", 0);
            at_image_end(d);
            continue;
        }
        uint32_t list = at_obj(d, 0x200, "builtins.list", fresh, 10);
        uint32_t dict = at_obj(d, 0x300, "builtins.dict", fresh, 10);
        uint32_t dict2 = at_obj(d, 0x400, "builtins.dict", fresh, 10);
        uint32_t key = at_obj(d, 0x500, "builtins.int", fresh, 10);
        uint32_t fn = at_obj(d, 0x600, "builtins.function", fresh, 10);
        uint32_t cell = at_obj(d, 0x700, "builtins.cell", fresh, 10);
        uint32_t frame = at_obj(d, 0x800, "builtins.frame", fresh, 10);
        uint32_t inst = at_obj(d, 0x900, "app.Inst", fresh, 10);
        uint32_t tuple = at_obj(d, 0xa00, "builtins.tuple", fresh, 10);
        uint32_t leaf = at_obj(d, 0xb00, "app.Leaf", fresh, 10);
        uint32_t key2 = at_obj(d, 0xc00, "builtins.int", fresh, 10);
        uint32_t leaf2 = at_obj(d, 0xd00, "app.Leaf2", fresh, 10);
        uint32_t local = at_obj(d, 0xe00, "app.Local", fresh, 10);
        uint32_t leaf3 = at_obj(d, 0xf00, "app.Leaf3", fresh, 10);
        at_edge(d, holder, list, MLT_LABEL_ATTR, "items", 0);
        at_edge(d, list, dict, MLT_LABEL_INDEX, NULL, 3);
        at_edge(d, dict, dict2, MLT_LABEL_KEY_STR, "it's\nkey", 0);
        at_edge(d, dict2, fn, MLT_LABEL_KEY_OBJ, NULL, key);
        at_edge(d, dict2, key, MLT_LABEL_OTHER, "key", 0);
        at_edge(d, fn, cell, MLT_LABEL_CELL, "x", 0);
        at_edge(d, cell, frame, MLT_LABEL_NONE, NULL, 0);
        at_edge(d, frame, inst, MLT_LABEL_LOCAL, "self", 0);
        at_edge(d, inst, tuple, MLT_LABEL_OTHER, "__dict__", 0);
        at_edge(d, tuple, leaf, MLT_LABEL_INDEX, NULL, 0);
        at_edge(d, dict, leaf2, MLT_LABEL_KEY_OBJ, NULL, key2);
        at_edge(d, dict, key2, MLT_LABEL_OTHER, "key", 0);
        at_edge(d, cell, leaf3, MLT_LABEL_NONE, NULL, 0);
        at_root(d, holder, MLT_ROOT_MODULE_GLOBAL, "g", "pkg.mod", 0);
        at_root(d, local, MLT_ROOT_FRAME_LOCAL, "req", "app.serve", 7);
        at_preview(d, key, MLT_PREVIEW_INT, "42", 0);
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(0.0, 0.0);
    const char *inc[] = {"app.Leaf", "app.Local"};
    o.include = inc;
    o.include_count = 2;
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 4);
    const mla_type_leak *leaf = at_leak(r, "app.Leaf");
    ck_assert_ptr_nonnull(leaf);
    const mla_path *p = &leaf->examples[0].paths[0];
    static const char *want[] = {".items", "[3]",      "['it\\'s\\nkey']",
                                 "[42]",   "<cell x>", "\xE2\x86\x92 builtins.frame",
                                 "self",   "__dict__", "[0]"};
    ck_assert_uint_eq(p->edge_count, 9);
    for (size_t i = 0; i < 9; i++)
        ck_assert_str_eq(p->edges[i], want[i]);
    ck_assert_str_eq(p->types[8], "app.Leaf");
    ck_assert_str_eq(p->root, "pkg.mod.g");
    /* Shape folding: index and data-like key to [*], the key object to its
     * type; an unlabelled last step shows only the final type. */
    ck_assert_str_eq(
        r->clusters[leaf->examples[0].cluster].shape,
        "module global pkg.mod.g -> .items -> [*] -> [*] -> [<key builtins.int>] -> "
        "<cell x> -> \xE2\x86\x92 builtins.frame -> self -> __dict__ -> [*] -> app.Leaf");
    const mla_type_leak *leaf3 = at_leak(r, "app.Leaf3");
    ck_assert_str_eq(r->clusters[leaf3->examples[0].cluster].shape,
                     "module global pkg.mod.g -> .items -> [*] -> [*] -> [<key builtins.int>] -> "
                     "<cell x> -> app.Leaf3");
    ck_assert_str_eq(leaf3->examples[0].paths[0].edges[5], "\xE2\x86\x92 app.Leaf3");
    const mla_type_leak *leaf2 = at_leak(r, "app.Leaf2");
    ck_assert_str_eq(leaf2->examples[0].paths[0].edges[2], "[<key builtins.int>]");
    const mla_type_leak *local = at_leak(r, "app.Local");
    ck_assert_int_eq(local->examples[0].paths[0].root_kind, MLA_ROOT_FRAME_LOCAL);
    ck_assert_str_eq(local->examples[0].paths[0].root, "app.serve:req (thread 7)");
    ck_assert_uint_eq(local->examples[0].paths[0].edge_count, 0);
    mla_report_set_free(set);
    /* Cut at max_path_length: the last steps stay. */
    o.max_path_length = 2;
    set = at_analyze(path, &o);
    p = &at_leak(mla_report_set_get(set, 0), "app.Leaf")->examples[0].paths[0];
    ck_assert_int_eq(p->truncated, 1);
    ck_assert_uint_eq(p->edge_count, 2);
    ck_assert_str_eq(p->edges[1], "[0]");
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(external_root_and_preview)
{
    char *path = at_tmp_path("external.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 2; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        if (k == 1) {
            uint32_t s = at_obj(d, 0x200, "builtins.str", MLT_OBJ_NEW | MLT_OBJ_APPROX, 80);
            at_refcount(d, s, 1);
            at_preview(d, s, MLT_PREVIEW_STR, "secret token", 1);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(0.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 1);
    const mla_example *ex = &r->leaks[0].examples[0];
    ck_assert_int_eq(ex->paths[0].root_kind, MLA_ROOT_EXTERNAL);
    ck_assert_str_eq(ex->paths[0].root, "held outside the visible heap");
    ck_assert_str_eq(ex->preview, "'secret token\xE2\x80\xA6'");
    ck_assert_int_eq(ex->preview_truncated, 1);
    ck_assert_int_eq(ex->identity_approximate, 1);
    ck_assert(at_has_warning(r, "approximate identities"));
    ck_assert_str_eq(r->clusters[0].shape, "held outside the visible heap (builtins.str)");
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* Five types with ten candidates each, sizes so the order is known. */
START_TEST(example_budget)
{
    char *path = at_tmp_path("budget.mlt");
    static const char *types[] = {"app.A", "app.B", "app.C", "app.D", "app.E"};
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 2; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        for (uint32_t t = 0; k && t < 5; t++) {
            for (uint32_t j = 0; j < 10; j++) {
                uint32_t o = at_obj(d, 0x1000u + 0x1000u * t + 0x10u * j, types[t], MLT_OBJ_NEW,
                                    1000u * (5 - t) + j);
                at_edge(d, root, o, MLT_LABEL_INDEX, NULL, 10 * t + j);
            }
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(0.0, 0.0);
    o.max_object_details = 7;
    o.exclude = (const char *[]){"Root"};
    o.exclude_count = 1;
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->leak_count, 5);
    size_t total = 0;
    for (size_t i = 0; i < 5; i++) {
        ck_assert_str_eq(r->leaks[i].type, types[i]);
        ck_assert_uint_eq(r->leaks[i].example_count, i < 2 ? 2 : 1);
        total += r->leaks[i].example_count;
        /* largest retained first */
        ck_assert_uint_eq(r->leaks[i].examples[0].retained_bytes, 1000u * (5 - i) + 9);
    }
    ck_assert_uint_eq(total, 7);
    ck_assert_uint_eq(r->leaks[0].examples[1].retained_bytes, 5008);
    mla_report_set_free(set);
    o.max_object_details = 3;
    set = at_analyze(path, &o);
    r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->leaks[2].example_count, 1);
    ck_assert_uint_eq(r->leaks[3].example_count, 0);
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(each_mode_reports_once)
{
    char *path = at_tmp_path("each.mlt");
    write_leak(path, 5, 10, 0);
    mla_options o = ts_time_options(10.0, 0.0);
    o.each = 1;
    const char *inc[] = {"Request"};
    o.include = inc;
    o.include_count = 1;
    mla_report_set *set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_count(set), 4);
    /* Requests of image f first qualify at image f + 1. */
    static const uint64_t want[4] = {0, 10, 10, 10};
    uint64_t total = 0;
    for (size_t i = 0; i < 4; i++) {
        const mla_report *r = mla_report_set_get(set, i);
        ck_assert_uint_eq(r->evaluated_image, i + 1);
        ck_assert_uint_eq(r->candidate_count, want[i]);
        total += r->candidate_count;
        if (r->leak_count)
            ck_assert_uint_eq(r->leaks[0].growth[4], 30);
    }
    mla_report_set_free(set);
    o.each = 0;
    set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_get(set, 0)->candidate_count, total);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* A run where objects are born and die at pseudo-random images, addresses
 * reused, some images taken inside monitored calls: the console's bounded
 * window (newest_only) must give, at every image, exactly each-mode's
 * report there. */
static void write_churn_run(const char *path, int calls)
{
    enum { IMAGES = 40, SLOTS = 120 };
    int alive_until[SLOTS] = {0}; /* image at which the slot's object dies; 0: empty */
    uint64_t state = 12345;
    at_dump *d = at_dump_open(path);
    for (int image = 0; image < IMAGES; image++) {
        mlt_image_info *info = at_image_begin(d, 100.0 + 0.75 * image);
        if (calls) {
            info->trigger = image % 2 ? MLT_TRIGGER_CALL_END : MLT_TRIGGER_CALL_START;
            info->call_counter = (uint64_t)(image / 2 + 1);
            info->criterion = (mlt_criterion){MLT_CRITERION_CALLS, 0, 0, 3, 2};
        } else {
            info->criterion = (mlt_criterion){MLT_CRITERION_TIME, 4.0, 3.0, 0, 0};
        }
        for (int slot = 0; slot < SLOTS; slot++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            uint32_t r = (uint32_t)(state >> 33);
            uint8_t flags = 0;
            if (alive_until[slot] <= image) {
                alive_until[slot] = 0;
                if (r % 5 != 0)
                    continue; /* stays empty this image */
                alive_until[slot] = image + 1 + (int)(r % 17);
                flags = MLT_OBJ_NEW;
            }
            at_obj(d, 0x10000 + 0x40 * (uint64_t)slot, slot % 3 ? "app.Item" : "app.Other", flags,
                   32);
        }
        at_image_end(d);
    }
    at_dump_close(d);
}

static void window_matches_each(int calls)
{
    char *path = at_tmp_path(calls ? "window-calls.mlt" : "window-time.mlt");
    write_churn_run(path, calls);
    mla_options o;
    mla_options_init(&o);
    o.each = 1;
    mla_report_set *each = at_analyze(path, &o);
    uint64_t seen = 0;
    for (size_t i = 0; i < mla_report_set_count(each); i++) {
        const mla_report *want = mla_report_set_get(each, i);
        mla_options_init(&o);
        o.newest_only = 1;
        o.at_image = (long)want->evaluated_image;
        mla_report_set *one = at_analyze(path, &o);
        ck_assert_uint_eq(mla_report_set_count(one), 1);
        const mla_report *got = mla_report_set_get(one, 0);
        ck_assert_uint_eq(got->evaluated_image, want->evaluated_image);
        ck_assert_msg(got->candidate_count == want->candidate_count,
                      "image %u: window says %llu candidates, each-mode %llu",
                      want->evaluated_image, (unsigned long long)got->candidate_count,
                      (unsigned long long)want->candidate_count);
        for (size_t t = 0; t < want->leak_count; t++) {
            const mla_type_leak *w = &want->leaks[t], *g = at_leak(got, w->type);
            ck_assert_ptr_nonnull(g);
            ck_assert_uint_eq(g->count, w->count);
        }
        if (want->evaluated_image > 20)
            ck_assert_uint_lt(got->image_count, want->evaluated_image / 2); /* bounded */
        seen += want->candidate_count;
        mla_report_set_free(one);
    }
    ck_assert_uint_gt(seen, 20); /* the run has leaks to find */
    mla_report_set_free(each);
    free(path);
}

START_TEST(newest_only_window_equals_each_mode)
{
    window_matches_each(0);
    window_matches_each(1);
}
END_TEST

START_TEST(bad_input)
{
    mla_report_set *set = NULL;
    mlt_error err;
    char *missing = at_tmp_path("missing.mlt");
    ck_assert_int_eq(mla_analyze_file(missing, NULL, &set, &err), MLT_ERR_IO);
    ck_assert_ptr_null(set);
    ck_assert_ptr_nonnull(strstr(err.message, missing));
    char *junk = at_tmp_path("junk.mlt");
    FILE *f = fopen(junk, "wb");
    fputs("this is not a heap image file, just text", f);
    fclose(f);
    mlt_status st = mla_analyze_file(junk, NULL, &set, &err);
    ck_assert_int_ne(st, MLT_OK);
    ck_assert_ptr_null(set);
    ck_assert_ptr_nonnull(strstr(err.message, junk));
    /* Out-of-range image. */
    char *good = at_tmp_path("good.mlt");
    write_leak(good, 2, 3, 0);
    mla_options o;
    mla_options_init(&o);
    o.at_image = 5;
    ck_assert_int_eq(mla_analyze_file(good, &o, &set, &err), MLT_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "image 5"));
    /* Only call deltas: no heap to analyse, said with the file's name. */
    char *deltas = at_tmp_path("deltas-only.mlt");
    at_dump *d = at_dump_open(deltas);
    for (int i = 0; i < 3; i++) {
        mlt_image_info *info = at_image_begin(d, 10.0 + i);
        info->trigger = MLT_TRIGGER_CALL_END;
        info->call_counter = (uint64_t)i + 1;
        info->kind = MLT_IMAGE_CALL_DELTA;
        at_image_end(d);
    }
    at_dump_close(d);
    ck_assert_int_eq(mla_analyze_file(deltas, NULL, &set, &err), MLT_ERR_FORMAT);
    ck_assert_ptr_null(set);
    ck_assert_ptr_nonnull(strstr(err.message, deltas));
    ck_assert_ptr_nonnull(strstr(err.message, "3 call deltas but no full image"));
    free(missing);
    free(junk);
    free(good);
    free(deltas);
}
END_TEST

START_TEST(torn_tail_warns)
{
    char *path = at_tmp_path("torn.mlt");
    write_leak(path, 4, 5, 0);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    ck_assert_int_eq(truncate(path, size - 20), 0);
    mla_options o = ts_time_options(10.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->image_count, 3);
    ck_assert(at_has_warning(r, "torn"));
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(object_paths_and_census)
{
    char *path = at_tmp_path("lookup.mlt");
    write_leak(path, 3, 4, 1);
    mla_object_info *info = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_object_paths(path, -1, req_addr(2), 0, 0, &info, &err), MLT_OK);
    ck_assert_str_eq(info->type, "app.Request");
    ck_assert_uint_eq(info->image, 2);
    ck_assert_uint_eq(info->retained_bytes, 108);
    ck_assert_uint_eq(info->referrer_count, 1);
    ck_assert_uint_eq(info->path_count, 1);
    ck_assert_str_eq(info->paths[0].root, "app.cache");
    ck_assert_str_eq(info->paths[0].edges[0], "[1]");
    mla_object_info_free(info);
    /* The body: its shortest path goes through its request. */
    ck_assert_int_eq(mla_object_paths(path, 1, str_addr(3), 5, 0, &info, &err), MLT_OK);
    ck_assert_uint_eq(info->path_count, 1);
    ck_assert_str_eq(info->paths[0].root, "app.other");
    ck_assert_str_eq(info->paths[0].edges[1], ".body");
    mla_object_info_free(info);
    ck_assert_int_eq(mla_object_paths(path, -1, 0x12345, 0, 0, &info, &err), MLT_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "0x12345"));

    mla_census *census = NULL;
    ck_assert_int_eq(mla_type_census(path, -1, &census, &err), MLT_OK);
    ck_assert_uint_eq(census->object_count, 2 + 8 + 8);
    ck_assert_uint_eq(census->type_count, 3);
    ck_assert_str_eq(census->types[0].type, "builtins.str");
    ck_assert_uint_eq(census->types[0].count, 8);
    ck_assert_uint_eq(census->types[0].new_count, 4);
    ck_assert_uint_eq(census->types[0].shallow_bytes, 480);
    ck_assert_str_eq(census->types[1].type, "app.Request");
    mla_census_free(census);
    free(path);
}
END_TEST


/* app.holder .head -> Node 0 -> .next -> Node 1 -> ... -> Node 49: the run of
 * .next steps folds, so the chain is two findings (the head node and the
 * rest), not fifty. */
START_TEST(linked_list_clusters)
{
    char *path = at_tmp_path("chain.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 2; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t holder = at_obj(d, 0x100, "app.Holder", 0, 10);
        at_root(d, holder, MLT_ROOT_MODULE_GLOBAL, "holder", "app", 0);
        for (uint32_t j = 0; k && j < 50; j++) {
            uint32_t node = at_obj(d, 0x1000u + 0x10u * j, "app.Node", MLT_OBJ_NEW, 10);
            if (j == 0)
                at_edge(d, holder, node, MLT_LABEL_ATTR, "head", 0);
            else
                at_edge(d, node - 1, node, MLT_LABEL_ATTR, "next", 0);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(0.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 50);
    ck_assert_uint_eq(r->cluster_count, 2);
    ck_assert_uint_eq(r->clusters[0].count, 49);
    ck_assert_str_eq(r->clusters[0].shape,
                     "module global app.holder -> .head -> (.next)+ -> app.Node");
    ck_assert_uint_eq(r->clusters[1].count, 1);
    /* Node 0 dominates the whole chain: only it counts towards retained. */
    ck_assert_uint_eq(r->leaks[0].retained_bytes, 500);
    ck_assert_uint_eq(r->clusters[1].retained_bytes, 500);
    ck_assert_uint_eq(r->clusters[0].retained_bytes, 0);
    ck_assert_uint_eq(r->leaks[0].examples[0].retained_bytes, 500);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* X is held by global a directly and by global b through C: both paths. */
START_TEST(object_paths_through_every_referrer)
{
    char *path = at_tmp_path("referrers.mlt");
    at_dump *d = at_dump_open(path);
    at_image_begin(d, 0.0);
    uint32_t a = at_obj(d, 0x100, "app.A", 0, 10);
    uint32_t b = at_obj(d, 0x200, "app.B", 0, 10);
    uint32_t c = at_obj(d, 0x300, "app.C", 0, 10);
    uint32_t x = at_obj(d, 0x400, "app.X", 0, 10);
    at_edge(d, a, x, MLT_LABEL_ATTR, "x", 0);
    at_edge(d, b, c, MLT_LABEL_ATTR, "c", 0);
    at_edge(d, c, x, MLT_LABEL_KEY_STR, "x", 0);
    at_root(d, a, MLT_ROOT_MODULE_GLOBAL, "a", "app", 0);
    at_root(d, b, MLT_ROOT_MODULE_GLOBAL, "b", "app", 0);
    at_image_end(d);
    at_dump_close(d);
    mla_object_info *info = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_object_paths(path, 0, 0x400, 0, 0, &info, &err), MLT_OK);
    ck_assert_uint_eq(info->referrer_count, 2);
    ck_assert_uint_eq(info->path_count, 2);
    ck_assert_str_eq(info->paths[0].root, "app.a");
    ck_assert_uint_eq(info->paths[0].edge_count, 1);
    ck_assert_str_eq(info->paths[1].root, "app.b");
    ck_assert_uint_eq(info->paths[1].edge_count, 2);
    ck_assert_str_eq(info->paths[1].edges[1], "['x']");
    ck_assert_int_eq(info->paths_capped, 0);
    /* Neither root dominates X. */
    ck_assert_uint_eq(info->retained_bytes, 10);
    mla_object_info_free(info);
    ck_assert_int_eq(mla_object_paths(path, 0, 0x400, 1, 0, &info, &err), MLT_OK);
    ck_assert_uint_eq(info->path_count, 1);
    ck_assert_int_eq(info->paths_capped, 1);
    mla_object_info_free(info);
    free(path);
}
END_TEST

START_TEST(empty_images)
{
    char *path = at_tmp_path("empty.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 3; k++) {
        at_image_begin(d, 10.0 * k);
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(0.0, 0.0);
    o.each = 1;
    mla_report_set *set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_count(set), 2);
    ck_assert_uint_eq(mla_report_set_get(set, 1)->candidate_count, 0);
    ck_assert_uint_eq(mla_report_set_get(set, 1)->leak_count, 0);
    ck_assert_uint_eq(mla_report_set_get(set, 1)->cluster_count, 0);
    mla_report_set_free(set);
    mla_census *census = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_type_census(path, 0, &census, &err), MLT_OK);
    ck_assert_uint_eq(census->object_count, 0);
    mla_census_free(census);
    free(path);
}
END_TEST

/* X hangs from module global a, but its refcount says something hidden also
 * holds it: paths still show the visible holder, while a no longer
 * dominates X. */
START_TEST(paths_prefer_visible_holders)
{
    char *path = at_tmp_path("visible.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 2; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t a = at_obj(d, 0x100, "app.A", 0, 10);
        at_root(d, a, MLT_ROOT_MODULE_GLOBAL, "a", "app", 0);
        if (k) {
            uint32_t x = at_obj(d, 0x200, "app.X", MLT_OBJ_NEW, 100);
            at_edge(d, a, x, MLT_LABEL_ATTR, "x", 0);
            at_refcount(d, x, 2);
        }
        at_image_end(d);
    }
    at_dump_close(d);
    mla_options o = ts_time_options(0.0, 0.0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 1);
    const mla_example *ex = &r->leaks[0].examples[0];
    ck_assert_str_eq(ex->paths[0].root, "app.a");
    ck_assert_str_eq(ex->paths[0].edges[0], ".x");
    ck_assert_uint_eq(ex->retained_bytes, 100);
    mla_report_set_free(set);
    mla_object_info *info = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_object_paths(path, -1, 0x100, 0, 0, &info, &err), MLT_OK);
    ck_assert_uint_eq(info->retained_bytes, 10);
    ck_assert_int_eq(info->is_root, 1);
    mla_object_info_free(info);
    free(path);
}
END_TEST

START_TEST(clock_going_back_warns)
{
    char *path = at_tmp_path("clock.mlt");
    at_dump *d = at_dump_open(path);
    static const double times[] = {0.0, 20.0, 10.0};
    for (int k = 0; k < 3; k++) {
        at_image_begin(d, times[k]);
        uint32_t a = at_obj(d, 0x100, "app.A", 0, 10);
        at_root(d, a, MLT_ROOT_MODULE_GLOBAL, "a", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
    mla_report_set *set = at_analyze(path, NULL);
    ck_assert(at_has_warning(mla_report_set_get(set, 0), "image 2 was taken before image 1"));
    mla_report_set_free(set);
    free(path);
}
END_TEST

typedef struct {
    int calls;
    int bad_fraction;
    int saw_dominators;
    int saw_paths;
} progress_log;

static void record_progress(void *context, const char *phase, double fraction)
{
    progress_log *log = context;
    log->calls++;
    if (!(fraction >= 0.0 && fraction <= 1.0))
        log->bad_fraction++;
    log->saw_dominators |= strcmp(phase, "dominators") == 0;
    log->saw_paths |= strcmp(phase, "paths") == 0;
}

START_TEST(progress_reports_phases)
{
    char *path = at_tmp_path("progress.mlt");
    write_leak(path, 3, 5, 0);
    progress_log log = {0, 0, 0, 0};
    mla_options o = ts_time_options(10.0, 0.0);
    o.progress = record_progress;
    o.progress_context = &log;
    mla_report_set *set = at_analyze(path, &o);
    ck_assert_int_ge(log.calls, 5);
    ck_assert_int_eq(log.bad_fraction, 0);
    ck_assert_int_eq(log.saw_dominators, 1);
    ck_assert_int_eq(log.saw_paths, 1);
    mla_report_set_free(set);
    free(path);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {leak_through_list,
                            thousand_in_one_list_two_containers,
                            criterion_from_dump_and_default_warmup,
                            chains_across_ten_images,
                            broken_chains_warn,
                            mixed_runs_excluded,
                            calls_criterion_end_to_end,
                            path_labels,
                            external_root_and_preview,
                            example_budget,
                            each_mode_reports_once,
                            newest_only_window_equals_each_mode,
                            bad_input,
                            torn_tail_warns,
                            object_paths_and_census,
                            linked_list_clusters,
                            object_paths_through_every_referrer,
                            empty_images,
                            paths_prefer_visible_holders,
                            clock_going_back_warns,
                            progress_reports_phases};
    return ts_main("analysis-report", "files", 120, tests, TS_COUNT(tests));
}
