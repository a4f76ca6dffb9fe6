/*
 * memalot-analyze report, diff and paths, run as a program on synthetic
 * dumps (cli_synth.h): exit statuses, JSON contents, colors on a terminal,
 * the HTML file, and diff numbers that follow from the synthetic heap.
 */
#include "cli_dumps.h"

#include <check.h>
#include <jansson.h>


static json_t *parse(const cli_result *r)
{
    json_error_t error;
    json_t *doc = json_loads(r->out, 0, &error);
    ck_assert_msg(doc != NULL, "invalid JSON (%s); stderr: %s", error.text, r->err);
    return doc;
}

#define GET(object, key) json_object_get((object), (key))

static json_t *leak_of(json_t *doc, const char *type)
{
    json_t *leaks = GET(doc, "leaks");
    for (size_t i = 0; i < json_array_size(leaks); i++)
        if (strcmp(json_string_value(GET(json_array_get(leaks, i), "type")), type) == 0)
            return json_array_get(leaks, i);
    return NULL;
}

START_TEST(leaks_exit_1_and_exit_zero_turns_it_off)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"report", path, "--lifetime", "5", "--warmup", "0", NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 1, "status %d, stderr: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "1 leak suspect growing"));
    ck_assert_ptr_nonnull(strstr(r.out, "#1 growing"));
    ck_assert_ptr_nonnull(strstr(r.out, "app.Request"));
    ck_assert_ptr_null(strstr(r.out, "app.Temp"));
    cli_result_free(&r);
    const char *zero[] = {"report", path, "--lifetime", "5", "--warmup", "0", "--exit-zero", NULL};
    r = cli_run(zero);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "app.Request"));
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(nothing_kept_exits_0)
{
    char *path = cli_dump("clean.mlt");
    const char *args[] = {"report", path, "--lifetime", "5", "--warmup", "0", NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "No leak candidates."));
    cli_result_free(&r);
    free(path);
}
END_TEST

/* Requests first seen in images 1 and 2 are 20 s and 10 s old at image 3:
 * they must be reported with a lifetime of 5 s; image 3's are too young. */
