/* Identity hooks: mark the identity bitmap whenever an object is created at an
 * address (3.13: PyRefTracer CREATE; 3.10-3.12: the OBJ-domain allocator hook
 * plus tp_dealloc wrappers on the exact freelist types, which mark on death
 * because a freelist pop never reaches the allocator). The hooks are process
 * global; the backend keeps their saved originals (the monitor's exception to
 * "no global mutable state"). All calls need the GIL.
 *
 * One interface, three backends, one file each, each compiled whole under
 * one condition (as CPython splits gc.c and gc_free_threading.c):
 * identity_tracer.c (MLD_HAVE_REFTRACER, 3.13+), identity_alloc_hook.c
 * (MLD_SUPPORTED && !MLD_HAVE_REFTRACER, 3.10-3.12) and identity_none.c
 * (!MLD_SUPPORTED: no hooks, so that the module still imports). */
#ifndef MEMALOT_DUMPER_IDENTITY_H
#define MEMALOT_DUMPER_IDENTITY_H

#include "compat.h" /* Python.h */
#include "bitmap.h"
#include "cpython_internals.h"
#include "calllog.h"
#include "memalot/format.h"

#include <stddef.h>
#include <stdint.h>

/* Installs the hooks marking into bm. Returns the source in use
 * (MLT_IDENTITY_NONE on an unsupported build). */
mlt_identity_source mld_identity_install(mld_bitmap *bm);

/* Restores every hook that is still ours; a hook that someone else wrapped
 * since is left in place as a pass-through (marking nothing). */
void mld_identity_uninstall(void);

/* Called at each image before the walk: 1 when marks may have been lost since
 * the previous image (our tracer was replaced or removed, or the bitmap could
 * not grow); re-installs the tracer, chaining to the newcomer. */
int mld_identity_check_lost(void);

/* Where a birth of op is marked in the bitmap: op itself on 3.13+ (the
 * tracer sees the object); before, the start of its memory block, op minus
 * its pre-header (the allocator hook sees only the block). Inline: the walk
 * asks it for every object. */
static inline uintptr_t mld_identity_mark_address(PyObject *op)
{
#if MLD_SUPPORTED && !MLD_HAVE_REFTRACER
    return (uintptr_t)op - mld_internals_preheader(Py_TYPE(op));
#else
    return (uintptr_t)op;
#endif
}

/* 1 when every container death takes CPython's trashcan (3.10-3.12 wrappers):
 * from the first image that saw a second interpreter on 3.12+, whose own GIL
 * would race on the wrappers' nesting count. 0 otherwise, and on 3.13+. */
int mld_identity_trashcan_always(void);

/* Times our hook was found gone and re-installed: another tracer took the
 * slot (3.13+), or the allocator hook dropped out of the chain (3.10-3.12,
 * tracemalloc.stop()). */
uint64_t mld_identity_replaced_count(void);

/* 1 when exact floats can be recycled without any hook seeing it (3.11/3.12
 * specialized float ops call _PyFloat_ExactDealloc directly). */
int mld_identity_floats_unseen(void);

/* 1 when the births of a monitored call can be logged: 3.13+ (the
 * reference tracer sees every creation, freelist pops included) and
 * 3.10-3.12 (allocator hook, freelist wrappers, closed freelists;
 * docs/design-dumper.md, "Per-call delta images (3.10-3.12)"). */
int mld_identity_call_deltas_supported(void);

/* Starts logging the births of a monitored call into log, and the blocks
 * given back while it runs (through a free hook in place only while armed),
 * so that the call's end can tell which births survived. No-op without
 * installed hooks (or, on 3.10-3.12, when another tool wrapped the
 * allocator hook: disarm then says so), and where call deltas are not
 * supported. */
void mld_identity_arm_call(mld_calllog *log);

/* At the end of one monitored call, before its survivors are counted:
 * marks in log->killed what the ending thread runs in but did not leak
 * (3.10: its executing frames, which are objects made after the call
 * started). */
void mld_identity_settle_call_end(mld_calllog *log);

/* 1 while the hooks logging the births are all in place and (3.10-3.12)
 * the freelists are still closed: a call ending now, while others stay
 * open, has a complete log. */
int mld_identity_call_hooks_intact(void);

/* Stops logging when the last open call ends. 0 when the tracer and the
 * free hook stayed in place the whole time and (3.10-3.12) the freelists
 * stayed closed, so the log and the marks are complete; -1 otherwise. Call
 * it after marking the freelists' dead objects: it reopens the freelists. */
int mld_identity_disarm_call(void);

/* In a forked child: forget the hooks' target without touching the parent's
 * file; the hooks become pass-through and are restored where possible. */
void mld_identity_forget_after_fork(void);

#endif
