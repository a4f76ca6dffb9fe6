/* See synth_dump.h. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp, strdup */

#include "synth_dump.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sd_file_info(mlt_file_info *info, const sd_run *run)
{
    memset(info, 0, sizeof *info);
    info->producer = run->producer;
    info->python_version = "3.12.1";
    info->pointer_size = 8;
    info->pid = run->pid;
    info->run_id = run->run_id;
    info->start_time = run->start_time;
}

void sd_image_info(mlt_image_info *info, const sd_run *run, uint64_t sequence)
{
    memset(info, 0, sizeof *info);
    info->sequence = sequence;
    info->has_base = sequence > 0;
    info->base_sequence = sequence ? sequence - 1 : 0;
    info->run_id = run->run_id;
    info->pid = run->pid;
    info->trigger = MLT_TRIGGER_PERIODIC;
    info->identity = MLT_IDENTITY_REFTRACER;
}

mlt_status sd_intern(mlt_writer *w, const char *text, uint32_t *id, mlt_error *err)
{
    return mlt_writer_intern(w, text, strlen(text), id, err);
}

mlt_status sd_type(mlt_writer *w, const char *name, uint64_t address, uint64_t basicsize,
                   uint32_t *index, mlt_error *err)
{
    mlt_type type = {0, address, basicsize, 0};
    mlt_status st = sd_intern(w, name, &type.name, err);
    return st == MLT_OK ? mlt_writer_add_type(w, &type, index, err) : st;
}

mlt_status sd_object(mlt_writer *w, const mlt_object *object, const mlt_edge *edges, mlt_error *err)
{
    mlt_status st = mlt_writer_add_object(w, object, err);
    if (st != MLT_OK || object->edge_count == 0)
        return st;
    return mlt_writer_add_edges(w, edges, object->edge_count, err);
}

mlt_status sd_preview_text(mlt_writer *w, uint32_t object, mlt_preview_kind kind, const char *text,
                           mlt_error *err)
{
    mlt_preview preview = {object, kind, 0, (const uint8_t *)text, (uint32_t)strlen(text)};
    return mlt_writer_add_preview(w, &preview, err);
}

/* Directories this process made, removed at exit. */
static char *made[256];
static int made_count;

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void remove_made(void)
{
    for (int i = 0; i < made_count; i++) {
        nftw(made[i], remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        free(made[i]);
    }
    made_count = 0;
}

char *sd_temp_path(const char *name)
{
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/mlt-test-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        return NULL;
    if (made_count == 0)
        atexit(remove_made);
    if (made_count < 256)
        made[made_count++] = strdup(dir);
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "%s/%s", dir, name);
    return path;
}
