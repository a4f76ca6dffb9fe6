/* The births of the monitored call in progress. While a call is armed,
 * the reference tracer (3.13+) or the allocator hook and the freelist
 * wrappers (3.10-3.12, which log block starts) log every object created,
 * and a free hook marks every block given back. At the call's end an entry is still alive
 * when no later birth reused its address, its block was not freed and it
 * does not sit in a freelist. So the monitor knows in O(objects created)
 * whether the call left anything alive, without walking the heap
 * (docs/design-dumper.md, "Per-call delta images").
 *
 * Deaths are read from frees rather than DESTROY events because 3.13's eval
 * loop calls tp_dealloc directly (ceval.c redefines Py_DECREF), so most
 * deaths are never reported to the tracer.
 *
 * Memory stays O(live births): when the log fills, dead and duplicate
 * entries are dropped before it grows. Plain C memory, since appends happen
 * inside object creation. All calls need the GIL. */
#ifndef MEMALOT_DUMPER_CALLLOG_H
#define MEMALOT_DUMPER_CALLLOG_H

#include "bitmap.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    /* object address | pre-header size / 16 (bits 0-1); addresses are
     * 16-byte aligned, so the low 4 bits are free */
    uintptr_t *entries;
    size_t count, capacity;
    mld_bitmap *freed;  /* block starts given back while armed */
    mld_bitmap *killed; /* addresses that can no longer hold an older object: inside a
                           newer object's pre-header, or an object waiting in a freelist */
    int depth;          /* monitored calls open (outermost per thread or task) */
    int overlapped;     /* two calls were open at once: births cannot be told apart */
    int overflow;       /* a birth could not be logged (cap, memory, odd alignment) */
} mld_calllog;

/* Entries the log may hold before it overflows (64 MiB). */
#define MLD_CALLLOG_MAX_ENTRIES ((size_t)1 << 23)

/* Forgets every entry and the overlap/overflow state; keeps the memory. */
void mld_calllog_reset(mld_calllog *log);

/* Allocates the freed/killed maps on first use (a monitor that never sees
 * a monitored call never pays for them); -1 when out of memory. */
int mld_calllog_ready(mld_calllog *log);

void mld_calllog_free(mld_calllog *log);

/* A birth at address, whose block starts preheader bytes (0, 16 or 32)
 * before it. marks is the identity bitmap the tracer just marked. */
void mld_calllog_birth(mld_calllog *log, mld_bitmap *marks, uintptr_t address, size_t preheader);

/* A block given back to the allocator. */
void mld_calllog_freed(mld_calllog *log, uintptr_t block);

/* Keeps only the entries whose object is still alive, each address once
 * (the newest birth there decides); returns how many. The caller marks
 * freelisted objects in log->killed first. */
size_t mld_calllog_survivors(mld_calllog *log, mld_bitmap *marks);

/* After survivors, at the call's end: turns the entries into plain
 * addresses sorted ascending (for the walk's binary search). */
void mld_calllog_sort_addresses(mld_calllog *log);

/* Marks every entry in marks again (after the marks were cleared by an
 * image taken while the call runs: its survivors stay recognisable). */
void mld_calllog_remark(const mld_calllog *log, mld_bitmap *marks);

#endif
