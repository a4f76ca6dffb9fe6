/* The same hostile dumps through memalot-analyze: exit 2 and a message that
 * names the file and the offset or field, or the documented warning. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "hostile_files.h"
#include "check_suite.h"

typedef struct {
    int status;
    char out[16384];
    char err[16384];
} cli_result;

static void slurp(const char *path, char *into, size_t size)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(into, 1, size - 1, f);
    into[n] = '\0';
    fclose(f);
    remove(path);
}

/* Runs memalot-analyze with `args` (paths from mkdtemp need no quoting). */
static cli_result run_cli(const char *path, const char *args)
{
    cli_result r;
    char out_path[4200], err_path[4200], command[9000];
    snprintf(out_path, sizeof out_path, "%s.out", path);
    snprintf(err_path, sizeof err_path, "%s.err", path);
    snprintf(command, sizeof command, "'%s' %s > '%s' 2> '%s'", MEMALOT_ANALYZE, args, out_path,
             err_path);
    int raw = system(command);
    ck_assert_msg(raw != -1 && WIFEXITED(raw), "could not run %s", command);
    r.status = WEXITSTATUS(raw);
    slurp(out_path, r.out, sizeof r.out);
    slurp(err_path, r.err, sizeof r.err);
    ck_assert_msg(!strstr(r.err, "Sanitizer"), "%s", r.err);
    return r;
}

static char *hostile_file(void (*make)(hbuf *), const char *name)
{
    hbuf bytes = {0};
    make(&bytes);
    char *path = hwrite_temp(&bytes, name);
    hb_free(&bytes);
    return path;
}

static void expect(const cli_result *r, int status, const char *text, const char *a, const char *b)
{
    ck_assert_msg(r->status == status, "exit %d, expected %d; stderr: %s", r->status, status,
                  r->err);
    ck_assert_msg(strstr(text, a) && (!b || strstr(text, b)), "'%s'/'%s' not in: %s", a, b ? b : "",
                  text);
}

static void make_bomb_200(hbuf *out)
{
    make_bomb(out, 200);
}

START_TEST(bomb_info_warns_report_fails)
{
    char *path = hostile_file(make_bomb_200, "bomb.mlt");
    char args[4200];
    snprintf(args, sizeof args, "info '%s'", path);
    cli_result r = run_cli(path, args);
    expect(&r, 0, r.err, "expan", "offset"); /* a damaged tail is a warning for info */
    snprintf(args, sizeof args, "report '%s'", path);
    r = run_cli(path, args);
    expect(&r, 2, r.err, path, "expan");
    ck_assert_msg(strstr(r.err, "offset"), "%s", r.err);
    hremove_temp(path);
}
END_TEST

static void make_string_bomb_15(hbuf *out)
{
    make_string_bomb(out, 15);
}

static void make_object_bomb_10m(hbuf *out)
{
    make_object_bomb(out, 10000000);
}

START_TEST(table_and_object_bombs_report_fails_with_the_limit)
{
    char *path = hostile_file(make_string_bomb_15, "strings.mlt");
    char args[4200];
    snprintf(args, sizeof args, "report '%s'", path);
    cli_result r = run_cli(path, args);
    expect(&r, 2, r.err, path, "in memory");
    hremove_temp(path);
    path = hostile_file(make_object_bomb_10m, "objects.mlt");
    snprintf(args, sizeof args, "report '%s' --json", path);
    r = run_cli(path, args);
    expect(&r, 2, r.err, path, "likely decompression bomb");
    hremove_temp(path);
}
END_TEST

static void make_giant(hbuf *out)
{
    make_giant_count(out, 1ull << 40);
}

START_TEST(giant_count_report_fails_naming_the_field)
{
    char *path = hostile_file(make_giant, "giant.mlt");
    char args[4200];
    snprintf(args, sizeof args, "report '%s'", path);
    cli_result r = run_cli(path, args);
    expect(&r, 2, r.err, path, "summary says 1099511627776 objects");
    ck_assert_msg(strstr(r.err, "OBJ_ADDR"), "%s", r.err);
    /* info lists what the summary claims without decoding: documented, exit 0. */
    snprintf(args, sizeof args, "info '%s'", path);
    r = run_cli(path, args);
    expect(&r, 0, r.out, "1099511627776", NULL);
    snprintf(args, sizeof args, "diff '%s@0' '%s'", path, path);
    r = run_cli(path, args);
    expect(&r, 2, r.err, path, "1099511627776");
    hremove_temp(path);
}
END_TEST

