/*
 * `memalot-analyze list [DIR] [--json]`: the dumps in a directory (default
 * $MEMALOT_DIR, else ~/.memalot/dumps). A file is a dump when it starts with
 * the format's signature or is named *.mlt; a damaged dump is listed with its
 * error rather than stopping the listing, since finding the damaged one is
 * often why the user is looking. Checksums are not verified here (that
 * is `info`'s job) so that listing large dumps stays quick.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "args.h"
#include "cli.h"
#include "memalot/render.h"
#include "memalot/render_json.h"

#define LIST_SCHEMA "memalot-list/1"

static const cli_opt_spec list_options[] = {
    {"json", CLI_OPT_FLAG, NULL, "print JSON (schema memalot-list/1) instead of text", NULL},
    {"help", CLI_OPT_FLAG, NULL, "show this help", NULL},
};
#define LIST_OPTION_COUNT (sizeof list_options / sizeof list_options[0])

typedef struct {
    char *name;
    char *path;
    uint64_t size;
    int ok;          /* the reader opened it */
    mlt_error error; /* when !ok */
    char *program;   /* argv[0] or NULL (withheld) */
    uint64_t pid;
    uint64_t run_id, parent_pid, parent_run_id, launch_id; /* lineage: 0 when absent */
    double start_time;
    size_t images;
    int tail_torn;
    unsigned depth; /* in its launch's process tree (0: the first process) */
} dump_entry;

static int has_dump_suffix(const char *name)
{
    size_t length = strlen(name);
    return length >= 4 && strcmp(name + length - 4, ".mlt") == 0;
}

static char *join_path(const char *directory, const char *name)
{
    size_t length = strlen(directory) + strlen(name) + 2;
    char *path = malloc(length);
    if (path)
        snprintf(path, length, "%s/%s", directory, name);
    return path;
}

static char *copy_string(const char *text)
{
    if (!text)
        return NULL;
    char *copy = malloc(strlen(text) + 1);
    if (copy)
        strcpy(copy, text);
    return copy;
}

static int has_dump_signature(const char *path)
{
    unsigned char head[MLT_FILE_SIGNATURE_LEN];
    FILE *in = fopen(path, "rb");
    if (!in)
        return 0;
    size_t got = fread(head, 1, sizeof head, in);
    fclose(in);
    return mlt_has_file_signature(head, got);
}

/* Fills entry from the file; returns 0 to keep it, -1 to skip (not a dump). */
static int examine(dump_entry *entry)
{
    if (!has_dump_suffix(entry->name) && !has_dump_signature(entry->path))
        return -1;
    mlt_reader_options options = {0};
    options.skip_checksums = 1;
    mlt_reader *reader = NULL;
    if (mlt_reader_open(entry->path, &options, &reader, &entry->error) != MLT_OK)
        return 0;
    const mlt_file_info *file = mlt_reader_file_info(reader);
    entry->ok = 1;
    entry->program = !file->argv_withheld && file->argv && file->argc ? copy_string(file->argv[0])
                                                                      : NULL;
    entry->pid = file->pid;
    entry->run_id = file->run_id;
    entry->parent_pid = file->parent_pid;
    entry->parent_run_id = file->parent_run_id;
    entry->launch_id = file->launch_id;
    entry->start_time = file->start_time;
    entry->images = mlt_reader_image_count(reader);
    entry->tail_torn = mlt_reader_tail_error(reader) != NULL;
    mlt_reader_close(reader);
    return 0;
}

static int compare_entries(const void *a, const void *b)
{
    return strcmp(((const dump_entry *)a)->name, ((const dump_entry *)b)->name);
}

static void free_entry(dump_entry *entry)
{
    free(entry->name);
    free(entry->path);
    free(entry->program);
}

static void free_entries(dump_entry *entries, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free_entry(&entries[i]);
    free(entries);
}

/* Collects the dumps of a directory, sorted by name. -1 when it cannot be read. */
static int collect(const char *directory, dump_entry **out, size_t *out_count)
{
    DIR *dir = opendir(directory);
    if (!dir)
        return -1;
    dump_entry *entries = NULL;
    size_t count = 0;
    struct dirent *item;
    while ((item = readdir(dir)) != NULL) {
        struct stat info;
        char *path = join_path(directory, item->d_name);
        if (!path || stat(path, &info) != 0 || !S_ISREG(info.st_mode)) {
            free(path);
            continue;
        }
        dump_entry entry = {0};
        entry.name = copy_string(item->d_name);
        entry.path = path;
        entry.size = (uint64_t)info.st_size;
        dump_entry *grown = NULL;
        if (!entry.name || examine(&entry) != 0 ||
            !(grown = realloc(entries, (count + 1) * sizeof *entries))) {
            free_entry(&entry);
            continue;
        }
        entries = grown;
        entries[count++] = entry;
    }
    closedir(dir);
    if (count > 1)
        qsort(entries, count, sizeof *entries, compare_entries);
    *out = entries;
    *out_count = count;
    return 0;
}

