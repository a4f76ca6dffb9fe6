/*
 * `memalot-analyze report FILE [options]`: runs the analysis and renders it
 * as text, JSON and/or HTML. Exit 1 when a leak suspect grows (or candidates
 * could not be dated) so a CI job fails on a leak; --fail-on=any also on
 * stable suspects; --exit-zero keeps 0 for jobs that only collect.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "dump_paths.h"
#include "memalot/render.h"
#include "memalot/render_json.h"
#include "progress.h"

static uint64_t default_max_object_details(void)
{
    mla_options defaults;
    mla_options_init(&defaults);
    return defaults.max_object_details;
}

static uint64_t default_max_paths(void)
{
    mla_options defaults;
    mla_options_init(&defaults);
    return defaults.max_paths;
}

static const cli_opt_spec report_options[] = {
    {"lifetime", CLI_OPT_VALUE, "SECONDS", "leak: alive longer than SECONDS", NULL},
    {"warmup", CLI_OPT_VALUE, "SECONDS",
     "ignore objects created in the first SECONDS "
     "(default: the lifetime)",
     NULL},
    {"calls", CLI_OPT_VALUE, "N", "leak: outlived N monitored calls", NULL},
    {"warmup-calls", CLI_OPT_VALUE, "K",
     "ignore objects created in the first K calls "
     "(default: 1)",
     NULL},
    {"at", CLI_OPT_VALUE, "N", "evaluate image N (default: the last)", NULL},
    {"each", CLI_OPT_FLAG, NULL, "one report per image; each object reported once", NULL},
    {"include", CLI_OPT_LIST, "TEXT", "keep only types whose qualified name contains TEXT", NULL},
    {"exclude", CLI_OPT_LIST, "TEXT", "drop types whose qualified name contains TEXT", NULL},
    {"max-object-details", CLI_OPT_VALUE, "N", "examples in total, spread over types",
     default_max_object_details},
    {"max-paths", CLI_OPT_VALUE, "N", "retainer paths per example", default_max_paths},
    {"no-retained", CLI_OPT_FLAG, NULL, "skip dominators (faster; retained sizes are 0)", NULL},
    {"json", CLI_OPT_FLAG, NULL, "print JSON (schema memalot-report/1) instead of text", NULL},
    {"html", CLI_OPT_VALUE, "FILE", "also write a self-contained HTML report to FILE", NULL},
    {"fail-on", CLI_OPT_VALUE, "WHAT",
     "exit 1 on: growing (growing suspects or undated candidates; default) or any suspect", NULL},
    {"exit-zero", CLI_OPT_FLAG, NULL, "exit 0 even when leaks are found", NULL},
    {"color", CLI_OPT_FLAG, NULL, "force ANSI colors", NULL},
    {"no-color", CLI_OPT_FLAG, NULL, "no ANSI colors (also: NO_COLOR set)", NULL},
    {"help", CLI_OPT_FLAG, NULL, "show this help", NULL},
};
#define REPORT_OPTION_COUNT (sizeof report_options / sizeof report_options[0])

typedef struct {
    const char *path;
    cli_dump_paths dumps; /* several files, or a directory: a fleet report */
    mla_options analysis;
    int json;
    const char *html_path;
    int exit_zero;
    mla_fail_on fail_on;
    mlr_color_mode color;
} report_request;

static int parse_u32(const char *option, const char *text, uint32_t *out, char *message,
                     size_t message_size)
{
    uint64_t value = 0;
    if (cli_parse_count(option, text, &value, message, message_size) != 0)
        return -1;
    if (value > UINT32_MAX) {
        snprintf(message, message_size, "option --%s: %s is too large (at most %u)", option, text,
                 UINT32_MAX);
        return -1;
    }
    *out = (uint32_t)value;
    return 0;
}

static int parse_criterion(const cli_args *args, mla_options *analysis, char *message,
                           size_t message_size)
{
    const char *lifetime = cli_args_value(args, "lifetime");
    const char *warmup = cli_args_value(args, "warmup");
    const char *calls = cli_args_value(args, "calls");
    const char *warmup_calls = cli_args_value(args, "warmup-calls");
    mlt_criterion *criterion = &analysis->criterion;
    if (lifetime && calls) {
        snprintf(message, message_size,
                 "--lifetime and --calls exclude each other: pick one "
                 "criterion");
        return -1;
    }
    if (warmup && !lifetime) {
        snprintf(message, message_size, "--warmup needs --lifetime");
        return -1;
    }
    if (warmup_calls && !calls) {
        snprintf(message, message_size, "--warmup-calls needs --calls");
        return -1;
    }
    if (lifetime) {
        criterion->kind = MLT_CRITERION_TIME;
        if (cli_parse_seconds("lifetime", lifetime, &criterion->lifetime, message, message_size) !=
            0)
            return -1;
        analysis->warmup_defaulted = warmup == NULL;
        criterion->warmup = -1;
        if (warmup &&
            cli_parse_seconds("warmup", warmup, &criterion->warmup, message, message_size) != 0)
            return -1;
    } else if (calls) {
        criterion->kind = MLT_CRITERION_CALLS;
        if (cli_parse_count("calls", calls, &criterion->calls, message, message_size) != 0)
            return -1;
        if (criterion->calls == 0) {
            snprintf(message, message_size, "option --calls: must be at least 1 (got 0)");
            return -1;
        }
        analysis->warmup_defaulted = warmup_calls == NULL;
        if (warmup_calls && cli_parse_count("warmup-calls", warmup_calls, &criterion->warmup_calls,
                                            message, message_size) != 0)
            return -1;
    }
    return 0;
}

