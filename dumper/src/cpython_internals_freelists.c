/* CPython's freelists: dead objects whose memory is kept for reuse, so no
 * allocator hook sees them born again. Read for the identity marks: re-marked
 * after each image clears them (3.10-3.12), asked at a monitored call's end
 * (3.13+; both from calls.c), and 3.10's parked frames moved where the
 * re-marking sees them (the frame wrapper in identity_alloc_hook.c). One of
 * the two files compiled with Py_BUILD_CORE (cpython_internals_pycore.h). Nothing
 * here allocates Python objects or runs Python code; the caller holds the
 * GIL. */
#include "cpython_internals_pycore.h"
#include "cpython_internals.h"
#include <limits.h>
#include <string.h>
#include "bitmap.h"

#if MLD_SUPPORTED

/* Upper bound on any one list we walk: larger than every MAXFREELIST (the
 * biggest, tuples, is 2000 per size), so a corrupt count cannot run away. */
#define MLD_FREELIST_WALK_MAX 4096

static int bounded_count(int numfree)
{
    return numfree < 0 ? 0 : numfree > MLD_FREELIST_WALK_MAX ? MLD_FREELIST_WALK_MAX : numfree;
}

/* Where the walks below put each address. */
typedef struct {
    mld_bitmap *bm;
} sink;

static void put(const sink *out, uintptr_t address)
{
    mld_bitmap_set(out->bm, address);
}

#if !MLD_PY_AT_LEAST(3, 14) /* 3.14's freelists are all chains linked through the first word */
/* `back` is how far before the object its mark lives: 0 for the 3.13 call
 * log's object addresses; the pre-header before 3.13, where the identity
 * bitmap marks block starts (identity.h). */
static void mark_array(const sink *bm, void *const *items, int numfree, int capacity, size_t back)
{
    int n = bounded_count(numfree);
    n = n > capacity ? capacity : n;
    for (int i = 0; i < n; i++) {
        if (items[i] != NULL) {
            put(bm, (uintptr_t)items[i] - back);
        }
    }
}
#endif

/* The link of each freelist kind, read from a dead object. */
typedef void *(*next_fn)(void *node);

static void mark_chain(const sink *bm, void *head, int numfree, next_fn next, size_t back)
{
    int n = bounded_count(numfree);
    for (int i = 0; i < n && head != NULL; i++) {
        put(bm, (uintptr_t)head - back);
        head = next(head);
    }
}

#if !MLD_PY_AT_LEAST(3, 14)
static void *float_next(void *node)
{
    return (void *)Py_TYPE((PyObject *)node);
}
static void *tuple_next(void *node)
{
    return (void *)((PyTupleObject *)node)->ob_item[0];
}
static void *context_next(void *node)
{
    return (void *)((PyContext *)node)->ctx_weakreflist;
}
#define MLD_ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))
#endif

#if !MLD_PY_AT_LEAST(3, 13)
/* 3.10-3.12 keep the freelists in PyInterpreterState under the same field
 * names (float_state, slice_cache, tuple, list, dict_state, async_gen,
 * context, exc_state, and 3.10's frame), checked against each version's
 * pycore_interp.h and the per-type headers (3.11.2 = 3.11.7 there). Lists
 * are walked at most `count` steps and never past NULL: the count bounds the
 * walk even if a link were stale. */

/* Before 3.13 the identity bitmap marks block starts (identity.h). */
#define BACK(tp) mld_internals_preheader(tp)

static void *memerror_next(void *node)
{
    return (void *)((PyBaseExceptionObject *)node)->dict;
}
#if !MLD_PY_AT_LEAST(3, 11)
static void *frame_next(void *node)
{
    return (void *)((PyFrameObject *)node)->f_back;
}
#endif

