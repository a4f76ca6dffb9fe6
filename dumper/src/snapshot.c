/* C buffers of one image (see snapshot.h). Growth is geometric so a walk of
 * 10^6 objects does a few dozen reallocations, none of them Python's. */
#include "snapshot.h"

#include <string.h>

int mld_grow_array(const mlt_allocator *alloc, void **items, size_t *capacity, size_t needed,
                   size_t elem_size)
{
    if (needed <= *capacity) {
        return 0;
    }
    size_t cap = *capacity ? *capacity : 256;
    while (cap < needed) {
        cap *= 2;
    }
    void *grown = mlt_mem_realloc(alloc, *items, cap * elem_size);
    if (grown == NULL) {
        return -1;
    }
    *items = grown;
    *capacity = cap;
    return 0;
}

#define APPEND(s, arr)                                                                             \
    do {                                                                                           \
        if (mld_grow_array((s)->alloc, (void **)&(arr).items, &(arr).capacity, (arr).count + 1,    \
                           sizeof(*(arr).items)) != 0) {                                           \
            (s)->out_of_memory = 1;                                                                \
            return NULL;                                                                           \
        }                                                                                          \
        memset(&(arr).items[(arr).count], 0, sizeof(*(arr).items));                                \
        return &(arr).items[(arr).count++];                                                        \
    } while (0)

void mld_snapshot_init(mld_snapshot *s, const mlt_allocator *alloc)
{
    memset(s, 0, sizeof(*s));
    s->alloc = alloc;
}

void mld_snapshot_free(mld_snapshot *s)
{
    const mlt_allocator *a = s->alloc;
    void *buffers[] = {s->objects.items,  s->edges.items,     s->roots.items,
                       s->previews.items, s->types.items,     s->preview_bytes.items,
                       s->strings.bytes,  s->strings.offsets, s->strings.lengths,
                       s->strings.index};
    for (size_t i = 0; i < sizeof(buffers) / sizeof(buffers[0]); i++) {
        mlt_mem_free(a, buffers[i]);
    }
    mld_snapshot_init(s, a);
}

void mld_snapshot_reset(mld_snapshot *s)
{
    s->objects.count = s->edges.count = s->roots.count = 0;
    s->previews.count = s->types.count = s->preview_bytes.count = 0;
    s->strings.length = s->strings.count = 0;
    if (s->strings.index != NULL) {
        memset(s->strings.index, 0, s->strings.index_capacity * sizeof(uint32_t));
    }
    s->out_of_memory = 0;
}

void mld_snapshot_trim(mld_snapshot *s, size_t max_bytes)
{
    size_t bytes = s->objects.capacity * sizeof(*s->objects.items) +
                   s->edges.capacity * sizeof(*s->edges.items) +
                   s->roots.capacity * sizeof(*s->roots.items) +
                   s->previews.capacity * sizeof(*s->previews.items) + s->preview_bytes.capacity +
                   s->strings.capacity;
    if (bytes > max_bytes) {
        mld_snapshot_free(s);
    }
}

mld_snap_object *mld_snapshot_add_object(mld_snapshot *s)
{
    APPEND(s, s->objects);
}
mld_snap_edge *mld_snapshot_add_edge(mld_snapshot *s)
{
    APPEND(s, s->edges);
}
mld_snap_root *mld_snapshot_add_root(mld_snapshot *s)
{
    APPEND(s, s->roots);
}
mld_snap_type *mld_snapshot_add_type(mld_snapshot *s)
{
    APPEND(s, s->types);
}

