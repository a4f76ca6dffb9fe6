/* Identity on 3.10-3.12: an allocator hook marks every block handed out,
 * and tp_dealloc wrappers on the exact freelist types mark on death, because
 * a freelist pop never reaches the allocator (see identity.h and
 * docs/design-dumper.md, "Identity"); while a monitored call is armed they
 * also feed its births log ("Per-call delta images (3.10-3.12)"). One of
 * identity.h's three backends,
 * compiled whole when MLD_SUPPORTED && !MLD_HAVE_REFTRACER. */
#include "identity.h"
#include "callflow.h"

#if MLD_SUPPORTED && !MLD_HAVE_REFTRACER
#include "bitmap_inline.h"
#if !MLD_PY_AT_LEAST(3, 11)
#include <frameobject.h> /* PyFrame_Type: frames are freelisted on 3.10 */
#endif

/* The exact freelist types whose tp_dealloc is wrapped. */
enum {
    W_FLOAT,
    W_TUPLE,
    W_LIST,
    W_DICT,
    W_SLICE,
    W_CONTEXT,
    W_ASEND,
    W_ASYNC_VALUE,
    W_MEMERR,
#if !MLD_PY_AT_LEAST(3, 11)
    W_FRAME,
#endif
    W_COUNT
};

/* The hooks' state. The hooks are process-wide by nature (the OBJ
 * allocator, tp_dealloc of static types), so this is the one monitor's
 * state that cannot live in the monitor object: it is kept in this one
 * place, and written only with the GIL held. */
static struct {
    mld_bitmap *marks; /* marked into; NULL turns every hook into a pass-through */
    uint64_t replaced; /* allocator hooks found dropped and re-installed */
    PyMemAllocatorEx orig_obj;
    int alloc_installed;
    destructor orig_dealloc[W_COUNT];
    PyTypeObject *wrapped_type[W_COUNT];
    size_t mark_back[W_COUNT];   /* the wrapped type's pre-header */
    unsigned dealloc_depth;      /* direct container-dealloc levels in flight */
    unsigned dealloc_fast_limit; /* levels allowed without a trashcan; 0 once
                                    a second interpreter was seen */
    int shared_gil_lost;         /* a second interpreter was seen (3.12) */
    mld_calllog *calllog;        /* armed monitored call's births, else NULL */
    int arm_failed;              /* the armed call's allocator hook could not go in */
} g_hooks;

/* Before 3.13 a birth is marked at the start of the object's block, the one
 * address every allocation of any size and type has (an object lives
 * mld_internals_preheader() bytes in: its GC header and 3.11+ managed-dict
 * pointers), so the hook marks a single granule without looking at the size;
 * mld_identity_mark_address() finds the mark from the object.
 *
 * The hook runs at every object allocation, so its common path (the leaf is
 * cached) needs no stack frame beyond the call to the real allocator, and the
 * rest is a tail call. The hook shares the original allocator's ctx (it is
 * what the functions below receive), so free can be the original function
 * itself: no cost on the other half of every allocation's life. */
static MLD_NOINLINE void *mark_block_slow(void *block)
{
    if (g_hooks.marks != NULL && block != NULL) {
        mld_bitmap_set(g_hooks.marks, (uintptr_t)block);
    }
    return block;
}

static inline void *mark_block(void *block)
{
    mld_bitmap *marks = g_hooks.marks;
    if (marks != NULL && block != NULL && mld_bitmap_mark_one_cached(marks, (uintptr_t)block)) {
        return block;
    }
    return mark_block_slow(block);
}

static void *hook_malloc(void *ctx, size_t size)
{
    return mark_block(g_hooks.orig_obj.malloc(ctx, size));
}

static void *hook_calloc(void *ctx, size_t nelem, size_t elsize)
{
    return mark_block(g_hooks.orig_obj.calloc(ctx, nelem, elsize));
}

static void *hook_realloc(void *ctx, void *ptr, size_t size)
{
    return mark_block(g_hooks.orig_obj.realloc(ctx, ptr, size));
}

/* ---- while a monitored call is armed (see "Per-call delta images
 * (3.10-3.12)"): the same marking, plus every block handed out logged as a
 * birth and every block given back marked freed. Installed only while a call
 * is armed, so between calls free stays the original function. */

/* The caller has marked block: the log's dedup pass needs the mark. */
static MLD_NOINLINE void log_block(uintptr_t block)
{
    if (g_hooks.calllog != NULL && g_hooks.marks != NULL) {
        mld_calllog_birth(g_hooks.calllog, g_hooks.marks, block, 0,
                          mld_callflow_of_birth(g_hooks.calllog));
    }
}

