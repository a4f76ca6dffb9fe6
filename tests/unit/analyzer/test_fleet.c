/* Fleet reports on synthetic dumps of a master and its workers: roles from
 * the lineage fields, the same leak in two workers merged with each one's
 * count, the master apart, and a file that cannot be analysed (a worker
 * killed before its first image) warned about, not fatal.
 *
 * Images at t = 10 k; lifetime 15, warm-up 10: objects first seen at
 * f = 2, 3 qualify at the last image (t 50). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_test_util.h"
#include "check_suite.h"
#include "memalot/fleet.h"
#include "time_options.h"

#define MASTER_RUN 0x100u
#define CACHE_ADDR 0x10000u

/* A process whose module global app.cache gains `per` app.Request at each
 * image k >= 1 (none when per is 0). */
static void write_process(const char *path, const at_process *process, uint32_t per)
{
    at_dump *d = at_dump_open_process(path, process);
    for (int k = 0; k < 6; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, CACHE_ADDR, "builtins.dict", 0, 1000);
        for (uint32_t born = 1; born <= (uint32_t)k; born++)
            for (uint32_t j = 0; j < per; j++) {
                uint32_t r = at_obj(d, 0x1000000ull + 0x1000ull * born + 0x40ull * j, "app.Request",
                                    (uint32_t)k == born ? MLT_OBJ_NEW : 0, 48);
                at_edge(d, dict, r, MLT_LABEL_KEY_STR, "x", 0);
            }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "cache", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

static const mla_fleet_suspect *find(const mla_fleet *f, const char *path)
{
    for (size_t i = 0; i < f->suspect_count; i++)
        if (f->suspects[i].merged.point_path && strcmp(f->suspects[i].merged.point_path, path) == 0)
            return &f->suspects[i];
    return NULL;
}

START_TEST(workers_merge_and_the_master_stands_apart)
{
    char *master = at_tmp_path("master.mlt"), *w1 = at_tmp_path("w1.mlt"),
         *w2 = at_tmp_path("w2.mlt"), *torn = at_tmp_path("w3.mlt");
    at_process pm = {MASTER_RUN, 10, 1, 0, MASTER_RUN};
    at_process p1 = {0x201, 11, 10, MASTER_RUN, MASTER_RUN};
    at_process p2 = {0x202, 12, 10, MASTER_RUN, MASTER_RUN};
    write_process(master, &pm, 0);
    write_process(w1, &p1, 3);
    write_process(w2, &p2, 5);
    FILE *f = fopen(torn, "w"); /* killed before its first image: no valid header */
    ck_assert_ptr_nonnull(f);
    fputs("MLT", f);
    fclose(f);
    const char *paths[] = {master, w1, w2, torn};
    mla_options o = ts_time_options(15.0, 10.0);
    mla_fleet *fleet = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_analyze_fleet(paths, 4, &o, &fleet, &err), MLT_OK);
    ck_assert_uint_eq(fleet->process_count, 3);
    ck_assert_int_eq(fleet->processes[0].role, MLA_ROLE_MASTER);
    ck_assert_int_eq(fleet->processes[1].role, MLA_ROLE_WORKER);
    ck_assert_int_eq(fleet->processes[2].role, MLA_ROLE_WORKER);
    ck_assert_ptr_eq(fleet->master, &fleet->processes[0]);
    ck_assert_uint_eq(fleet->master->suspect_count, 0);
    ck_assert_uint_eq(fleet->warning_count, 1);
    ck_assert_ptr_nonnull(strstr(fleet->warnings[0], "w3.mlt: not analysed"));
    ck_assert_uint_eq(fleet->suspect_count, 1);
    const mla_fleet_suspect *s = find(fleet, "module global app.cache");
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->processes, 2);
    ck_assert_uint_eq(s->merged.count, 2 * 3 + 2 * 5); /* f = 2, 3 in each worker */
    ck_assert_uint_eq(s->shares[0].pid, 12);           /* the worker with the most first */
    ck_assert_uint_eq(s->shares[0].count, 10);
    ck_assert_uint_eq(s->shares[1].count, 6);
    ck_assert_int_eq(s->merged.trend, MLA_TREND_GROWING);
    ck_assert(mla_fleet_fails(fleet, MLA_FAIL_ON_GROWING));
    mla_fleet_free(fleet);
    free(master);
    free(w1);
    free(w2);
    free(torn);
}
END_TEST

