/* make_synthetic: writes a realistic synthetic dump with a planted leak, for
 * the analyzer benchmark.
 *
 *   make_synthetic OUT [--objects N] [--images K] [--leak L] [--edges E]
 *                      [--churn PERCENT] [--locality PERCENT] [--seed S]
 *
 * Every image holds N "background" objects at fixed addresses (types from a
 * small realistic mix, E edges per object on average with attribute, index
 * and str-key labels; LOCALITY% of the targets (default 80) lie within 1024
 * objects of their referrer, as objects allocated together reference each
 * other, the rest anywhere, so cycles and shared objects occur),
 * about one module-global root per 1000 objects, and a few objects held from
 * outside (refcount above their visible referrers). CHURN% of the background
 * objects are short-lived: in every image a new object sits at their address
 * (flagged NEW: address reuse), so they are never candidates. The planted leak: module global
 * app.cache is a list that gains L app.Request objects per image, each with
 * .body -> builtins.str, never freed. Images are 10 s apart and record a
 * time criterion of lifetime 10 s, warm-up 0. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memalot/format.h"
#include "synth_dump.h"

typedef struct {
    const char *out;
    uint64_t objects;
    uint32_t images;
    uint64_t leak;
    double edges;
    uint32_t churn;
    uint32_t locality;
    uint64_t seed;
} spec;

static const char *const TYPE_NAMES[] = {
    "builtins.dict",     "builtins.list",  "builtins.tuple",  "builtins.str",       "builtins.int",
    "builtins.function", "builtins.cell",  "app.models.User", "app.models.Session", "app.Request",
    "builtins.bytes",    "builtins.float", "builtins.list"};
enum {
    T_DICT,
    T_LIST,
    T_TUPLE,
    T_STR,
    T_INT,
    T_FUNC,
    T_CELL,
    T_USER,
    T_SESSION,
    T_REQUEST,
    T_BYTES,
    T_FLOAT,
    T_COUNT = 12
};
static const char *const ATTRS[] = {"name",   "parent", "children", "session", "handler",
                                    "config", "items",  "owner",    "cache",   "next"};

static const sd_run RUN = {"memalot make_synthetic", 0x5eed, 4242, 1700000000.0};

static uint64_t next_random(uint64_t *state)
{
    uint64_t x = *state; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static int fail(const mlt_error *err)
{
    fprintf(stderr, "make_synthetic: %s\n", err->message);
    return 1;
}

static uint64_t arg_u64(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "make_synthetic: %s needs a value\n", argv[*i]);
        exit(2);
    }
    return strtoull(argv[++*i], NULL, 10);
}

static int parse(int argc, char **argv, spec *s)
{
    *s = (spec){NULL, 1000000, 3, 100000, 2.5, 5, 80, 42};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--objects"))
            s->objects = arg_u64(argc, argv, &i);
        else if (!strcmp(argv[i], "--images"))
            s->images = (uint32_t)arg_u64(argc, argv, &i);
        else if (!strcmp(argv[i], "--leak"))
            s->leak = arg_u64(argc, argv, &i);
        else if (!strcmp(argv[i], "--edges") && i + 1 < argc)
            s->edges = strtod(argv[++i], NULL);
        else if (!strcmp(argv[i], "--churn"))
            s->churn = (uint32_t)arg_u64(argc, argv, &i);
        else if (!strcmp(argv[i], "--locality"))
            s->locality = (uint32_t)arg_u64(argc, argv, &i);
        else if (!strcmp(argv[i], "--seed"))
            s->seed = arg_u64(argc, argv, &i);
        else if (argv[i][0] != '-' && !s->out)
            s->out = argv[i];
        else {
            fprintf(stderr, "usage: make_synthetic OUT [--objects N] [--images K] [--leak L] "
                            "[--edges E] [--churn PERCENT] [--locality PERCENT] [--seed S]\n");
            return 0;
        }
    }
    if (!s->out) {
        fprintf(stderr, "make_synthetic: no output file given\n");
        return 0;
    }
    return 1;
}

typedef struct {
    spec s;
    mlt_writer *w;
    uint32_t type_index[T_COUNT];
    uint32_t attr_id[sizeof ATTRS / sizeof *ATTRS];
    uint32_t key_id[64];
    uint32_t body_id, cache_id, app_id, module_ids[16], global_ids[64];
    uint8_t *born; /* per background object: image where it was (re)created */
    uint32_t *indeg;
} gen;