static void mark_container_freelists(const sink *bm, PyInterpreterState *interp)
{
#if PyList_MAXFREELIST > 0
    mark_array(bm, (void *const *)interp->list.free_list, interp->list.numfree,
               MLD_ARRAY_LEN(interp->list.free_list), BACK(&PyList_Type));
#endif
#if PyDict_MAXFREELIST > 0
    mark_array(bm, (void *const *)interp->dict_state.free_list, interp->dict_state.numfree,
               MLD_ARRAY_LEN(interp->dict_state.free_list), BACK(&PyDict_Type));
#endif
#if !MLD_PY_AT_LEAST(3, 11)
    /* 3.10: entry 0 is the live empty tuple, entry k the tuples of size k. */
    for (int size = 1; size < PyTuple_MAXSAVESIZE; size++) {
        mark_chain(bm, interp->tuple.free_list[size], interp->tuple.numfree[size], tuple_next,
                   BACK(&PyTuple_Type));
    }
#elif PyTuple_NFREELISTS > 0
    /* 3.11/3.12: entry k holds the tuples of size k + 1 (the empty one is static). */
    for (int index = 0; index < PyTuple_NFREELISTS; index++) {
        mark_chain(bm, interp->tuple.free_list[index], interp->tuple.numfree[index], tuple_next,
                   BACK(&PyTuple_Type));
    }
#endif
}

static void mark_other_freelists(const sink *bm, PyInterpreterState *interp)
{
#if PyFloat_MAXFREELIST > 0 || !MLD_PY_AT_LEAST(3, 11) /* 3.10: no macro, always present */
    mark_chain(bm, interp->float_state.free_list, interp->float_state.numfree, float_next,
               BACK(&PyFloat_Type));
#endif
    if (interp->slice_cache != NULL) {
        put(bm, (uintptr_t)interp->slice_cache - BACK(&PySlice_Type));
    }
#if _PyAsyncGen_MAXFREELIST > 0
    mark_array(bm, (void *const *)interp->async_gen.value_freelist, interp->async_gen.value_numfree,
               MLD_ARRAY_LEN(interp->async_gen.value_freelist),
               BACK(&_PyAsyncGenWrappedValue_Type));
    mark_array(bm, (void *const *)interp->async_gen.asend_freelist, interp->async_gen.asend_numfree,
               MLD_ARRAY_LEN(interp->async_gen.asend_freelist), BACK(&_PyAsyncGenASend_Type));
#endif
#if PyContext_MAXFREELIST > 0 || !MLD_PY_AT_LEAST(3, 11) /* 3.10: no macro, always present */
    mark_chain(bm, interp->context.freelist, interp->context.numfree, context_next,
               BACK(&PyContext_Type));
#endif
    mark_chain(bm, interp->exc_state.memerrors_freelist, interp->exc_state.memerrors_numfree,
               memerror_next, BACK((PyTypeObject *)PyExc_MemoryError));
#if !MLD_PY_AT_LEAST(3, 11)
    /* Frames parked in a code object's co_zombieframe are not reachable from
     * here; see docs/design-dumper.md. */
    mark_chain(bm, interp->frame.free_list, interp->frame.numfree, frame_next, BACK(&PyFrame_Type));
#endif
}

/* ---- closing the freelists while a monitored call runs
 *
 * A pop from a freelist reaches no allocator hook, so before 3.13 nothing
 * can say which thread's call made an object popped from one. So while a
 * call is armed, every freelist whose type identity_alloc_hook.c wraps is
 * closed and its contents set aside: every birth of those types is then a
 * PyObject_Malloc and every death a free, both seen by the allocator hook
 * with the thread that did them (docs/design-dumper.md, "Per-call delta
 * images (3.10-3.12)"). Two ways to close:
 *
 * - FULL, the float and tuple chains: head NULL and count at the maximum.
 *   Both pop only when the head is not NULL and push only while the count
 *   is below its maximum (3.10-3.12 PyFloat_FromDouble/float_dealloc and
 *   _PyFloat_ExactDealloc; tuple_alloc/tupledealloc on 3.10,
 *   maybe_freelist_pop/maybe_freelist_push on 3.11/3.12), so CPython itself
 *   neither pushes nor pops, not even the specialized float instructions of
 *   3.11/3.12, which free floats without tp_dealloc.
 * - EMPTY, the others (lists, dicts, slices, contexts, async-gen objects,
 *   MemoryErrors, 3.10 frames): count 0 (or the slice slot NULL), so every
 *   pop is an allocation; their pops test the count, not a head, so the FULL
 *   trick would read past the array. Each death still pushes, and the type's
 *   dealloc wrapper takes the push straight back out and frees it
 *   (mld_internals_take_back): the push is the last thing each of those
 *   deallocs does, and the original's own trashcan is off while wrapped.
 *
 * The dict keys freelist stays open: keys tables are not objects, so no
 * call is blamed for one; a table pushed by one thread and popped by
 * another only costs a full image. One closing, for the one main
 * interpreter, kept here like the freelists. */
