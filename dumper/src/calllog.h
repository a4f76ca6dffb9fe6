/* The births of the monitored calls in progress. While a call is armed,
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
 * Calls open at once in different threads or asyncio tasks each get a slot,
 * and each birth records the flow of control that made it, so one call's
 * end reports its own survivors while the others go on
 * (docs/design-dumper.md, "Overlapping calls").
 *
 * Memory stays O(live births): when the log fills, dead and duplicate
 * entries are dropped before it grows. Plain C memory, since appends happen
 * inside object creation. All calls need the GIL. */
#ifndef MEMALOT_DUMPER_CALLLOG_H
#define MEMALOT_DUMPER_CALLLOG_H

#include "bitmap.h"

#include <stddef.h>
#include <stdint.h>

/* Calls open at once told apart; more take full images, their births unattributed. */
#define MLD_CALL_SLOTS 32

/* Entries the log may hold before it overflows (64 MiB of entries). */
#define MLD_CALLLOG_MAX_ENTRIES ((size_t)1 << 23)

/* One open monitored call. Its owner is its flow of control: the Context
 * object the thread runs in (each asyncio task runs in its own), or the
 * thread state of a thread that has none (callflow.h).
 * Its token is the object the Python layer put in that Context for the
 * call, which a context copied inside the call (a child task) carries too
 * (callflow.h). A free slot keeps the last call's owner and token until it
 * is reused: that flow's births on the way out of its call are nobody's. */
typedef struct {
    const void *owner;      /* NULL: the slot is free */
    const void *token;      /* NULL: the call's flow had none (the Python layer sets one) */
    const void *last_owner; /* a free slot: the owner of the call that ended in it */
    uint64_t ended_at;      /* a free slot: when its call ended (log->ends then); 0: never used */
    size_t start;           /* entries before this index were born before the call opened */
    size_t alone_since;     /* from this entry on, no other call was open; SIZE_MAX: one is */
    int incomplete;         /* births may be missing from the log since it opened */
} mld_call_slot;

/* The flow a birth is logged under when no open call claims it: a flow
 * between two of its own monitored calls (its work there belongs to no
 * call, as a single-threaded program's does between calls). Owners are
 * object or thread-state addresses, never 1. */
#define MLD_FLOW_NO_CALL ((const void *)(uintptr_t)1)

/* The owner of an ended call's survivors whose verdict waits (see
 * mld_calllog_end_later), and of the slot that holds them. */
#define MLD_FLOW_PENDING ((const void *)(uintptr_t)2)

/* What the flow making a birth carries (callflow.h reads it). */
typedef enum {
    MLD_FLOW_UNMARKED,      /* no mark: a helper, or a flow before its first call */
    MLD_FLOW_BETWEEN_CALLS, /* it ran monitored calls and none is open in it now */
    MLD_FLOW_IN_CALL        /* it runs inside the call whose token it carries */
} mld_flow_mark;

/* The flow the latest birth was logged under, for the next birth of the same
 * owner (births come in long runs from one flow); cleared whenever a call
 * opens or closes. */
typedef struct {
    const void *owner, *flow;
    int valid;
} mld_flow_cache;

typedef struct {
    /* object address | pre-header size / 16 (bits 0-1); addresses are
     * 16-byte aligned, so the low 4 bits are free */
    uintptr_t *entries;
    const void **owners; /* per entry: the flow of control that made it */
    size_t count, capacity;
    uintptr_t *ended; /* the ended call's survivors, sorted addresses */
    size_t ended_count, ended_capacity;
    mld_bitmap *freed;  /* block starts given back while armed */
    mld_bitmap *killed; /* addresses that can no longer hold an older object: inside a
                           newer object's pre-header, or an object waiting in a freelist */
    mld_call_slot slots[MLD_CALL_SLOTS];
    uint64_t ends; /* calls ended since the log was made (orders the free slots) */
    mld_flow_cache flow_cache;
    void *open_calls_var; /* the Python layer's ContextVar of open calls (a PyObject the
                             monitor owns), or NULL; callflow.c reads it */
    int open;             /* slots of calls in progress (a pending one is not) */
    int has_pending;      /* an ended call's survivors wait in pending_slot */
    int pending_slot;
    int unslotted; /* calls open beyond MLD_CALL_SLOTS */
    int overflow;  /* a birth could not be logged (cap, memory, odd alignment) */
} mld_calllog;

