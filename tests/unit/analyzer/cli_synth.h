/*
 * Synthetic dumps with known leaks for the memalot-analyze tests, written
 * through the format library's writer (the only code that knows the bytes).
 * Header-only (static inline) because the test folder builds each test_*.c
 * on its own; the pieces common to every synthetic dump are synth_dump.h's.
 *
 * Heap of image k (k = 0 .. images-1), at start_time + 1 + interval * k:
 *   root module-global app.cache -> builtins.list  (one list, address 0x2000)
 *   list [j] -> app.Request j        (leaked_per_image * (k+1) of them: never freed)
 *   list .<evil attr> -> <evil type> (evil_per_image * (k+1), when evil_names)
 *   app.Request j .body -> builtins.str j, preview "body j" (str 0 previews "\e[31mred")
 *   app.Temp x transient_per_image, new in every image, unreferenced
 * Objects first seen in image k >= 1 are flagged MLT_OBJ_NEW there; image 0
 * has no base. The recorded criterion is time-based, lifetime 5 s, no warm-up.
 */
#ifndef MEMALOT_TEST_CLI_SYNTH_H
#define MEMALOT_TEST_CLI_SYNTH_H

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memalot/format.h"
#include "synth_dump.h"

#define SYNTH_EVIL_TYPE "<script>alert('type')</script>"
#define SYNTH_EVIL_ATTR "<img src=x onerror=alert(1)>"
#define SYNTH_START_TIME 1700000000.0

static const sd_run synth_run = {"memalot-synth 1", 0xfeedface12345678ull, 4242, SYNTH_START_TIME};

typedef struct {
    size_t images;
    uint32_t leaked_per_image;
    uint32_t transient_per_image;
    uint32_t evil_per_image;
    double interval; /* seconds between images */
    int argv_withheld;
    int torn_tail; /* cut the file inside its last image */
} synth_spec;

enum { SYNTH_T_LIST, SYNTH_T_REQUEST, SYNTH_T_STR, SYNTH_T_TEMP, SYNTH_T_EVIL, SYNTH_T_COUNT_ };

static inline void synth_default(synth_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->images = 4;
    spec->leaked_per_image = 10;
    spec->transient_per_image = 5;
    spec->evil_per_image = 2;
    spec->interval = 10.0;
}

static inline uint64_t synth_request_address(uint32_t j)
{
    return 0x100000u + 0x100ull * j;
}
static inline uint64_t synth_evil_address(uint32_t j)
{
    return 0x400000u + 0x100ull * j;
}
static inline uint64_t synth_str_address(uint32_t j)
{
    return 0x800000u + 0x100ull * j;
}

static inline int synth_fail(const mlt_error *err, char *message, size_t size)
{
    snprintf(message, size, "%s", err->message);
    return -1;
}

typedef struct {
    uint32_t body, app, cache, evil_attr;
} synth_ids;

static inline int synth_tables(mlt_writer *w, synth_ids *ids, mlt_error *err)
{
    static const char *const names[SYNTH_T_COUNT_] = {"builtins.list", "app.Request",
                                                      "builtins.str", "app.Temp", SYNTH_EVIL_TYPE};
    for (uint32_t t = 0; t < SYNTH_T_COUNT_; t++) {
        uint32_t index;
        if (sd_type(w, names[t], 0x10000u + 0x100u * t, 32 + 8 * t, &index, err) != MLT_OK)
            return -1;
    }
    if (sd_intern(w, "body", &ids->body, err) != MLT_OK ||
        sd_intern(w, "app", &ids->app, err) != MLT_OK ||
        sd_intern(w, "cache", &ids->cache, err) != MLT_OK ||
        sd_intern(w, SYNTH_EVIL_ATTR, &ids->evil_attr, err) != MLT_OK)
        return -1;
    return 0;
}

static inline int synth_add(mlt_writer *w, uint64_t address, uint32_t type, int is_new,
                            uint64_t size, const mlt_edge *edges, size_t edge_count, mlt_error *err)
{
    mlt_object object = {address, type, (uint8_t)(MLT_OBJ_GC_TRACKED | (is_new ? MLT_OBJ_NEW : 0)),
                         size,    1,    edge_count};
    return sd_object(w, &object, edges, err) == MLT_OK ? 0 : -1;
}