#ifndef PyFloat_MAXFREELIST
#define PyFloat_MAXFREELIST 100 /* 3.10: Objects/floatobject.c, not in a header */
#endif
#if !MLD_PY_AT_LEAST(3, 11)
#define TUPLE_FIRST 1 /* 3.10: entry 0 is the live empty tuple */
#define TUPLE_CHAINS PyTuple_MAXSAVESIZE
#else
#define TUPLE_FIRST 0
#define TUPLE_CHAINS PyTuple_NFREELISTS
#endif
#define MLD_CLOSED_ARRAY_MAX 128 /* above every array freelist's length (80) */
#define MLD_CLOSED_MAX (1 + TUPLE_CHAINS + MLD_FREELIST_KINDS)

typedef enum { CLOSED_FULL, CLOSED_EMPTY, CLOSED_ARRAY } close_style;

typedef struct {
    close_style style;
    PyTypeObject *type;
    void **head;  /* chains and the slice slot */
    int *numfree; /* NULL for the slice slot */
    int max;      /* FULL: the count that stops pushes */
    next_fn next; /* chains' link; NULL for the slot */
    void **items; /* ARRAY */
    int capacity;
    void *saved_head;
    int saved_numfree;
    void *saved_items[MLD_CLOSED_ARRAY_MAX];
} closed_list;

static struct {
    closed_list lists[MLD_CLOSED_MAX];
    int count;
    int by_kind[MLD_FREELIST_KINDS]; /* the list a wrapper takes its pushes back from, or -1 */
    int active;
} g_closed;

static closed_list *add_closed(close_style style, PyTypeObject *type, int kind)
{
    closed_list *c = &g_closed.lists[g_closed.count];
    memset(c, 0, sizeof(*c));
    c->style = style;
    c->type = type;
    if (kind >= 0) {
        g_closed.by_kind[kind] = g_closed.count;
    }
    g_closed.count++;
    return c;
}

static void close_chain(close_style style, int kind, void **head, int *numfree, int max,
                        next_fn next, PyTypeObject *type)
{
    closed_list *c = add_closed(style, type, kind);
    c->head = head;
    c->numfree = numfree;
    c->max = max;
    c->next = next;
    c->saved_head = *head;
    c->saved_numfree = numfree != NULL ? *numfree : 0;
    *head = NULL;
    if (numfree != NULL) {
        *numfree = style == CLOSED_FULL ? max : 0;
    }
}

static void close_array(int kind, void **items, int *numfree, int capacity, PyTypeObject *type)
{
    if (capacity > MLD_CLOSED_ARRAY_MAX) {
        return; /* left open: a pop there is unseen, which the wrapper's push entry covers */
    }
    closed_list *c = add_closed(CLOSED_ARRAY, type, kind);
    c->items = items;
    c->numfree = numfree;
    c->capacity = capacity;
    c->saved_numfree = bounded_count(*numfree) > capacity ? capacity : bounded_count(*numfree);
    memcpy(c->saved_items, items, (size_t)c->saved_numfree * sizeof(void *));
    *numfree = 0;
}

static void close_containers(PyInterpreterState *interp)
{
#if PyFloat_MAXFREELIST > 0
    close_chain(CLOSED_FULL, -1, (void **)&interp->float_state.free_list,
                &interp->float_state.numfree, PyFloat_MAXFREELIST, float_next, &PyFloat_Type);
#endif
#if TUPLE_CHAINS > 0
    for (int index = TUPLE_FIRST; index < TUPLE_CHAINS; index++) {
        close_chain(CLOSED_FULL, -1, (void **)&interp->tuple.free_list[index],
                    &interp->tuple.numfree[index], PyTuple_MAXFREELIST, tuple_next, &PyTuple_Type);
    }
#endif
#if PyList_MAXFREELIST > 0
    close_array(MLD_FREELIST_LIST, (void **)interp->list.free_list, &interp->list.numfree,
                MLD_ARRAY_LEN(interp->list.free_list), &PyList_Type);
#endif
#if PyDict_MAXFREELIST > 0
    close_array(MLD_FREELIST_DICT, (void **)interp->dict_state.free_list,
                &interp->dict_state.numfree, MLD_ARRAY_LEN(interp->dict_state.free_list),
                &PyDict_Type);
#endif
}