static void *armed_malloc(void *ctx, size_t size)
{
    void *block = mark_block(g_hooks.orig_obj.malloc(ctx, size));
    if (block != NULL) {
        log_block((uintptr_t)block);
    }
    return block;
}

static void *armed_calloc(void *ctx, size_t nelem, size_t elsize)
{
    void *block = mark_block(g_hooks.orig_obj.calloc(ctx, nelem, elsize));
    if (block != NULL) {
        log_block((uintptr_t)block);
    }
    return block;
}

static void *armed_realloc(void *ctx, void *ptr, size_t size)
{
    void *moved = mark_block(g_hooks.orig_obj.realloc(ctx, ptr, size));
    if (moved != NULL && g_hooks.calllog != NULL) {
        if (ptr != NULL && moved != ptr) {
            mld_calllog_freed(g_hooks.calllog, (uintptr_t)ptr);
        }
        log_block((uintptr_t)moved); /* resized in place or not: treated as born */
    }
    return moved;
}

static void armed_free(void *ctx, void *ptr)
{
    if (g_hooks.calllog != NULL && ptr != NULL) {
        mld_calllog_freed(g_hooks.calllog, (uintptr_t)ptr);
    }
    g_hooks.orig_obj.free(ctx, ptr);
}

/* Ours, armed or not (an armed one may stay wrapped by another tool). */
static int allocator_is_ours(const PyMemAllocatorEx *a)
{
    return a->malloc == hook_malloc || a->malloc == armed_malloc;
}

static void set_allocator(int armed)
{
    PyMemAllocatorEx hook = {g_hooks.orig_obj.ctx, armed ? armed_malloc : hook_malloc,
                             armed ? armed_calloc : hook_calloc,
                             armed ? armed_realloc : hook_realloc,
                             armed ? armed_free : g_hooks.orig_obj.free};
    PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &hook);
}

static void install_allocator(void)
{
    if (g_hooks.alloc_installed) {
        return;
    }
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &g_hooks.orig_obj);
    set_allocator(g_hooks.calllog != NULL);
    g_hooks.alloc_installed = 1;
}

/* tracemalloc started before us and stopped while we run restores the
 * allocator it found, dropping our hook out of the chain without a word; a
 * wrapper of ours hides us from PyMem_GetAllocator. So when the current
 * allocator is not ours, probe: a live hook marks every block it hands out
 * (whoever wraps it), so an unmarked fresh block means it is gone. Three
 * size classes make a stale mark left by an earlier block unlikely to fool
 * the probe. Called with the GIL held. */
static int allocator_hook_lost(void)
{
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    if (!g_hooks.alloc_installed || allocator_is_ours(&current) || g_hooks.marks == NULL) {
        return 0;
    }
    static const size_t probe_sizes[] = {200, 360, 488};
    void *probes[3];
    int lost = 0;
    for (int i = 0; i < 3; i++) {
        probes[i] = PyObject_Malloc(probe_sizes[i]);
        lost |= probes[i] != NULL && !mld_bitmap_test(g_hooks.marks, (uintptr_t)probes[i]);
    }
    for (int i = 0; i < 3; i++) {
        PyObject_Free(probes[i]);
    }
    return lost;
}

/* Puts the hook back in front of whatever allocator is current now. */
static int reinstall_allocator_if_lost(void)
{
    if (!allocator_hook_lost()) {
        return 0;
    }
    g_hooks.alloc_installed = 0;
    install_allocator();
    return 1;
}

static void uninstall_allocator(void)
{
    if (!g_hooks.alloc_installed) {
        return;
    }
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    if (allocator_is_ours(&current)) {
        PyMem_SetAllocator(PYMEM_DOMAIN_OBJ, &g_hooks.orig_obj);
        g_hooks.alloc_installed = 0;
    }
    /* else: someone (tracemalloc) wrapped us and will restore us later; we
     * stay installed as a pass-through, since g_hooks.marks is NULL. */
}

/* ---- dealloc wrappers on the exact freelist types */

/* The wrapped types' pre-headers are fixed, so the mark's address is op
 * minus a constant taken at install (g_hooks.mark_back). */
static inline void mark_object(PyObject *op, int slot)
{
    uintptr_t address = (uintptr_t)op - g_hooks.mark_back[slot];
    if (g_hooks.marks != NULL && !mld_bitmap_mark_one_cached(g_hooks.marks, address)) {
        mld_bitmap_set(g_hooks.marks, address);
    }
}

