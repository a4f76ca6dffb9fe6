/* Radix bitmap for object identity (see bitmap.h). Index bits: 44 bits of
 * (address >> 4) split 13 / 13 / 18, so a leaf is 32 KiB and covers 4 MiB of
 * address space; only leaves that saw an allocation exist. */
#include "bitmap.h"

#include <stdlib.h>
#include <string.h>

#define GRANULE_SHIFT 4
#define LEAF_BITS 18
#define MID_BITS 13
#define TOP_BITS 13
#define LEAF_WORDS ((1u << LEAF_BITS) / 64u)
#define MID_SIZE (1u << MID_BITS)
#define TOP_SIZE (1u << TOP_BITS)

typedef struct {
    uint64_t words[LEAF_WORDS];
} leaf_t;

typedef struct {
    leaf_t *leaves[MID_SIZE];
} mid_t;

struct mlt_bitmap {
    /* The last leaf used: consecutive allocations land in the same 4 MiB
     * almost always, so the hooks skip two dependent loads. Leaves live until
     * the map is freed (clear only zeroes them), so the pointer stays valid. */
    uint64_t cached_key;
    leaf_t *cached_leaf;
    mid_t *top[TOP_SIZE];
    leaf_t **all_leaves; /* every allocated leaf, for a fast clear */
    size_t leaf_count, leaf_capacity;
    size_t mid_count;
    int lossy;
};

mlt_bitmap *mlt_bitmap_new(void)
{
    return calloc(1, sizeof(mlt_bitmap));
}

void mlt_bitmap_free(mlt_bitmap *bm)
{
    if (bm == NULL) {
        return;
    }
    for (size_t i = 0; i < bm->leaf_count; i++) {
        free(bm->all_leaves[i]);
    }
    free(bm->all_leaves);
    for (size_t t = 0; t < TOP_SIZE; t++) {
        free(bm->top[t]);
    }
    free(bm);
}

static int remember_leaf(mlt_bitmap *bm, leaf_t *leaf)
{
    if (bm->leaf_count == bm->leaf_capacity) {
        size_t cap = bm->leaf_capacity ? bm->leaf_capacity * 2 : 64;
        leaf_t **grown = realloc(bm->all_leaves, cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        bm->all_leaves = grown;
        bm->leaf_capacity = cap;
    }
    bm->all_leaves[bm->leaf_count++] = leaf;
    return 0;
}

static leaf_t *leaf_for_slow(mlt_bitmap *bm, uint64_t index)
{
    uint64_t t = index >> (LEAF_BITS + MID_BITS);
    uint64_t m = (index >> LEAF_BITS) & (MID_SIZE - 1);
    mid_t *mid = bm->top[t];
    if (mid == NULL) {
        mid = calloc(1, sizeof(mid_t));
        if (mid == NULL) {
            return NULL;
        }
        bm->top[t] = mid;
        bm->mid_count++;
    }
    leaf_t *leaf = mid->leaves[m];
    if (leaf == NULL) {
        leaf = calloc(1, sizeof(leaf_t));
        if (leaf == NULL || remember_leaf(bm, leaf) != 0) {
            free(leaf);
            return NULL;
        }
        mid->leaves[m] = leaf;
    }
    bm->cached_key = index >> LEAF_BITS;
    bm->cached_leaf = leaf;
    return leaf;
}

static inline leaf_t *leaf_for(mlt_bitmap *bm, uint64_t index)
{
    if (bm->cached_leaf != NULL && (index >> LEAF_BITS) == bm->cached_key) {
        return bm->cached_leaf;
    }
    return leaf_for_slow(bm, index);
}

void mlt_bitmap_set(mlt_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> GRANULE_SHIFT;
    if (index >> (LEAF_BITS + MID_BITS + TOP_BITS)) {
        bm->lossy = 1;
        return;
    }
    leaf_t *leaf = leaf_for(bm, index);
    if (leaf == NULL) {
        bm->lossy = 1;
        return;
    }
    uint64_t bit = index & ((1u << LEAF_BITS) - 1);
    leaf->words[bit >> 6] |= (uint64_t)1 << (bit & 63);
}

void mlt_bitmap_set_run(mlt_bitmap *bm, uintptr_t address, unsigned granules)
{
    uint64_t first = (uint64_t)address >> GRANULE_SHIFT;
    uint64_t bit = first & ((1u << LEAF_BITS) - 1);
    if (granules == 0 || granules > 64 || (first >> (LEAF_BITS + MID_BITS + TOP_BITS)) ||
        bit + granules > (1u << LEAF_BITS)) {
        /* Rare: the run leaves the leaf (or the map); go granule by granule. */
        for (unsigned g = 0; g < granules; g++) {
            mlt_bitmap_set(bm, address + ((uintptr_t)g << GRANULE_SHIFT));
        }
        return;
    }
    leaf_t *leaf = leaf_for(bm, first);
    if (leaf == NULL) {
        bm->lossy = 1;
        return;
    }
    unsigned shift = (unsigned)(bit & 63);
    uint64_t run = granules == 64 ? ~(uint64_t)0 : (((uint64_t)1 << granules) - 1);
    leaf->words[bit >> 6] |= run << shift;
    if (shift + granules > 64) {
        leaf->words[(bit >> 6) + 1] |= run >> (64 - shift);
    }
}

int mlt_bitmap_test_and_set(mlt_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> GRANULE_SHIFT;
    if (index >> (LEAF_BITS + MID_BITS + TOP_BITS)) {
        bm->lossy = 1;
        return 1;
    }
    leaf_t *leaf = leaf_for(bm, index);
    if (leaf == NULL) {
        bm->lossy = 1;
        return 1;
    }
    uint64_t bit = index & ((1u << LEAF_BITS) - 1);
    uint64_t mask = (uint64_t)1 << (bit & 63);
    int was = (leaf->words[bit >> 6] & mask) != 0;
    leaf->words[bit >> 6] |= mask;
    return was;
}

int mlt_bitmap_test(const mlt_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> GRANULE_SHIFT;
    if (index >> (LEAF_BITS + MID_BITS + TOP_BITS)) {
        return 1;
    }
    const mid_t *mid = bm->top[index >> (LEAF_BITS + MID_BITS)];
    if (mid == NULL) {
        return 0;
    }
    const leaf_t *leaf = mid->leaves[(index >> LEAF_BITS) & (MID_SIZE - 1)];
    if (leaf == NULL) {
        return 0;
    }
    uint64_t bit = index & ((1u << LEAF_BITS) - 1);
    return (int)((leaf->words[bit >> 6] >> (bit & 63)) & 1);
}

int mlt_bitmap_lossy(const mlt_bitmap *bm)
{
    return bm->lossy;
}

void mlt_bitmap_clear(mlt_bitmap *bm)
{
    for (size_t i = 0; i < bm->leaf_count; i++) {
        memset(bm->all_leaves[i]->words, 0, sizeof(bm->all_leaves[i]->words));
    }
    bm->lossy = 0;
}

size_t mlt_bitmap_bytes(const mlt_bitmap *bm)
{
    return sizeof(*bm) + bm->leaf_count * sizeof(leaf_t) + bm->mid_count * sizeof(mid_t) +
           bm->leaf_capacity * sizeof(leaf_t *);
}