static void close_others(PyInterpreterState *interp)
{
    close_chain(CLOSED_EMPTY, MLD_FREELIST_SLICE, (void **)&interp->slice_cache, NULL, 0, NULL,
                &PySlice_Type);
#if _PyAsyncGen_MAXFREELIST > 0
    close_array(MLD_FREELIST_ASYNC_VALUE, (void **)interp->async_gen.value_freelist,
                &interp->async_gen.value_numfree, MLD_ARRAY_LEN(interp->async_gen.value_freelist),
                &_PyAsyncGenWrappedValue_Type);
    close_array(MLD_FREELIST_ASEND, (void **)interp->async_gen.asend_freelist,
                &interp->async_gen.asend_numfree, MLD_ARRAY_LEN(interp->async_gen.asend_freelist),
                &_PyAsyncGenASend_Type);
#endif
#if PyContext_MAXFREELIST > 0 || !MLD_PY_AT_LEAST(3, 11) /* 3.10: no macro, always present */
    close_chain(CLOSED_EMPTY, MLD_FREELIST_CONTEXT, (void **)&interp->context.freelist,
                &interp->context.numfree, 0, context_next, &PyContext_Type);
#endif
    close_chain(CLOSED_EMPTY, MLD_FREELIST_MEMERR, (void **)&interp->exc_state.memerrors_freelist,
                &interp->exc_state.memerrors_numfree, 0, memerror_next,
                (PyTypeObject *)PyExc_MemoryError);
#if !MLD_PY_AT_LEAST(3, 11)
    close_chain(CLOSED_EMPTY, MLD_FREELIST_FRAME, (void **)&interp->frame.free_list,
                &interp->frame.numfree, 0, frame_next, &PyFrame_Type);
#endif
}

void mld_internals_close_freelists(void)
{
    PyInterpreterState *interp = current_interp();
    if (g_closed.active || interp == NULL) {
        return;
    }
    g_closed.count = 0;
    for (int kind = 0; kind < MLD_FREELIST_KINDS; kind++) {
        g_closed.by_kind[kind] = -1;
    }
    close_containers(interp);
    close_others(interp);
    g_closed.active = 1;
}

static void free_dead(PyTypeObject *type, void *node)
{
    if (PyType_IS_GC(type)) {
        PyObject_GC_Del(node);
    } else {
        PyObject_Free(node);
    }
}

static int still_closed(const closed_list *c)
{
    switch (c->style) {
    case CLOSED_FULL: return *c->head == NULL && *c->numfree == c->max;
    case CLOSED_EMPTY: return *c->head == NULL && (c->numfree == NULL || *c->numfree == 0);
    case CLOSED_ARRAY: return *c->numfree == 0;
    }
    return 0;
}

/* A list that is no longer as closed was cleared by a full collection
 * (_PyGC_ClearAllFreeLists resets a FULL chain's count) and pushed on since,
 * or pushed on where no wrapper took it back: pushes and pops may have gone
 * unseen. The saved contents are then freed, as a clear would have freed
 * them, and the call is not trusted. */
static int reopen(closed_list *c)
{
    if (still_closed(c)) {
        if (c->style == CLOSED_ARRAY) {
            memcpy(c->items, c->saved_items, (size_t)c->saved_numfree * sizeof(void *));
        } else {
            *c->head = c->saved_head;
        }
        if (c->numfree != NULL) {
            *c->numfree = c->saved_numfree;
        }
        return 0;
    }
    if (c->style == CLOSED_ARRAY) {
        for (int i = 0; i < c->saved_numfree; i++) {
            free_dead(c->type, c->saved_items[i]);
        }
        return -1;
    }
    void *node = c->saved_head;
    int n = c->numfree != NULL ? bounded_count(c->saved_numfree) : 1;
    for (int i = 0; i < n && node != NULL; i++) {
        void *next = c->next != NULL ? c->next(node) : NULL;
        free_dead(c->type, node);
        node = next;
    }
    return -1;
}

int mld_internals_reopen_freelists(void)
{
    if (!g_closed.active) {
        return 0;
    }
    int touched = 0;
    for (int i = 0; i < g_closed.count; i++) {
        touched |= reopen(&g_closed.lists[i]) != 0;
    }
    g_closed.active = 0;
    return touched ? -1 : 0;
}