START_TEST(a_leaking_master_is_its_own_entry)
{
    char *master = at_tmp_path("m.mlt"), *w1 = at_tmp_path("w.mlt");
    at_process pm = {MASTER_RUN, 10, 1, 0, MASTER_RUN};
    at_process p1 = {0x201, 11, 10, MASTER_RUN, MASTER_RUN};
    write_process(master, &pm, 4);
    write_process(w1, &p1, 0);
    const char *paths[] = {master, w1};
    mla_options o = ts_time_options(15.0, 10.0);
    mla_fleet *fleet = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_analyze_fleet(paths, 2, &o, &fleet, &err), MLT_OK);
    ck_assert_uint_eq(fleet->suspect_count, 0); /* the workers are clean */
    ck_assert_uint_eq(fleet->master->suspect_count, 1);
    ck_assert_uint_eq(fleet->master->suspects[0].count, 8);
    ck_assert(mla_fleet_fails(fleet, MLA_FAIL_ON_GROWING));
    mla_fleet_free(fleet);
    free(master);
    free(w1);
}
END_TEST

START_TEST(nothing_analysable_is_an_error)
{
    char *torn = at_tmp_path("only.mlt");
    FILE *f = fopen(torn, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    const char *paths[] = {torn};
    mla_fleet *fleet = NULL;
    mlt_error err;
    ck_assert_int_ne(mla_analyze_fleet(paths, 1, NULL, &fleet, &err), MLT_OK);
    ck_assert_ptr_null(fleet);
    ck_assert_ptr_nonnull(strstr(err.message, "none of the 1 dump files"));
    free(torn);
}
END_TEST

/* list puts a launch's workers under its master, whatever their names. */
START_TEST(list_shows_each_launch_as_a_tree)
{
    char *a = at_tmp_path("a-other.mlt");
    char *dir = strdup(a);
    *strrchr(dir, '/') = '\0';
    char b[4096], c[4096], d[4096];
    snprintf(b, sizeof b, "%s/b-worker.mlt", dir);
    snprintf(c, sizeof c, "%s/c-master.mlt", dir);
    snprintf(d, sizeof d, "%s/d-worker.mlt", dir);
    at_process other = {0x900, 90, 1, 0, 0x900};
    at_process pm = {MASTER_RUN, 10, 1, 0, MASTER_RUN};
    at_process p1 = {0x201, 11, 10, MASTER_RUN, MASTER_RUN};
    at_process p2 = {0x202, 12, 10, MASTER_RUN, MASTER_RUN};
    write_process(a, &other, 0);
    write_process(b, &p1, 0);
    write_process(c, &pm, 0);
    write_process(d, &p2, 0);
    const char *tool = getenv("MEMALOT_ANALYZE");
    ck_assert_ptr_nonnull(tool);
    char command[9000];
    snprintf(command, sizeof command, "'%s' list '%s'", tool, dir);
    FILE *out = popen(command, "r");
    ck_assert_ptr_nonnull(out);
    char text[16384];
    size_t got = fread(text, 1, sizeof text - 1, out);
    text[got] = '\0';
    ck_assert_int_eq(pclose(out), 0);
    const char *pa = strstr(text, "a-other.mlt"), *pb = strstr(text, "b-worker.mlt"),
               *pc = strstr(text, "c-master.mlt"), *pd = strstr(text, "d-worker.mlt");
    ck_assert_msg(pa && pb && pc && pd, "%s", text);
    ck_assert_msg(pa < pc && pc < pb && pb < pd, "workers under their master:\n%s", text);
    free(a);
    free(dir);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {workers_merge_and_the_master_stands_apart,
                            a_leaking_master_is_its_own_entry, nothing_analysable_is_an_error,
                            list_shows_each_launch_as_a_tree};
    return ts_main("fleet", "fleet", 60, tests, TS_COUNT(tests));
}