/* While a call is armed the freelists are closed (mld_internals_close_freelists):
 * a push the original dealloc just made is taken back and freed, so the
 * allocator hook sees the death and the next birth there. Floats and
 * tuples never push then (-1). */
static const int take_back_kind[W_COUNT] = {
    [W_FLOAT] = -1,
    [W_TUPLE] = -1,
    [W_LIST] = MLD_FREELIST_LIST,
    [W_DICT] = MLD_FREELIST_DICT,
    [W_SLICE] = MLD_FREELIST_SLICE,
    [W_CONTEXT] = MLD_FREELIST_CONTEXT,
    [W_ASEND] = MLD_FREELIST_ASEND,
    [W_ASYNC_VALUE] = MLD_FREELIST_ASYNC_VALUE,
    [W_MEMERR] = MLD_FREELIST_MEMERR,
#if !MLD_PY_AT_LEAST(3, 11)
    [W_FRAME] = MLD_FREELIST_FRAME,
#endif
};

static MLD_NOINLINE void take_back_slow(PyObject *op, int slot)
{
    if (take_back_kind[slot] >= 0) {
        mld_internals_take_back((mld_freelist_kind)take_back_kind[slot], op);
    }
}

static inline void take_back(PyObject *op, int slot)
{
    if (g_hooks.calllog != NULL) {
        take_back_slow(op, slot);
    }
}

/* The containers need a trashcan: the original dealloc's trashcan checks
 * tp_dealloc == itself, which is false while wrapped, so without one a
 * 10^6-deep nested list would recurse on the C stack. But a trashcan costs
 * every container's death three calls into CPython (PyThreadState_Get,
 * _PyTrash_begin/_end) and an untrack, a third of the hooks' cost on 3.11
 * (callgrind). So the wrappers count their own nesting in g_hooks and go
 * direct while it is below dealloc_fast_limit (CPython's own unwind level),
 * entering the trashcan only beyond it: the C stack then holds at most that
 * many direct levels plus the trashcan's own 50.
 *
 * The count is a plain integer kept under the GIL. Every increment is undone
 * by its decrement under the GIL, even when a __del__ lets another thread run
 * in between, so it is the total of all threads' direct levels, never below
 * any one thread's. Own-GIL subinterpreters (3.12) would race on it, so the
 * first image that sees a second interpreter sets the limit to 0 for good
 * (mld_identity_check_lost); a race before that can only leave the count
 * off by the few updates it lost, and a count that went below zero reads as
 * huge (unsigned), which means the trashcan.
 *
 * The trashcan needs the object untracked; list/tuple/dict (and 3.10 frame)
 * deallocs untrack with the idempotent PyObject_GC_UnTrack or check first, so
 * that is safe for them. Deferred objects come back here, so marking is
 * idempotent. */
#define MLD_DEALLOC_FAST_DEPTH 50u

#define TRASHCAN_DEALLOC_WRAPPER(name, slot, dealloc)                                              \
    static void name(PyObject *op);                                                                \
    static MLD_NOINLINE void name##_trashcan(PyObject *op)                                         \
    {                                                                                              \
        PyObject_GC_UnTrack(op);                                                                   \
        Py_TRASHCAN_BEGIN(op, name) dealloc(op);                                                   \
        take_back(op, slot); /* before the trashcan's end runs deferred deallocs */                \
        Py_TRASHCAN_END                                                                            \
    }                                                                                              \
    static void name(PyObject *op)                                                                 \
    {                                                                                              \
        mark_object(op, slot);                                                                     \
        if (g_hooks.dealloc_depth < g_hooks.dealloc_fast_limit) {                                  \
            g_hooks.dealloc_depth++;                                                               \
            dealloc(op);                                                                           \
            g_hooks.dealloc_depth--;                                                               \
            take_back(op, slot);                                                                   \
            return;                                                                                \
        }                                                                                          \
        name##_trashcan(op);                                                                       \
    }

/* The others never had a trashcan and some untrack unconditionally with the
 * internal _PyObject_GC_UNTRACK (slice, async-gen objects, MemoryError), which
 * crashes on an untracked object: mark and pass through. */
#define PLAIN_DEALLOC_WRAPPER(name, slot)                                                          \
    static void name(PyObject *op)                                                                 \
    {                                                                                              \
        mark_object(op, slot);                                                                     \
        g_hooks.orig_dealloc[slot](op);                                                            \
        take_back(op, slot);                                                                       \
    }

