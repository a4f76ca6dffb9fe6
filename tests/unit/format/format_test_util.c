/* Synthetic heaps for the format tests: every value is a function of the
 * object index, so the reader's output can be checked without storing it. */
#include "format_test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "internal.h"
#include "synth_dump.h"

char *tmp_path(const char *name)
{
    char *path = sd_temp_path(name);
    ck_assert_ptr_nonnull(path);
    return path;
}

static const char *const test_argv[] = {"python", "-m", "app", "--flag=\xc3\xa9"};

static const sd_run test_run = {"memalot-test 0.1", 0x0123456789ABCDEFull, 4242, 1700000000.25};

void fill_file_info(mlt_file_info *info)
{
    sd_file_info(info, &test_run);
    info->python_hexversion = 0x030C01F0;
    info->python_implementation = "cpython";
    info->python_build = "3.12.1 (main) [GCC 12]";
    info->gc_preheader_size = 16;
    info->platform = "linux-x86_64";
    info->byte_order = MLT_BYTE_ORDER_LITTLE;
    info->argc = 4;
    info->argv = test_argv;
    info->parent_pid = 4000; /* a forked worker of a launch */
    info->parent_run_id = 0x1122334455667788ull;
    info->launch_id = 0x1122334455667788ull;
}

void fill_image_info(mlt_image_info *info, uint64_t sequence)
{
    sd_image_info(info, &test_run, sequence);
    info->wall_time = 1700000000.5 + (double)sequence;
    info->monotonic_time = 1234.5 + (double)sequence;
    info->trigger = MLT_TRIGGER_CALL_END;
    info->call_counter = 10 * sequence;
    info->function = "app.handler";
    info->criterion.kind = MLT_CRITERION_CALLS;
    info->criterion.calls = 5;
    info->criterion.warmup_calls = 2;
}

static uint64_t address_of(const heap_spec *s, uint64_t i)
{
    return s->addr_base + 48 * i + (i % 3) * 16;
}

static uint64_t edge_count_of(const heap_spec *s, uint64_t i)
{
    if (!s->edges || s->objects < 2)
        return 0;
    return (i % 5 == 0) ? 0 : (i % 3) + 1 + (i % 7 == 0);
}

static void edge_of(const heap_spec *s, uint64_t i, uint64_t j, mlt_edge *e)
{
    uint64_t n = s->objects;
    /* A realistic-ish mix: the first edge goes to a small set of hubs (types,
     * module dicts); the others to nearby objects (containers and contents
     * are allocated together). */
    e->target = (uint32_t)(j == 0 ? (i * 31 + s->seed) % (n < 1000 ? n : 1000)
                                  : (i + j * 3 + 1) % n);
    e->label_kind = (uint32_t)((i + j) % MLT_LABEL_COUNT_);
    switch (e->label_kind) {
    case MLT_LABEL_NONE: e->label = 0; break;
    case MLT_LABEL_INDEX: e->label = (i % 11 == 0) ? UINT64_MAX - j : j; break;
    case MLT_LABEL_KEY_OBJ: e->label = (i * 7 + j) % n; break;
    default: e->label = (i + j) % s->strings; break;
    }
}

static void object_of(const heap_spec *s, uint64_t i, mlt_object *o)
{
    o->address = address_of(s, i);
    o->type = (uint32_t)((i * 2654435761u >> 7) % s->types);
    if (i % 4 == 0)
        o->type = 0;
    o->flags = (uint8_t)(i % 97 == 0 ? MLT_OBJ_NEW | MLT_OBJ_APPROX : MLT_OBJ_GC_TRACKED);
    o->size = i == 1 ? UINT64_MAX : 16 + (i % 25) * 8;
    o->refcount = i == 2 ? UINT64_MAX : 1 + i % 4;
    o->edge_count = edge_count_of(s, i);
}

static void root_of(const heap_spec *s, uint64_t k, mlt_root *r)
{
    r->kind = (mlt_root_kind)(1 + k % 7);
    r->object = (uint32_t)((k * 1000) % s->objects);
    r->name = k % 3 == 0 ? MLT_NO_STRING : (uint32_t)(k % s->strings);
    r->context = k % 2 == 0 ? MLT_NO_STRING : (uint32_t)((k + 1) % s->strings);
    r->thread_id = k == 1 ? UINT64_MAX : k;
    r->depth = k == 2 ? UINT32_MAX : (uint32_t)k;
}