static int intern(gen *g, const char *text, uint32_t *id, mlt_error *err)
{
    return sd_intern(g->w, text, id, err) == MLT_OK;
}

static int write_tables(gen *g, mlt_error *err)
{
    char buf[64];
    for (int t = 0; t < T_COUNT; t++)
        if (sd_type(g->w, TYPE_NAMES[t], 0x7f0000000000ull + 0x1000ull * (uint64_t)t, 56,
                    &g->type_index[t], err) != MLT_OK)
            return 0;
    for (size_t i = 0; i < sizeof ATTRS / sizeof *ATTRS; i++)
        if (!intern(g, ATTRS[i], &g->attr_id[i], err))
            return 0;
    for (int i = 0; i < 64; i++) {
        snprintf(buf, sizeof buf, i % 2 ? "user_%d" : "setting%c", i % 2 ? i : 'a' + i / 2);
        if (!intern(g, buf, &g->key_id[i], err))
            return 0;
    }
    for (int i = 0; i < 16; i++) {
        snprintf(buf, sizeof buf, "app.module%d", i);
        if (!intern(g, buf, &g->module_ids[i], err))
            return 0;
    }
    for (int i = 0; i < 64; i++) {
        snprintf(buf, sizeof buf, "global%d", i);
        if (!intern(g, buf, &g->global_ids[i], err))
            return 0;
    }
    return intern(g, "body", &g->body_id, err) && intern(g, "cache", &g->cache_id, err) &&
           intern(g, "app", &g->app_id, err);
}

/* Object layout of one image, in address order:
 *   0                      app.cache list (old)
 *   1 .. N                 background objects
 *   N+1 .. N+R             leaked requests (R = leak * image)
 *   N+R+1 .. N+2R          their bodies */
static uint64_t edges_for(gen *g, uint64_t i, uint64_t *rng)
{
    (void)i;
    double e = g->s.edges;
    uint64_t base = (uint64_t)e;
    double frac = e - (double)base;
    return base + ((double)(next_random(rng) % 1000) < frac * 1000.0 ? 1 : 0);
}

static int write_background(gen *g, uint32_t image, uint64_t total, mlt_error *err)
{
    uint64_t n = g->s.objects;
    uint64_t rng = g->s.seed * 7919u + 1;
    mlt_edge edges[16];
    for (uint64_t i = 1; i <= n; i++) {
        uint64_t type_pick = next_random(&rng);
        uint32_t t = (uint32_t)(type_pick % T_COUNT);
        if (t == T_REQUEST)
            t = T_DICT; /* the leaked type stays the leak's */
        uint64_t k = edges_for(g, i, &rng);
        if (t == T_STR || t == T_INT || t == T_FLOAT || t == T_BYTES)
            k = 0;
        if (k > 16)
            k = 16;
        for (uint64_t e = 0; e < k; e++) {
            uint64_t pick = next_random(&rng);
            uint64_t target = 1 + pick % n;
            if ((pick >> 40) % 100 < g->s.locality) {
                /* Allocated together, referenced together: a nearby object. */
                uint64_t near = i + (pick >> 20) % 2048;
                target = near > 1024 && near - 1024 <= n ? near - 1024 : target;
            }
            edges[e].target = (uint32_t)target;
            switch (t) {
            case T_LIST:
            case T_TUPLE:
                edges[e].label_kind = MLT_LABEL_INDEX;
                edges[e].label = e;
                break;
            case T_DICT:
                edges[e].label_kind = MLT_LABEL_KEY_STR;
                edges[e].label = g->key_id[(i + e) % 64];
                break;
            case T_CELL:
                edges[e].label_kind = MLT_LABEL_NONE;
                edges[e].label = 0;
                break;
            default:
                edges[e].label_kind = MLT_LABEL_ATTR;
                edges[e].label = g->attr_id[(i * 7 + e) % 10];
                break;
            }
        }
        /* Churn: short-lived objects, replaced at the same address every image. */
        uint8_t flags = 0;
        if (image > 0 && (i * 2654435761u) % 100 < g->s.churn)
            flags = MLT_OBJ_NEW;
        mlt_object o = {0x7f1000000000ull + 0x40ull * i,
                        g->type_index[t],
                        flags,
                        32 + (type_pick >> 40) % 200,
                        1,
                        k};
        (void)total;
        if (sd_object(g->w, &o, edges, err) != MLT_OK)
            return 0;
    }
    return 1;
}