/* ---------------------------------------------------- launches and trees
 *
 * One launch (a server's master and its workers) writes files that share a
 * launch_id; they are listed together, each child under its parent (depth,
 * siblings by start time), at the place of the first process's name. */

static uint64_t launch_of(const dump_entry *e)
{
    return !e->ok ? 0 : e->launch_id ? e->launch_id : e->run_id;
}

static int parent_listed(const dump_entry *entries, size_t count, const dump_entry *e)
{
    for (size_t i = 0; e->parent_run_id && i < count; i++)
        if (entries[i].ok && entries[i].run_id == e->parent_run_id && &entries[i] != e)
            return 1;
    return 0;
}

/* Appends e and, depth first, its children (by start time) to order. */
static void place(const dump_entry *entries, size_t count, size_t e, unsigned depth,
                  uint8_t *placed, size_t *order, size_t *n, unsigned *depths)
{
    placed[e] = 1;
    depths[*n] = depth;
    order[(*n)++] = e;
    for (;;) {
        size_t best = count;
        for (size_t i = 0; i < count; i++)
            if (!placed[i] && entries[i].ok && entries[i].parent_run_id == entries[e].run_id &&
                launch_of(&entries[i]) == launch_of(&entries[e]) &&
                (best == count || entries[i].start_time < entries[best].start_time))
                best = i;
        if (best == count)
            return;
        place(entries, count, best, depth + 1 < 32 ? depth + 1 : depth, placed, order, n, depths);
    }
}

/* Reorders entries by launch and process tree; quadratic, fine for a run
 * folder (it is the reading of each file that costs). Keeps the name
 * order on failure. */
static void order_by_launch(dump_entry *entries, size_t count)
{
    uint8_t *placed = calloc(count + 1, 1);
    size_t *order = malloc((count + 1) * sizeof *order);
    unsigned *depths = malloc((count + 1) * sizeof *depths);
    dump_entry *sorted = malloc((count + 1) * sizeof *sorted);
    size_t n = 0;
    while (placed && order && depths && sorted && n < count) {
        size_t first = count; /* the first root by name not placed yet */
        for (size_t i = 0; i < count && first == count; i++)
            if (!placed[i] && !(entries[i].ok && parent_listed(entries, count, &entries[i])))
                first = i;
        if (first == count) /* a cycle in the lineage: place what is left as it comes */
            for (size_t i = 0; i < count && first == count; i++)
                first = placed[i] ? count : i;
        place(entries, count, first, 0, placed, order, &n, depths);
    }
    if (placed && order && depths && sorted && n == count) {
        for (size_t i = 0; i < count; i++) {
            sorted[i] = entries[order[i]];
            sorted[i].depth = depths[i];
        }
        if (count)
            memcpy(entries, sorted, count * sizeof *entries);
    }
    free(placed);
    free(order);
    free(depths);
    free(sorted);
}

static json_t *entry_json(const dump_entry *entry)
{
    char time_text[MLR_FMT_TIME_MAX];
    json_t *object = json_pack("{s:o, s:o, s:I}", "file", mlr_json_string(entry->name), "path",
                               mlr_json_string(entry->path), "size", (json_int_t)entry->size);
    if (!object)
        return NULL;
    if (!entry->ok) {
        json_object_set_new(object, "error", mlr_json_string(entry->error.message));
        return object;
    }
    json_object_set_new(object, "error", json_null());
    json_object_set_new(object, "program",
                        entry->program ? mlr_json_string(entry->program) : json_null());
    json_object_set_new(object, "argv_withheld", json_boolean(entry->program == NULL));
    json_object_set_new(object, "pid", json_integer((json_int_t)entry->pid));
    json_object_set_new(object, "run_id", mlr_json_hex(entry->run_id));
    json_object_set_new(object, "parent_pid", json_integer((json_int_t)entry->parent_pid));
    json_object_set_new(object, "parent_run_id", mlr_json_hex(entry->parent_run_id));
    json_object_set_new(object, "launch_id", mlr_json_hex(launch_of(entry)));
    json_object_set_new(object, "depth", json_integer((json_int_t)entry->depth));
    json_object_set_new(object, "start_time", mlr_json_real(entry->start_time));
    json_object_set_new(object, "started",
                        json_string(mlr_fmt_time(entry->start_time, time_text, sizeof time_text)));
    json_object_set_new(object, "images", json_integer((json_int_t)entry->images));
    json_object_set_new(object, "tail_torn", json_boolean(entry->tail_torn));
    return object;
}

