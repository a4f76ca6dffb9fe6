/* Identity on 3.13+: the reference tracer marks every object created, and
 * while a monitored call is armed, logs its births and the blocks freed (see
 * identity.h and docs/design-dumper.md, "Identity" and "Per-call delta
 * images"). One of identity.h's three backends, compiled whole when
 * MLD_HAVE_REFTRACER. */
#include "identity.h"
#include "callflow.h"

#if MLD_HAVE_REFTRACER
#include "bitmap_inline.h"

/* The hooks' state. The hooks are process-wide by nature (the reference
 * tracer slot, the OBJ allocator), so this is the one monitor's state that
 * cannot live in the monitor object: it is kept in this one place, and
 * written only with the GIL held. */
static struct {
    mld_bitmap *marks;    /* marked into; NULL turns every hook into a pass-through */
    uint64_t replaced;    /* tracer replacements seen */
    mld_calllog *calllog; /* armed monitored call's births, else NULL */
    PyRefTracer prev_tracer;
    void *prev_data;
    int tracer_installed;
    int in_tracer;   /* a tracer that chained back to us would recurse */
    int tracer_rare; /* calllog or prev_tracer set: one test on the hot path */
    PyMemAllocatorEx call_orig;
    int free_hook_installed;
    int free_hook_stuck; /* wrapped by someone else: left in place for good */
} g_hooks;

/* The tracer's rare paths, out of line. CPython calls the tracer at every
 * object creation and every _Py_Dealloc, so its common path (a birth whose
 * leaf is cached, or a death, with no call armed and no tracer to chain to)
 * must need no stack frame: a prologue saving registers cost as much as the
 * marking itself (callgrind, 3.13). Every rare path ends in one tail call. */
static MLD_NOINLINE int chain_to_previous_tracer(PyObject *op, PyRefTracerEvent event)
{
    if (g_hooks.prev_tracer == NULL || g_hooks.in_tracer) {
        return 0;
    }
    g_hooks.in_tracer = 1;
    int rc = g_hooks.prev_tracer(op, event, g_hooks.prev_data);
    g_hooks.in_tracer = 0;
    return rc;
}

static MLD_NOINLINE int mark_birth_slow(PyObject *op)
{
    mld_bitmap_set(g_hooks.marks, (uintptr_t)op); /* idempotent if the fast path marked */
    if (g_hooks.calllog != NULL) {
        mld_calllog_birth(g_hooks.calllog, g_hooks.marks, (uintptr_t)op,
                          mld_internals_preheader(Py_TYPE(op)),
                          mld_callflow_of_birth(g_hooks.calllog));
    }
    return chain_to_previous_tracer(op, PyRefTracer_CREATE);
}

/* Kept in step with calllog and prev_tracer wherever they change. */
static void note_tracer_paths(void)
{
    g_hooks.tracer_rare = g_hooks.calllog != NULL || g_hooks.prev_tracer != NULL;
}

static int mark_on_create(PyObject *op, PyRefTracerEvent event, void *data MLD_UNUSED)
{
    mld_bitmap *marks = g_hooks.marks;
    if (event == PyRefTracer_CREATE && marks != NULL) {
        if (mld_bitmap_mark_one_cached(marks, (uintptr_t)op) && !g_hooks.tracer_rare) {
            return 0;
        }
        return mark_birth_slow(op);
    }
    if (g_hooks.tracer_rare) {
        return chain_to_previous_tracer(op, event);
    }
    return 0;
}

/* ---- deaths, while a call is armed
 *
 * Every object's memory goes back through PyObject_Free (GC objects from
 * their pre-header, the block start) unless it waits in a freelist, which
 * the call's end asks separately (cpython_internals_freelists.c). The hook is in
 * place only while a call is armed: between calls it would cost every free. */

static void call_hook_free(void *ctx, void *ptr)
{
    if (g_hooks.calllog != NULL && ptr != NULL) {
        mld_calllog_freed(g_hooks.calllog, (uintptr_t)ptr);
    }
    g_hooks.call_orig.free(ctx, ptr);
}

static void *call_hook_realloc(void *ctx, void *ptr, size_t size)
{
    void *moved = g_hooks.call_orig.realloc(ctx, ptr, size);
    if (moved != NULL && ptr != NULL && moved != ptr && g_hooks.calllog != NULL) {
        mld_calllog_freed(g_hooks.calllog, (uintptr_t)ptr);
    }
    return moved;
}

