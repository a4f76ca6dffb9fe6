/* Collects dump paths from files and directories (see dump_paths.h). */
#define _POSIX_C_SOURCE 200809L

#include "dump_paths.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Deep enough for any run folder; a bound so a symlink loop cannot recurse forever. */
#define MAX_DEPTH 16

static int add(cli_dump_paths *out, const char *path)
{
    char **grown = realloc(out->paths, (out->count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    out->paths = grown;
    out->paths[out->count] = strdup(path);
    return out->paths[out->count] ? (out->count++, 0) : -1;
}

static int is_dump_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".mlt") == 0 && name[0] != '.';
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, int depth, cli_dump_paths *out, char *message, size_t size)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(message, size, "%s: cannot read the directory: %s", dir, strerror(errno));
        return -1;
    }
    int failed = 0;
    struct dirent *item;
    while (!failed && (item = readdir(d)) != NULL) {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
            continue;
        size_t length = strlen(dir) + strlen(item->d_name) + 2;
        char *path = malloc(length);
        if (!path) {
            failed = -1;
            break;
        }
        snprintf(path, length, "%s/%s", dir, item->d_name);
        struct stat info;
        if (lstat(path, &info) == 0) { /* symlinks are not followed into */
            if (S_ISDIR(info.st_mode) && depth < MAX_DEPTH)
                failed = walk(path, depth + 1, out, message, size);
            else if (S_ISREG(info.st_mode) && is_dump_name(item->d_name) && add(out, path) != 0)
                failed = -1;
        }
        free(path);
    }
    closedir(d);
    if (failed && !message[0])
        snprintf(message, size, "out of memory listing %s", dir);
    return failed;
}

int cli_dump_paths_collect(const char *const *arguments, size_t count, cli_dump_paths *out,
                           char *message, size_t message_size)
{
    memset(out, 0, sizeof *out);
    message[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        struct stat info;
        if (stat(arguments[i], &info) == 0 && S_ISDIR(info.st_mode)) {
            size_t before = out->count;
            out->had_directory = 1;
            if (walk(arguments[i], 0, out, message, message_size) != 0)
                goto fail;
            if (out->count == before) { /* refused before sorting: qsort takes no NULL array */
                snprintf(message, message_size, "%s: no dump files (*.mlt) in the directory",
                         arguments[i]);
                goto fail;
            }
            qsort(out->paths + before, out->count - before, sizeof *out->paths, by_path);
        } else if (add(out, arguments[i]) != 0) { /* a file: its reader says what is wrong */
            snprintf(message, message_size, "out of memory");
            goto fail;
        }
    }
    return 0;
fail:
    cli_dump_paths_free(out);
    return -1;
}

void cli_dump_paths_free(cli_dump_paths *paths)
{
    for (size_t i = 0; i < paths->count; i++)
        free(paths->paths[i]);
    free(paths->paths);
    memset(paths, 0, sizeof *paths);
}
