/*
 * `memalot-analyze paths FILE --id ADDR [--at N] [--max N] [--json]`: every
 * retainer path to one object, for the question a report raises next: "what
 * else holds this?". ADDR is 0x-hex or decimal, as reports print it.
 */
#include <string.h>

#include "args.h"
#include "cli.h"
#include "memalot/render.h"
#include "memalot/render_json.h"

#define PATHS_SCHEMA "memalot-paths/1"

static uint64_t default_max_paths(void)
{
    return MLA_OBJECT_PATHS_DEFAULT_MAX;
}

static const cli_opt_spec paths_options[] = {
    {"id", CLI_OPT_VALUE, "ADDR", "the object's address (0x-hex or decimal)", NULL},
    {"at", CLI_OPT_VALUE, "N", "image N (default: the last)", NULL},
    {"max", CLI_OPT_VALUE, "N", "at most N paths", default_max_paths},
    {"json", CLI_OPT_FLAG, NULL, "print JSON (schema memalot-paths/1) instead of text", NULL},
    {"help", CLI_OPT_FLAG, NULL, "show this help", NULL},
};
#define PATHS_OPTION_COUNT (sizeof paths_options / sizeof paths_options[0])

typedef struct {
    const char *path;
    uint64_t address;
    long image;
    uint32_t max_paths;
    int json;
} paths_request;

static int parse_request(const cli_args *args, paths_request *request, char *message,
                         size_t message_size)
{
    request->path = args->positionals[0];
    const char *id = cli_args_value(args, "id");
    if (!id) {
        snprintf(message, message_size, "--id ADDR is required (the object's address)");
        return -1;
    }
    if (cli_parse_address("id", id, &request->address, message, message_size) != 0)
        return -1;
    request->image = -1;
    uint64_t value = 0;
    const char *at = cli_args_value(args, "at");
    if (at) {
        if (cli_parse_count("at", at, &value, message, message_size) != 0)
            return -1;
        request->image = (long)(value > (uint64_t)INT32_MAX ? INT32_MAX : value);
    }
    const char *max = cli_args_value(args, "max");
    if (max) {
        if (cli_parse_count("max", max, &value, message, message_size) != 0)
            return -1;
        if (value == 0 || value > UINT32_MAX) {
            snprintf(message, message_size, "option --max: expected 1 to %u, got %s", UINT32_MAX,
                     max);
            return -1;
        }
        request->max_paths = (uint32_t)value;
    }
    request->json = cli_args_count(args, "json") > 0;
    return 0;
}

/* A report's path without root_kind, which memalot-paths/1 does not have. */
static json_t *path_json(const mla_path *path)
{
    json_t *object = mlr_path_json(path);
    if (object)
        json_object_del(object, "root_kind");
    return object;
}

static int print_json(const mla_object_info *info)
{
    json_t *paths = json_array();
    for (size_t i = 0; paths && i < info->path_count; i++)
        json_array_append_new(paths, path_json(&info->paths[i]));
    json_t *document = json_pack(
        "{s:s, s:o, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:o, s:b, s:o, s:b}", "schema",
        PATHS_SCHEMA, "path", mlr_json_string(info->path), "image", (json_int_t)info->image,
        "address", mlr_json_hex(info->address), "type", mlr_json_string(info->type),
        "shallow_bytes", (json_int_t)info->shallow_bytes, "retained_bytes",
        (json_int_t)info->retained_bytes, "refcount", (json_int_t)info->refcount, "flags",
        (json_int_t)info->flags, "referrer_count", (json_int_t)info->referrer_count, "is_root",
        info->is_root ? 1 : 0, "preview", mlr_json_string(info->preview), "preview_truncated",
        info->preview_truncated ? 1 : 0, "paths", paths, "paths_capped",
        info->paths_capped ? 1 : 0);
    int failed = mlr_json_dump(document, stdout);
    json_decref(document);
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

static void print_text(const mla_object_info *info)
{
    char shallow[MLR_FMT_SIZE_MAX], retained[MLR_FMT_SIZE_MAX];
    printf("0x%llx ", (unsigned long long)info->address);
    mlr_put_terminal(stdout, info->type);
    printf(" in image %u of ", info->image);
    mlr_put_terminal(stdout, info->path);
    printf("\n  %s shallow, %s retained, refcount %llu, %llu referrer%s%s\n",
           mlr_fmt_size(info->shallow_bytes, shallow, sizeof shallow),
           mlr_fmt_size(info->retained_bytes, retained, sizeof retained),
           (unsigned long long)info->refcount, (unsigned long long)info->referrer_count,
           info->referrer_count == 1 ? "" : "s", info->is_root ? ", is a root" : "");
    if (info->preview) { /* rendered by the analysis: quoted, ellipsis when cut */
        fputs("  value ", stdout);
        mlr_put_terminal(stdout, info->preview);
        putchar('\n');
    }
    printf("\n%zu retainer path%s%s\n", info->path_count, info->path_count == 1 ? "" : "s",
           info->paths_capped ? " (more exist: raise --max)" : "");
    for (size_t i = 0; i < info->path_count; i++) {
        const mla_path *path = &info->paths[i];
        printf("%4zu. ", i + 1);
        mlr_put_terminal(stdout, path->root);
        mlr_put_path_steps(stdout, path);
        putchar('\n');
    }
}

static int run(const cli_args *args, char *message, size_t message_size)
{
    paths_request request;
    memset(&request, 0, sizeof request);
    if (parse_request(args, &request, message, message_size) != 0)
        return CLI_FAIL_MESSAGE;
    mla_object_info *info = NULL;
    mlt_error err;
    memset(&err, 0, sizeof err);
    mlt_status result = mla_object_paths(request.path, request.image, request.address,
                                         request.max_paths, 0, &info, &err);
    if (result != MLT_OK) {
        cli_print_failure(result, &err);
        return CLI_EXIT_ERROR;
    }
    int status = CLI_EXIT_OK;
    if (request.json)
        status = print_json(info);
    else
        print_text(info);
    mla_object_info_free(info);
    return status;
}

const cli_command cli_command_paths = {
    .name = "paths",
    .summary = "show every retainer path to one object",
    .usage = "paths FILE --id ADDR [--at N] [--max N] [--json]",
    .description = "Shows every retainer path to one object.",
    .options = paths_options,
    .option_count = PATHS_OPTION_COUNT,
    .min_positionals = 1,
    .max_positionals = 1,
    .positionals = "one dump FILE",
    .run = run,
};