static void install_free_hook(void)
{
    if (g_hooks.free_hook_installed) {
        return;
    }
    if (g_hooks.free_hook_stuck) {
        PyMemAllocatorEx current;
        PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
        if (current.free != call_hook_free) {
            return; /* still wrapped: the call's end will not trust the log */
        }
        /* The wrapper restored what it found, our hook: ours to remove again. */
        g_hooks.free_hook_stuck = 0;
        g_hooks.free_hook_installed = 1;
        return;
    }
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &g_hooks.call_orig);
    /* malloc and calloc stay the original functions: no cost there. */
    PyMemAllocatorEx hook = {g_hooks.call_orig.ctx, g_hooks.call_orig.malloc,
                             g_hooks.call_orig.calloc, call_hook_realloc, call_hook_free};
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &hook);
    g_hooks.free_hook_installed = 1;
}

/* 0 when the hook was ours to remove; 1 when someone wrapped it meanwhile. */
static int uninstall_free_hook(void)
{
    if (!g_hooks.free_hook_installed) {
        return g_hooks.free_hook_stuck;
    }
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    g_hooks.free_hook_installed = 0;
    if (current.free == call_hook_free) {
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &g_hooks.call_orig);
        return 0;
    }
    /* tracemalloc (say) wrapped us and will put us back when it stops:
     * removing ourselves now would cut it out. Clearing marks at frees is
     * always safe, so the hook stays, and is never installed twice. */
    g_hooks.free_hook_stuck = 1;
    return 1;
}

int mld_identity_call_deltas_supported(void)
{
    return 1;
}

void mld_identity_arm_call(mld_calllog *log)
{
    if (g_hooks.marks == NULL) {
        return;
    }
    install_free_hook();
    g_hooks.calllog = log;
    note_tracer_paths();
}

int mld_identity_call_hooks_intact(void)
{
    if (g_hooks.calllog == NULL || !g_hooks.free_hook_installed) {
        return 0;
    }
    void *data = NULL;
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    return PyRefTracer_GetTracer(&data) == mark_on_create && current.free == call_hook_free;
}

/* 3.13+ frames are not objects: nothing of the ending thread to settle. */
void mld_identity_settle_call_end(mld_calllog *log MLD_UNUSED)
{
}

int mld_identity_disarm_call(void)
{
    int hooks_moved = g_hooks.calllog == NULL;
    g_hooks.calllog = NULL;
    note_tracer_paths();
    void *data = NULL;
    if (PyRefTracer_GetTracer(&data) != mark_on_create) {
        hooks_moved = 1;
    }
    hooks_moved |= uninstall_free_hook();
    return hooks_moved ? -1 : 0;
}

static void install_tracer(void)
{
    void *data = NULL;
    PyRefTracer current = PyRefTracer_GetTracer(&data);
    if (current != mark_on_create) {
        g_hooks.prev_tracer = current;
        g_hooks.prev_data = data;
        note_tracer_paths();
        PyRefTracer_SetTracer(mark_on_create, NULL);
    }
    g_hooks.tracer_installed = 1;
}

mlt_identity_source mld_identity_install(mld_bitmap *bm)
{
    g_hooks.marks = bm;
    install_tracer();
    return MLT_IDENTITY_REFTRACER;
}

void mld_identity_uninstall(void)
{
    if (g_hooks.calllog != NULL) {
        (void)mld_identity_disarm_call();
    }
    g_hooks.marks = NULL;
    if (!g_hooks.tracer_installed) {
        return;
    }
    void *data = NULL;
    if (PyRefTracer_GetTracer(&data) == mark_on_create) {
        PyRefTracer_SetTracer(g_hooks.prev_tracer, g_hooks.prev_data);
        g_hooks.prev_tracer = NULL;
        g_hooks.prev_data = NULL;
        note_tracer_paths();
    }
    g_hooks.tracer_installed = 0;
}

int mld_identity_check_lost(void)
{
    int lost = g_hooks.marks != NULL && mld_bitmap_lossy(g_hooks.marks);
    void *data = NULL;
    if (g_hooks.tracer_installed && PyRefTracer_GetTracer(&data) != mark_on_create) {
        g_hooks.replaced++;
        lost = 1;
        install_tracer();
    }
    return lost;
}

int mld_identity_floats_unseen(void)
{
    return 0;
}

void mld_identity_forget_after_fork(void)
{
    mld_identity_uninstall();
}

/* The container wrappers and their trashcan are 3.10-3.12's. */
int mld_identity_trashcan_always(void)
{
    return 0;
}

uint64_t mld_identity_replaced_count(void)
{
    return g_hooks.replaced;
}

#endif /* MLD_HAVE_REFTRACER */