START_TEST(json_report_has_the_known_leak)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {path, "--lifetime", "5", "--warmup", "0", "--json", NULL};
    cli_result r = cli_run(args); /* no subcommand: report is the default */
    ck_assert_int_eq(r.status, 1);
    json_t *doc = parse(&r);
    ck_assert_str_eq(json_string_value(GET(doc, "schema")), "memalot-report/1");
    ck_assert_int_eq(json_integer_value(GET(doc, "evaluated_image")), 3);
    json_t *images = GET(doc, "images");
    ck_assert_int_eq(json_array_size(images), 4);
    ck_assert_int_eq(json_integer_value(GET(json_array_get(images, 3), "objects")),
                     1 + 40 + 8 + 40 + 5);
    json_t *request = leak_of(doc, "app.Request");
    ck_assert_ptr_nonnull(request);
    json_int_t count = json_integer_value(GET(request, "count"));
    ck_assert_msg(count >= 20 && count <= 30, "app.Request count %lld", (long long)count);
    ck_assert_int_eq(json_integer_value(GET(request, "shallow_bytes")), 48 * count);
    json_t *growth = GET(request, "growth");
    ck_assert_int_eq(json_array_size(growth), 4);
    ck_assert_int_eq(json_integer_value(json_array_get(growth, 3)), count);
    ck_assert_ptr_null(leak_of(doc, "app.Temp"));
    ck_assert_ptr_nonnull(leak_of(doc, SYNTH_EVIL_TYPE));
    json_t *example = json_array_get(GET(request, "examples"), 0);
    ck_assert_ptr_nonnull(example);
    ck_assert(json_real_value(GET(example, "age_seconds")) >= 10.0);
    json_t *first_path = json_array_get(GET(example, "paths"), 0);
    ck_assert_ptr_nonnull(strstr(json_string_value(GET(first_path, "root")), "cache"));
    ck_assert_int_eq(json_array_size(GET(first_path, "edges")), 1);
    ck_assert(json_is_string(GET(doc, "criterion")) == 0);
    ck_assert_str_eq(json_string_value(GET(GET(doc, "criterion"), "kind")), "time");
    ck_assert(json_array_size(GET(doc, "clusters")) >= 1);
    json_decref(doc);
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(each_gives_one_report_per_image_after_the_first)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"report", path,     "--lifetime", "5", "--warmup",
                          "0",      "--each", "--json",     NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 1, "status %d: %s", r.status, r.err);
    json_t *doc = parse(&r);
    ck_assert(json_is_true(GET(doc, "each")));
    json_t *reports = GET(doc, "reports");
    ck_assert_int_eq(json_array_size(reports), 3);
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(json_integer_value(GET(json_array_get(reports, i), "evaluated_image")),
                         (json_int_t)i + 1);
    json_decref(doc);
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(include_and_exclude_filter_types)
{
    char *path = cli_dump("leaky.mlt");
    const char *include[] = {"report", path,        "--lifetime=5", "--warmup=0",
                             "--json", "--include", "app.",         NULL};
    cli_result r = cli_run(include);
    json_t *doc = parse(&r);
    json_t *leaks = GET(doc, "leaks");
    ck_assert_int_eq(json_array_size(leaks), 1);
    ck_assert_str_eq(json_string_value(GET(json_array_get(leaks, 0), "type")), "app.Request");
    json_decref(doc);
    cli_result_free(&r);
    const char *exclude[] = {"report",    path,      "--lifetime=5", "--warmup=0", "--json",
                             "--exclude", "Request", "--exclude",    "script",     NULL};
    r = cli_run(exclude);
    doc = parse(&r);
    ck_assert_ptr_null(leak_of(doc, "app.Request"));
    ck_assert_ptr_null(leak_of(doc, SYNTH_EVIL_TYPE));
    ck_assert_ptr_nonnull(leak_of(doc, "builtins.str"));
    json_decref(doc);
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(colors_only_on_a_terminal_and_never_with_no_color)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"report", path, "--lifetime", "5", "--warmup", "0", NULL};
    cli_result r = cli_run_with(args, NULL, 1, NULL, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strchr(r.out, '\x1b') != NULL, "no colors on a terminal: %s", r.out);
    cli_result_free(&r);
    r = cli_run_with(args, "1", 1, NULL, NULL);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(strstr(r.out, "app.Request"));
    ck_assert_msg(strchr(r.out, '\x1b') == NULL, "escape bytes despite NO_COLOR");
    cli_result_free(&r);
    const char *no_color[] = {"report",   path, "--lifetime", "5",
                              "--warmup", "0",  "--no-color", NULL};
    r = cli_run_with(no_color, NULL, 1, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(r.out, "app.Request"));
    ck_assert_ptr_null(strchr(r.out, '\x1b'));
    cli_result_free(&r);
    const char *forced[] = {"report", path, "--lifetime", "5", "--warmup", "0", "--color", NULL};
    r = cli_run(forced); /* stdout is a file here */
    ck_assert_ptr_nonnull(strchr(r.out, '\x1b'));
    cli_result_free(&r);
    r = cli_run(args);
    ck_assert_ptr_null(strchr(r.out, '\x1b'));
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(html_file_has_one_series_per_leaking_type)
{
    char *path = cli_dump("leaky.mlt"), *html_path = cli_dump("report.html");
    const char *args[] = {"report", path,     "--lifetime", "5",       "--warmup",
                          "0",      "--json", "--html",     html_path, NULL};
    cli_result r = cli_run(args);
    ck_assert_int_eq(r.status, 1);
    json_t *doc = parse(&r);
    size_t leak_count = json_array_size(GET(doc, "leaks"));
    char *html = cli_read_file(html_path);
    size_t series = 0;
    for (const char *at = strstr(html, "class=\"series\""); at;
         at = strstr(at + 1, "class=\"series\""))
        series++;
    ck_assert(leak_count >= 2);
    ck_assert_int_eq(series, leak_count);
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<img"));
    ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(&#39;type&#39;)&lt;/script&gt;"));
    free(html);
    json_decref(doc);
    cli_result_free(&r);
    free(path);
    free(html_path);
}
END_TEST

START_TEST(report_bad_input_exits_2)
{
    char *missing = cli_dump("missing.mlt"), *garbage = cli_dump("garbage.mlt"),
         *leaky = cli_dump("leaky.mlt");
    const char *no_file[] = {"report", missing, NULL};
    cli_result r = cli_run(no_file);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, missing));
    cli_result_free(&r);
    const char *not_dump[] = {garbage, NULL};
    r = cli_run(not_dump);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, garbage));
    cli_result_free(&r);
    const char *beyond[] = {"report", leaky, "--at", "9", NULL};
    r = cli_run(beyond);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "9") != NULL, "message does not name the image: %s", r.err);
    cli_result_free(&r);
    free(missing);
    free(garbage);
    free(leaky);
}
END_TEST

