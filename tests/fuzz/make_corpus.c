/* Writes the seed corpus: small valid dumps covering every stream, stored and
 * compressed blocks, several images. Run: make_corpus <dir>. */
#include <stdio.h>
#include <string.h>

#include "memalot/format.h"

static int write_image(mlt_writer *w, uint64_t sequence, uint64_t objects, mlt_error *err)
{
    mlt_image_info info = {.sequence = sequence,
                           .has_base = sequence > 0,
                           .base_sequence = sequence ? sequence - 1 : 0,
                           .run_id = 7,
                           .pid = 99,
                           .wall_time = 1.5,
                           .monotonic_time = 2.5,
                           .trigger = MLT_TRIGGER_PERIODIC,
                           .function = "mod.f",
                           .criterion = {.kind = MLT_CRITERION_TIME, .lifetime = 10}};
    if (mlt_writer_begin_image(w, &info, err))
        return -1;
    uint32_t names[4], types[2];
    const char *text[4] = {"builtins.dict", "builtins.list", "key", "caf\xc3\xa9"};
    for (int i = 0; i < 4; i++)
        if (mlt_writer_intern(w, text[i], strlen(text[i]), &names[i], err))
            return -1;
    for (int i = 0; i < 2; i++) {
        mlt_type t = {.name = names[i], .address = 0x1000u + 0x100u * (unsigned)i, .basicsize = 64};
        if (mlt_writer_add_type(w, &t, &types[i], err))
            return -1;
    }
    for (uint64_t i = 0; i < objects; i++) {
        mlt_object o = {.address = 0x7f0000000000ull + 32 * i,
                        .type = types[i % 2],
                        .flags = (uint8_t)(i % 3 ? MLT_OBJ_GC_TRACKED : MLT_OBJ_NEW),
                        .size = 64 + i,
                        .refcount = 1 + i % 3,
                        .edge_count = i % 4};
        if (mlt_writer_add_object(w, &o, err))
            return -1;
        for (uint64_t j = 0; j < o.edge_count; j++) {
            mlt_edge e = {.target = (uint32_t)((i + j + 1) % objects),
                          .label_kind = (uint32_t)((i + j) % MLT_LABEL_COUNT_)};
            e.label = e.label_kind == MLT_LABEL_KEY_OBJ ? (i + 2) % objects
                      : e.label_kind == MLT_LABEL_INDEX ? j
                                                        : (j % 4);
            if (e.label_kind == MLT_LABEL_NONE)
                e.label = 0;
            if (mlt_writer_add_edges(w, &e, 1, err))
                return -1;
        }
        if (i % 5 == 0) {
            mlt_preview p = {.object = (uint32_t)i,
                             .kind = MLT_PREVIEW_STR,
                             .truncated = i == 0,
                             .data = (const uint8_t *)"hello",
                             .length = 5};
            if (mlt_writer_add_preview(w, &p, err))
                return -1;
        }
    }
    for (uint32_t k = 0; k < 3 && k < objects; k++) {
        mlt_root r = {.kind = (mlt_root_kind)(1 + k),
                      .object = k,
                      .name = names[2],
                      .context = k ? MLT_NO_STRING : names[3],
                      .thread_id = k,
                      .depth = k};
        if (mlt_writer_add_root(w, &r, err))
            return -1;
    }
    return mlt_writer_end_image(w, 1000, err) ? -1 : 0;
}

static int make(const char *dir, const char *name, int images, uint64_t objects, int store,
                uint32_t block)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    const char *argv[] = {"python", "app.py"};
    mlt_file_info info = {.producer = "make_corpus",
                          .python_version = "3.12.1",
                          .pointer_size = 8,
                          .gc_preheader_size = 16,
                          .argc = 2,
                          .argv = argv};
    mlt_writer_options options = {.store_only = store, .block_size = block};
    mlt_writer *w;
    mlt_error err;
    if (mlt_writer_open(path, &info, &options, &w, &err))
        goto fail;
    for (int i = 0; i < images; i++)
        if (write_image(w, (uint64_t)i, objects + (uint64_t)i, &err))
            goto fail;
    mlt_writer_close(w);
    return 0;
fail:
    fprintf(stderr, "make_corpus: %s\n", err.message);
    return 1;
}

/* The worked example of docs/format.md: the smallest file that uses every
 * critical stream, with stored blocks so every byte can be read in xxd. */
static int make_example(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/spec-example.mlt", dir);
    mlt_file_info info = {.producer = "memalot", .pointer_size = 8, .pid = 300, .run_id = 1};
    mlt_writer_options options = {.store_only = 1};
    mlt_image_info image = {.sequence = 0, .run_id = 1, .pid = 300, .trigger = MLT_TRIGGER_MANUAL};
    mlt_writer *w;
    mlt_error err;
    uint32_t name, type;
    /* Stop before the structs below read name, and before closing a writer
     * that was never opened. */
    if (mlt_writer_open(path, &info, &options, &w, &err)) {
        fprintf(stderr, "make_corpus: %s\n", err.message);
        return 1;
    }
    if (mlt_writer_begin_image(w, &image, &err) || mlt_writer_intern(w, "list", 4, &name, &err)) {
        fprintf(stderr, "make_corpus: %s\n", err.message);
        mlt_writer_close(w);
        return 1;
    }
    mlt_type t = {.name = name, .address = 0x1000, .basicsize = 40, .itemsize = 0};
    mlt_object list = {.address = 0x2000,
                       .type = 0,
                       .flags = MLT_OBJ_GC_TRACKED,
                       .size = 56,
                       .refcount = 1,
                       .edge_count = 1};
    mlt_object item = {.address = 0x2040,
                       .type = 0,
                       .flags = MLT_OBJ_GC_TRACKED,
                       .size = 56,
                       .refcount = 2,
                       .edge_count = 0};
    mlt_edge edge = {.target = 1, .label_kind = MLT_LABEL_INDEX, .label = 0};
    mlt_root root = {
        .kind = MLT_ROOT_MODULE_GLOBAL, .object = 0, .name = name, .context = MLT_NO_STRING};
    int bad = mlt_writer_add_type(w, &t, &type, &err) || mlt_writer_add_object(w, &list, &err) ||
              mlt_writer_add_edges(w, &edge, 1, &err) || mlt_writer_add_object(w, &item, &err) ||
              mlt_writer_add_root(w, &root, &err) || mlt_writer_end_image(w, 0, &err);
    if (bad)
        fprintf(stderr, "make_corpus: %s\n", err.message);
    mlt_writer_close(w);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus <dir>\n");
        return 2;
    }
    int bad = make(argv[1], "empty-header.mlt", 0, 0, 0, 0);
    bad |= make(argv[1], "one-stored.mlt", 1, 12, 1, 0);
    bad |= make(argv[1], "two-zstd.mlt", 2, 40, 0, 0);
    bad |= make(argv[1], "small-blocks-stored.mlt", 1, 20, 1, 16);
    bad |= make(argv[1], "small-blocks-zstd.mlt", 2, 60, 0, 48);
    bad |= make(argv[1], "zero-objects.mlt", 1, 0, 1, 0);
    bad |= make_example(argv[1]);
    return bad;
}
