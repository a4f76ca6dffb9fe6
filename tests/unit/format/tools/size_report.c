/* Prints how many bytes per object the format takes for a synthetic but
 * realistic-ish heap: Zipf-distributed types, pymalloc-like address gaps,
 * ~2 edges per object mixing nearby, hub and random targets, labelled like
 * lists, dicts and instances. Usage: format_size_report [objects] [level]. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h" /* per-stream sizes come from the reader's block index */
#include "memalot/format.h"

static uint64_t state = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static double uniform(void)
{
    return (double)(next_random() >> 11) / 9007199254740992.0;
}

/* Zipf-like rank in [0, n): small ranks are much more likely. */
static uint32_t zipf(uint32_t n)
{
    double u = uniform();
    return (uint32_t)(pow((double)n + 1.0, u) - 1.0) % n;
}

#define TYPES 300
#define KEYS 5000

static int fail(const mlt_error *err)
{
    fprintf(stderr, "format_size_report: %s\n", err->message);
    return 1;
}

int main(int argc, char **argv)
{
    uint64_t objects = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    int level = argc > 2 ? atoi(argv[2]) : 0;
    char path[] = "/tmp/mlt-size-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 1;
    close(fd);
    mlt_file_info info = {.producer = "size_report", .pointer_size = 8};
    mlt_writer_options options = {.compression_level = level};
    mlt_writer *w;
    mlt_error err;
    mlt_image_info image = {.sequence = 0};
    if (mlt_writer_open(path, &info, &options, &w, &err) || mlt_writer_begin_image(w, &image, &err))
        return fail(&err);
    uint32_t keys[KEYS];
    for (uint32_t k = 0; k < KEYS; k++) {
        char text[32];
        int n = snprintf(text, sizeof text, "key_%u", k);
        if (mlt_writer_intern(w, text, (size_t)n, &keys[k], &err))
            return fail(&err);
    }
    uint64_t basic[TYPES];
    for (uint32_t t = 0; t < TYPES; t++) {
        char text[32];
        int n = snprintf(text, sizeof text, "mod%u.Type%u", t % 17, t);
        uint32_t sid, index;
        basic[t] = 16 + 8 * (next_random() % 12);
        mlt_type type = {.address = 0x55550000ull + 0x400ull * t,
                         .basicsize = basic[t],
                         .itemsize = t % 3 == 0 ? 8 : 0};
        if (mlt_writer_intern(w, text, (size_t)n, &sid, &err))
            return fail(&err);
        type.name = sid;
        if (mlt_writer_add_type(w, &type, &index, &err))
            return fail(&err);
    }
    uint64_t address = 0x7f3a00000000ull, edges_total = 0;
    for (uint64_t i = 0; i < objects; i++) {
        uint32_t type = zipf(TYPES);
        uint64_t items = type % 3 == 0
                             ? (next_random() % 100 < 70 ? next_random() % 4 : next_random() % 64)
                             : 0;
        uint64_t size = basic[type] + 8 * items + (type % 4 == 0 ? 16 : 0);
        uint64_t roll = next_random() % 100;
        uint64_t edges = roll < 30   ? 0
                         : roll < 55 ? 1
                         : roll < 70 ? 2
                         : roll < 85 ? 3
                                     : 4 + next_random() % 5;
        if (type % 3 == 0 && items && edges < items && items < 8)
            edges = items;
        if (i + 1 == objects)
            edges = 0;
        uint64_t r = next_random() % 100;
        mlt_object o = {.address = address,
                        .type = type,
                        .flags = (uint8_t)((type % 4 == 0 ? MLT_OBJ_GC_TRACKED : 0) |
                                           (next_random() % 20 == 0 ? MLT_OBJ_NEW : 0)),
                        .size = size,
                        .refcount = r < 60   ? 1
                                    : r < 80 ? 2
                                    : r < 97 ? 3 + r % 7
                                             : 100 + next_random() % 10000,
                        .edge_count = edges};
        if (mlt_writer_add_object(w, &o, &err))
            return fail(&err);
        /* pymalloc: 16-byte aligned slots, some free holes, new arenas now and then. */
        uint64_t slot = (size + 15) & ~15ull;
        address += slot + (next_random() % 8 == 0 ? slot * (1 + next_random() % 4) : 0);
        if (next_random() % 5000 == 0)
            address += (1 + next_random() % 64) << 18;
        for (uint64_t j = 0; j < edges; j++) {
            uint64_t t = next_random() % 100;
            uint64_t target = t < 50   ? (i + 1 + next_random() % 200) % objects
                              : t < 80 ? zipf(1000)
                                       : next_random() % objects;
            mlt_edge e = {.target = (uint32_t)target};
            if (type % 3 == 0) {
                e.label_kind = MLT_LABEL_INDEX;
                e.label = j;
            } else if (type % 3 == 1 && type % 2 == 0) {
                e.label_kind = MLT_LABEL_KEY_STR;
                e.label = keys[zipf(KEYS)];
            } else if (type % 3 == 1) {
                e.label_kind = MLT_LABEL_ATTR;
                e.label = keys[j * 7 % KEYS];
            } else {
                e.label_kind = j == 0 ? MLT_LABEL_OTHER : MLT_LABEL_NONE;
                e.label = j == 0 ? keys[0] : 0;
            }
            if (mlt_writer_add_edges(w, &e, 1, &err))
                return fail(&err);
        }
        edges_total += edges;
        if (i % 10 == 0) {
            char text[32];
            int n = snprintf(text, sizeof text, "%llu",
                             (unsigned long long)(next_random() % 100000));
            mlt_preview p = {.object = (uint32_t)i,
                             .kind = MLT_PREVIEW_INT,
                             .data = (const uint8_t *)text,
                             .length = (uint32_t)n};
            if (mlt_writer_add_preview(w, &p, &err))
                return fail(&err);
        }
    }
    for (uint32_t k = 0; k < 1000 && k < objects; k++) {
        mlt_root root = {.kind = MLT_ROOT_MODULE_GLOBAL,
                         .object = (uint32_t)(next_random() % objects),
                         .name = keys[k % KEYS],
                         .context = keys[(k / 50) % KEYS]};
        if (mlt_writer_add_root(w, &root, &err))
            return fail(&err);
    }
    uint64_t before = mlt_writer_file_size(w);
    if (mlt_writer_end_image(w, 0, &err))
        return fail(&err);
    uint64_t bytes = mlt_writer_file_size(w) - before;
    mlt_writer_close(w);
    printf("objects %llu, edges %llu (%.2f per object), image %llu bytes: %.2f bytes/object "
           "(zstd level %d)\n",
           (unsigned long long)objects, (unsigned long long)edges_total,
           (double)edges_total / (double)objects, (unsigned long long)bytes,
           (double)bytes / (double)objects, level ? level : 3);
    mlt_reader *r;
    if (mlt_reader_open(path, NULL, &r, &err))
        return fail(&err);
    uint64_t stored[256] = {0}, raw[256] = {0};
    const mlt_image_index *ix = &r->images[0];
    for (size_t b = 0; b < ix->block_count; b++) {
        stored[ix->blocks[b].stream] += ix->blocks[b].stored_len + 16;
        raw[ix->blocks[b].stream] += ix->blocks[b].raw_len;
    }
    for (int id = 0; id < 256; id++)
        if (raw[id])
            printf("  %-12s raw %9llu  stored %9llu  %.2f bytes/object\n",
                   mlt_stream_name((unsigned)id), (unsigned long long)raw[id],
                   (unsigned long long)stored[id], (double)stored[id] / (double)objects);
    mlt_reader_close(r);
    unlink(path);
    return 0;
}