/* Forgets every entry, every slot and the overflow state; keeps the memory. */
void mld_calllog_reset(mld_calllog *log);

/* Allocates the freed/killed maps on first use (a monitor that never sees
 * a monitored call never pays for them); -1 when out of memory. */
int mld_calllog_ready(mld_calllog *log);

void mld_calllog_free(mld_calllog *log);

/* Opens a slot for a call of owner carrying token (NULL: none): its index,
 * or -1 when every slot is taken (the call is counted in unslotted). The
 * free slot whose call ended longest ago is taken. */
int mld_calllog_open(mld_calllog *log, const void *owner, const void *token);

/* The flow a birth of owner is logged under: owner's own when it has an
 * open call; the call's owner when it carries the token of an open call
 * (a task or context started inside that call); MLD_FLOW_NO_CALL between
 * its calls, or on its way out of the call that just ended; else owner (a
 * helper, claimed by a call open alone: see mld_calllog_close). */
const void *mld_calllog_flow_of(const mld_calllog *log, const void *owner, mld_flow_mark mark,
                                const void *token);

/* The slot of owner's open call, -1 when it has none. */
int mld_calllog_find(const mld_calllog *log, const void *owner);

/* A call that had no slot ended (the caller took a full image for it). */
void mld_calllog_end_unslotted(mld_calllog *log);

/* 1 while any call is open. */
int mld_calllog_any_open(const mld_calllog *log);

/* Births may be missing from now on for every open call (a lost mark, a
 * moved hook): their ends take full images. */
void mld_calllog_mark_incomplete(mld_calllog *log);

/* A birth at address, whose block starts preheader bytes (0, 16 or 32)
 * before it, logged under flow (mld_calllog_flow_of). marks is the identity
 * bitmap the tracer just marked. */
void mld_calllog_birth(mld_calllog *log, mld_bitmap *marks, uintptr_t address, size_t preheader,
                       const void *flow);

/* A block given back to the allocator. */
void mld_calllog_freed(mld_calllog *log, uintptr_t block);

/* Keeps only the entries whose object is still alive, each address once
 * (the newest birth there decides); returns how many. The caller marks
 * freelisted objects in log->killed first. */
size_t mld_calllog_survivors(mld_calllog *log, mld_bitmap *marks);

/* Ends the call of slot: moves its surviving births to log->ended as
 * sorted addresses (for the walk's binary search) and frees the slot;
 * returns how many. Its births are those logged under its flow since it
 * opened, and those that helpers (flows with no call of their own, not
 * MLD_FLOW_NO_CALL) made while it was the only call open (a helper
 * thread's, as with a single call). The other calls' stay. */
size_t mld_calllog_close(mld_calllog *log, int slot, mld_bitmap *marks);

/* Ends the call of slot like mld_calllog_close, but when it has survivors
 * leaves them in the log, under MLD_FLOW_PENDING in a slot that is no call
 * (log->pending_slot), so that later births and frees keep deciding
 * whether they are alive; returns how many there are now. With none, or
 * with another call's survivors pending already, the slot is simply
 * closed (its survivors in log->ended). mld_calllog_close on pending_slot
 * settles them. */
size_t mld_calllog_end_later(mld_calllog *log, int slot, mld_bitmap *marks);

/* Marks every entry in marks again (after the marks were cleared by an
 * image taken while calls run: their survivors stay recognisable). */
void mld_calllog_remark(const mld_calllog *log, mld_bitmap *marks);

#endif
