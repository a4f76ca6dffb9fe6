/* Which flow of control a birth belongs to, for the births log of
 * monitored calls that overlap (calllog.h; docs/design-dumper.md,
 * "Overlapping calls").
 *
 * A flow is a Context object (asyncio runs each task in its own, a thread
 * keeps one between its calls) or, for a thread that never touched a
 * ContextVar, its thread state. The Python layer keeps the open call of
 * each Context in a ContextVar (memalot/_calls.py): unset before a flow's
 * first call, () between calls, and inside a call a tuple whose first item
 * is that call's token, a fresh object. A task or copy_context() started
 * inside a call inherits the value, so its births are the call's. Reading
 * it makes no object and runs no Python code. All calls need the GIL. */
#ifndef MEMALOT_DUMPER_CALLFLOW_H
#define MEMALOT_DUMPER_CALLFLOW_H

#include "compat.h" /* Python.h */
#include "calllog.h"

/* The flow of control running now (NULL without a thread state). The
 * Context and the thread state are different allocations: they never
 * collide. Inline: called at every birth while a call is armed. */
static inline const void *mld_callflow_owner(void)
{
#if MLD_PY_AT_LEAST(3, 13)
    PyThreadState *ts = PyThreadState_GetUnchecked();
#else
    PyThreadState *ts = _PyThreadState_UncheckedGet();
#endif
    if (ts == NULL) {
        return NULL;
    }
    return ts->context != NULL ? (const void *)ts->context : (const void *)ts;
}

/* The token of the call open in the running flow, NULL when it carries
 * none (log->open_calls_var unset, or the flow is between calls). */
const void *mld_callflow_token(const mld_calllog *log);

/* mld_callflow_of_birth's slow path: reads the running flow's mark and
 * caches the answer for owner. */
const void *mld_callflow_classify(mld_calllog *log, const void *owner);

/* The flow a birth made now is logged under (mld_calllog_flow_of). */
static inline const void *mld_callflow_of_birth(mld_calllog *log)
{
    const void *owner = mld_callflow_owner();
    if (log->flow_cache.valid && log->flow_cache.owner == owner) {
        return log->flow_cache.flow;
    }
    return mld_callflow_classify(log, owner);
}

#endif
