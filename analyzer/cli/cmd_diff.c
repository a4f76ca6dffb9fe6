/*
 * `memalot-analyze diff A B [--json]`: what changed, type by type, between
 * two images (A, B = FILE for its last image or FILE@N for image N; they may
 * come from different files), or between two runs (A, B = a run folder: the
 * last images of every dump in it, summed over its processes). Types are
 * matched by qualified name, since type indexes are per image. Sorted by byte
 * delta, largest growth first.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "memalot/render.h"
#include "memalot/render_json.h"
#include "dump_paths.h"
#include "image_ref.h"

#include <sys/stat.h>

#define DIFF_SCHEMA "memalot-diff/1"

static const cli_opt_spec diff_options[] = {
    {"json", CLI_OPT_FLAG, NULL, "print JSON (schema memalot-diff/1) instead of text", NULL},
    {"all", CLI_OPT_FLAG, NULL, "text: also list types whose count and size did not change", NULL},
    {"limit", CLI_OPT_VALUE, "N", "text: show at most N types (default: all)", NULL},
    {"help", CLI_OPT_FLAG, NULL, "show this help", NULL},
};
#define DIFF_OPTION_COUNT (sizeof diff_options / sizeof diff_options[0])

typedef struct {
    const char *type;
    uint64_t count[2];
    uint64_t bytes[2];
} diff_row;

/* One side of the comparison: an image, or the last images of a run's files. */
typedef struct {
    const char *label; /* as given */
    int is_run;
    mla_census **census;
    size_t count;
    uint64_t objects, bytes, types; /* summed over census */
} diff_side;

static int64_t delta(uint64_t before, uint64_t after)
{
    return (int64_t)after - (int64_t)before;
}

static int compare_rows(const void *a, const void *b)
{
    const diff_row *x = a, *y = b;
    int64_t dx = delta(x->bytes[0], x->bytes[1]), dy = delta(y->bytes[0], y->bytes[1]);
    if (dx != dy)
        return dx > dy ? -1 : 1;
    int64_t cx = delta(x->count[0], x->count[1]), cy = delta(y->count[0], y->count[1]);
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(x->type, y->type);
}

static int compare_names(const void *a, const void *b)
{
    return strcmp((*(const mla_type_count *const *)a)->type,
                  (*(const mla_type_count *const *)b)->type);
}

static const mla_type_count **sorted_by_name(const diff_side *side)
{
    const mla_type_count **sorted = calloc(side->types + 1, sizeof *sorted);
    if (!sorted)
        return NULL;
    size_t k = 0;
    for (size_t c = 0; c < side->count; c++)
        for (size_t i = 0; i < side->census[c]->type_count; i++)
            sorted[k++] = &side->census[c]->types[i];
    qsort(sorted, k, sizeof *sorted, compare_names);
    return sorted;
}

/* Merges two sides by type name (a name seen twice in one image, e.g.
 * classes made by a factory, or in several processes of a run, is summed).
 * Returns the row count or -1. */
static long merge(const diff_side *a, const diff_side *b, diff_row **out)
{
    const mla_type_count **sides[2] = {sorted_by_name(a), sorted_by_name(b)};
    size_t sizes[2] = {a->types, b->types}, next[2] = {0, 0};
    diff_row *rows = calloc(a->types + b->types + 1, sizeof *rows);
    long count = -1;
    if (sides[0] && sides[1] && rows) {
        count = 0;
        while (next[0] < sizes[0] || next[1] < sizes[1]) {
            const char *name = next[0] < sizes[0] ? sides[0][next[0]]->type : NULL;
            if (next[1] < sizes[1] && (!name || strcmp(sides[1][next[1]]->type, name) < 0))
                name = sides[1][next[1]]->type;
            diff_row *row = &rows[count++];
            row->type = name;
            for (int s = 0; s < 2; s++)
                for (; next[s] < sizes[s] && strcmp(sides[s][next[s]]->type, name) == 0;
                     next[s]++) {
                    row->count[s] += sides[s][next[s]]->count;
                    row->bytes[s] += sides[s][next[s]]->shallow_bytes;
                }
        }
        qsort(rows, (size_t)count, sizeof *rows, compare_rows);
    }
    free(sides[0]);
    free(sides[1]);
    if (count < 0)
        free(rows);
    else
        *out = rows;
    return count;
}

static json_t *image_json(const mla_census *census)
{
    char time_text[MLR_FMT_TIME_MAX];
    return json_pack("{s:o, s:I, s:s, s:I, s:I}", "path", mlr_json_string(census->path), "image",
                     (json_int_t)census->image.index, "time",
                     mlr_fmt_time(census->image.wall_time, time_text, sizeof time_text), "objects",
                     (json_int_t)census->object_count, "shallow_bytes",
                     (json_int_t)census->shallow_bytes);
}