PLAIN_DEALLOC_WRAPPER(wrap_float_dealloc, W_FLOAT)
TRASHCAN_DEALLOC_WRAPPER(wrap_tuple_dealloc, W_TUPLE, g_hooks.orig_dealloc[W_TUPLE])
TRASHCAN_DEALLOC_WRAPPER(wrap_list_dealloc, W_LIST, g_hooks.orig_dealloc[W_LIST])
TRASHCAN_DEALLOC_WRAPPER(wrap_dict_dealloc, W_DICT, g_hooks.orig_dealloc[W_DICT])
PLAIN_DEALLOC_WRAPPER(wrap_slice_dealloc, W_SLICE)
PLAIN_DEALLOC_WRAPPER(wrap_context_dealloc, W_CONTEXT)
PLAIN_DEALLOC_WRAPPER(wrap_asend_dealloc, W_ASEND)
PLAIN_DEALLOC_WRAPPER(wrap_async_value_dealloc, W_ASYNC_VALUE)
PLAIN_DEALLOC_WRAPPER(wrap_memerr_dealloc, W_MEMERR)
#if !MLD_PY_AT_LEAST(3, 11)
/* A frame parked in its code object would be reused unseen: unpark it (see
 * mld_internals_unpark_frame). The code is held so that it outlives the
 * original dealloc, which drops the frame's reference to it. */
static void frame_dealloc_unparked(PyObject *op)
{
    PyObject *code = (PyObject *)((PyFrameObject *)op)->f_code;
    Py_XINCREF(code);
    g_hooks.orig_dealloc[W_FRAME](op);
    if (code != NULL) {
        mld_internals_unpark_frame(code, op);
        Py_DECREF(code);
    }
}
TRASHCAN_DEALLOC_WRAPPER(wrap_frame_dealloc, W_FRAME, frame_dealloc_unparked)
#endif

static void wrap_one(int slot, PyTypeObject *tp, destructor wrapper)
{
    if (g_hooks.wrapped_type[slot] != NULL || tp == NULL || tp->tp_dealloc == wrapper) {
        return;
    }
    g_hooks.orig_dealloc[slot] = tp->tp_dealloc;
    g_hooks.wrapped_type[slot] = tp;
    g_hooks.mark_back[slot] = mld_internals_preheader(tp);
    tp->tp_dealloc = wrapper;
}

static void install_dealloc_wrappers(void)
{
    wrap_one(W_FLOAT, &PyFloat_Type, wrap_float_dealloc);
    wrap_one(W_TUPLE, &PyTuple_Type, wrap_tuple_dealloc);
    wrap_one(W_LIST, &PyList_Type, wrap_list_dealloc);
    wrap_one(W_DICT, &PyDict_Type, wrap_dict_dealloc);
    wrap_one(W_SLICE, &PySlice_Type, wrap_slice_dealloc);
    wrap_one(W_CONTEXT, &PyContext_Type, wrap_context_dealloc);
    wrap_one(W_ASEND, &_PyAsyncGenASend_Type, wrap_asend_dealloc);
    wrap_one(W_ASYNC_VALUE, &_PyAsyncGenWrappedValue_Type, wrap_async_value_dealloc);
    wrap_one(W_MEMERR, (PyTypeObject *)PyExc_MemoryError, wrap_memerr_dealloc);
#if !MLD_PY_AT_LEAST(3, 11)
    wrap_one(W_FRAME, &PyFrame_Type, wrap_frame_dealloc);
#endif
}

static void uninstall_dealloc_wrappers(void)
{
    for (int slot = 0; slot < W_COUNT; slot++) {
        if (g_hooks.wrapped_type[slot] != NULL) {
            g_hooks.wrapped_type[slot]->tp_dealloc = g_hooks.orig_dealloc[slot];
            g_hooks.wrapped_type[slot] = NULL;
        }
    }
}

/* From 3.12 a subinterpreter may have its own GIL, and the wrappers' nesting
 * count is not atomic: once any second interpreter exists, every container
 * death takes the trashcan, for the rest of the process (a count reset while
 * another thread is inside a wrapper would go wrong). Before 3.12 all
 * interpreters share one GIL. */
static void check_for_other_interpreters(void)
{
#if MLD_PY_AT_LEAST(3, 12)
    if (PyInterpreterState_Next(PyInterpreterState_Head()) != NULL) {
        g_hooks.dealloc_fast_limit = 0;
        g_hooks.shared_gil_lost = 1;
    }
#endif
}