static int write_leak(gen *g, uint32_t image, mlt_error *err)
{
    uint64_t n = g->s.objects, r = g->s.leak * image;
    for (uint64_t j = 0; j < r; j++) {
        mlt_edge body = {(uint32_t)(n + r + 1 + j), MLT_LABEL_ATTR, g->body_id};
        uint8_t flags = j >= g->s.leak * (image - 1) ? MLT_OBJ_NEW : 0;
        mlt_object o = {0x7f2000000000ull + 0x40ull * j, g->type_index[T_REQUEST], flags, 48, 1, 1};
        if (sd_object(g->w, &o, &body, err) != MLT_OK)
            return 0;
    }
    for (uint64_t j = 0; j < r; j++) {
        uint8_t flags = j >= g->s.leak * (image - 1) ? MLT_OBJ_NEW : 0;
        mlt_object o = {0x7f3000000000ull + 0x40ull * j, g->type_index[T_STR], flags, 80, 1, 0};
        if (mlt_writer_add_object(g->w, &o, err) != MLT_OK)
            return 0;
    }
    return 1;
}

static int write_cache_list(gen *g, uint32_t image, mlt_error *err)
{
    uint64_t r = g->s.leak * image;
    mlt_object list = {0x7f0fff000000ull, g->type_index[T_LIST], 0, 56 + 8 * r, 1, r};
    if (mlt_writer_add_object(g->w, &list, err) != MLT_OK)
        return 0;
    mlt_edge chunk[1024];
    for (uint64_t j = 0; j < r;) {
        size_t c = 0;
        for (; c < 1024 && j < r; c++, j++)
            chunk[c] = (mlt_edge){(uint32_t)(g->s.objects + 1 + j), MLT_LABEL_INDEX, j};
        if (mlt_writer_add_edges(g->w, chunk, c, err) != MLT_OK)
            return 0;
    }
    return 1;
}

static int write_roots(gen *g, mlt_error *err)
{
    mlt_root cache = {MLT_ROOT_MODULE_GLOBAL, 0, g->cache_id, g->app_id, 0, 0};
    if (mlt_writer_add_root(g->w, &cache, err) != MLT_OK)
        return 0;
    uint64_t rng = g->s.seed * 31u + 5;
    for (uint64_t i = 0; i < g->s.objects / 1000 + 1; i++) {
        mlt_root root = {MLT_ROOT_MODULE_GLOBAL,
                         (uint32_t)(1 + next_random(&rng) % g->s.objects),
                         g->global_ids[i % 64],
                         g->module_ids[i % 16],
                         0,
                         0};
        if (mlt_writer_add_root(g->w, &root, err) != MLT_OK)
            return 0;
    }
    return 1;
}

static int write_image(gen *g, uint32_t image, mlt_error *err)
{
    mlt_image_info info;
    sd_image_info(&info, &RUN, image);
    info.wall_time = 1700000000.0 + 10.0 * image;
    info.monotonic_time = 1000.0 + 10.0 * image;
    info.criterion = (mlt_criterion){MLT_CRITERION_TIME, 10.0, 0.0, 0, 0};
    if (mlt_writer_begin_image(g->w, &info, err) != MLT_OK || !write_tables(g, err) ||
        !write_cache_list(g, image, err) || !write_background(g, image, 0, err) ||
        !write_leak(g, image, err) || !write_roots(g, err))
        return 0;
    return mlt_writer_end_image(g->w, 0, err) == MLT_OK;
}

int main(int argc, char **argv)
{
    gen g;
    memset(&g, 0, sizeof g);
    if (!parse(argc, argv, &g.s))
        return 2;
    mlt_file_info info;
    sd_file_info(&info, &RUN);
    mlt_error err;
    remove(g.s.out);
    if (mlt_writer_open(g.s.out, &info, NULL, &g.w, &err) != MLT_OK)
        return fail(&err);
    for (uint32_t image = 0; image < g.s.images; image++) {
        if (!write_image(&g, image, &err)) {
            mlt_writer_close(g.w);
            return fail(&err);
        }
    }
    printf("%s: %u images, %" PRIu64 " background objects, %" PRIu64 " leaked per image, %" PRIu64
           " bytes\n",
           g.s.out, g.s.images, g.s.objects, g.s.leak, mlt_writer_file_size(g.w));
    mlt_writer_close(g.w);
    return 0;
}