/* An image as before; a run: its folder, totals and the image of each file. */
static json_t *side_json(const diff_side *side)
{
    if (!side->is_run)
        return image_json(side->census[0]);
    json_t *files = json_array();
    for (size_t i = 0; files && i < side->count; i++)
        json_array_append_new(files, image_json(side->census[i]));
    return json_pack("{s:o, s:n, s:I, s:I, s:o}", "path", mlr_json_string(side->label), "image",
                     "objects", (json_int_t)side->objects, "shallow_bytes", (json_int_t)side->bytes,
                     "files", files);
}

static int print_json(const diff_side *const sides[2], const diff_row *rows, size_t count)
{
    json_t *types = json_array();
    for (size_t i = 0; types && i < count; i++) {
        const diff_row *row = &rows[i];
        json_array_append_new(
            types,
            json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "type", mlr_json_string(row->type),
                      "count_a", (json_int_t)row->count[0], "count_b", (json_int_t)row->count[1],
                      "count_delta", (json_int_t)delta(row->count[0], row->count[1]),
                      "shallow_bytes_a", (json_int_t)row->bytes[0], "shallow_bytes_b",
                      (json_int_t)row->bytes[1], "shallow_bytes_delta",
                      (json_int_t)delta(row->bytes[0], row->bytes[1])));
    }
    json_t *document = json_pack(
        "{s:s, s:o, s:o, s:{s:I, s:I}, s:o}", "schema", DIFF_SCHEMA, "a", side_json(sides[0]), "b",
        side_json(sides[1]), "total", "count_delta",
        (json_int_t)delta(sides[0]->objects, sides[1]->objects), "shallow_bytes_delta",
        (json_int_t)delta(sides[0]->bytes, sides[1]->bytes), "types", types);
    int failed = mlr_json_dump(document, stdout);
    json_decref(document);
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

static const char *signed_size(int64_t bytes, char *out, size_t out_size)
{
    char magnitude[MLR_FMT_SIZE_MAX];
    mlr_fmt_size(bytes < 0 ? (uint64_t)(-bytes) : (uint64_t)bytes, magnitude, sizeof magnitude);
    snprintf(out, out_size, "%s%s", bytes < 0 ? "-" : bytes > 0 ? "+" : " ", magnitude);
    return out;
}

static void print_side(const char *label, const diff_side *side)
{
    char time_text[MLR_FMT_TIME_MAX], size[MLR_FMT_SIZE_MAX];
    printf("%s: ", label);
    if (side->is_run) {
        mlr_put_terminal(stdout, side->label);
        printf(" (the last image of each of %zu files): %llu objects, %s\n", side->count,
               (unsigned long long)side->objects, mlr_fmt_size(side->bytes, size, sizeof size));
        return;
    }
    const mla_census *census = side->census[0];
    mlr_put_terminal(stdout, census->path);
    printf(" image %u (%s): %llu objects, %s\n", census->image.index,
           mlr_fmt_time(census->image.wall_time, time_text, sizeof time_text),
           (unsigned long long)census->object_count,
           mlr_fmt_size(census->shallow_bytes, size, sizeof size));
}

static void print_text(const diff_side *const sides[2], const diff_row *rows, size_t count, int all,
                       uint64_t limit)
{
    char change[MLR_FMT_SIZE_MAX + 2];
    print_side("A", sides[0]);
    print_side("B", sides[1]);
    printf("total: %+lld objects, %s\n\n", (long long)delta(sides[0]->objects, sides[1]->objects),
           signed_size(delta(sides[0]->bytes, sides[1]->bytes), change, sizeof change));
    printf("%12s %12s %12s %13s  %s\n", "COUNT A", "COUNT B", "DELTA", "BYTES DELTA", "TYPE");
    uint64_t shown = 0;
    for (size_t i = 0; i < count && (limit == 0 || shown < limit); i++) {
        const diff_row *row = &rows[i];
        if (!all && row->count[0] == row->count[1] && row->bytes[0] == row->bytes[1])
            continue;
        printf("%12llu %12llu %+12lld %13s  ", (unsigned long long)row->count[0],
               (unsigned long long)row->count[1], (long long)delta(row->count[0], row->count[1]),
               signed_size(delta(row->bytes[0], row->bytes[1]), change, sizeof change));
        mlr_put_terminal(stdout, row->type);
        putchar('\n');
        shown++;
    }
    if (shown == 0)
        puts("(no type changed)");
}

static int load(const char *path, long image, mla_census **out)
{
    mlt_error err;
    memset(&err, 0, sizeof err);
    mlt_status status = mla_type_census(path, image, out, &err);
    if (status != MLT_OK) {
        cli_print_failure(status, &err);
        return -1;
    }
    if ((*out)->torn_tail)
        fprintf(stderr, "%s: warning: %s\n", CLI_PROGRAM, (*out)->torn_tail);
    return 0;
}

