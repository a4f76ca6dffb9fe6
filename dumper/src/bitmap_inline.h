/* The identity bitmap's layout and the fast path of marking, for the
 * allocation hooks only. They run on every object allocation of the watched
 * program, so marking must inline into them: a function call and its
 * prologue cost as much as the marking itself. Everything else goes through
 * bitmap.h. */
#ifndef MEMALOT_DUMPER_BITMAP_INLINE_H
#define MEMALOT_DUMPER_BITMAP_INLINE_H

#include <stdint.h>

#include "bitmap.h"

#define MLD_BITMAP_GRANULE_SHIFT 4
#define MLD_BITMAP_LEAF_BITS 18
#define MLD_BITMAP_MID_BITS 13
#define MLD_BITMAP_TOP_BITS 13
#define MLD_BITMAP_LEAF_WORDS ((1u << MLD_BITMAP_LEAF_BITS) / 64u)
#define MLD_BITMAP_MID_SIZE (1u << MLD_BITMAP_MID_BITS)
#define MLD_BITMAP_TOP_SIZE (1u << MLD_BITMAP_TOP_BITS)
#define MLD_BITMAP_LEAF_CACHE 16u
#define MLD_BITMAP_NO_KEY UINT64_MAX

typedef struct {
    uint64_t words[MLD_BITMAP_LEAF_WORDS];
} mld_bitmap_leaf_t;

typedef struct {
    mld_bitmap_leaf_t *leaves[MLD_BITMAP_MID_SIZE];
} mld_bitmap_mid_t;

struct mld_bitmap {
    /* Recently used leaves, direct-mapped by leaf key: allocations cycle
     * through a few 4 MiB regions (one per pymalloc arena in use), so the
     * hooks skip the two dependent loads of the radix walk. Leaves live until
     * the map is freed (clear only zeroes them), so cached pointers stay valid.
     * An empty slot holds MLD_BITMAP_NO_KEY, which no address's key equals, so
     * a hit is one compare. */
    uint64_t cached_key[MLD_BITMAP_LEAF_CACHE];
    mld_bitmap_leaf_t *cached_leaf[MLD_BITMAP_LEAF_CACHE];
    mld_bitmap_mid_t *top[MLD_BITMAP_TOP_SIZE];
    mld_bitmap_leaf_t **all_leaves; /* every allocated leaf, for a fast clear */
    size_t leaf_count, leaf_capacity;
    size_t mid_count;
    int lossy;
    const mlt_allocator *alloc; /* NULL: libc */
};

/* The leaf holding granule `index` (slow path: radix walk, allocation). */
mld_bitmap_leaf_t *mld_bitmap_leaf_slow(mld_bitmap *bm, uint64_t index);
/* Marks a run granule by granule (it leaves its leaf, or the map). */
void mld_bitmap_set_run_slow(mld_bitmap *bm, uintptr_t address, unsigned granules);

static inline mld_bitmap_leaf_t *mld_bitmap_leaf(mld_bitmap *bm, uint64_t index)
{
    uint64_t key = index >> MLD_BITMAP_LEAF_BITS;
    unsigned slot = (unsigned)(key % MLD_BITMAP_LEAF_CACHE);
    if (bm->cached_key[slot] == key) {
        return bm->cached_leaf[slot];
    }
    return mld_bitmap_leaf_slow(bm, index);
}

/* The leaf holding granule `index` if it exists (no allocation). */
static inline mld_bitmap_leaf_t *mld_bitmap_leaf_find(const mld_bitmap *bm, uint64_t index)
{
    uint64_t key = index >> MLD_BITMAP_LEAF_BITS;
    unsigned slot = (unsigned)(key % MLD_BITMAP_LEAF_CACHE);
    if (bm->cached_key[slot] == key) {
        return bm->cached_leaf[slot];
    }
    if (index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS + MLD_BITMAP_TOP_BITS)) {
        return NULL;
    }
    const mld_bitmap_mid_t *mid = bm->top[index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS)];
    return mid == NULL ? NULL : mid->leaves[key & (MLD_BITMAP_MID_SIZE - 1)];
}

/* Clears the one granule at address: the object that lived there died. An
 * address without a leaf was never marked, so there is nothing to clear. */
static inline void mld_bitmap_unmark(mld_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> MLD_BITMAP_GRANULE_SHIFT;
    mld_bitmap_leaf_t *leaf = mld_bitmap_leaf_find(bm, index);
    if (leaf != NULL) {
        uint64_t bit = index & ((1u << MLD_BITMAP_LEAF_BITS) - 1);
        leaf->words[bit >> 6] &= ~((uint64_t)1 << (bit & 63));
    }
}

/* Marks the one granule at address if its leaf is cached, and says whether
 * it did: the reference tracer's fast path, a handful of instructions with no
 * call, so the caller needs no stack frame. On 0 the caller marks through
 * mld_bitmap_set, out of line. */
static inline int mld_bitmap_mark_one_cached(mld_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> MLD_BITMAP_GRANULE_SHIFT;
    uint64_t key = index >> MLD_BITMAP_LEAF_BITS;
    unsigned slot = (unsigned)(key % MLD_BITMAP_LEAF_CACHE);
    if (__builtin_expect(bm->cached_key[slot] != key, 0)) {
        return 0;
    }
    uint64_t bit = index & ((1u << MLD_BITMAP_LEAF_BITS) - 1);
    bm->cached_leaf[slot]->words[bit >> 6] |= (uint64_t)1 << (bit & 63);
    return 1;
}

/* Marks `granules` (1..63) consecutive granules from address. */
static inline void mld_bitmap_mark_run(mld_bitmap *bm, uintptr_t address, unsigned granules)
{
    uint64_t first = (uint64_t)address >> MLD_BITMAP_GRANULE_SHIFT;
    uint64_t bit = first & ((1u << MLD_BITMAP_LEAF_BITS) - 1);
    if ((first >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS + MLD_BITMAP_TOP_BITS)) ||
        bit + granules > (1u << MLD_BITMAP_LEAF_BITS)) {
        mld_bitmap_set_run_slow(bm, address, granules);
        return;
    }
    mld_bitmap_leaf_t *leaf = mld_bitmap_leaf(bm, first);
    if (leaf == NULL) {
        bm->lossy = 1;
        return;
    }
    unsigned shift = (unsigned)(bit & 63);
    uint64_t run = ((uint64_t)1 << granules) - 1;
    leaf->words[bit >> 6] |= run << shift;
    if (shift + granules > 64) {
        leaf->words[(bit >> 6) + 1] |= run >> (64 - shift);
    }
}

#endif