int mld_internals_freelists_still_closed(void)
{
    for (int i = 0; g_closed.active && i < g_closed.count; i++) {
        if (!still_closed(&g_closed.lists[i])) {
            return 0;
        }
    }
    return 1;
}

void mld_internals_take_back(mld_freelist_kind kind, PyObject *op)
{
    if (!g_closed.active || kind < 0 || kind >= MLD_FREELIST_KINDS || g_closed.by_kind[kind] < 0) {
        return;
    }
    closed_list *c = &g_closed.lists[g_closed.by_kind[kind]];
    if (c->style == CLOSED_ARRAY) {
        if (*c->numfree > 0 && *c->numfree <= c->capacity && c->items[*c->numfree - 1] == op) {
            (*c->numfree)--;
            free_dead(c->type, op);
        }
        return;
    }
    if (*c->head == (void *)op) {
        *c->head = c->next != NULL ? c->next(op) : NULL;
        if (c->numfree != NULL) {
            (*c->numfree)--;
        }
        free_dead(c->type, op);
    }
}

static void mark_closed(mld_bitmap *bm)
{
    sink out = {bm};
    for (int i = 0; g_closed.active && i < g_closed.count; i++) {
        const closed_list *c = &g_closed.lists[i];
        size_t back = BACK(c->type);
        if (c->style == CLOSED_ARRAY) {
            mark_array(&out, (void *const *)c->saved_items, c->saved_numfree, c->capacity, back);
        } else if (c->next == NULL) {
            if (c->saved_head != NULL) {
                put(&out, (uintptr_t)c->saved_head - back);
            }
        } else {
            mark_chain(&out, c->saved_head, c->saved_numfree, c->next, back);
        }
    }
}

static void visit_live_freelists(const sink *out)
{
    PyInterpreterState *interp = current_interp();
    if (out->bm == NULL || interp == NULL) {
        return;
    }
    mark_container_freelists(out, interp);
    mark_other_freelists(out, interp);
}

static void mark_live_freelists(mld_bitmap *bm)
{
    sink out = {bm};
    visit_live_freelists(&out);
}

/* The closed lists' saved contents too: an image taken while a call runs
 * clears the marks, and those objects come back into their freelists at
 * the call's end. */
void mld_internals_mark_freelists(mld_bitmap *bm)
{
    mark_live_freelists(bm);
    if (bm != NULL) {
        mark_closed(bm);
    }
}

/* Plus the dict keys freelist: keys tables are PyObject_Malloc blocks, so
 * the births log holds those made by the call, and one that died into this
 * freelist was never freed; without this, a call that drops a small dict
 * would look as if it left a block alive. */
void mld_internals_mark_freelisted_dead(mld_bitmap *dead)
{
    mark_live_freelists(dead); /* at block starts, as the births log's entries */
    PyInterpreterState *interp = current_interp();
    if (dead == NULL || interp == NULL) {
        return;
    }
#if PyDict_MAXFREELIST > 0
    sink out = {dead};
    mark_array(&out, (void *const *)interp->dict_state.keys_free_list,
               interp->dict_state.keys_numfree, MLD_ARRAY_LEN(interp->dict_state.keys_free_list),
               0);
#endif
}

#if !MLD_PY_AT_LEAST(3, 11)
#define MLD_FRAME_FREELIST_MAX 200 /* 3.10's PyFrame_MAXFREELIST, Objects/frameobject.c */

/* Mirrors the else branch of 3.10's frame_dealloc. */
void mld_internals_unpark_frame(PyObject *code, PyObject *frame)
{
    PyCodeObject *co = (PyCodeObject *)code;
    if ((PyObject *)co->co_zombieframe != frame) {
        return;
    }
    co->co_zombieframe = NULL;
    struct _Py_frame_state *state = &current_interp()->frame;
    if (state->numfree >= 0 && state->numfree < MLD_FRAME_FREELIST_MAX) {
        ++state->numfree;
        ((PyFrameObject *)frame)->f_back = state->free_list;
        state->free_list = (PyFrameObject *)frame;
    } else {
        PyObject_GC_Del(frame);
    }
}
#endif


#else /* 3.13+: the reference tracer sees every freelist pop */

