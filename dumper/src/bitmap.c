/* Radix bitmap for object identity (see bitmap.h). Index bits: 44 bits of
 * (address >> 4) split 13 / 13 / 18, so a leaf is 32 KiB and covers 4 MiB of
 * address space; only leaves that saw an allocation exist. */
#include "bitmap.h"
#include "bitmap_inline.h"

#include <stdlib.h>
#include <string.h>

mld_bitmap *mld_bitmap_new(const mlt_allocator *alloc)
{
    mld_bitmap *bm = mlt_mem_calloc(alloc, 1, sizeof(mld_bitmap));
    if (bm != NULL) {
        bm->alloc = alloc;
        for (unsigned slot = 0; slot < MLD_BITMAP_LEAF_CACHE; slot++) {
            bm->cached_key[slot] = MLD_BITMAP_NO_KEY;
        }
    }
    return bm;
}

void mld_bitmap_free(mld_bitmap *bm)
{
    if (bm == NULL) {
        return;
    }
    for (size_t i = 0; i < bm->leaf_count; i++) {
        mlt_mem_free(bm->alloc, bm->all_leaves[i]);
    }
    mlt_mem_free(bm->alloc, bm->all_leaves);
    for (size_t t = 0; t < MLD_BITMAP_TOP_SIZE; t++) {
        mlt_mem_free(bm->alloc, bm->top[t]);
    }
    mlt_mem_free(bm->alloc, bm);
}

static int remember_leaf(mld_bitmap *bm, mld_bitmap_leaf_t *leaf)
{
    if (bm->leaf_count == bm->leaf_capacity) {
        size_t cap = bm->leaf_capacity ? bm->leaf_capacity * 2 : 64;
        mld_bitmap_leaf_t **grown = mlt_mem_realloc(bm->alloc, bm->all_leaves,
                                                    cap * sizeof(*grown));
        if (grown == NULL) {
            return -1;
        }
        bm->all_leaves = grown;
        bm->leaf_capacity = cap;
    }
    bm->all_leaves[bm->leaf_count++] = leaf;
    return 0;
}

mld_bitmap_leaf_t *mld_bitmap_leaf_slow(mld_bitmap *bm, uint64_t index)
{
    uint64_t t = index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS);
    uint64_t m = (index >> MLD_BITMAP_LEAF_BITS) & (MLD_BITMAP_MID_SIZE - 1);
    mld_bitmap_mid_t *mid = bm->top[t];
    if (mid == NULL) {
        mid = mlt_mem_calloc(bm->alloc, 1, sizeof(mld_bitmap_mid_t));
        if (mid == NULL) {
            return NULL;
        }
        bm->top[t] = mid;
        bm->mid_count++;
    }
    mld_bitmap_leaf_t *leaf = mid->leaves[m];
    if (leaf == NULL) {
        leaf = mlt_mem_calloc(bm->alloc, 1, sizeof(mld_bitmap_leaf_t));
        if (leaf == NULL || remember_leaf(bm, leaf) != 0) {
            mlt_mem_free(bm->alloc, leaf);
            return NULL;
        }
        mid->leaves[m] = leaf;
    }
    uint64_t key = index >> MLD_BITMAP_LEAF_BITS;
    bm->cached_key[key % MLD_BITMAP_LEAF_CACHE] = key;
    bm->cached_leaf[key % MLD_BITMAP_LEAF_CACHE] = leaf;
    return leaf;
}

static inline mld_bitmap_leaf_t *leaf_for(mld_bitmap *bm, uint64_t index)
{
    return mld_bitmap_leaf(bm, index);
}

void mld_bitmap_set(mld_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> MLD_BITMAP_GRANULE_SHIFT;
    if (index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS + MLD_BITMAP_TOP_BITS)) {
        bm->lossy = 1;
        return;
    }
    mld_bitmap_leaf_t *leaf = leaf_for(bm, index);
    if (leaf == NULL) {
        bm->lossy = 1;
        return;
    }
    uint64_t bit = index & ((1u << MLD_BITMAP_LEAF_BITS) - 1);
    leaf->words[bit >> 6] |= (uint64_t)1 << (bit & 63);
}

void mld_bitmap_set_run_slow(mld_bitmap *bm, uintptr_t address, unsigned granules)
{
    for (unsigned g = 0; g < granules; g++) {
        mld_bitmap_set(bm, address + ((uintptr_t)g << MLD_BITMAP_GRANULE_SHIFT));
    }
}

int mld_bitmap_test_and_set(mld_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> MLD_BITMAP_GRANULE_SHIFT;
    if (index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS + MLD_BITMAP_TOP_BITS)) {
        bm->lossy = 1;
        return 1;
    }
    mld_bitmap_leaf_t *leaf = leaf_for(bm, index);
    if (leaf == NULL) {
        bm->lossy = 1;
        return 1;
    }
    uint64_t bit = index & ((1u << MLD_BITMAP_LEAF_BITS) - 1);
    uint64_t mask = (uint64_t)1 << (bit & 63);
    int was = (leaf->words[bit >> 6] & mask) != 0;
    leaf->words[bit >> 6] |= mask;
    return was;
}

int mld_bitmap_test(const mld_bitmap *bm, uintptr_t address)
{
    uint64_t index = (uint64_t)address >> MLD_BITMAP_GRANULE_SHIFT;
    if (index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS + MLD_BITMAP_TOP_BITS)) {
        return 1;
    }
    const mld_bitmap_mid_t *mid = bm->top[index >> (MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS)];
    if (mid == NULL) {
        return 0;
    }
    const mld_bitmap_leaf_t *leaf =
        mid->leaves[(index >> MLD_BITMAP_LEAF_BITS) & (MLD_BITMAP_MID_SIZE - 1)];
    if (leaf == NULL) {
        return 0;
    }
    uint64_t bit = index & ((1u << MLD_BITMAP_LEAF_BITS) - 1);
    return (int)((leaf->words[bit >> 6] >> (bit & 63)) & 1);
}

void mld_bitmap_unset(mld_bitmap *bm, uintptr_t address)
{
    mld_bitmap_unmark(bm, address);
}

int mld_bitmap_lossy(const mld_bitmap *bm)
{
    return bm->lossy;
}

void mld_bitmap_clear(mld_bitmap *bm)
{
    for (size_t i = 0; i < bm->leaf_count; i++) {
        memset(bm->all_leaves[i]->words, 0, sizeof(bm->all_leaves[i]->words));
    }
    bm->lossy = 0;
}

size_t mld_bitmap_bytes(const mld_bitmap *bm)
{
    return sizeof(*bm) + bm->leaf_count * sizeof(mld_bitmap_leaf_t) +
           bm->mid_count * sizeof(mld_bitmap_mid_t) +
           bm->leaf_capacity * sizeof(mld_bitmap_leaf_t *);
}
