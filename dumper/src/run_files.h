/* The other dump files of this process's launch in its run folder: what the
 * run-wide disk budget (memalot/_disk_budget.py) subtracts from the budget
 * before it lets this process's file grow.
 *
 * A file belongs to the launch when its header's launch_id is this one's
 * (docs/format.md, lineage fields). Each file's header is read once per
 * process and remembered by device and inode, ours or not, so the folder
 * costs a directory listing and a stat per file at each image. */
#ifndef MEMALOT_DUMPER_RUN_FILES_H
#define MEMALOT_DUMPER_RUN_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    dev_t dev;
    ino_t ino;
    uint64_t launch_id;
} mld_run_file;

typedef struct {
    mld_run_file *files; /* headers read so far */
    size_t count, capacity;
} mld_run_files;

/* Sums the sizes of the regular *.mlt files in `directory` (not recursing,
 * not following symlinks) that belong to launch_id, own_path excepted.
 * Returns 0, or -1 with a message (the folder cannot be listed). Takes no
 * Python object: callable without the GIL. */
int mld_run_bytes(mld_run_files *known, const char *directory, const char *own_path,
                  uint64_t launch_id, uint64_t *bytes, char *error, size_t error_size);

void mld_run_files_free(mld_run_files *known);

#endif