void mld_internals_mark_freelists(mld_bitmap *bm)
{
    (void)bm;
}

#if MLD_PY_AT_LEAST(3, 14)
/* 3.14 has one generic freelist per kind in interp->object_state.freelists
 * (GIL build; Include/internal/pycore_freelist_state.h), each entry linked
 * through its first word (ob_refcnt), its length in size (-1: disabled).
 * Only the kinds that hold objects are read; dictkeys, unicode writers and
 * stack chunks hold plain memory. */
static void *first_word_next(void *node)
{
    return *(void **)node;
}

static void mark_generic(const sink *dead, const struct _Py_freelist *fl)
{
    mark_chain(dead, fl->freelist, fl->size > INT_MAX ? INT_MAX : (int)fl->size, first_word_next,
               0);
}

void mld_internals_mark_freelisted_dead(mld_bitmap *dead)
{
    PyInterpreterState *interp = current_interp();
    if (dead == NULL || interp == NULL) {
        return;
    }
    sink out = {dead};
    const struct _Py_freelists *fl = &interp->object_state.freelists;
    const struct _Py_freelist *kinds[] = {
        &fl->floats,          &fl->ints,
        &fl->lists,           &fl->list_iters,
        &fl->tuple_iters,     &fl->dicts,
        &fl->slices,          &fl->ranges,
        &fl->range_iters,     &fl->contexts,
        &fl->async_gens,      &fl->async_gen_asends,
        &fl->futureiters,     &fl->pycfunctionobject,
        &fl->pycmethodobject, &fl->pymethodobjects,
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        mark_generic(&out, kinds[k]);
    }
    for (int size = 0; size < PyTuple_MAXSAVESIZE; size++) {
        mark_generic(&out, &fl->tuples[size]);
    }
}
#else
/* 3.13 keeps the freelists in interp->object_state.freelists (GIL build),
 * fields per Include/internal/pycore_freelist.h; links: floats through
 * ob_type, tuples through ob_item[0], contexts through ctx_weakreflist.
 * Each walk is bounded by its count and by MLD_FREELIST_WALK_MAX. */
void mld_internals_mark_freelisted_dead(mld_bitmap *dead)
{
    PyInterpreterState *interp = current_interp();
    if (dead == NULL || interp == NULL) {
        return;
    }
    sink out = {dead};
    struct _Py_object_freelists *fl = &interp->object_state.freelists;
#if PyFloat_MAXFREELIST > 0
    mark_chain(&out, fl->floats.items, fl->floats.numfree, float_next, 0);
#endif
#if PyTuple_NFREELISTS > 0
    for (int index = 0; index < PyTuple_NFREELISTS; index++) {
        mark_chain(&out, fl->tuples.items[index], fl->tuples.numfree[index], tuple_next, 0);
    }
#endif
#if PyList_MAXFREELIST > 0
    mark_array(&out, (void *const *)fl->lists.items, fl->lists.numfree,
               MLD_ARRAY_LEN(fl->lists.items), 0);
#endif
#if PyDict_MAXFREELIST > 0
    mark_array(&out, (void *const *)fl->dicts.items, fl->dicts.numfree,
               MLD_ARRAY_LEN(fl->dicts.items), 0);
#endif
#if PyContext_MAXFREELIST > 0
    mark_chain(&out, fl->contexts.items, fl->contexts.numfree, context_next, 0);
#endif
#if _PyAsyncGen_MAXFREELIST > 0
    mark_array(&out, (void *const *)fl->async_gens.items, fl->async_gens.numfree,
               MLD_ARRAY_LEN(fl->async_gens.items), 0);
    mark_array(&out, (void *const *)fl->async_gen_asends.items, fl->async_gen_asends.numfree,
               MLD_ARRAY_LEN(fl->async_gen_asends.items), 0);
#endif
    if (fl->slices.slice_cache != NULL) {
        put(&out, (uintptr_t)fl->slices.slice_cache);
    }
}
#endif
#endif

#else /* unsupported CPython: the module imports, open_monitor refuses */

void mld_internals_mark_freelists(mld_bitmap *bm)
{
    (void)bm;
}
void mld_internals_mark_freelisted_dead(mld_bitmap *dead)
{
    (void)dead;
}

#endif /* MLD_SUPPORTED */