START_TEST(at_evaluates_an_earlier_image)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"report", path, "--lifetime", "5",           "--warmup", "0",
                          "--at",   "2",  "--json",     "--exit-zero", NULL};
    cli_result r = cli_run(args);
    ck_assert_int_eq(r.status, 0);
    json_t *doc = parse(&r);
    ck_assert_int_eq(json_integer_value(GET(doc, "evaluated_image")), 2);
    json_decref(doc);
    cli_result_free(&r);
    free(path);
}
END_TEST

/* Image 0 -> 3 of the default spec, object sizes from cli_synth.h. */
START_TEST(diff_counts_follow_the_heap)
{
    char *path = cli_dump("leaky.mlt");
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s@0", path);
    snprintf(b, sizeof b, "%s@3", path);
    const char *args[] = {"diff", a, b, "--json", NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
    json_t *doc = parse(&r);
    struct {
        const char *type;
        long count_a, count_b, bytes_delta;
    } expected[] = {{"builtins.str", 10, 40, 30 * 60},
                    {"app.Request", 10, 40, 30 * 48},
                    {"builtins.list", 1, 1, 8 * 36},
                    {SYNTH_EVIL_TYPE, 2, 8, 6 * 32},
                    {"app.Temp", 5, 5, 0}};
    json_t *types = GET(doc, "types");
    ck_assert_int_eq(json_array_size(types), 5);
    for (size_t i = 0; i < 5; i++) {
        json_t *row = json_array_get(types, i);
        ck_assert_str_eq(json_string_value(GET(row, "type")), expected[i].type);
        ck_assert_int_eq(json_integer_value(GET(row, "count_a")), expected[i].count_a);
        ck_assert_int_eq(json_integer_value(GET(row, "count_b")), expected[i].count_b);
        ck_assert_int_eq(json_integer_value(GET(row, "count_delta")),
                         expected[i].count_b - expected[i].count_a);
        ck_assert_int_eq(json_integer_value(GET(row, "shallow_bytes_delta")),
                         expected[i].bytes_delta);
    }
    ck_assert_int_eq(json_integer_value(GET(GET(doc, "total"), "count_delta")), 66);
    ck_assert_int_eq(json_integer_value(GET(GET(doc, "a"), "image")), 0);
    ck_assert_int_eq(json_integer_value(GET(GET(doc, "b"), "image")), 3);
    json_decref(doc);
    cli_result_free(&r);

    const char *text_args[] = {"diff", a, path, NULL}; /* FILE alone: the last image */
    r = cli_run(text_args);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(
        strstr(r.out, "          10           40          +30     +1.41 KiB  app.Request"));
    ck_assert_ptr_null(strstr(r.out, "app.Temp")); /* unchanged: hidden without --all */
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(paths_lists_the_retainers_of_one_object)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"paths", path, "--id", "0x100000", "--json", NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
    json_t *doc = parse(&r);
    ck_assert_str_eq(json_string_value(GET(doc, "type")), "app.Request");
    ck_assert_str_eq(json_string_value(GET(doc, "address")), "0x100000");
    ck_assert_int_eq(json_integer_value(GET(doc, "image")), 3);
    ck_assert_int_eq(json_integer_value(GET(doc, "referrer_count")), 1);
    json_t *paths = GET(doc, "paths");
    ck_assert(json_array_size(paths) >= 1);
    json_t *edges = GET(json_array_get(paths, 0), "edges");
    ck_assert_str_eq(json_string_value(json_array_get(edges, json_array_size(edges) - 1)), "[0]");
    json_decref(doc);
    cli_result_free(&r);

    const char *text_args[] = {"paths", path, "--id", "1048576", "--at", "1", NULL};
    r = cli_run(text_args);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "0x100000 app.Request in image 1"));
    ck_assert_ptr_nonnull(strstr(r.out, "cache"));
    cli_result_free(&r);

    const char *unknown[] = {"paths", path, "--id", "0x123", NULL};
    r = cli_run(unknown);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "0x123") != NULL, "message does not name the address: %s", r.err);
    cli_result_free(&r);
    free(path);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {leaks_exit_1_and_exit_zero_turns_it_off,
                            nothing_kept_exits_0,
                            json_report_has_the_known_leak,
                            each_gives_one_report_per_image_after_the_first,
                            include_and_exclude_filter_types,
                            colors_only_on_a_terminal_and_never_with_no_color,
                            html_file_has_one_series_per_leaking_type,
                            report_bad_input_exits_2,
                            at_evaluates_an_earlier_image,
                            diff_counts_follow_the_heap,
                            paths_lists_the_retainers_of_one_object};
    static const char *const html_files[] = {"report.html"};
    return cli_dumps_run("cli_report", "report_diff_paths", tests, TS_COUNT(tests), html_files,
                         TS_COUNT(html_files));
}
