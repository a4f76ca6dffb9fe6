/* Where the loaded ELF objects (the python binary, libpython, C extensions,
 * any shared library) lie in memory: their PT_LOAD segments. A Python object
 * at such an address is statically allocated (a static type, a runtime-static
 * str or int, a deep-frozen code object and its constants on 3.11+): it
 * existed before the run, never dies and was never "born", so identity marks
 * never flag it new. The walk flags it MLT_OBJ_STATIC so readers do not mistake
 * it for an object that appeared unseen (docs/design-dumper.md, "Per object").
 *
 * Plain C, no Python: the ranges are read in the parent before an image
 * (refresh takes the dynamic loader's lock and mallocs), and only searched
 * during the walk, so the fork-mode image child calls nothing here but
 * mld_static_ranges_contains. */
#ifndef MEMALOT_DUMPER_STATIC_RANGES_H
#define MEMALOT_DUMPER_STATIC_RANGES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uintptr_t start, end; /* [start, end) */
} mld_address_range;

typedef struct {
    mld_address_range *items; /* sorted, disjoint, not adjacent */
    size_t count, capacity;
    /* The loader's counts of objects loaded and unloaded when the ranges were
     * read: refresh rereads only when either moved. */
    unsigned long long adds, subs;
    int read_once;
} mld_static_ranges;

void mld_static_ranges_init(mld_static_ranges *r);
void mld_static_ranges_free(mld_static_ranges *r);

/* Rereads the segments when the set of loaded objects changed since the last
 * call (a cheap check otherwise: one loader callback). Out of memory leaves
 * no ranges, so nothing is flagged (the image is still right, only less
 * informed). A no-op where the platform has no dl_iterate_phdr. */
void mld_static_ranges_refresh(mld_static_ranges *r);

/* Replaces the ranges with these (unsorted, possibly overlapping). For the
 * unit tests and for refresh itself; -1 when out of memory (then empty). */
int mld_static_ranges_set(mld_static_ranges *r, const mld_address_range *ranges, size_t count);

/* Binary search: runs for every object of an image. */
static inline int mld_static_ranges_contains(const mld_static_ranges *r, uintptr_t address)
{
    size_t low = 0, high = r->count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (r->items[mid].end <= address) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return low < r->count && r->items[low].start <= address;
}

#endif