START_TEST(missing_target_and_duplicate_address_fail_naming_stream_and_record)
{
    struct {
        void (*make)(hbuf *);
        const char *stream, *record;
    } cases[] = {{make_missing_target, "stream EDGE_TARGET", "record 0"},
                 {make_duplicate_address, "stream OBJ_ADDR", "record 1"},
                 {make_missing_root, "stream ROOTS", "record 0"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = hostile_file(cases[i].make, "refs.mlt");
        char args[4200];
        snprintf(args, sizeof args, "report '%s' --json", path);
        cli_result r = run_cli(path, args);
        expect(&r, 2, r.err, path, cases[i].stream);
        ck_assert_msg(strstr(r.err, cases[i].record) && strstr(r.err, "block at offset"), "%s",
                      r.err);
        ck_assert_str_eq(r.out, ""); /* no half-written JSON document */
        hremove_temp(path);
    }
}
END_TEST

START_TEST(cycles_report_and_paths_terminate)
{
    char *path = hostile_file(make_cycles, "cycles.mlt");
    char args[4200];
    /* The cycle stops growing after image 1: a stable suspect, which only
     * --fail-on any fails on. */
    snprintf(args, sizeof args, "report '%s' --lifetime 5 --warmup 0", path);
    cli_result r = run_cli(path, args);
    expect(&r, 0, r.out, "app.Node", "app.Self");
    snprintf(args, sizeof args, "report '%s' --lifetime 5 --warmup 0 --fail-on any", path);
    r = run_cli(path, args);
    expect(&r, 1, r.out, "app.Node", "app.Self");
    snprintf(args, sizeof args, "paths '%s' --id %#x", path, CYCLE_NODE_A);
    r = run_cli(path, args);
    expect(&r, 0, r.out, "app.Node", NULL);
    hremove_temp(path);
}
END_TEST

static void make_mixed(hbuf *out)
{
    make_runs(out, RUNS_OTHER_RUN_INSERTED);
}

static void make_other_pid(hbuf *out)
{
    make_runs(out, RUNS_OTHER_PID);
}

static void make_backwards(hbuf *out)
{
    make_runs(out, RUNS_SEQUENCE_BACKWARDS);
}

static void make_clock_back(hbuf *out)
{
    make_runs(out, RUNS_CLOCK_BACKWARDS);
}

/* Well-formed files with images that must not be chained: the report runs
 * (exit 1 when Y still qualifies, 0 when the chain broke) and says why. */
START_TEST(mixed_runs_and_disorder_report_warns)
{
    struct {
        void (*make)(hbuf *);
        int status;
        const char *a, *b;
    } cases[] = {{make_mixed, 1, "belongs to run 0000000000000002", "excluded"},
                 {make_other_pid, 0, "pid 11 vs 10", "identity chains break"},
                 {make_backwards, 0, "has sequence 0", "out of order"},
                 {make_clock_back, 0, "clock went back", NULL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = hostile_file(cases[i].make, "runs.mlt");
        char args[4200];
        snprintf(args, sizeof args, "report '%s' --lifetime 5 --warmup 0 --fail-on any --json",
                 path);
        cli_result r = run_cli(path, args);
        expect(&r, cases[i].status, r.out, cases[i].a, cases[i].b);
        snprintf(args, sizeof args, "report '%s' --lifetime 5 --warmup 0 --fail-on any", path);
        r = run_cli(path, args);
        expect(&r, cases[i].status, r.out, cases[i].a, cases[i].b);
        hremove_temp(path);
    }
}
END_TEST

Suite *cli_suite(void);
Suite *cli_suite(void)
{
    const TTest *tests[] = {bomb_info_warns_report_fails,
                            table_and_object_bombs_report_fails_with_the_limit,
                            giant_count_report_fails_naming_the_field,
                            missing_target_and_duplicate_address_fail_naming_stream_and_record,
                            cycles_report_and_paths_terminate,
                            mixed_runs_and_disorder_report_warns};
    return ts_suite("cli", "memalot-analyze", 120, tests, TS_COUNT(tests));
}