mld_snap_preview *mld_snapshot_add_preview(mld_snapshot *s, const void *data, size_t length)
{
    size_t offset = s->preview_bytes.count;
    if (mld_grow_array(s->alloc, (void **)&s->preview_bytes.items, &s->preview_bytes.capacity,
                       offset + length, 1) != 0) {
        s->out_of_memory = 1;
        return NULL;
    }
    memcpy(s->preview_bytes.items + offset, data, length);
    s->preview_bytes.count += length;
    mld_snap_preview *p = NULL;
    if (mld_grow_array(s->alloc, (void **)&s->previews.items, &s->previews.capacity,
                       s->previews.count + 1, sizeof(*p)) != 0) {
        s->out_of_memory = 1;
        return NULL;
    }
    p = &s->previews.items[s->previews.count++];
    memset(p, 0, sizeof(*p));
    p->offset = offset;
    p->length = (uint32_t)length;
    return p;
}

/* ------------------------------------------------------------ strings */

static uint64_t hash_bytes(const char *bytes, size_t length)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < length; i++) {
        h = (h ^ (unsigned char)bytes[i]) * UINT64_C(1099511628211);
    }
    return h;
}

static int same_string(const mld_strtab *t, uint32_t id, const char *bytes, size_t length)
{
    return t->lengths[id] == length && memcmp(t->bytes + t->offsets[id], bytes, length) == 0;
}

static int rehash_strings(const mlt_allocator *a, mld_strtab *t)
{
    size_t cap = t->index_capacity ? t->index_capacity * 2 : 1024;
    uint32_t *index = mlt_mem_calloc(a, cap, sizeof(uint32_t));
    if (index == NULL) {
        return -1;
    }
    for (uint32_t id = 0; id < t->count; id++) {
        size_t i = hash_bytes(t->bytes + t->offsets[id], t->lengths[id]) & (cap - 1);
        while (index[i] != 0) {
            i = (i + 1) & (cap - 1);
        }
        index[i] = id + 1;
    }
    mlt_mem_free(a, t->index);
    t->index = index;
    t->index_capacity = cap;
    return 0;
}

static uint32_t append_string(const mlt_allocator *a, mld_strtab *t, const char *bytes,
                              size_t length)
{
    size_t old_capacity = t->capacity_ids;
    if (mld_grow_array(a, (void **)&t->bytes, &t->capacity, t->length + length + 1, 1) != 0 ||
        mld_grow_array(a, (void **)&t->offsets, &t->capacity_ids, t->count + 1, sizeof(uint64_t)) !=
            0) {
        return MLT_NO_STRING;
    }
    if (t->lengths == NULL || old_capacity != t->capacity_ids) {
        uint32_t *lengths = mlt_mem_realloc(a, t->lengths, t->capacity_ids * sizeof(uint32_t));
        if (lengths == NULL) {
            t->capacity_ids = old_capacity; /* offsets grew; lengths did not */
            return MLT_NO_STRING;
        }
        t->lengths = lengths;
    }
    memcpy(t->bytes + t->length, bytes, length);
    t->bytes[t->length + length] = '\0';
    t->offsets[t->count] = t->length;
    t->lengths[t->count] = (uint32_t)length;
    t->length += length + 1;
    return (uint32_t)t->count++;
}

uint32_t mld_snapshot_intern(mld_snapshot *s, const char *bytes, size_t length)
{
    mld_strtab *t = &s->strings;
    if ((t->count + 1) * 2 > t->index_capacity && rehash_strings(s->alloc, t) != 0) {
        s->out_of_memory = 1;
        return MLT_NO_STRING;
    }
    size_t i = hash_bytes(bytes, length) & (t->index_capacity - 1);
    while (t->index[i] != 0) {
        if (same_string(t, t->index[i] - 1, bytes, length)) {
            return t->index[i] - 1;
        }
        i = (i + 1) & (t->index_capacity - 1);
    }
    uint32_t id = append_string(s->alloc, t, bytes, length);
    if (id == MLT_NO_STRING) {
        s->out_of_memory = 1;
        return id;
    }
    t->index[i] = id + 1;
    return id;
}

const char *mld_snapshot_string(const mld_snapshot *s, uint32_t id, size_t *length)
{
    if (id >= s->strings.count) {
        return NULL;
    }
    *length = s->strings.lengths[id];
    return s->strings.bytes + s->strings.offsets[id];
}
