/*
 * `memalot-analyze info FILE [--json]`: what a dump holds, without analysis.
 * It is the first thing to run on a dump from a bug report, so it keeps
 * going past a torn tail: the images before it are valid and worth listing.
 * Exit 0 also for a torn tail (with a warning on stderr and "tail" in the
 * JSON); 2 when the file cannot be opened or its header is bad.
 */
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "dump_paths.h"
#include "memalot/render.h"
#include "memalot/render_json.h"

#define INFO_SCHEMA "memalot-info/1"

static const cli_opt_spec info_options[] = {
    {"json", CLI_OPT_FLAG, NULL, "print JSON (schema memalot-info/1) instead of text", NULL},
    {"help", CLI_OPT_FLAG, NULL, "show this help", NULL},
};
#define INFO_OPTION_COUNT (sizeof info_options / sizeof info_options[0])

static double bytes_per_object(uint64_t bytes, uint64_t objects)
{
    return objects ? (double)bytes / (double)objects : 0.0;
}

static json_t *image_json(mlt_reader *reader, size_t index, const mlt_image_info *info,
                          double start_time)
{
    char time_text[MLR_FMT_TIME_MAX];
    uint64_t stored = mlt_reader_image_length(reader, index);
    return json_pack(
        "{s:I, s:s, s:I, s:s, s:o, s:o, s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:I, "
        "s:o, s:s, s:I}",
        "index", (json_int_t)index, "kind",
        info->kind == MLT_IMAGE_FULL         ? "full"
        : info->kind == MLT_IMAGE_CALL_DELTA ? "call-delta"
                                             : "unknown",
        "sequence", (json_int_t)info->sequence, "time",
        mlr_fmt_time(info->wall_time, time_text, sizeof time_text), "wall_time",
        mlr_json_real(info->wall_time), "seconds_since_start",
        mlr_json_real(start_time > 0 ? info->wall_time - start_time : 0), "trigger",
        mlt_trigger_name(info->trigger), "call_counter", (json_int_t)info->call_counter, "function",
        mlr_json_string(info->function), "objects", (json_int_t)info->object_count, "edges",
        (json_int_t)info->edge_count, "roots", (json_int_t)info->root_count, "types",
        (json_int_t)info->type_count, "stored_bytes", (json_int_t)stored, "bytes_per_object",
        mlr_json_real(bytes_per_object(stored, info->object_count)), "identity",
        mlt_identity_source_name(info->identity), "pause_ns", (json_int_t)info->pause_ns);
}

static json_t *tail_json(const mlt_error *tail)
{
    if (!tail)
        return json_pack("{s:s}", "status", "clean");
    return json_pack("{s:s, s:s, s:I, s:o}", "status", "error", "code", mlt_status_name(tail->code),
                     "offset", (json_int_t)tail->offset, "message", mlr_json_string(tail->message));
}

static json_t *info_json(mlt_reader *reader, const char *path)
{
    const mlt_file_info *file = mlt_reader_file_info(reader);
    json_t *images = json_array();
    for (size_t i = 0; images && i < mlt_reader_image_count(reader); i++) {
        mlt_image_info info;
        mlt_error err;
        if (mlt_reader_image_info(reader, i, &info, &err) != MLT_OK) {
            fprintf(stderr, "%s: %s\n", CLI_PROGRAM, err.message);
            json_decref(images);
            return NULL;
        }
        json_array_append_new(images, image_json(reader, i, &info, file->start_time));
    }
    return json_pack("{s:s, s:o, s:I, s:o, s:o}", "schema", INFO_SCHEMA, "file",
                     mlr_file_info_json(file, path), "file_size",
                     (json_int_t)mlt_reader_file_size(reader), "images", images, "tail",
                     tail_json(mlt_reader_tail_error(reader)));
}

static void print_text_field(const char *label, const char *value)
{
    printf("%-16s ", label);
    if (value)
        mlr_put_terminal(stdout, value);
    else
        fputs("(absent)", stdout);
    putchar('\n');
}

static void print_header(const mlt_file_info *file, const char *path, uint64_t file_size)
{
    char text[64], size[MLR_FMT_SIZE_MAX];
    print_text_field("file", path);
    printf("%-16s %s (%llu bytes)\n", "size", mlr_fmt_size(file_size, size, sizeof size),
           (unsigned long long)file_size);
    printf("%-16s %u.%u\n", "format", file->format_major, file->format_minor);
    print_text_field("producer", file->producer);
    print_text_field("python", file->python_version);
    print_text_field("implementation", file->python_implementation);
    print_text_field("build", file->python_build);
    print_text_field("platform", file->platform);
    printf("%-16s %u bytes, %s-endian\n", "pointers", file->pointer_size,
           file->byte_order == MLT_BYTE_ORDER_BIG ? "big" : "little");
    printf("%-16s %llu\n", "pid", (unsigned long long)file->pid);
    printf("%-16s 0x%016llx\n", "run id", (unsigned long long)file->run_id);
    if (file->launch_id) /* lineage: a process of a launch (a server's worker, say) */
        printf("%-16s pid %llu, run 0x%016llx; launch 0x%016llx\n", "parent",
               (unsigned long long)file->parent_pid, (unsigned long long)file->parent_run_id,
               (unsigned long long)file->launch_id);
    printf("%-16s ", "argv");
    if (file->argv_withheld || !file->argv) {
        fputs("(withheld)", stdout);
    } else {
        for (uint32_t i = 0; i < file->argc; i++) {
            if (i)
                putchar(' ');
            mlr_put_terminal(stdout, file->argv[i]);
        }
    }
    printf("\n%-16s %s\n", "started", mlr_fmt_time(file->start_time, text, sizeof text));
}