static uint64_t root_count_of(const heap_spec *s)
{
    return s->roots && s->objects ? (s->objects + 999) / 1000 : 0;
}

static void preview_text(uint64_t i, char *buf, size_t cap)
{
    snprintf(buf, cap, "value-%llu", (unsigned long long)i);
}

static void string_text(uint32_t k, char *buf, size_t cap)
{
    if (k == 0)
        buf[0] = '\0'; /* the empty string */
    else if (k == 1)
        snprintf(buf, cap, "caf\xc3\xa9-\xe2\x9c\x93-\xf0\x9f\x90\x8d");
    else
        snprintf(buf, cap, "name_%u", k);
}

void write_heap(mlt_writer *w, const heap_spec *s, uint64_t sequence)
{
    mlt_error err;
    mlt_image_info info;
    fill_image_info(&info, sequence);
    EXPECT_EQ(mlt_writer_begin_image(w, &info, &err), MLT_OK);
    for (uint32_t k = 0; k < s->strings; k++) {
        char text[64];
        uint32_t id;
        string_text(k, text, sizeof text);
        EXPECT_EQ(mlt_writer_intern(w, text, strlen(text), &id, &err), MLT_OK);
        EXPECT_EQ(id, k);
    }
    for (uint32_t t = 0; t < s->types; t++) {
        mlt_type type = {.name = t % s->strings,
                         .address = 0x1000 + t * 0x100ull,
                         .basicsize = 16 + t,
                         .itemsize = t % 2 ? 8 : 0};
        uint32_t index;
        EXPECT_EQ(mlt_writer_add_type(w, &type, &index, &err), MLT_OK);
        EXPECT_EQ(index, t);
    }
    for (uint64_t i = 0; i < s->objects; i++) {
        mlt_object o;
        object_of(s, i, &o);
        EXPECT_MSG(mlt_writer_add_object(w, &o, &err) == MLT_OK, "%s", err.message);
        mlt_edge edges[8];
        for (uint64_t j = 0; j < o.edge_count; j++)
            edge_of(s, i, j, &edges[j]);
        EXPECT_MSG(mlt_writer_add_edges(w, edges, o.edge_count, &err) == MLT_OK, "%s", err.message);
        if (s->previews && i % 10 == 0) {
            char text[64];
            preview_text(i, text, sizeof text);
            mlt_preview p = {.object = (uint32_t)i,
                             .kind = (mlt_preview_kind)(1 + i % 4),
                             .truncated = i % 20 == 0,
                             .data = (const uint8_t *)text,
                             .length = (uint32_t)strlen(text)};
            EXPECT_EQ(mlt_writer_add_preview(w, &p, &err), MLT_OK);
        }
    }
    for (uint64_t k = 0; k < root_count_of(s); k++) {
        mlt_root r;
        root_of(s, k, &r);
        EXPECT_MSG(mlt_writer_add_root(w, &r, &err) == MLT_OK, "%s", err.message);
    }
    EXPECT_MSG(mlt_writer_end_image(w, 777 + sequence, &err) == MLT_OK, "%s", err.message);
}

static void check_info(const mlt_image_info *got, const heap_spec *s, uint64_t sequence)
{
    mlt_image_info want;
    fill_image_info(&want, sequence);
    EXPECT_EQ(got->sequence, sequence);
    EXPECT_EQ(got->has_base, want.has_base);
    EXPECT_EQ(got->base_sequence, want.base_sequence);
    EXPECT_EQ(got->run_id, want.run_id);
    EXPECT_EQ(got->pid, want.pid);
    ck_assert(got->wall_time == want.wall_time);
    ck_assert(got->monotonic_time == want.monotonic_time);
    EXPECT_EQ(got->trigger, want.trigger);
    EXPECT_EQ(got->call_counter, want.call_counter);
    ck_assert_str_eq(got->function, want.function);
    EXPECT_EQ(got->criterion.kind, want.criterion.kind);
    EXPECT_EQ(got->criterion.calls, 5);
    EXPECT_EQ(got->criterion.warmup_calls, 2);
    EXPECT_EQ(got->identity, want.identity);
    EXPECT_EQ(got->object_count, s->objects);
    EXPECT_EQ(got->type_count, s->types);
    EXPECT_EQ(got->string_count, s->strings);
    EXPECT_EQ(got->root_count, root_count_of(s));
    EXPECT_EQ(got->pause_ns, 777 + sequence);
}