/* Objects in address order: list, requests, evil objects, strs, temps. */
static inline int synth_image(mlt_writer *w, const synth_spec *spec, size_t k, mlt_error *err)
{
    mlt_image_info info;
    sd_image_info(&info, &synth_run, k);
    info.wall_time = SYNTH_START_TIME + 1.0 + spec->interval * (double)k;
    info.monotonic_time = 100.0 + spec->interval * (double)k;
    info.criterion.kind = MLT_CRITERION_TIME;
    info.criterion.lifetime = 5.0;
    info.criterion.warmup = 0.0;
    synth_ids ids;
    if (mlt_writer_begin_image(w, &info, err) != MLT_OK || synth_tables(w, &ids, err) != 0)
        return -1;
    uint32_t requests = spec->leaked_per_image * (uint32_t)(k + 1);
    uint32_t evils = spec->evil_per_image * (uint32_t)(k + 1);
    uint32_t first_request = 1, first_evil = 1 + requests, first_str = first_evil + evils;
    size_t list_edges = (size_t)requests + evils;
    mlt_edge *edges = calloc(list_edges + 1, sizeof *edges);
    if (!edges)
        return -1;
    for (uint32_t j = 0; j < requests; j++)
        edges[j] = (mlt_edge){first_request + j, MLT_LABEL_INDEX, j};
    for (uint32_t j = 0; j < evils; j++)
        edges[requests + j] = (mlt_edge){first_evil + j, MLT_LABEL_ATTR, ids.evil_attr};
    int failed = synth_add(w, 0x2000, SYNTH_T_LIST, 0, 56 + 8 * list_edges, edges, list_edges, err);
    free(edges);
    for (uint32_t j = 0; !failed && j < requests; j++) {
        mlt_edge body = {first_str + j, MLT_LABEL_ATTR, ids.body};
        failed = synth_add(w, synth_request_address(j), SYNTH_T_REQUEST,
                           k > 0 && j >= spec->leaked_per_image * k, 48, &body, 1, err);
    }
    for (uint32_t j = 0; !failed && j < evils; j++)
        failed = synth_add(w, synth_evil_address(j), SYNTH_T_EVIL,
                           k > 0 && j >= spec->evil_per_image * k, 32, NULL, 0, err);
    for (uint32_t j = 0; !failed && j < requests; j++)
        failed = synth_add(w, synth_str_address(j), SYNTH_T_STR,
                           k > 0 && j >= spec->leaked_per_image * k, 60, NULL, 0, err);
    for (uint32_t j = 0; !failed && j < spec->transient_per_image; j++)
        failed = synth_add(w, 0x900000u + 0x10000ull * k + 0x40ull * j, SYNTH_T_TEMP, k > 0, 24,
                           NULL, 0, err);
    mlt_root root = {MLT_ROOT_MODULE_GLOBAL, 0, ids.cache, ids.app, 0, 0};
    if (failed || mlt_writer_add_root(w, &root, err) != MLT_OK)
        return -1;
    for (uint32_t j = 0; j < requests; j++) {
        char text[64];
        if (j == 0)
            snprintf(text, sizeof text, "\x1b[31mred");
        else
            snprintf(text, sizeof text, "body %u", j);
        if (sd_preview_text(w, first_str + j, MLT_PREVIEW_STR, text, err) != MLT_OK)
            return -1;
    }
    return mlt_writer_end_image(w, 1000, err) == MLT_OK ? 0 : -1;
}

/* Writes the dump described by spec; returns 0 or -1 with message filled. */
static inline int synth_write(const char *path, const synth_spec *spec, char *message,
                              size_t message_size)
{
    static const char *const argv[] = {"app.py", "--serve"};
    mlt_file_info file;
    sd_file_info(&file, &synth_run);
    file.python_hexversion = 0x030C01F0;
    file.python_implementation = "cpython";
    file.python_build = "3.12.1 (synthetic)";
    file.gc_preheader_size = 16;
    file.platform = "linux-x86_64";
    file.argv_withheld = spec->argv_withheld;
    file.argc = spec->argv_withheld ? 0 : 2;
    file.argv = spec->argv_withheld ? NULL : argv;
    mlt_writer *w = NULL;
    mlt_error err;
    memset(&err, 0, sizeof err);
    if (mlt_writer_open(path, &file, NULL, &w, &err) != MLT_OK)
        return synth_fail(&err, message, message_size);
    uint64_t before_last = 0;
    for (size_t k = 0; k < spec->images; k++) {
        before_last = mlt_writer_file_size(w);
        if (synth_image(w, spec, k, &err) != 0) {
            mlt_writer_close(w);
            return synth_fail(&err, message, message_size);
        }
    }
    uint64_t end = mlt_writer_file_size(w);
    mlt_writer_close(w);
    if (spec->torn_tail && truncate(path, (off_t)(before_last + (end - before_last) / 2)) != 0) {
        snprintf(message, message_size, "truncate %.400s failed", path);
        return -1;
    }
    return 0;
}

/* The standard set in dir: leaky.mlt (default spec), clean.mlt (nothing
 * kept), torn.mlt (default spec, last image cut), withheld.mlt (argv
 * withheld), copy.bin (the default spec under another name), notes.txt and
 * short.txt (not dumps), garbage.mlt (named like a dump, is not). */
static inline int synth_write_set(const char *dir, char *message, size_t message_size)
{
    static const char *const names[] = {"leaky.mlt", "clean.mlt", "torn.mlt", "withheld.mlt",
                                        "copy.bin"};
    char path[4096];
    for (size_t i = 0; i < 5; i++) {
        synth_spec spec;
        synth_default(&spec);
        if (i == 1)
            spec.leaked_per_image = spec.evil_per_image = 0;
        spec.torn_tail = i == 2;
        spec.argv_withheld = i == 3;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (synth_write(path, &spec, message, message_size) != 0)
            return -1;
    }
    static const char *const others[][2] = {{"notes.txt", "just some notes\n"},
                                            {"short.txt", "hi\n"},
                                            {"garbage.mlt", "this is not a heap image at all\n"}};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, others[i][0]);
        FILE *out = fopen(path, "w");
        if (!out || fputs(others[i][1], out) < 0 || fclose(out) != 0) {
            snprintf(message, message_size, "cannot write %.400s", path);
            return -1;
        }
    }
    return 0;
}

/* Removes what synth_write_set wrote, plus the named extra files, and dir. */
static inline void synth_remove_set(const char *dir, const char *const *extra, size_t extra_count)
{
    static const char *const names[] = {"leaky.mlt", "clean.mlt", "torn.mlt",  "withheld.mlt",
                                        "copy.bin",  "notes.txt", "short.txt", "garbage.mlt"};
    char path[4096];
    for (size_t i = 0; i < sizeof names / sizeof names[0] + extra_count; i++) {
        const char *name = i < sizeof names / sizeof names[0]
                               ? names[i]
                               : extra[i - sizeof names / sizeof names[0]];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
    }
    rmdir(dir);
}

#endif /* MEMALOT_TEST_CLI_SYNTH_H */
