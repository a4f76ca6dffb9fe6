/*
 * `memalot-analyze diff A B [--json]`: what changed, type by type, between
 * two images (A, B = FILE for its last image or FILE@N for image N; they may
 * come from different files). Types are matched by qualified name, since
 * type indexes are per image. Sorted by byte delta, largest growth first.
 */
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "memalot/render.h"
#include "memalot/render_json.h"
#include "image_ref.h"

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

static const mla_type_count **sorted_by_name(const mla_census *census)
{
    const mla_type_count **sorted = calloc(census->type_count + 1, sizeof *sorted);
    if (!sorted)
        return NULL;
    for (size_t i = 0; i < census->type_count; i++)
        sorted[i] = &census->types[i];
    qsort(sorted, census->type_count, sizeof *sorted, compare_names);
    return sorted;
}

/* Merges two censuses by type name (a name seen twice in one image, e.g.
 * classes made by a factory, is summed). Returns the row count or -1. */
static long merge(const mla_census *a, const mla_census *b, diff_row **out)
{
    const mla_type_count **sides[2] = {sorted_by_name(a), sorted_by_name(b)};
    size_t sizes[2] = {a->type_count, b->type_count}, next[2] = {0, 0};
    diff_row *rows = calloc(a->type_count + b->type_count + 1, sizeof *rows);
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

static json_t *side_json(const mla_census *census)
{
    char time_text[MLR_FMT_TIME_MAX];
    return json_pack("{s:o, s:I, s:s, s:I, s:I}", "path", mlr_json_string(census->path), "image",
                     (json_int_t)census->image.index, "time",
                     mlr_fmt_time(census->image.wall_time, time_text, sizeof time_text), "objects",
                     (json_int_t)census->object_count, "shallow_bytes",
                     (json_int_t)census->shallow_bytes);
}

static int print_json(const mla_census *const census[2], const diff_row *rows, size_t count)
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
        "{s:s, s:o, s:o, s:{s:I, s:I}, s:o}", "schema", DIFF_SCHEMA, "a", side_json(census[0]), "b",
        side_json(census[1]), "total", "count_delta",
        (json_int_t)delta(census[0]->object_count, census[1]->object_count), "shallow_bytes_delta",
        (json_int_t)delta(census[0]->shallow_bytes, census[1]->shallow_bytes), "types", types);
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

static void print_side(const char *label, const mla_census *census)
{
    char time_text[MLR_FMT_TIME_MAX], size[MLR_FMT_SIZE_MAX];
    printf("%s: ", label);
    mlr_put_terminal(stdout, census->path);
    printf(" image %u (%s): %llu objects, %s\n", census->image.index,
           mlr_fmt_time(census->image.wall_time, time_text, sizeof time_text),
           (unsigned long long)census->object_count,
           mlr_fmt_size(census->shallow_bytes, size, sizeof size));
}

static void print_text(const mla_census *const census[2], const diff_row *rows, size_t count,
                       int all, uint64_t limit)
{
    char change[MLR_FMT_SIZE_MAX + 2];
    print_side("A", census[0]);
    print_side("B", census[1]);
    printf("total: %+lld objects, %s\n\n",
           (long long)delta(census[0]->object_count, census[1]->object_count),
           signed_size(delta(census[0]->shallow_bytes, census[1]->shallow_bytes), change,
                       sizeof change));
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

static int load(const cli_image_ref *ref, mla_census **out)
{
    mlt_error err;
    memset(&err, 0, sizeof err);
    mlt_status status = mla_type_census(ref->path, ref->image, out, &err);
    if (status != MLT_OK) {
        cli_print_failure(status, &err);
        return -1;
    }
    if ((*out)->torn_tail)
        fprintf(stderr, "%s: warning: %s\n", CLI_PROGRAM, (*out)->torn_tail);
    return 0;
}

static int compare(const cli_args *args, const cli_image_ref refs[2], uint64_t limit)
{
    mla_census *census[2] = {NULL, NULL};
    int status = CLI_EXIT_ERROR;
    if (load(&refs[0], &census[0]) == 0 && load(&refs[1], &census[1]) == 0) {
        diff_row *rows = NULL;
        long count = merge(census[0], census[1], &rows);
        const mla_census *const sides[2] = {census[0], census[1]};
        if (count < 0) {
            fprintf(stderr, "%s diff: out of memory\n", CLI_PROGRAM);
        } else if (cli_args_count(args, "json")) {
            status = print_json(sides, rows, (size_t)count);
        } else {
            print_text(sides, rows, (size_t)count, cli_args_count(args, "all") > 0, limit);
            status = CLI_EXIT_OK;
        }
        free(rows);
    }
    mla_census_free(census[0]);
    mla_census_free(census[1]);
    return status;
}

/* Checks every argument before reading any file, so usage errors come first. */
static int parse_request(const cli_args *args, cli_image_ref refs[2], uint64_t *limit,
                         char *message, size_t message_size)
{
    const char *limit_text = cli_args_value(args, "limit");
    if (limit_text && cli_parse_count("limit", limit_text, limit, message, message_size) != 0)
        return -1;
    if (cli_image_ref_parse(args->positionals[0], &refs[0], message, message_size) != 0)
        return -1;
    if (cli_image_ref_parse(args->positionals[1], &refs[1], message, message_size) != 0) {
        cli_image_ref_free(&refs[0]);
        return -1;
    }
    return 0;
}

static int run(const cli_args *args, char *message, size_t message_size)
{
    uint64_t limit = 0;
    cli_image_ref refs[2];
    if (parse_request(args, refs, &limit, message, message_size) != 0)
        return CLI_FAIL_MESSAGE;
    int status = compare(args, refs, limit);
    cli_image_ref_free(&refs[0]);
    cli_image_ref_free(&refs[1]);
    return status;
}

const cli_command cli_command_diff = {
    .name = "diff",
    .summary = "compare type counts and sizes between two images",
    .usage = "diff A B [--json]",
    .description = "Compares type counts and sizes between two images. A and B are FILE (its "
                   "last image)\nor FILE@N (image N, 0-based).",
    .options = diff_options,
    .option_count = DIFF_OPTION_COUNT,
    .min_positionals = 2,
    .max_positionals = 2,
    .positionals = "two images A B (FILE or FILE@N)",
    .run = run,
};
