/* The identity bitmap: one bit per 16 bytes of address space, in a lazily
 * allocated three-level radix map (about heap/128 bytes). A set bit means "an
 * object was created at this address since the last image". Plain C memory
 * (libc calloc, or the image child's own allocator), so it can be touched from
 * inside the Python allocator hook. */
#ifndef MEMALOT_DUMPER_BITMAP_H
#define MEMALOT_DUMPER_BITMAP_H

#include <stddef.h>
#include <stdint.h>

#include "memalot/alloc.h"

typedef struct mld_bitmap mld_bitmap;

/* alloc: where the map's memory comes from (NULL: libc). */
mld_bitmap *mld_bitmap_new(const mlt_allocator *alloc);
void mld_bitmap_free(mld_bitmap *bm);

/* Marks the address; never fails loudly: a failed allocation or an address
 * outside the map sets the "lossy" state that mld_bitmap_lossy reports. */
void mld_bitmap_set(mld_bitmap *bm, uintptr_t address);

/* Sets the bit and returns its previous value (1 also when the address
 * cannot be represented or memory ran out, after setting the lossy state). */
int mld_bitmap_test_and_set(mld_bitmap *bm, uintptr_t address);

/* 1 if marked, or if the address cannot be represented (safe answer: new). */
int mld_bitmap_test(const mld_bitmap *bm, uintptr_t address);

/* Clears the granule at address (no allocation; nothing to do without a leaf). */
void mld_bitmap_unset(mld_bitmap *bm, uintptr_t address);

/* 1 when a mark may have been lost since the last clear. */
int mld_bitmap_lossy(const mld_bitmap *bm);

/* Clears every bit (and the lossy state); keeps the memory for reuse. */
void mld_bitmap_clear(mld_bitmap *bm);

/* Bytes held by the map. */
size_t mld_bitmap_bytes(const mld_bitmap *bm);

#endif