static void check_tables(mlt_image *img, const heap_spec *s)
{
    for (uint32_t k = 0; k < s->strings; k++) {
        char text[64];
        size_t length;
        string_text(k, text, sizeof text);
        const char *got = mlt_image_string(img, k, &length);
        ck_assert_ptr_nonnull(got);
        EXPECT_EQ(length, strlen(text));
        ck_assert_str_eq(got, text);
    }
    ck_assert_ptr_null(mlt_image_string(img, MLT_NO_STRING, NULL));
    ck_assert_ptr_null(mlt_image_string(img, s->strings, NULL));
    for (uint32_t t = 0; t < s->types; t++) {
        const mlt_type *type = mlt_image_type(img, t);
        ck_assert_ptr_nonnull(type);
        EXPECT_EQ(type->name, t % s->strings);
        EXPECT_EQ(type->address, 0x1000 + t * 0x100ull);
        EXPECT_EQ(type->basicsize, 16 + t);
        EXPECT_EQ(type->itemsize, t % 2 ? 8 : 0);
    }
    ck_assert_ptr_null(mlt_image_type(img, s->types));
}

static void check_objects(mlt_image *img, const heap_spec *s)
{
    mlt_error err;
    mlt_object o, want;
    uint64_t i = 0, edges = 0;
    int more;
    while ((more = mlt_image_next_object(img, &o, &err)) == 1) {
        object_of(s, i, &want);
        EXPECT_EQ(o.address, want.address);
        EXPECT_EQ(o.type, want.type);
        EXPECT_EQ(o.flags, want.flags);
        EXPECT_EQ(o.size, want.size);
        EXPECT_EQ(o.refcount, want.refcount);
        EXPECT_EQ(o.edge_count, want.edge_count);
        /* Read edges two at a time to cross the capacity boundary. */
        mlt_edge got[2];
        uint64_t j = 0;
        long n;
        while ((n = mlt_image_read_edges(img, got, 2, &err)) > 0) {
            for (long k = 0; k < n; k++, j++) {
                mlt_edge e;
                edge_of(s, i, j, &e);
                EXPECT_EQ(got[k].target, e.target);
                EXPECT_EQ(got[k].label_kind, e.label_kind);
                EXPECT_EQ(got[k].label, e.label);
            }
        }
        EXPECT_MSG(n == 0, "%s", err.message);
        EXPECT_EQ(j, want.edge_count);
        edges += j;
        i++;
    }
    EXPECT_MSG(more == 0, "%s", err.message);
    EXPECT_EQ(i, s->objects);
    EXPECT_EQ(edges, mlt_image_get_info(img)->edge_count);
    EXPECT_EQ(mlt_image_next_object(img, &o, &err), 0);
}

static void check_roots_previews(mlt_image *img, const heap_spec *s)
{
    mlt_error err;
    mlt_root r, want;
    uint64_t k = 0;
    int more;
    while ((more = mlt_image_next_root(img, &r, &err)) == 1) {
        root_of(s, k++, &want);
        EXPECT_EQ(r.kind, want.kind);
        EXPECT_EQ(r.object, want.object);
        EXPECT_EQ(r.name, want.name);
        EXPECT_EQ(r.context, want.context);
        EXPECT_EQ(r.thread_id, want.thread_id);
        EXPECT_EQ(r.depth, want.depth);
    }
    EXPECT_MSG(more == 0, "%s", err.message);
    EXPECT_EQ(k, root_count_of(s));
    mlt_preview p;
    uint64_t i = 0, count = 0;
    while ((more = mlt_image_next_preview(img, &p, &err)) == 1) {
        char text[64];
        preview_text(i, text, sizeof text);
        EXPECT_EQ(p.object, i);
        EXPECT_EQ(p.kind, 1 + i % 4);
        EXPECT_EQ(p.truncated, i % 20 == 0);
        EXPECT_EQ(p.length, strlen(text));
        EXPECT_MSG(memcmp(p.data, text, p.length) == 0, "preview %llu differs",
                   (unsigned long long)i);
        i += 10;
        count++;
    }
    EXPECT_MSG(more == 0, "%s", err.message);
    EXPECT_EQ(count, s->previews ? (s->objects + 9) / 10 : 0);
}

