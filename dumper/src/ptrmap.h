/* Open-addressing hash map from a nonzero 64-bit key (an address) to a 32-bit
 * value, in plain C memory: the walk uses it as its visited set so that it
 * never allocates Python objects. */
#ifndef MEMALOT_DUMPER_PTRMAP_H
#define MEMALOT_DUMPER_PTRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "memalot/alloc.h"

typedef struct {
    uint64_t key;   /* 0 = empty slot */
    uint64_t value; /* 32 bits used; the slot is 16 bytes so a probe is one cache line */
} mld_ptrmap_slot;

typedef struct {
    mld_ptrmap_slot *slots;
    size_t capacity; /* power of two */
    size_t count;
    const mlt_allocator *alloc; /* NULL: libc */
} mld_ptrmap;

void mld_ptrmap_init(mld_ptrmap *map, const mlt_allocator *alloc);
void mld_ptrmap_free(mld_ptrmap *map);
void mld_ptrmap_reset(mld_ptrmap *map); /* empties, keeps memory */

/* Makes room for n keys without further growth; -1 when out of memory. */
int mld_ptrmap_reserve(mld_ptrmap *map, size_t n);

/* Returns 1 and sets *value when key is present, else 0. */
int mld_ptrmap_get(const mld_ptrmap *map, uint64_t key, uint32_t *value);

/* Inserts or overwrites; -1 when out of memory. */
int mld_ptrmap_put(mld_ptrmap *map, uint64_t key, uint32_t value);

/* Looks key up; when absent inserts it with `value`. Returns 1 if it was
 * present (*found gets the old value), 0 if inserted, -1 on out of memory. */
int mld_ptrmap_get_or_put(mld_ptrmap *map, uint64_t key, uint32_t value, uint32_t *found);

#endif