static int parse_limits(const cli_args *args, mla_options *analysis, char *message,
                        size_t message_size)
{
    const char *at = cli_args_value(args, "at");
    if (at) {
        uint64_t index = 0;
        if (cli_parse_count("at", at, &index, message, message_size) != 0)
            return -1;
        if (index > (uint64_t)LONG_MAX) {
            snprintf(message, message_size, "option --at: %s is out of range", at);
            return -1;
        }
        if (cli_args_count(args, "each")) {
            snprintf(message, message_size, "--at and --each exclude each other");
            return -1;
        }
        analysis->at_image = (long)index;
    }
    analysis->each = cli_args_count(args, "each") > 0;
    const char *details = cli_args_value(args, "max-object-details");
    if (details && parse_u32("max-object-details", details, &analysis->max_object_details, message,
                             message_size) != 0)
        return -1;
    const char *paths = cli_args_value(args, "max-paths");
    if (paths && parse_u32("max-paths", paths, &analysis->max_paths, message, message_size) != 0)
        return -1;
    analysis->skip_retained = cli_args_count(args, "no-retained") > 0;
    analysis->include_count = cli_args_values(args, "include", &analysis->include);
    analysis->exclude_count = cli_args_values(args, "exclude", &analysis->exclude);
    return 0;
}

static int parse_request(const cli_args *args, report_request *request, char *message,
                         size_t message_size)
{
    request->path = args->positionals[0];
    mla_options_init(&request->analysis);
    if (parse_criterion(args, &request->analysis, message, message_size) != 0 ||
        parse_limits(args, &request->analysis, message, message_size) != 0)
        return -1;
    if (cli_args_count(args, "color") && cli_args_count(args, "no-color")) {
        snprintf(message, message_size, "--color and --no-color exclude each other");
        return -1;
    }
    request->color = cli_args_count(args, "no-color") ? MLR_COLOR_NEVER
                     : cli_args_count(args, "color")  ? MLR_COLOR_ALWAYS
                                                      : MLR_COLOR_AUTO;
    request->json = cli_args_count(args, "json") > 0;
    request->html_path = cli_args_value(args, "html");
    request->exit_zero = cli_args_count(args, "exit-zero") > 0;
    const char *fail_on = cli_args_value(args, "fail-on");
    if (fail_on && strcmp(fail_on, "growing") != 0 && strcmp(fail_on, "any") != 0) {
        snprintf(message, message_size, "option --fail-on: expected growing or any, got '%s'",
                 fail_on);
        return -1;
    }
    request->fail_on = fail_on && strcmp(fail_on, "any") == 0 ? MLA_FAIL_ON_ANY
                                                              : MLA_FAIL_ON_GROWING;
    return 0;
}

static int write_html(const char *path, const mla_report *const *reports, size_t count, int each)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        fprintf(stderr, "%s: cannot write HTML report %s: %s\n", CLI_PROGRAM, path,
                strerror(errno));
        return -1;
    }
    int failed = mlr_render_html(out, reports, count, each);
    if (fclose(out) != 0 || failed) {
        fprintf(stderr, "%s: writing HTML report %s failed\n", CLI_PROGRAM, path);
        return -1;
    }
    return 0;
}