void check_heap(mlt_reader *r, size_t index, const heap_spec *s, uint64_t sequence)
{
    mlt_error err;
    mlt_image_info info;
    EXPECT_EQ(mlt_reader_image_info(r, index, &info, &err), MLT_OK);
    check_info(&info, s, sequence);
    mlt_image *img;
    EXPECT_MSG(mlt_image_open(r, index, &img, &err) == MLT_OK, "%s", err.message);
    check_info(mlt_image_get_info(img), s, sequence);
    check_tables(img, s);
    check_objects(img, s);
    check_roots_previews(img, s);
    mlt_image_close(img);
}

static const heap_spec small_spec = {.objects = 40,
                                     .types = 3,
                                     .strings = 5,
                                     .seed = 1,
                                     .addr_base = 0x7f0000001000ull,
                                     .roots = 1,
                                     .previews = 1,
                                     .edges = 1};

char *write_small_file(int images, int store_only)
{
    char *path = tmp_path("small.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer_options options = {.store_only = store_only, .block_size = 64};
    mlt_writer *w;
    mlt_error err;
    EXPECT_EQ(mlt_writer_open(path, &info, &options, &w, &err), MLT_OK);
    for (int i = 0; i < images; i++) {
        heap_spec s = small_spec;
        s.objects = 20 + 10 * (uint64_t)i;
        write_heap(w, &s, (uint64_t)i);
    }
    mlt_writer_close(w);
    return path;
}

size_t decode_everything(mlt_reader *r, mlt_status *first_error)
{
    size_t good = 0;
    *first_error = MLT_OK;
    for (size_t i = 0; i < mlt_reader_image_count(r); i++) {
        mlt_image *img;
        mlt_error err;
        mlt_status st = mlt_image_open(r, i, &img, &err);
        if (st == MLT_OK) {
            mlt_object o;
            mlt_edge e[4];
            mlt_root root;
            mlt_preview p;
            int more;
            long n = 0;
            while ((more = mlt_image_next_object(img, &o, &err)) == 1)
                while ((n = mlt_image_read_edges(img, e, 4, &err)) > 0) {
                }
            if (more == 0 && n >= 0)
                while ((more = mlt_image_next_root(img, &root, &err)) == 1) {
                }
            if (more == 0)
                while ((more = mlt_image_next_preview(img, &p, &err)) == 1) {
                }
            if (more < 0 || n < 0)
                st = err.code ? err.code : MLT_ERR_FORMAT;
            mlt_image_close(img);
        }
        if (st == MLT_OK)
            good++;
        else if (*first_error == MLT_OK)
            *first_error = st;
    }
    return good;
}

uint8_t *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = malloc((size_t)n + 1);
    EXPECT_EQ(fread(bytes, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return bytes;
}

void write_whole(const char *path, const uint8_t *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    EXPECT_EQ(fwrite(bytes, 1, size, f), size);
    fclose(f);
}

void reseal_image(uint8_t *bytes, uint64_t start, uint64_t len)
{
    mlt_put_u64(bytes + start + len - 16, len);
    mlt_put_u64(bytes + start + len - 8, XXH3_64bits(bytes + start, len - 8));
}

void reseal_header(uint8_t *bytes)
{
    uint32_t meta_len = mlt_get_u32(bytes + 12);
    mlt_put_u64(bytes + 16 + meta_len, XXH3_64bits(bytes, 16 + meta_len));
}

void check_reads_clean(const char *path, size_t images)
{
    mlt_reader *r;
    mlt_error err;
    ck_assert_msg(mlt_reader_open(path, NULL, &r, &err) == MLT_OK, "%s", err.message);
    ck_assert_uint_eq(mlt_reader_image_count(r), images);
    ck_assert_ptr_null(mlt_reader_tail_error(r));
    mlt_status first;
    ck_assert_uint_eq(decode_everything(r, &first), images);
    mlt_reader_close(r);
}
