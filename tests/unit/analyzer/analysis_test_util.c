/* Builders for the analysis tests; see analysis_test_util.h. */
#define _POSIX_C_SOURCE 200809L

#include "analysis_test_util.h"
#include "synth_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t address;
    const char *type;
    uint8_t flags;
    uint64_t size;
    int64_t refcount; /* -1: in-degree */
} obj_rec;

typedef struct {
    uint32_t from, to;
    mlt_label_kind kind;
    char *text;
    uint64_t value;
} edge_rec;

typedef struct {
    uint32_t object;
    mlt_root_kind kind;
    char *name, *context;
    uint64_t thread;
} root_rec;

typedef struct {
    uint32_t object;
    mlt_preview_kind kind;
    char *text;
    int truncated;
} preview_rec;

struct at_dump {
    mlt_writer *w;
    sd_run run;
    uint64_t images;
    mlt_image_info info;
    obj_rec *objs;
    size_t nobjs, capobjs;
    edge_rec *edges;
    size_t nedges, capedges;
    root_rec *roots;
    size_t nroots, caproots;
    preview_rec *previews;
    size_t npreviews, cappreviews;
};

#define GROW(arr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            (cap) = (cap) ? (cap)*2 : 64;                                                          \
            (arr) = realloc((arr), (cap) * sizeof *(arr));                                         \
            ck_assert_ptr_nonnull(arr);                                                            \
        }                                                                                          \
    } while (0)

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *at_tmp_path(const char *name)
{
    char *path = sd_temp_path(name);
    ck_assert_ptr_nonnull(path);
    return path;
}

static const sd_run test_run = {"analysis tests", 77, 1234, 1000.0};

at_dump *at_dump_open(const char *path)
{
    return at_dump_open_process(path, NULL);
}

at_dump *at_dump_open_process(const char *path, const at_process *process)
{
    at_dump *d = calloc(1, sizeof *d);
    ck_assert_ptr_nonnull(d);
    d->run = test_run;
    mlt_file_info info;
    if (process) {
        d->run.run_id = process->run_id;
        d->run.pid = process->pid;
    }
    sd_file_info(&info, &d->run);
    if (process) {
        info.parent_pid = process->parent_pid;
        info.parent_run_id = process->parent_run_id;
        info.launch_id = process->launch_id;
    }
    mlt_error err;
    mlt_status st = mlt_writer_open(path, &info, NULL, &d->w, &err);
    ck_assert_msg(st == MLT_OK, "writer open: %s", err.message);
    return d;
}

mlt_image_info *at_image_begin(at_dump *d, double time)
{
    sd_image_info(&d->info, &d->run, d->images);
    d->info.wall_time = 1700000000.0 + time;
    d->info.monotonic_time = time;
    d->nobjs = d->nedges = d->nroots = d->npreviews = 0;
    return &d->info;
}

uint32_t at_obj(at_dump *d, uint64_t address, const char *type, uint8_t flags, uint64_t size)
{
    GROW(d->objs, d->nobjs, d->capobjs);
    if (d->nobjs)
        ck_assert_msg(address > d->objs[d->nobjs - 1].address, "test adds objects out of order");
    d->objs[d->nobjs] = (obj_rec){address, type, flags, size, -1};
    return (uint32_t)d->nobjs++;
}

void at_refcount(at_dump *d, uint32_t object, uint64_t refcount)
{
    d->objs[object].refcount = (int64_t)refcount;
}

void at_edge(at_dump *d, uint32_t from, uint32_t to, mlt_label_kind kind, const char *text,
             uint64_t value)
{
    GROW(d->edges, d->nedges, d->capedges);
    d->edges[d->nedges++] = (edge_rec){from, to, kind, dup_or_null(text), value};
}

void at_root(at_dump *d, uint32_t object, mlt_root_kind kind, const char *name, const char *context,
             uint64_t thread)
{
    GROW(d->roots, d->nroots, d->caproots);
    d->roots[d->nroots++] = (root_rec){object, kind, dup_or_null(name), dup_or_null(context),
                                       thread};
}

void at_preview(at_dump *d, uint32_t object, mlt_preview_kind kind, const char *text, int truncated)
{
    GROW(d->previews, d->npreviews, d->cappreviews);
    d->previews[d->npreviews++] = (preview_rec){object, kind, strdup(text), truncated};
}

static uint32_t intern(at_dump *d, const char *text)
{
    uint32_t id;
    mlt_error err;
    mlt_status st = sd_intern(d->w, text, &id, &err);
    ck_assert_msg(st == MLT_OK, "intern: %s", err.message);
    return id;
}

static int edge_by_source(const void *a, const void *b)
{
    const edge_rec *x = a, *y = b;
    return x->from < y->from ? -1 : x->from > y->from;
}

static int preview_by_object(const void *a, const void *b)
{
    const preview_rec *x = a, *y = b;
    return x->object < y->object ? -1 : x->object > y->object;
}

static uint32_t type_index(at_dump *d, const char **names, uint32_t *count, const char *type)
{
    for (uint32_t i = 0; i < *count; i++)
        if (strcmp(names[i], type) == 0)
            return i;
    uint32_t index;
    mlt_error err;
    ck_assert_msg(sd_type(d->w, type, 0xfff00000u + *count * 0x400u, 0, &index, &err) == MLT_OK,
                  "type: %s", err.message);
    ck_assert_uint_eq(index, *count);
    names[(*count)++] = type;
    return index;
}

