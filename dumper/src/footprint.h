/* What the monitor's own C memory adds up to, by part: the "the
 * dumper's memory stays below 5% of the heap between images" is measured
 * from this (bench/footprint.py). Counts capacities, not contents. */
#ifndef MEMALOT_DUMPER_FOOTPRINT_H
#define MEMALOT_DUMPER_FOOTPRINT_H

#include "monitor.h"

#include <stddef.h>

typedef struct {
    size_t marks;   /* identity bitmap */
    size_t visited; /* the walk's visited set */
    size_t maps; /* the walk's address maps, type and member tables, text scratch, static ranges */
    size_t snapshot; /* image buffers kept for the next in-process image */
    size_t calllog;  /* births log and its freed/killed maps (3.13+) */
    size_t total;
} mld_footprint;

void mld_monitor_footprint(const mld_monitor *m, mld_footprint *out);

#endif
