/*
 * The dump files a command was given: files as they are, directories walked
 * recursively for every regular file whose name ends in ".mlt" (sorted, so
 * the order is stable), as `report DIR` and `report a.mlt b.mlt` take them.
 */
#ifndef MEMALOT_CLI_DUMP_PATHS_H
#define MEMALOT_CLI_DUMP_PATHS_H

#include <stddef.h>

typedef struct {
    char **paths;
    size_t count;
    int had_directory; /* 1 when a directory was given: a fleet even with one file */
} cli_dump_paths;

/* 0, or -1 with message filled (an argument that is neither a file nor a
 * directory, a directory that cannot be read, out of memory). */
int cli_dump_paths_collect(const char *const *arguments, size_t count, cli_dump_paths *out,
                           char *message, size_t message_size);
void cli_dump_paths_free(cli_dump_paths *paths);

#endif