static void print_image_line(mlt_reader *reader, size_t index, const mlt_image_info *info,
                             double start_time)
{
    char time_text[MLR_FMT_TIME_MAX], stored[MLR_FMT_SIZE_MAX];
    uint64_t stored_bytes = mlt_reader_image_length(reader, index);
    printf("%5zu  %s  %+9.1f s  %-10s ", index,
           mlr_fmt_time(info->wall_time, time_text, sizeof time_text),
           start_time > 0 ? info->wall_time - start_time : 0.0, mlt_trigger_name(info->trigger));
    if (info->kind == MLT_IMAGE_FULL)
        printf("%12llu %12llu", (unsigned long long)info->object_count,
               (unsigned long long)info->edge_count);
    else /* a call delta lists no objects: nothing the call made lived */
        printf("%25s", info->kind == MLT_IMAGE_CALL_DELTA ? "call delta" : "unknown kind");
    printf(" %10s %7.1f", mlr_fmt_size(stored_bytes, stored, sizeof stored),
           bytes_per_object(stored_bytes, info->object_count));
    if (info->trigger == MLT_TRIGGER_CALL_START || info->trigger == MLT_TRIGGER_CALL_END ||
        info->function) {
        printf("  call %llu", (unsigned long long)info->call_counter);
        if (info->function) {
            fputs(" of ", stdout);
            mlr_put_terminal(stdout, info->function);
        }
    } else if (info->call_counter) {
        printf("  after %llu calls", (unsigned long long)info->call_counter);
    }
    putchar('\n');
}

static int print_text(mlt_reader *reader, const char *path)
{
    const mlt_file_info *file = mlt_reader_file_info(reader);
    print_header(file, path, mlt_reader_file_size(reader));
    size_t count = mlt_reader_image_count(reader);
    printf("\n%zu image%s\n", count, count == 1 ? "" : "s");
    if (count)
        printf("%5s  %-24s  %11s  %-10s %12s %12s %10s %7s  %s\n", "INDEX", "TIME (UTC)",
               "SINCE START", "TRIGGER", "OBJECTS", "EDGES", "ON DISK", "B/OBJ", "CALL");
    for (size_t i = 0; i < count; i++) {
        mlt_image_info info;
        mlt_error err;
        if (mlt_reader_image_info(reader, i, &info, &err) != MLT_OK) {
            fprintf(stderr, "%s: %s\n", CLI_PROGRAM, err.message);
            return CLI_EXIT_ERROR;
        }
        print_image_line(reader, i, &info, file->start_time);
    }
    const mlt_error *tail = mlt_reader_tail_error(reader);
    fputs("\ntail             ", stdout);
    if (tail) {
        printf("error (%s at offset %llu): ", mlt_status_name(tail->code),
               (unsigned long long)tail->offset);
        mlr_put_terminal(stdout, tail->message);
        putchar('\n');
    } else {
        puts("clean");
    }
    return CLI_EXIT_OK;
}

/* One file: its text, or its JSON document into *json. */
static int info_one(const char *path, int json_wanted, json_t **json)
{
    mlt_reader *reader = NULL;
    mlt_error err;
    if (mlt_reader_open(path, NULL, &reader, &err) != MLT_OK) {
        fprintf(stderr, "%s: %s\n", CLI_PROGRAM, err.message);
        return CLI_EXIT_ERROR;
    }
    const mlt_error *tail = mlt_reader_tail_error(reader);
    if (tail)
        fprintf(stderr, "%s: warning: %s: only the first %zu image(s) are readable: %s\n",
                CLI_PROGRAM, path, mlt_reader_image_count(reader), tail->message);
    int status = CLI_EXIT_OK;
    if (json_wanted)
        status = (*json = info_json(reader, path)) ? CLI_EXIT_OK : CLI_EXIT_ERROR;
    else
        status = print_text(reader, path);
    mlt_reader_close(reader);
    return status;
}

/* Several files (or directories): each in turn; with --json one document
 * {"schema": "memalot-info/1", "files": [...]} holding each file's. */
static int run(const cli_args *args, char *message, size_t message_size)
{
    cli_dump_paths dumps;
    if (cli_dump_paths_collect(args->positionals, args->positional_count, &dumps, message,
                               message_size) != 0)
        return CLI_FAIL_MESSAGE;
    int json_wanted = cli_args_count(args, "json") > 0, status = CLI_EXIT_OK;
    int one = dumps.count == 1 && !dumps.had_directory;
    json_t *files = json_wanted && !one ? json_array() : NULL;
    for (size_t i = 0; i < dumps.count; i++) {
        json_t *document = NULL;
        if (!json_wanted && !one)
            printf("%s==> %s <==\n", i ? "\n" : "", dumps.paths[i]);
        int got = info_one(dumps.paths[i], json_wanted, &document);
        status = got != CLI_EXIT_OK ? got : status;
        if (document && one && mlr_json_dump(document, stdout) != 0)
            status = CLI_EXIT_ERROR;
        if (document && !one)
            json_array_append(files, document);
        json_decref(document);
    }
    if (files) {
        json_t *wrapper = json_pack("{s:s, s:o}", "schema", INFO_SCHEMA, "files", files);
        status = mlr_json_dump(wrapper, stdout) != 0 ? CLI_EXIT_ERROR : status;
        json_decref(wrapper);
    }
    cli_dump_paths_free(&dumps);
    return status;
}

const cli_command cli_command_info = {
    .name = "info",
    .summary = "show a dump's header, its images and whether its tail is intact",
    .usage = "info FILE... [--json]",
    .description = "Shows the file header, one line per image and whether the file ends cleanly.",
    .options = info_options,
    .option_count = INFO_OPTION_COUNT,
    .min_positionals = 1,
    .max_positionals = 65536,
    .positionals = "dump FILEs or directories",
    .run = run,
};
