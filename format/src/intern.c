/* String interning for one image: a hash table keyed by XXH3 of the bytes so the
 * STRINGS stream holds each distinct name once. */
#include <string.h>

#include "writer_internal.h"

void mlt_intern_reset(mlt_intern_table *t)
{
    if (t->slots)
        memset(t->slots, 0, t->slot_count * sizeof *t->slots);
    t->count = 0;
    t->bytes.len = 0;
}

void mlt_intern_free(mlt_intern_table *t)
{
    const mlt_allocator *a = t->bytes.alloc;
    mlt_mem_free(a, t->slots);
    mlt_mem_free(a, t->hashes);
    mlt_mem_free(a, t->offsets);
    mlt_mem_free(a, t->lengths);
    mlt_buf_free(&t->bytes);
    memset(t, 0, sizeof *t);
    t->bytes.alloc = a;
}

static size_t find_slot(const mlt_intern_table *t, uint64_t hash, const char *bytes, size_t n,
                        int *found)
{
    size_t mask = t->slot_count - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        uint32_t entry = t->slots[i];
        if (entry == 0) {
            *found = 0;
            return i;
        }
        uint32_t id = entry - 1;
        if (t->hashes[id] == hash && t->lengths[id] == n &&
            (n == 0 || memcmp(t->bytes.data + t->offsets[id], bytes, n) == 0)) {
            *found = 1;
            return i;
        }
    }
}

static int grow_slots(mlt_intern_table *t)
{
    size_t count = t->slot_count ? t->slot_count * 2 : 1024;
    uint32_t *slots = mlt_mem_calloc(t->bytes.alloc, count, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t id = 0; id < t->count; id++) {
        size_t i = (size_t)t->hashes[id] & (count - 1);
        while (slots[i])
            i = (i + 1) & (count - 1);
        slots[i] = (uint32_t)id + 1;
    }
    mlt_mem_free(t->bytes.alloc, t->slots);
    t->slots = slots;
    t->slot_count = count;
    return 0;
}

static int grow_entries(mlt_intern_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 256;
    uint64_t *hashes = mlt_mem_realloc(t->bytes.alloc, t->hashes, cap * sizeof *hashes);
    if (!hashes)
        return -1;
    t->hashes = hashes;
    uint64_t *offsets = mlt_mem_realloc(t->bytes.alloc, t->offsets, cap * sizeof *offsets);
    if (!offsets)
        return -1;
    t->offsets = offsets;
    size_t *lengths = mlt_mem_realloc(t->bytes.alloc, t->lengths, cap * sizeof *lengths);
    if (!lengths)
        return -1;
    t->lengths = lengths;
    t->cap = cap;
    return 0;
}

int mlt_intern_lookup(mlt_intern_table *t, const char *bytes, size_t n, uint32_t *id, int *found)
{
    /* Keep the load factor under one half so probes stay short. */
    if ((t->count + 1) * 2 > t->slot_count && grow_slots(t))
        return -1;
    uint64_t hash = XXH3_64bits(bytes, n);
    size_t slot = find_slot(t, hash, bytes, n, found);
    if (*found) {
        *id = t->slots[slot] - 1;
        return 0;
    }
    if (t->count == t->cap && grow_entries(t))
        return -1;
    if (mlt_buf_reserve(&t->bytes, n ? n : 1))
        return -1;
    t->offsets[t->count] = t->bytes.len;
    mlt_buf_append(&t->bytes, bytes, n);
    t->hashes[t->count] = hash;
    t->lengths[t->count] = n;
    t->slots[slot] = (uint32_t)t->count + 1;
    *id = (uint32_t)t->count++;
    return 0;
}