static int is_utf8_locale(void)
{
    const char *names[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    for (size_t i = 0; i < 3; i++) {
        const char *value = getenv(names[i]);
        if (value && value[0])
            return strstr(value, "UTF-8") || strstr(value, "utf8") || strstr(value, "UTF8") ||
                   strstr(value, "utf-8");
    }
    return 0;
}

/* Renders every requested output; returns -1 when one could not be written. */
static int render(const report_request *request, const mla_report *const *reports, size_t count)
{
    int failed = 0;
    if (request->html_path &&
        write_html(request->html_path, reports, count, request->analysis.each) != 0)
        failed = 1;
    if (request->json) {
        json_t *document = mlr_render_json(reports, count, request->analysis.each);
        if (mlr_json_dump(document, stdout) != 0) {
            fprintf(stderr, "%s: writing the JSON report failed\n", CLI_PROGRAM);
            failed = 1;
        }
        json_decref(document);
    } else {
        mlr_text_style style = {mlr_color_enabled(request->color, stdout), is_utf8_locale()};
        mlr_render_text(stdout, reports, count, request->analysis.each, &style);
    }
    fflush(stdout);
    return failed || ferror(stdout) ? -1 : 0;
}

/* Several processes' dumps: one fleet report (memalot/fleet.h). */
static int analyze_fleet(const report_request *request)
{
    mla_fleet *fleet = NULL;
    mlt_error err;
    memset(&err, 0, sizeof err);
    mlt_status status = mla_analyze_fleet((const char *const *)request->dumps.paths,
                                          request->dumps.count, &request->analysis, &fleet, &err);
    if (status != MLT_OK) {
        cli_print_failure(status, &err);
        return CLI_EXIT_ERROR;
    }
    int failed = 0;
    if (request->json) {
        json_t *document = mlr_fleet_json(fleet);
        failed = mlr_json_dump(document, stdout) != 0;
        json_decref(document);
    } else {
        mlr_text_style style = {mlr_color_enabled(request->color, stdout), is_utf8_locale()};
        mlr_render_fleet_text(stdout, fleet, &style);
    }
    fflush(stdout);
    int leaks = mla_fleet_fails(fleet, request->fail_on);
    mla_fleet_free(fleet);
    if (failed || ferror(stdout)) {
        fprintf(stderr, "%s: writing the fleet report failed\n", CLI_PROGRAM);
        return CLI_EXIT_ERROR;
    }
    return leaks && !request->exit_zero ? CLI_EXIT_LEAKS : CLI_EXIT_OK;
}

static int analyze(const report_request *request)
{
    cli_progress progress;
    cli_progress_init(&progress, stderr, 1);
    mla_options analysis = request->analysis;
    analysis.progress = cli_progress_update;
    analysis.progress_context = &progress;
    mla_report_set *set = NULL;
    mlt_error err;
    memset(&err, 0, sizeof err);
    mlt_status status = mla_analyze_file(request->path, &analysis, &set, &err);
    cli_progress_finish(&progress);
    if (status != MLT_OK) {
        cli_print_failure(status, &err);
        return CLI_EXIT_ERROR;
    }
    size_t count = mla_report_set_count(set);
    const mla_report **reports = calloc(count ? count : 1, sizeof *reports);
    if (!reports) {
        mla_report_set_free(set);
        fprintf(stderr, "%s: out of memory\n", CLI_PROGRAM);
        return CLI_EXIT_ERROR;
    }
    int leaks = 0;
    for (size_t i = 0; i < count; i++) {
        reports[i] = mla_report_set_get(set, i);
        leaks |= mla_report_fails(reports[i], request->fail_on);
    }
    int rendered = render(request, reports, count);
    free(reports);
    mla_report_set_free(set);
    if (rendered != 0)
        return CLI_EXIT_ERROR;
    return leaks && !request->exit_zero ? CLI_EXIT_LEAKS : CLI_EXIT_OK;
}

/* --at, --each and --html are about one process's images. */
static int check_fleet_options(const report_request *request, char *message, size_t message_size)
{
    const char *which = request->analysis.each            ? "--each"
                        : request->analysis.at_image >= 0 ? "--at"
                        : request->html_path              ? "--html"
                                                          : NULL;
    if (!which)
        return 0;
    snprintf(message, message_size,
             "%s takes one dump file; got %zu (a fleet report covers several processes)", which,
             request->dumps.count);
    return -1;
}

static int run(const cli_args *args, char *message, size_t message_size)
{
    report_request request;
    memset(&request, 0, sizeof request);
    if (parse_request(args, &request, message, message_size) != 0)
        return CLI_FAIL_MESSAGE;
    if (cli_dump_paths_collect(args->positionals, args->positional_count, &request.dumps, message,
                               message_size) != 0)
        return CLI_FAIL_MESSAGE;
    int status;
    if (request.dumps.count == 1 && !request.dumps.had_directory) {
        status = analyze(&request);
    } else if (check_fleet_options(&request, message, message_size) != 0) {
        cli_dump_paths_free(&request.dumps);
        return CLI_FAIL_MESSAGE;
    } else {
        status = analyze_fleet(&request);
    }
    cli_dump_paths_free(&request.dumps);
    return status;
}

const cli_command cli_command_report = {
    .name = "report",
    .summary = "find leaks: objects that outlived a time or call threshold",
    .usage = "report FILE... [options]\n       " CLI_PROGRAM " FILE [options]",
    .description =
        "Reports objects that outlived a time or call threshold, with the paths that keep\n"
        "them alive. Without --lifetime/--calls the criterion recorded in the dump is used.\n"
        "Several files, or a directory (every *.mlt inside, recursively), make one fleet\n"
        "report: the same leak in several processes is one suspect with each one's count,\n"
        "and the master's state is reported apart.\n"
        "Exit status: 0 no leaks (stable suspects only, unless --fail-on=any), 1 a growing\n"
        "suspect or undated candidates, 2 usage or input error.",
    .options = report_options,
    .option_count = REPORT_OPTION_COUNT,
    .min_positionals = 1,
    .max_positionals = 65536,
    .positionals = "dump FILEs or directories",
    .run = run,
};
