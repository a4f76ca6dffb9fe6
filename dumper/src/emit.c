/* Snapshot -> format writer (see emit.h). The walk records objects in
 * discovery order and edges by target address; the format wants objects in
 * increasing address order and edges by object index, so this sorts once and
 * translates every reference through the address map. */
#include "emit.h"
#include "sort.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t address;
    uint32_t walk_index;
} addr_entry;

/* LSD radix sort on the 48 address bits that user space uses (16 bits per
 * pass); addresses above 2^48 fall back to a heap sort. Several times faster
 * than qsort on a million entries, and this runs once per image. Every
 * buffer here comes from the snapshot's allocator: in the image child that
 * is the child's own (child_memory.h), and nothing here may call malloc. */
static int by_address(const void *a, const void *b)
{
    uint64_t x = ((const addr_entry *)a)->address, y = ((const addr_entry *)b)->address;
    return (x > y) - (x < y);
}

static int sort_by_address(const mlt_allocator *a, addr_entry *items, size_t n)
{
    uint64_t all = 0;
    for (size_t i = 0; i < n; i++) {
        all |= items[i].address;
    }
    addr_entry *tmp = (all >> 48) == 0 ? mlt_mem_alloc(a, (n ? n : 1) * sizeof(addr_entry)) : NULL;
    size_t *count = tmp != NULL ? mlt_mem_alloc(a, 65536 * sizeof(size_t)) : NULL;
    if (count == NULL) {
        mlt_mem_free(a, tmp);
        mld_sort(items, n, sizeof(addr_entry), by_address);
        return 0;
    }
    addr_entry *src = items, *dst = tmp;
    for (int shift = 0; shift < 48; shift += 16) {
        memset(count, 0, 65536 * sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
            count[(src[i].address >> shift) & 0xFFFF]++;
        }
        size_t sum = 0;
        for (size_t d = 0; d < 65536; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            dst[count[(src[i].address >> shift) & 0xFFFF]++] = src[i];
        }
        addr_entry *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != items) { /* three passes: the result is in tmp */
        memcpy(items, src, n * sizeof(addr_entry));
    }
    mlt_mem_free(a, count);
    mlt_mem_free(a, tmp);
    return 0;
}

typedef struct {
    const mld_snapshot *snap;
    uint32_t *rank;       /* walk index -> index in the image */
    uint32_t *string_ids; /* local string id -> writer string id */
    uint32_t *type_ids;   /* local type index -> writer type index */
    addr_entry *order;
    uint64_t *edge_start;  /* walk index -> first edge (prefix sum of edge counts) */
    mld_ptrmap by_address; /* address -> walk index, built here, after the pause */
} emit_ctx;

static uint32_t index_of(const emit_ctx *c, uint64_t address)
{
    uint32_t walk_index = 0;
    if (!mld_ptrmap_get(&c->by_address, address, &walk_index)) {
        return UINT32_MAX; /* cannot happen: every target was reached */
    }
    return c->rank[walk_index];
}

static uint32_t string_of(const emit_ctx *c, uint32_t local)
{
    return local < c->snap->strings.count ? c->string_ids[local] : MLT_NO_STRING;
}

static int prepare(emit_ctx *c)
{
    const mld_snapshot *s = c->snap;
    const mlt_allocator *a = s->alloc;
    size_t n = s->objects.count;
    c->order = mlt_mem_alloc(a, (n ? n : 1) * sizeof(addr_entry));
    c->rank = mlt_mem_alloc(a, (n ? n : 1) * sizeof(uint32_t));
    c->string_ids = mlt_mem_alloc(a, (s->strings.count ? s->strings.count : 1) * sizeof(uint32_t));
    c->type_ids = mlt_mem_alloc(a, (s->types.count ? s->types.count : 1) * sizeof(uint32_t));
    c->edge_start = mlt_mem_alloc(a, (n ? n : 1) * sizeof(uint64_t));
    if (!c->order || !c->rank || !c->string_ids || !c->type_ids || !c->edge_start) {
        return -1;
    }
    uint64_t edges = 0;
    for (size_t i = 0; i < n; i++) {
        c->edge_start[i] = edges;
        edges += s->objects.items[i].edge_count;
    }
    for (size_t i = 0; i < n; i++) {
        c->order[i].address = s->objects.items[i].address;
        c->order[i].walk_index = (uint32_t)i;
    }
    sort_by_address(a, c->order, n);
    if (mld_ptrmap_reserve(&c->by_address, n) != 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        c->rank[c->order[i].walk_index] = (uint32_t)i;
        if (mld_ptrmap_put(&c->by_address, c->order[i].address, c->order[i].walk_index) != 0) {
            return -1;
        }
    }
    return 0;
}

