/* The CLI's option parser and number parsing (analyzer/cli/args.c), and the
 * progress bar's drawing rule (progress.c), compiled into this program. */
#define _POSIX_C_SOURCE 200809L

#include "../../../analyzer/cli/args.c"
#include "../../../analyzer/cli/image_ref.c"
#include "../../../analyzer/cli/progress.c"
#include "check_suite.h"

#include <check.h>

static const cli_opt_spec specs[] = {
    {"json", CLI_OPT_FLAG, NULL, "json", NULL},
    {"at", CLI_OPT_VALUE, "N", "image", NULL},
    {"include", CLI_OPT_LIST, "TEXT", "types", NULL},
    {"help", CLI_OPT_FLAG, NULL, "help", NULL},
};
#define SPEC_COUNT (sizeof specs / sizeof specs[0])

static int parse(cli_args *args, char **argv, int argc, char *message)
{
    return cli_args_parse(args, specs, SPEC_COUNT, argc, argv, 0, message, 256);
}

START_TEST(values_flags_lists_and_positionals)
{
    char *argv[] = {"a.mlt",  "--at=3",         "--include", "app.",
                    "--json", "--include=lib.", "--",        "--weird-name"};
    cli_args args;
    char message[256];
    ck_assert_int_eq(parse(&args, argv, 8, message), 0);
    ck_assert_str_eq(cli_args_value(&args, "at"), "3");
    ck_assert_uint_eq(cli_args_count(&args, "json"), 1);
    const char *const *values = NULL;
    ck_assert_uint_eq(cli_args_values(&args, "include", &values), 2);
    ck_assert_str_eq(values[0], "app.");
    ck_assert_str_eq(values[1], "lib.");
    ck_assert_uint_eq(args.positional_count, 2);
    ck_assert_str_eq(args.positionals[0], "a.mlt");
    ck_assert_str_eq(args.positionals[1], "--weird-name"); /* after -- it is a file */
    ck_assert_ptr_null(cli_args_value(&args, "help"));
    cli_args_free(&args);
}
END_TEST

START_TEST(errors_name_the_option)
{
    struct {
        char *argv[3];
        int argc;
        const char *message;
    } cases[] = {
        {{"--nope"}, 1, "unknown option '--nope' (see --help)"},
        {{"--at"}, 1, "option --at needs a value (N)"},
        {{"--at", "1", "--at=2"}, 3, "option --at given more than once (second value '2')"},
        {{"--json=1"}, 1, "option --json takes no value (got '1')"},
        {{"-j"}, 1, "unknown option '-j' (options are long: --name)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_args args;
        char message[256];
        ck_assert_int_eq(parse(&args, cases[i].argv, cases[i].argc, message), -1);
        ck_assert_str_eq(message, cases[i].message);
    }
    char *help[] = {"-h"};
    cli_args args;
    char message[256];
    ck_assert_int_eq(parse(&args, help, 1, message), 0);
    ck_assert_uint_eq(cli_args_count(&args, "help"), 1);
    cli_args_free(&args);
}
END_TEST

START_TEST(numbers)
{
    char message[256];
    double seconds = 0;
    uint64_t value = 0;
    ck_assert_int_eq(cli_parse_seconds("lifetime", "0.5", &seconds, message, sizeof message), 0);
    ck_assert(seconds == 0.5);
    ck_assert_int_eq(cli_parse_seconds("lifetime", "-1", &seconds, message, sizeof message), -1);
    ck_assert_int_eq(cli_parse_seconds("lifetime", "nan", &seconds, message, sizeof message), -1);
    ck_assert_int_eq(cli_parse_seconds("lifetime", "5s", &seconds, message, sizeof message), -1);
    ck_assert_str_eq(message,
                     "option --lifetime: '5s' is not a number of seconds (expected e.g. 60 "
                     "or 0.5)");
    ck_assert_int_eq(cli_parse_count("at", "12", &value, message, sizeof message), 0);
    ck_assert_uint_eq(value, 12);
    ck_assert_int_eq(cli_parse_count("at", "-1", &value, message, sizeof message), -1);
    ck_assert_int_eq(cli_parse_count("at", "", &value, message, sizeof message), -1);
    ck_assert_int_eq(
        cli_parse_count("at", "99999999999999999999999", &value, message, sizeof message), -1);
    ck_assert_int_eq(cli_parse_address("id", "0x7F3a10", &value, message, sizeof message), 0);
    ck_assert_uint_eq(value, 0x7f3a10);
    ck_assert_int_eq(cli_parse_address("id", "1048576", &value, message, sizeof message), 0);
    ck_assert_uint_eq(value, 1048576);
    ck_assert_int_eq(cli_parse_address("id", "0x", &value, message, sizeof message), -1);
    ck_assert_int_eq(cli_parse_address("id", "0xg1", &value, message, sizeof message), -1);
}
END_TEST

START_TEST(image_references)
{
    cli_image_ref ref;
    char message[256];
    ck_assert_int_eq(cli_image_ref_parse("/no/such/a.mlt@12", &ref, message, sizeof message), 0);
    ck_assert_str_eq(ref.path, "/no/such/a.mlt");
    ck_assert_int_eq(ref.image, 12);
    cli_image_ref_free(&ref);
    ck_assert_int_eq(cli_image_ref_parse("/no/such/a.mlt", &ref, message, sizeof message), 0);
    ck_assert_int_eq(ref.image, -1);
    cli_image_ref_free(&ref);
    ck_assert_int_eq(cli_image_ref_parse("/no/such/a.mlt@", &ref, message, sizeof message), -1);
    ck_assert_int_eq(cli_image_ref_parse("/no/such/a.mlt@-1", &ref, message, sizeof message), -1);
    /* an existing file whose name ends in @digits is taken whole */
    char dir[] = "/tmp/mla-ref-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/run@3", dir);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fclose(file);
    ck_assert_int_eq(cli_image_ref_parse(path, &ref, message, sizeof message), 0);
    ck_assert_str_eq(ref.path, path);
    ck_assert_int_eq(ref.image, -1);
    cli_image_ref_free(&ref);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* Not a terminal: never draws. Forced on and past its delay: draws the phase
 * and the percentage, and finish clears the line. */
START_TEST(progress_draws_only_when_enabled_and_clears)
{
    FILE *stream = tmpfile();
    cli_progress progress;
    cli_progress_init(&progress, stream, 1);
    ck_assert_int_eq(progress.enabled, 0);
    cli_progress_update(&progress, "reading", 0.5);
    ck_assert_int_eq(ftell(stream), 0);
    progress.enabled = 1;
    progress.started -= 2 * PROGRESS_DELAY_SECONDS;
    cli_progress_update(&progress, "reading", 0.5);
    cli_progress_update(&progress, "paths", 0.25); /* a new phase is never throttled */
    cli_progress_finish(&progress);
    long size = ftell(stream);
    char text[512] = {0};
    rewind(stream);
    ck_assert(fread(text, 1, (size_t)size, stream) == (size_t)size);
    ck_assert_ptr_nonnull(strstr(text, "reading"));
    ck_assert_ptr_nonnull(strstr(text, "[###############...............]  50%"));
    ck_assert_ptr_nonnull(
        strstr(text, "\r\033[Kpaths       [########......................]  25%"));
    ck_assert_str_eq(text + size - 4, "\r\033[K");
    fclose(stream);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {values_flags_lists_and_positionals, errors_name_the_option, numbers,
                            image_references, progress_draws_only_when_enabled_and_clears};
    return ts_main("cli_args", "args", 0, tests, TS_COUNT(tests));
}
