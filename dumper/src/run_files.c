/* See run_files.h. */
#define _DEFAULT_SOURCE /* DT_REG, fstatat flags */
#include "run_files.h"

#include "memalot/format.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A folder with more files than this is not scanned further: the budget
 * counts what it saw (docs/user-guide.md, "Disk budget": one run, one folder). */
#define MLD_RUN_FILES_MAX 65536

static int is_dump_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".mlt") == 0;
}

static const mld_run_file *find_known(const mld_run_files *known, dev_t dev, ino_t ino)
{
    for (size_t i = 0; i < known->count; i++) {
        if (known->files[i].dev == dev && known->files[i].ino == ino) {
            return &known->files[i];
        }
    }
    return NULL;
}

/* The file's launch_id from its header, or -1 when it cannot be read yet (a
 * header still being written) or is no dump: not remembered, asked again. */
static int read_launch_id(const char *path, uint64_t *launch_id)
{
    mlt_reader_options options = {0, 1};
    mlt_reader *r = NULL;
    mlt_error err;
    if (mlt_reader_open(path, &options, &r, &err) != MLT_OK) {
        return -1;
    }
    *launch_id = mlt_reader_file_info(r)->launch_id;
    mlt_reader_close(r);
    return 0;
}

static void remember(mld_run_files *known, dev_t dev, ino_t ino, uint64_t launch_id)
{
    if (known->count == known->capacity) {
        size_t capacity = known->capacity ? known->capacity * 2 : 16;
        mld_run_file *grown = realloc(known->files, capacity * sizeof(*grown));
        if (grown == NULL) {
            return; /* read again next time */
        }
        known->files = grown;
        known->capacity = capacity;
    }
    known->files[known->count++] = (mld_run_file){dev, ino, launch_id};
}

static int launch_of(mld_run_files *known, const char *path, const struct stat *st,
                     uint64_t *launch_id)
{
    const mld_run_file *seen = find_known(known, st->st_dev, st->st_ino);
    if (seen != NULL) {
        *launch_id = seen->launch_id;
        return 0;
    }
    if (read_launch_id(path, launch_id) != 0) {
        return -1;
    }
    remember(known, st->st_dev, st->st_ino, *launch_id);
    return 0;
}

int mld_run_bytes(mld_run_files *known, const char *directory, const char *own_path,
                  uint64_t launch_id, uint64_t *bytes, char *error, size_t error_size)
{
    *bytes = 0;
    struct stat own;
    int have_own = stat(own_path, &own) == 0;
    DIR *dir = opendir(directory);
    if (dir == NULL) {
        snprintf(error, error_size, "cannot list the run folder %s: %s", directory,
                 strerror(errno));
        return -1;
    }
    char path[4096];
    size_t seen = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL && seen++ < MLD_RUN_FILES_MAX) {
        struct stat st;
        if (!is_dump_name(entry->d_name) ||
            fstatat(dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) ||
            (have_own && st.st_dev == own.st_dev && st.st_ino == own.st_ino)) {
            continue;
        }
        uint64_t theirs = 0;
        int n = snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name);
        if (n < 0 || (size_t)n >= sizeof(path) || launch_of(known, path, &st, &theirs) != 0) {
            continue;
        }
        if (theirs == launch_id) {
            *bytes += (uint64_t)st.st_size;
        }
    }
    closedir(dir);
    return 0;
}

void mld_run_files_free(mld_run_files *known)
{
    free(known->files);
    memset(known, 0, sizeof(*known));
}
