/*
 * memalot-analyze info, list and usage errors, run as a program on
 * synthetic dumps whose every number is known from cli_synth.h.
 *
 * `test_cli_info --write-dumps DIR` only writes the synthetic dump set into
 * DIR: the Python tests (tests/integration/test_cli.py, html/) use it so
 * that they check the same known heaps without a C compiler of their own.
 */
#include "cli_dumps.h"

#include <check.h>
#include <jansson.h>


/* Objects in image k of the default spec: list + requests + evils + strs + temps. */
static long objects_in_image(long k)
{
    return 1 + 10 * (k + 1) + 2 * (k + 1) + 10 * (k + 1) + 5;
}

START_TEST(info_lists_header_images_and_clean_tail)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"info", path, NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "4 images"));
    ck_assert_ptr_nonnull(strstr(r.out, "app.py --serve"));
    ck_assert_ptr_nonnull(strstr(r.out, "linux-x86_64"));
    ck_assert_ptr_nonnull(strstr(r.out, "3.12.1"));
    ck_assert_ptr_nonnull(strstr(r.out, "4242"));
    /* image 0 is one second after the start, 2023-11-14T22:13:20Z */
    ck_assert_ptr_nonnull(strstr(r.out, "2023-11-14T22:13:21.000Z"));
    ck_assert_ptr_nonnull(strstr(r.out, "2023-11-14T22:13:51.000Z"));
    ck_assert_ptr_nonnull(strstr(r.out, "+31.0 s"));
    ck_assert_ptr_nonnull(strstr(r.out, "clean"));
    ck_assert_str_eq(r.err, "");
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(info_json_has_counts_per_image)
{
    char *path = cli_dump("leaky.mlt");
    const char *args[] = {"info", "--json", path, NULL};
    cli_result r = cli_run(args);
    ck_assert_int_eq(r.status, 0);
    json_error_t error;
    json_t *doc = json_loads(r.out, 0, &error);
    ck_assert_msg(doc != NULL, "invalid JSON: %s", error.text);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "schema")), "memalot-info/1");
    json_t *images = json_object_get(doc, "images");
    ck_assert_int_eq(json_array_size(images), 4);
    for (long k = 0; k < 4; k++) {
        json_t *image = json_array_get(images, (size_t)k);
        ck_assert_int_eq(json_integer_value(json_object_get(image, "index")), k);
        ck_assert_int_eq(json_integer_value(json_object_get(image, "objects")),
                         objects_in_image(k));
        ck_assert_str_eq(json_string_value(json_object_get(image, "trigger")), "periodic");
        ck_assert(json_integer_value(json_object_get(image, "stored_bytes")) > 0);
    }
    json_t *file = json_object_get(doc, "file");
    ck_assert_str_eq(json_string_value(json_array_get(json_object_get(file, "argv"), 0)), "app.py");
    ck_assert_str_eq(json_string_value(json_object_get(file, "run_id")), "0xfeedface12345678");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "tail"), "status")),
                     "clean");
    json_decref(doc);
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(info_on_torn_file_lists_earlier_images_and_the_tail_error)
{
    char *path = cli_dump("torn.mlt");
    const char *args[] = {"info", path, NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 0, "status %d, stderr: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "3 images"));
    ck_assert_ptr_nonnull(strstr(r.out, "tail             error"));
    ck_assert_ptr_nonnull(strstr(r.err, "warning"));
    ck_assert_ptr_nonnull(strstr(r.err, path));
    cli_result_free(&r);

    const char *json_args[] = {"info", "--json", path, NULL};
    r = cli_run(json_args);
    ck_assert_int_eq(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "images")), 3);
    json_t *tail = json_object_get(doc, "tail");
    ck_assert_str_eq(json_string_value(json_object_get(tail, "status")), "error");
    ck_assert(json_integer_value(json_object_get(tail, "offset")) > 0);
    json_decref(doc);
    cli_result_free(&r);
    free(path);
}
END_TEST