static void write_objects(at_dump *d)
{
    mlt_error err;
    const char **names = calloc(d->nobjs + 1, sizeof *names);
    uint32_t *types = calloc(d->nobjs + 1, sizeof *types);
    uint64_t *indeg = calloc(d->nobjs + 1, sizeof *indeg);
    uint32_t ntypes = 0;
    for (size_t i = 0; i < d->nobjs; i++)
        types[i] = type_index(d, names, &ntypes, d->objs[i].type);
    for (size_t e = 0; e < d->nedges; e++)
        indeg[d->edges[e].to]++;
    /* Stable by source keeps each object's edges in the order added. */
    for (size_t i = 1; i < d->nedges; i++) {
        edge_rec x = d->edges[i];
        size_t j = i;
        while (j > 0 && edge_by_source(&d->edges[j - 1], &x) > 0) {
            d->edges[j] = d->edges[j - 1];
            j--;
        }
        d->edges[j] = x;
    }
    size_t e = 0;
    for (size_t i = 0; i < d->nobjs; i++) {
        size_t end = e;
        while (end < d->nedges && d->edges[end].from == i)
            end++;
        mlt_object o = {d->objs[i].address,
                        types[i],
                        d->objs[i].flags,
                        d->objs[i].size,
                        d->objs[i].refcount < 0 ? indeg[i] : (uint64_t)d->objs[i].refcount,
                        end - e};
        ck_assert_msg(mlt_writer_add_object(d->w, &o, &err) == MLT_OK, "object: %s", err.message);
        for (; e < end; e++) {
            edge_rec *r = &d->edges[e];
            mlt_edge edge = {r->to, r->kind, r->value};
            if (r->text)
                edge.label = intern(d, r->text);
            ck_assert_msg(mlt_writer_add_edges(d->w, &edge, 1, &err) == MLT_OK, "edge: %s",
                          err.message);
            free(r->text);
            r->text = NULL;
        }
    }
    free(names);
    free(types);
    free(indeg);
}

void at_image_end(at_dump *d)
{
    mlt_error err;
    mlt_status st = mlt_writer_begin_image(d->w, &d->info, &err);
    ck_assert_msg(st == MLT_OK, "begin image: %s", err.message);
    write_objects(d);
    for (size_t i = 0; i < d->nroots; i++) {
        root_rec *r = &d->roots[i];
        mlt_root root = {r->kind,
                         r->object,
                         r->name ? intern(d, r->name) : MLT_NO_STRING,
                         r->context ? intern(d, r->context) : MLT_NO_STRING,
                         r->thread,
                         0};
        ck_assert_msg(mlt_writer_add_root(d->w, &root, &err) == MLT_OK, "root: %s", err.message);
        free(r->name);
        free(r->context);
    }
    if (d->npreviews)
        qsort(d->previews, d->npreviews, sizeof *d->previews, preview_by_object);
    for (size_t i = 0; i < d->npreviews; i++) {
        preview_rec *p = &d->previews[i];
        mlt_preview pv = {p->object, p->kind, p->truncated, (const uint8_t *)p->text,
                          (uint32_t)strlen(p->text)};
        ck_assert_msg(mlt_writer_add_preview(d->w, &pv, &err) == MLT_OK, "preview: %s",
                      err.message);
        free(p->text);
    }
    st = mlt_writer_end_image(d->w, 0, &err);
    ck_assert_msg(st == MLT_OK, "end image: %s", err.message);
    d->images++;
}

void at_dump_close(at_dump *d)
{
    mlt_writer_close(d->w);
    free(d->objs);
    free(d->edges);
    free(d->roots);
    free(d->previews);
    free(d);
}

mla_report_set *at_analyze(const char *path, const mla_options *options)
{
    mla_report_set *set = NULL;
    mlt_error err;
    memset(&err, 0, sizeof err);
    mlt_status st = mla_analyze_file(path, options, &set, &err);
    ck_assert_msg(st == MLT_OK, "analyze %s: %s (%s)", path, err.message, mlt_status_name(st));
    ck_assert_ptr_nonnull(set);
    return set;
}

const mla_type_leak *at_leak(const mla_report *report, const char *type)
{
    for (size_t i = 0; i < report->leak_count; i++)
        if (strcmp(report->leaks[i].type, type) == 0)
            return &report->leaks[i];
    return NULL;
}

int at_has_warning(const mla_report *report, const char *text)
{
    for (size_t i = 0; i < report->warning_count; i++)
        if (strstr(report->warnings[i], text))
            return 1;
    return 0;
}

void at_graph(mla_graph *g, uint32_t n, const uint32_t (*edges)[2], uint32_t m,
              const uint64_t *sizes)
{
    mlt_error err;
    ck_assert_int_eq(mla_graph_alloc(g, n, m, 0, 1, &err), MLT_OK);
    uint32_t e = 0;
    for (uint32_t u = 0; u < n; u++) {
        g->address[u] = 0x1000 + 16ull * u;
        g->type[u] = 0;
        g->flags[u] = 0;
        g->size[u] = sizes ? sizes[u] : 1;
        g->refcount[u] = 0;
        g->edge_start[u] = e;
        for (uint32_t i = 0; i < m; i++) {
            if (edges[i][0] != u)
                continue;
            g->edge_target[e] = edges[i][1];
            g->edge_kind[e] = MLT_LABEL_NONE;
            g->edge_label[e] = 0;
            e++;
        }
    }
    g->edge_start[n] = e;
    for (uint32_t i = 0; i < m; i++)
        g->refcount[edges[i][1]]++;
}

void at_graph_root(mla_graph *g, uint32_t object)
{
    mlt_root *roots = realloc(g->roots, (g->root_count + 1) * sizeof *roots);
    ck_assert_ptr_nonnull(roots);
    roots[g->root_count] = (mlt_root){MLT_ROOT_OTHER, object, MLT_NO_STRING, MLT_NO_STRING, 0, 0};
    g->roots = roots;
    g->root_count++;
}