static int print_json(const char *directory, const dump_entry *entries, size_t count)
{
    json_t *dumps = json_array();
    for (size_t i = 0; dumps && i < count; i++)
        json_array_append_new(dumps, entry_json(&entries[i]));
    json_t *document = json_pack("{s:s, s:o, s:o}", "schema", LIST_SCHEMA, "directory",
                                 mlr_json_string(directory), "dumps", dumps);
    int failed = mlr_json_dump(document, stdout);
    json_decref(document);
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

/* Untrusted names are escaped, so the padding counts the raw bytes: good
 * enough for alignment of ordinary names, never a reason to cut one. */
static void put_padded(const char *text, int width)
{
    mlr_put_terminal(stdout, text);
    for (int used = (int)strlen(text); used < width; used++)
        putchar(' ');
}

/* The file name goes last: generated names are long and would push every
 * other column out of line. */
static void print_text(const char *directory, const dump_entry *entries, size_t count)
{
    if (count == 0) {
        fputs("no memalot dumps in ", stdout);
        mlr_put_terminal(stdout, directory);
        putchar('\n');
        return;
    }
    printf("%-24s %8s %7s %10s  %-20s %s\n", "STARTED (UTC)", "PID", "IMAGES", "SIZE", "PROGRAM",
           "FILE");
    int any_torn = 0;
    for (size_t i = 0; i < count; i++) {
        const dump_entry *entry = &entries[i];
        char time_text[MLR_FMT_TIME_MAX], size[MLR_FMT_SIZE_MAX];
        mlr_fmt_size(entry->size, size, sizeof size);
        if (!entry->ok) {
            printf("%-24s %8s %7s %10s  %-20s ", "(unreadable)", "-", "-", size, "-");
            mlr_put_terminal(stdout, entry->name);
            fputs("\n    error: ", stdout);
            mlr_put_terminal(stdout, entry->error.message);
            putchar('\n');
            continue;
        }
        any_torn |= entry->tail_torn;
        if (i > 0 && entry->depth == 0 && launch_of(&entries[i - 1]) != launch_of(entry) &&
            entries[i - 1].depth > 0)
            putchar('\n'); /* a blank line after each process tree */
        printf("%-24s %8llu %6zu%s %10s  ",
               mlr_fmt_time(entry->start_time, time_text, sizeof time_text),
               (unsigned long long)entry->pid, entry->images, entry->tail_torn ? "+" : " ", size);
        for (unsigned d = 0; d < entry->depth; d++)
            fputs("  ", stdout); /* a child under its parent */
        put_padded(entry->program ? entry->program : "(withheld)",
                   20 - 2 * (int)(entry->depth < 10 ? entry->depth : 10));
        putchar(' ');
        mlr_put_terminal(stdout, entry->name);
        putchar('\n');
    }
    if (any_torn)
        puts("(+: the file ends in a torn or damaged image; run `info` for details)");
}

static const char *default_directory(char *buffer, size_t size)
{
    const char *configured = getenv("MEMALOT_DIR");
    if (configured && configured[0])
        return configured;
    const char *home = getenv("HOME");
    snprintf(buffer, size, "%s/.memalot/dumps", home && home[0] ? home : ".");
    return buffer;
}

static int run(const cli_args *args, char *message, size_t message_size)
{
    (void)message;
    (void)message_size;
    char fallback[4096];
    const char *directory = args->positional_count ? args->positionals[0]
                                                   : default_directory(fallback, sizeof fallback);
    dump_entry *entries = NULL;
    size_t count = 0;
    if (collect(directory, &entries, &count) != 0) {
        /* printed here: a long DIR would not fit the message buffer */
        fprintf(stderr, "%s list: cannot read directory %s: %s\n", CLI_PROGRAM, directory,
                strerror(errno));
        return CLI_EXIT_ERROR;
    }
    order_by_launch(entries, count);
    int status = CLI_EXIT_OK;
    if (cli_args_count(args, "json"))
        status = print_json(directory, entries, count);
    else
        print_text(directory, entries, count);
    free_entries(entries, count);
    return status;
}

const cli_command cli_command_list = {
    .name = "list",
    .summary = "list the dump files in a directory",
    .usage = "list [DIR] [--json]",
    .description = "Lists memalot dumps in DIR (default $MEMALOT_DIR, else ~/.memalot/dumps).",
    .options = list_options,
    .option_count = LIST_OPTION_COUNT,
    .min_positionals = 0,
    .max_positionals = 1,
    .positionals = "at most one DIR",
    .run = run,
};