START_TEST(info_shows_withheld_argv)
{
    char *path = cli_dump("withheld.mlt");
    const char *args[] = {"info", path, NULL};
    cli_result r = cli_run(args);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "(withheld)"));
    ck_assert_ptr_null(strstr(r.out, "app.py"));
    cli_result_free(&r);
    free(path);
}
END_TEST

/* Each bad input exits 2 and names the file in its message. */
START_TEST(info_bad_input_exits_2_naming_the_file)
{
    const char *names[] = {"missing.mlt", "notes.txt", "garbage.mlt"};
    for (size_t i = 0; i < 3; i++) {
        char *path = cli_dump(names[i]);
        const char *args[] = {"info", path, NULL};
        cli_result r = cli_run(args);
        ck_assert_msg(r.status == 2, "%s: status %d", names[i], r.status);
        ck_assert_msg(strstr(r.err, path) != NULL, "%s: message does not name it: %s", names[i],
                      r.err);
        ck_assert_str_eq(r.out, "");
        cli_result_free(&r);
        free(path);
    }
}
END_TEST

static void expect_usage_error(const char *const *args, const char *needle)
{
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 2, "%s %s: status %d", args[0], args[1] ? args[1] : "", r.status);
    ck_assert_msg(strstr(r.err, needle) != NULL, "stderr lacks '%s': %s", needle, r.err);
    cli_result_free(&r);
}

START_TEST(usage_errors_exit_2_naming_the_option)
{
    char *path = cli_dump("leaky.mlt");
    const char *none[] = {NULL};
    expect_usage_error(none, "usage");
    const char *unknown_command[] = {"frobnicate", NULL};
    expect_usage_error(unknown_command, "unknown command 'frobnicate'");
    const char *bad_seconds[] = {"report", path, "--lifetime", "abc", NULL};
    expect_usage_error(bad_seconds, "--lifetime: 'abc'");
    const char *negative[] = {"report", path, "--max-paths=-3", NULL};
    expect_usage_error(negative, "--max-paths: '-3'");
    const char *unknown_option[] = {"report", path, "--bogus", NULL};
    expect_usage_error(unknown_option, "'--bogus'");
    const char *both[] = {"report", path, "--lifetime", "5", "--calls", "3", NULL};
    expect_usage_error(both, "--lifetime and --calls");
    const char *missing_value[] = {"report", path, "--at", NULL};
    expect_usage_error(missing_value, "--at needs a value");
    const char *twice[] = {"report", path, "--at", "1", "--at", "2", NULL};
    expect_usage_error(twice, "--at given more than once");
    const char *flag_value[] = {"report", path, "--json=yes", NULL};
    expect_usage_error(flag_value, "--json takes no value");
    const char *no_file[] = {"info", NULL};
    expect_usage_error(no_file, "expected dump FILEs or directories");
    const char *no_id[] = {"paths", path, NULL};
    expect_usage_error(no_id, "--id");
    const char *bad_id[] = {"paths", path, "--id", "zz", NULL};
    expect_usage_error(bad_id, "'zz'");
    const char *one_side[] = {"diff", path, NULL};
    expect_usage_error(one_side, "expected two images");
    char bad_ref[4200];
    snprintf(bad_ref, sizeof bad_ref, "%s@x1", path);
    const char *bad_image[] = {"diff", path, bad_ref, NULL};
    expect_usage_error(bad_image, "FILE@N");
    const char *short_option[] = {"list", "-x", NULL};
    expect_usage_error(short_option, "'-x'");
    free(path);
}
END_TEST

/* A write error (here: a full device) is not success. */
START_TEST(output_write_failure_exits_2)
{
    if (access("/dev/full", W_OK) != 0)
        return; /* not on this system: nothing to check */
    char *path = cli_dump("leaky.mlt");
    const char *commands[] = {"info", "list", "report"};
    for (size_t i = 0; i < 3; i++) {
        char command[9000];
        snprintf(command, sizeof command, "'%s' %s '%s' > /dev/full 2> /dev/null", cli_binary(),
                 commands[i], i == 1 ? cli_dumps_dir : path);
        int status = system(command);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: status %d", commands[i],
                      status);
    }
    free(path);
}
END_TEST