static void side_free(diff_side *side)
{
    for (size_t i = 0; side->census && i < side->count; i++)
        mla_census_free(side->census[i]);
    free(side->census);
    memset(side, 0, sizeof *side);
}

/* The censuses of one side: one image, or the last image of each file of a run. */
static int load_side(const char *label, const cli_image_ref *ref, const cli_dump_paths *run,
                     diff_side *side)
{
    memset(side, 0, sizeof *side);
    side->label = label;
    side->is_run = run != NULL;
    size_t wanted = run ? run->count : 1;
    side->census = calloc(wanted + 1, sizeof *side->census);
    if (!side->census) {
        fprintf(stderr, "%s diff: out of memory\n", CLI_PROGRAM);
        return -1;
    }
    for (size_t i = 0; i < wanted; i++) {
        if (load(run ? run->paths[i] : ref->path, run ? -1 : ref->image, &side->census[i]) != 0)
            return -1;
        side->count++;
        side->objects += side->census[i]->object_count;
        side->bytes += side->census[i]->shallow_bytes;
        side->types += side->census[i]->type_count;
    }
    return 0;
}

static int compare(const cli_args *args, diff_side sides[2], uint64_t limit)
{
    diff_row *rows = NULL;
    long count = merge(&sides[0], &sides[1], &rows);
    const diff_side *const both[2] = {&sides[0], &sides[1]};
    int status = CLI_EXIT_ERROR;
    if (count < 0) {
        fprintf(stderr, "%s diff: out of memory\n", CLI_PROGRAM);
    } else if (cli_args_count(args, "json")) {
        status = print_json(both, rows, (size_t)count);
    } else {
        print_text(both, rows, (size_t)count, cli_args_count(args, "all") > 0, limit);
        status = CLI_EXIT_OK;
    }
    free(rows);
    return status;
}

static int is_directory(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* One argument: a run folder (its dumps, listed) or an image reference. */
typedef struct {
    cli_image_ref ref;
    cli_dump_paths run;
    int is_run;
} diff_request;

static void request_free(diff_request *r)
{
    if (r->is_run)
        cli_dump_paths_free(&r->run);
    else
        cli_image_ref_free(&r->ref);
}

static int parse_side(const char *text, diff_request *r, char *message, size_t message_size)
{
    memset(r, 0, sizeof *r);
    if (!is_directory(text))
        return cli_image_ref_parse(text, &r->ref, message, message_size);
    const char *const arguments[1] = {text};
    if (cli_dump_paths_collect(arguments, 1, &r->run, message, message_size) != 0)
        return -1;
    r->is_run = 1; /* never empty: collecting refuses a folder without dumps */
    return 0;
}

/* Checks every argument before reading any file, so usage errors come first. */
static int parse_request(const cli_args *args, diff_request requests[2], uint64_t *limit,
                         char *message, size_t message_size)
{
    const char *limit_text = cli_args_value(args, "limit");
    if (limit_text && cli_parse_count("limit", limit_text, limit, message, message_size) != 0)
        return -1;
    if (parse_side(args->positionals[0], &requests[0], message, message_size) != 0)
        return -1;
    if (parse_side(args->positionals[1], &requests[1], message, message_size) != 0) {
        request_free(&requests[0]);
        return -1;
    }
    return 0;
}

static int run(const cli_args *args, char *message, size_t message_size)
{
    uint64_t limit = 0;
    diff_request requests[2];
    if (parse_request(args, requests, &limit, message, message_size) != 0)
        return CLI_FAIL_MESSAGE;
    diff_side sides[2];
    memset(sides, 0, sizeof sides);
    int status = CLI_EXIT_ERROR;
    if (load_side(args->positionals[0], &requests[0].ref,
                  requests[0].is_run ? &requests[0].run : NULL, &sides[0]) == 0 &&
        load_side(args->positionals[1], &requests[1].ref,
                  requests[1].is_run ? &requests[1].run : NULL, &sides[1]) == 0)
        status = compare(args, sides, limit);
    side_free(&sides[0]);
    side_free(&sides[1]);
    request_free(&requests[0]);
    request_free(&requests[1]);
    return status;
}

const cli_command cli_command_diff = {
    .name = "diff",
    .summary = "compare type counts and sizes between two images",
    .usage = "diff A B [--json]",
    .description = "Compares type counts and sizes between two images. A and B are FILE (its "
                   "last image),\nFILE@N (image N, 0-based) or a run folder (the last image of "
                   "every dump in it,\nsummed over its processes).",
    .options = diff_options,
    .option_count = DIFF_OPTION_COUNT,
    .min_positionals = 2,
    .max_positionals = 2,
    .positionals = "two images A B (FILE, FILE@N or a run folder)",
    .run = run,
};