static mlt_status write_tables(emit_ctx *c, mlt_writer *w, mlt_error *err)
{
    const mld_snapshot *s = c->snap;
    for (size_t i = 0; i < s->strings.count; i++) {
        size_t len = 0;
        const char *bytes = mld_snapshot_string(s, (uint32_t)i, &len);
        mlt_status st = mlt_writer_intern(w, bytes, len, &c->string_ids[i], err);
        if (st != MLT_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < s->types.count; i++) {
        const mld_snap_type *t = &s->types.items[i];
        mlt_type type = {string_of(c, t->name), t->address, t->basicsize, t->itemsize};
        mlt_status st = mlt_writer_add_type(w, &type, &c->type_ids[i], err);
        if (st != MLT_OK) {
            return st;
        }
    }
    return MLT_OK;
}

static void translate_edge(const emit_ctx *c, const mld_snap_edge *in, mlt_edge *out)
{
    uint64_t label = mld_snap_edge_label(in);
    out->target = index_of(c, in->target);
    out->label_kind = mld_snap_edge_kind(in);
    if (mlt_label_has_string_id(out->label_kind)) {
        out->label = string_of(c, (uint32_t)label);
        if (out->label == MLT_NO_STRING) {
            out->label_kind = MLT_LABEL_NONE;
            out->label = 0;
        }
        return;
    }
    switch ((mlt_label_kind)out->label_kind) {
    case MLT_LABEL_KEY_OBJ: out->label = index_of(c, label); break;
    case MLT_LABEL_INDEX: out->label = label; break;
    default:
        out->label_kind = MLT_LABEL_NONE;
        out->label = 0;
        break;
    }
}

#define EDGE_CHUNK 1024

static mlt_status write_objects(emit_ctx *c, mlt_writer *w, mlt_error *err)
{
    const mld_snapshot *s = c->snap;
    mlt_edge chunk[EDGE_CHUNK];
    for (size_t pos = 0; pos < s->objects.count; pos++) {
        uint32_t walk_index = c->order[pos].walk_index;
        const mld_snap_object *o = &s->objects.items[walk_index];
        mlt_object obj = {o->address, c->type_ids[o->type], o->flags,
                          o->size,    o->refcount,          o->edge_count};
        mlt_status st = mlt_writer_add_object(w, &obj, err);
        const mld_snap_edge *edges = s->edges.items + c->edge_start[walk_index];
        for (uint32_t done = 0; st == MLT_OK && done < o->edge_count;) {
            size_t n = o->edge_count - done < EDGE_CHUNK ? o->edge_count - done : EDGE_CHUNK;
            for (size_t i = 0; i < n; i++) {
                translate_edge(c, &edges[done + i], &chunk[i]);
            }
            st = mlt_writer_add_edges(w, chunk, n, err);
            done += (uint32_t)n;
        }
        if (st != MLT_OK) {
            return st;
        }
    }
    return MLT_OK;
}

static mlt_status write_roots(emit_ctx *c, mlt_writer *w, mlt_error *err)
{
    const mld_snapshot *s = c->snap;
    for (size_t i = 0; i < s->roots.count; i++) {
        const mld_snap_root *r = &s->roots.items[i];
        mlt_root root = {(mlt_root_kind)r->kind,   index_of(c, r->object), string_of(c, r->name),
                         string_of(c, r->context), r->thread_id,           r->depth};
        mlt_status st = mlt_writer_add_root(w, &root, err);
        if (st != MLT_OK) {
            return st;
        }
    }
    return MLT_OK;
}


typedef struct {
    uint32_t object;
    uint32_t preview;
} preview_entry;

static int by_object(const void *a, const void *b)
{
    uint32_t x = ((const preview_entry *)a)->object, y = ((const preview_entry *)b)->object;
    return (x > y) - (x < y);
}

static mlt_status write_previews(emit_ctx *c, mlt_writer *w, mlt_error *err)
{
    const mld_snapshot *s = c->snap;
    size_t n = s->previews.count;
    if (n == 0) {
        return MLT_OK;
    }
    preview_entry *order = mlt_mem_alloc(s->alloc, n * sizeof(preview_entry));
    if (order == NULL) {
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory ordering value previews");
    }
    for (size_t i = 0; i < n; i++) {
        order[i].object = index_of(c, s->previews.items[i].object);
        order[i].preview = (uint32_t)i;
    }
    mld_sort(order, n, sizeof(preview_entry), by_object);
    mlt_status st = MLT_OK;
    for (size_t i = 0; i < n && st == MLT_OK; i++) {
        const mld_snap_preview *p = &s->previews.items[order[i].preview];
        mlt_preview preview = {order[i].object, (mlt_preview_kind)p->kind, (int)p->truncated,
                               (const uint8_t *)s->preview_bytes.items + p->offset, p->length};
        st = mlt_writer_add_preview(w, &preview, err);
    }
    mlt_mem_free(s->alloc, order);
    return st;
}

mlt_status mld_emit_image(mlt_writer *writer, const mld_snapshot *snap, const mlt_image_info *info,
                          uint64_t pause_ns, mld_emit_stats *stats, mlt_error *err)
{
    emit_ctx c;
    memset(&c, 0, sizeof(c));
    c.snap = snap;
    mld_ptrmap_init(&c.by_address, snap->alloc);
    uint64_t size_before = mlt_writer_file_size(writer);
    mlt_status st = MLT_OK;
    if (prepare(&c) != 0) {
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory ordering objects by address");
    }
    if (st == MLT_OK) {
        st = mlt_writer_begin_image(writer, info, err);
    }
    if (st == MLT_OK) {
        st = write_tables(&c, writer, err);
        if (st == MLT_OK)
            st = write_objects(&c, writer, err);
        if (st == MLT_OK)
            st = write_roots(&c, writer, err);
        if (st == MLT_OK)
            st = write_previews(&c, writer, err);
        if (st == MLT_OK) {
            st = mlt_writer_end_image(writer, pause_ns, err);
        } else {
            mlt_writer_abort_image(writer, NULL);
        }
    }
    if (st == MLT_OK && stats != NULL) {
        stats->objects = snap->objects.count;
        stats->edges = snap->edges.count;
        stats->roots = snap->roots.count;
        stats->file_size = mlt_writer_file_size(writer);
        stats->image_bytes = stats->file_size - size_before;
    }
    void *scratch[] = {c.order, c.rank, c.string_ids, c.type_ids, c.edge_start};
    for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++) {
        mlt_mem_free(snap->alloc, scratch[i]);
    }
    mld_ptrmap_free(&c.by_address);
    return st;
}