START_TEST(help_exits_0)
{
    const char *commands[] = {"report", "info", "diff", "list", "paths"};
    for (size_t i = 0; i < 5; i++) {
        const char *args[] = {commands[i], "--help", NULL};
        cli_result r = cli_run(args);
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "usage:"));
        cli_result_free(&r);
    }
}
END_TEST

START_TEST(list_shows_dumps_and_errors_and_skips_other_files)
{
    const char *args[] = {"list", cli_dumps_dir, NULL};
    cli_result r = cli_run(args);
    ck_assert_msg(r.status == 0, "status %d, stderr %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "leaky.mlt"));
    ck_assert_ptr_nonnull(strstr(r.out, "app.py"));
    ck_assert_ptr_nonnull(strstr(r.out, "(withheld)"));
    ck_assert_ptr_nonnull(strstr(r.out, "garbage.mlt"));
    ck_assert_ptr_nonnull(strstr(r.out, "error"));
    ck_assert_ptr_null(strstr(r.out, "notes.txt"));
    ck_assert_ptr_null(strstr(r.out, "short.txt"));
    ck_assert_ptr_nonnull(strstr(r.out, "copy.bin"));
    cli_result_free(&r);
}
END_TEST

START_TEST(list_json_from_memalot_dir)
{
    const char *args[] = {"list", "--json", NULL};
    cli_result r = cli_run_with(args, NULL, 0, "MEMALOT_DIR", cli_dumps_dir);
    ck_assert_int_eq(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "directory")), cli_dumps_dir);
    json_t *dumps = json_object_get(doc, "dumps");
    /* sorted by name; notes.txt and short.txt are skipped, copy.bin has the signature */
    const char *expected[] = {"clean.mlt", "copy.bin", "garbage.mlt",
                              "leaky.mlt", "torn.mlt", "withheld.mlt"};
    const long images[] = {4, 4, -1, 4, 3, 4};
    ck_assert_int_eq(json_array_size(dumps), 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *entry = json_array_get(dumps, i);
        ck_assert_str_eq(json_string_value(json_object_get(entry, "file")), expected[i]);
        if (images[i] < 0) {
            ck_assert(json_is_string(json_object_get(entry, "error")));
            continue;
        }
        ck_assert(json_is_null(json_object_get(entry, "error")));
        ck_assert_int_eq(json_integer_value(json_object_get(entry, "images")), images[i]);
        ck_assert_int_eq(json_integer_value(json_object_get(entry, "pid")), 4242);
        ck_assert(json_is_true(json_object_get(entry, "tail_torn")) == (i == 4));
    }
    ck_assert(json_is_null(json_object_get(json_array_get(dumps, 5), "program")));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(dumps, 3), "program")),
                     "app.py");
    json_decref(doc);
    cli_result_free(&r);
}
END_TEST

START_TEST(list_missing_directory_exits_2)
{
    char *missing = cli_dump("no-such-dir");
    const char *args[] = {"list", missing, NULL};
    cli_result r = cli_run(args);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, missing));
    cli_result_free(&r);
    free(missing);
}
END_TEST

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-dumps") == 0) {
        char message[512];
        if (synth_write_set(argv[2], message, sizeof message) != 0) {
            fprintf(stderr, "%s\n", message);
            return 1;
        }
        return 0;
    }
    const TTest *tests[] = {info_lists_header_images_and_clean_tail,
                            info_json_has_counts_per_image,
                            info_on_torn_file_lists_earlier_images_and_the_tail_error,
                            info_shows_withheld_argv,
                            info_bad_input_exits_2_naming_the_file,
                            usage_errors_exit_2_naming_the_option,
                            help_exits_0,
                            output_write_failure_exits_2,
                            list_shows_dumps_and_errors_and_skips_other_files,
                            list_json_from_memalot_dir,
                            list_missing_directory_exits_2};
    return cli_dumps_run("cli_info", "info_list_usage", tests, TS_COUNT(tests), NULL, 0);
}