mlt_identity_source mld_identity_install(mld_bitmap *bm)
{
    g_hooks.marks = bm;
    if (!g_hooks.shared_gil_lost) {
        g_hooks.dealloc_fast_limit = MLD_DEALLOC_FAST_DEPTH;
    }
    check_for_other_interpreters();
    install_allocator();
    (void)reinstall_allocator_if_lost(); /* left stale by a monitor closed under tracemalloc */
    install_dealloc_wrappers();
    return MLT_IDENTITY_ALLOC_HOOK;
}

void mld_identity_uninstall(void)
{
    if (g_hooks.calllog != NULL) {
        (void)mld_identity_disarm_call();
    }
    g_hooks.marks = NULL;
    uninstall_dealloc_wrappers();
    uninstall_allocator();
}

int mld_identity_check_lost(void)
{
    int lost = g_hooks.marks != NULL && mld_bitmap_lossy(g_hooks.marks);
    if (reinstall_allocator_if_lost()) {
        g_hooks
            .replaced++; /* like a replaced 3.13 tracer: counted, re-installed, image approximate */
        lost = 1;
    }
    check_for_other_interpreters();
    return lost;
}

int mld_identity_floats_unseen(void)
{
    return MLD_PY_AT_LEAST(3, 11);
}

void mld_identity_forget_after_fork(void)
{
    mld_identity_uninstall();
}

/* ---- monitored calls (docs/design-dumper.md, "Per-call delta images
 * (3.10-3.12)") */

int mld_identity_call_deltas_supported(void)
{
    return 1;
}

/* While the call runs the wrapped types' freelists are closed (see
 * mld_internals_close_freelists), so every birth is an allocation the hook
 * logs, tagged with the thread's call, and nothing sits in a freelist for
 * a call to pop unseen. */
void mld_identity_arm_call(mld_calllog *log)
{
    if (g_hooks.marks == NULL || !g_hooks.alloc_installed) {
        return;
    }
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    g_hooks.arm_failed = !allocator_is_ours(&current);
    if (g_hooks.arm_failed) {
        return; /* wrapped (tracemalloc): births would go unseen */
    }
    if (current.malloc == hook_malloc) {
        set_allocator(1);
    } /* else still armed since a call whose hook was wrapped: fine again */
    g_hooks.calllog = log;
    mld_internals_close_freelists();
}

int mld_identity_call_hooks_intact(void)
{
    if (g_hooks.calllog == NULL || g_hooks.arm_failed) {
        return 0;
    }
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    return current.malloc == armed_malloc && mld_internals_freelists_still_closed();
}

/* 3.10 frames are objects, and the call's end runs in frames made after the
 * call started (the monitor's __exit__ and its callees): alive, but not the
 * call's. The ending thread's executing frames are no leak: they are marked
 * killed so the log does not count them (3.11+ frames are not objects). */
void mld_identity_settle_call_end(mld_calllog *log)
{
#if !MLD_PY_AT_LEAST(3, 11)
    PyThreadState *ts = PyThreadState_Get();
    for (PyFrameObject *f = ts != NULL ? ts->frame : NULL; f != NULL && log->killed != NULL;
         f = f->f_back) {
        mld_bitmap_mark_run(log->killed, (uintptr_t)f - g_hooks.mark_back[W_FRAME], 1);
    }
#else
    (void)log;
#endif
}

int mld_identity_disarm_call(void)
{
    mld_calllog *log = g_hooks.calllog;
    int hooks_moved = log == NULL || g_hooks.arm_failed;
    g_hooks.arm_failed = 0;
    g_hooks.calllog = NULL;
    if (log == NULL) {
        return -1;
    }
    PyMemAllocatorEx current;
    PyMem_GetAllocator(PYMEM_DOMAIN_OBJ, &current);
    if (current.malloc == armed_malloc) {
        set_allocator(0);
    } else {
        /* Wrapped meanwhile (tracemalloc): the armed hook stays in its chain,
         * marking like the plain one; with calllog NULL it logs nothing. */
        hooks_moved = 1;
    }
    hooks_moved |= mld_internals_reopen_freelists() != 0;
    return hooks_moved ? -1 : 0;
}

int mld_identity_trashcan_always(void)
{
    return g_hooks.shared_gil_lost;
}

uint64_t mld_identity_replaced_count(void)
{
    return g_hooks.replaced;
}

#endif /* MLD_SUPPORTED && !MLD_HAVE_REFTRACER */
