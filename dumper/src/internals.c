/* CPython private structures, per version. This is the only file compiled with
 * Py_BUILD_CORE: it reads struct layouts that only the internal headers of the
 * exact CPython version describe. Nothing here allocates Python objects or runs
 * Python code; the caller holds the GIL. */
#define PY_SSIZE_T_CLEAN
#include <patchlevel.h> /* version macros only, so Py_BUILD_CORE can depend on them */
#if PY_VERSION_HEX >= 0x030A0000 && PY_VERSION_HEX < 0x030F0000
/* The internal headers must be read with Py_BUILD_CORE defined before Python.h
 * (3.12 declares some inline functions differently otherwise); they were
 * written for the interpreter's own warning set, hence the pragmas. */
#define Py_BUILD_CORE 1
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <Python.h>
#include "compat.h"
#if MLT_SUPPORTED
#include "internal/pycore_interp.h"
#include "internal/pycore_gc.h"
#include "internal/pycore_object.h"
#if !MLT_PY_AT_LEAST(3, 11)
#include <frameobject.h>
#endif
#if !MLT_PY_AT_LEAST(3, 13)
#include "internal/pycore_context.h" /* PyContext: its freelist links through ctx_weakreflist */
#endif
#if MLT_PY_AT_LEAST(3, 14)
#include "internal/pycore_stackref.h"
#include "internal/pycore_freelist_state.h"
#endif
#if MLT_PY_AT_LEAST(3, 11)
#include "internal/pycore_frame.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_code.h"
#endif
#endif
#pragma GCC diagnostic pop

#include "internals.h"
#include <limits.h>
#include "bitmap.h"

#if MLT_SUPPORTED

static PyInterpreterState *current_interp(void)
{
    return PyInterpreterState_Get();
}

/* ------------------------------------------------------------ GC lists */

static int walk_gc_list(PyGC_Head *head, int frozen, mlt_gc_visit_fn visit, void *arg)
{
    for (PyGC_Head *g = (PyGC_Head *)head->_gc_next; g != head; g = (PyGC_Head *)g->_gc_next) {
        int rc = visit((PyObject *)(g + 1), frozen, arg);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* The generation lists are walked directly rather than through
 * PyUnstable_GC_VisitObjects (3.12+) because that skips the permanent
 * generation before 3.14, and the layout is the same on 3.10-3.14 (3.14.10 keeps
 * generations[] in the GIL build). */
int mlt_internals_gc_walk(mlt_gc_visit_fn visit, void *arg)
{
    struct _gc_runtime_state *gc = &current_interp()->gc;
    for (int i = 0; i < NUM_GENERATIONS; i++) {
        int rc = walk_gc_list(&gc->generations[i].head, 0, visit, arg);
        if (rc != 0) {
            return rc;
        }
    }
    return walk_gc_list(&gc->permanent_generation.head, 1, visit, arg);
}

/* ------------------------------------------------------------ sizes */

size_t mlt_internals_getsizeof_extra(PyObject *op)
{
#if MLT_PY_AT_LEAST(3, 13)
    return PyObject_IS_GC(op) ? _PyType_PreHeaderSize(Py_TYPE(op)) : 0;
#elif MLT_PY_AT_LEAST(3, 11)
    return _PyType_PreHeaderSize(Py_TYPE(op));
#else
    return PyObject_IS_GC(op) ? sizeof(PyGC_Head) : 0;
#endif
}

size_t mlt_internals_preheader(PyTypeObject *tp)
{
#if MLT_PY_AT_LEAST(3, 11)
    return _PyType_PreHeaderSize(tp);
#else
    return PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0;
#endif
}

/* ------------------------------------------------------------ managed dicts */

#if MLT_PY_AT_LEAST(3, 11)
static void visit_values(PyTypeObject *tp, PyDictValues *values, Py_ssize_t capacity,
                         mlt_attr_fn attr, void *arg)
{
    if (!(tp->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        return; /* ht_cached_keys exists only in heap types */
    }
    PyDictKeysObject *keys = ((PyHeapTypeObject *)tp)->ht_cached_keys;
    if (keys == NULL || values == NULL || !DK_IS_UNICODE(keys)) {
        return;
    }
    Py_ssize_t n = keys->dk_nentries;
    if (capacity >= 0 && n > capacity) {
        n = capacity;
    }
    PyDictUnicodeEntry *entries = DK_UNICODE_ENTRIES(keys);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = values->values[i];
        if (value != NULL && entries[i].me_key != NULL) {
            attr(entries[i].me_key, value, arg);
        }
    }
}
#endif

int mlt_internals_managed_attrs(PyObject *op, mlt_attr_fn attr, void *arg, PyObject **dict_out)
{
    *dict_out = NULL;
#if MLT_PY_AT_LEAST(3, 11)
    PyTypeObject *tp = Py_TYPE(op);
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)) {
        return 0;
    }
#if MLT_PY_AT_LEAST(3, 13)
    if (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) {
        PyDictValues *values = _PyObject_InlineValues(op);
        if (values->valid) {
            visit_values(tp, values, values->capacity, attr, arg);
        }
    }
    *dict_out = (PyObject *)_PyObject_ManagedDictPointer(op)->dict;
#elif MLT_PY_AT_LEAST(3, 12)
    PyDictOrValues dorv = *_PyObject_DictOrValuesPointer(op);
    if (_PyDictOrValues_IsValues(dorv)) {
        visit_values(tp, _PyDictOrValues_GetValues(dorv), -1, attr, arg);
    } else {
        *dict_out = dorv.dict;
    }
#else
    visit_values(tp, *_PyObject_ValuesPointer(op), -1, attr, arg);
    *dict_out = *_PyObject_ManagedDictPointer(op);
#endif
    return 1;
#else
    (void)op;
    (void)attr;
    (void)arg;
    return 0;
#endif
}

/* ------------------------------------------------------------ interpreter */

PyObject *mlt_internals_sysdict(void)
{
    return current_interp()->sysdict;
}

PyObject *mlt_internals_builtins(void)
{
    return current_interp()->builtins;
}

PyObject *mlt_internals_thread_dict(PyThreadState *ts)
{
    return ts->dict;
}

PyObject *mlt_internals_thread_context(PyThreadState *ts)
{
    return ts->context;
}

uint64_t mlt_internals_thread_id(PyThreadState *ts)
{
    return (uint64_t)ts->thread_id;
}

/* ------------------------------------------------------------ frames */

#if MLT_PY_AT_LEAST(3, 11)
#if MLT_PY_AT_LEAST(3, 14)
/* 3.14 frames hold _PyStackRef: a pointer with tag bits, or a tagged small
 * int (not an object), or the NULL ref (pycore_stackref.h, GIL build). */
static PyObject *stackref_object(_PyStackRef ref)
{
    if (PyStackRef_IsNull(ref) || PyStackRef_IsTaggedInt(ref)) {
        return NULL;
    }
    return PyStackRef_AsPyObjectBorrow(ref);
}
#endif

static PyCodeObject *frame_code(_PyInterpreterFrame *f)
{
#if MLT_PY_AT_LEAST(3, 14)
    PyObject *exe = stackref_object(f->f_executable);
    return (exe != NULL && PyCode_Check(exe)) ? (PyCodeObject *)exe : NULL;
#elif MLT_PY_AT_LEAST(3, 13)
    PyObject *exe = f->f_executable;
    return (exe != NULL && PyCode_Check(exe)) ? (PyCodeObject *)exe : NULL;
#else
    return f->f_code;
#endif
}

static int frame_on_c_stack(_PyInterpreterFrame *f)
{
#if MLT_PY_AT_LEAST(3, 12)
    return f->owner == FRAME_OWNED_BY_CSTACK;
#else
    (void)f;
    return 0;
#endif
}

static PyObject *frame_function(_PyInterpreterFrame *f)
{
#if MLT_PY_AT_LEAST(3, 14)
    return stackref_object(f->f_funcobj);
#elif MLT_PY_AT_LEAST(3, 12)
    return f->f_funcobj;
#else
    return (PyObject *)f->f_func;
#endif
}

static _PyInterpreterFrame *innermost_frame(PyThreadState *ts)
{
#if MLT_PY_AT_LEAST(3, 13)
    return ts->current_frame;
#else
    return ts->cframe != NULL ? ts->cframe->current_frame : NULL;
#endif
}

void mlt_internals_walk_frames(PyThreadState *ts, mlt_frame_fn fn, void *arg)
{
    uint32_t depth = 0;
    for (_PyInterpreterFrame *f = innermost_frame(ts); f != NULL; f = f->previous) {
        PyCodeObject *code = frame_code(f);
        if (code == NULL || frame_on_c_stack(f)) {
            continue;
        }
        mlt_frame_view view = {
            .code = code,
            .qualname = code->co_qualname,
            .frame_object = (PyObject *)f->frame_obj,
            .function = frame_function(f),
            .locals_dict = f->f_locals,
            .nlocals = code->co_nlocalsplus,
            .values = f->localsplus,
            .names = code->co_localsplusnames,
        };
        fn(&view, depth++, arg);
    }
}

static int view_of_interpreter_frame(_PyInterpreterFrame *f, mlt_frame_view *view)
{
    PyCodeObject *code = frame_code(f);
    if (code == NULL) {
        return 0;
    }
    view->code = code;
    view->qualname = code->co_qualname;
    view->frame_object = NULL;
    view->function = NULL;
    view->locals_dict = NULL;
    view->nlocals = code->co_nlocalsplus;
    view->values = f->localsplus;
    view->names = code->co_localsplusnames;
    return 1;
}

/* Mirrors frame_traverse and gen_traverse: only frames whose locals the
 * object owns (a frame still running belongs to its thread, walked as roots). */
int mlt_internals_object_frame(PyObject *op, mlt_frame_view *view)
{
    if (PyFrame_Check(op)) {
        _PyInterpreterFrame *f = ((PyFrameObject *)op)->f_frame;
        return f != NULL && f->owner == FRAME_OWNED_BY_FRAME_OBJECT &&
               view_of_interpreter_frame(f, view);
    }
    if (PyGen_CheckExact(op) || PyCoro_CheckExact(op) || PyAsyncGen_CheckExact(op)) {
        PyGenObject *gen = (PyGenObject *)op;
#if MLT_PY_AT_LEAST(3, 14)
        _PyInterpreterFrame *f = &gen->gi_iframe; /* embedded from 3.14, an array before */
#else
        _PyInterpreterFrame *f = (_PyInterpreterFrame *)gen->gi_iframe;
#endif
        return gen->gi_frame_state < FRAME_CLEARED && view_of_interpreter_frame(f, view);
    }
    return 0;
}

PyObject *mlt_internals_local_name(const mlt_frame_view *frame, int i)
{
    if (i < 0 || i >= PyTuple_GET_SIZE(frame->names)) {
        return NULL;
    }
    return PyTuple_GET_ITEM(frame->names, i);
}

int mlt_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first)
{
    *names = code->co_localsplusnames;
    *first = code->co_nlocalsplus - code->co_nfreevars;
    return code->co_nfreevars;
}

PyObject *mlt_internals_code_names(PyCodeObject *code)
{
    return code->co_localsplusnames;
}

#else /* 3.10: frames are objects, linked through f_back */

void mlt_internals_walk_frames(PyThreadState *ts, mlt_frame_fn fn, void *arg)
{
    uint32_t depth = 0;
    for (PyFrameObject *f = ts->frame; f != NULL; f = f->f_back) {
        PyCodeObject *code = f->f_code;
        if (code == NULL) {
            continue;
        }
        int ncells = (int)PyTuple_GET_SIZE(code->co_cellvars);
        int nfrees = (int)PyTuple_GET_SIZE(code->co_freevars);
        mlt_frame_view view = {
            .code = code,
            .qualname = code->co_name,
            .frame_object = (PyObject *)f,
            .function = NULL,
            .locals_dict = f->f_locals,
            .nlocals = code->co_nlocals + ncells + nfrees,
            .values = f->f_localsplus,
            .names = code->co_varnames,
        };
        fn(&view, depth++, arg);
    }
}

int mlt_internals_object_frame(PyObject *op, mlt_frame_view *view)
{
    if (!PyFrame_Check(op) || ((PyFrameObject *)op)->f_code == NULL) {
        return 0;
    }
    PyFrameObject *f = (PyFrameObject *)op;
    PyCodeObject *code = f->f_code;
    view->code = code;
    view->qualname = code->co_name;
    view->frame_object = op;
    view->function = NULL;
    view->locals_dict = NULL;
    view->nlocals = code->co_nlocals + (int)PyTuple_GET_SIZE(code->co_cellvars) +
                    (int)PyTuple_GET_SIZE(code->co_freevars);
    view->values = f->f_localsplus;
    view->names = code->co_varnames;
    return 1;
}

PyObject *mlt_internals_local_name(const mlt_frame_view *frame, int i)
{
    PyCodeObject *code = frame->code;
    PyObject *parts[3] = {code->co_varnames, code->co_cellvars, code->co_freevars};
    for (int p = 0; p < 3; p++) {
        Py_ssize_t n = PyTuple_GET_SIZE(parts[p]);
        if (i < n) {
            return i >= 0 ? PyTuple_GET_ITEM(parts[p], i) : NULL;
        }
        i -= (int)n;
    }
    return NULL;
}

int mlt_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first)
{
    *names = code->co_freevars;
    *first = 0;
    return (int)PyTuple_GET_SIZE(code->co_freevars);
}

PyObject *mlt_internals_code_names(PyCodeObject *code)
{
    (void)code;
    return NULL; /* co_varnames & co are members on 3.10, labelled generically */
}

#endif /* frames */

/* ------------------------------------------------------------ freelists */

/* Upper bound on any one list we walk: larger than every MAXFREELIST (the
 * biggest, tuples, is 2000 per size), so a corrupt count cannot run away. */
#define MLT_FREELIST_WALK_MAX 4096

static int bounded_count(int numfree)
{
    return numfree < 0 ? 0 : numfree > MLT_FREELIST_WALK_MAX ? MLT_FREELIST_WALK_MAX : numfree;
}

#if !MLT_PY_AT_LEAST(3, 14) /* 3.14's freelists are all chains linked through the first word */
/* `back` is how far before the object its mark lives: 0 for the 3.13 call
 * log's object addresses; the pre-header before 3.13, where the identity
 * bitmap marks block starts (identity.h). */
static void mark_array(mlt_bitmap *bm, void *const *items, int numfree, int capacity, size_t back)
{
    int n = bounded_count(numfree);
    n = n > capacity ? capacity : n;
    for (int i = 0; i < n; i++) {
        if (items[i] != NULL) {
            mlt_bitmap_set(bm, (uintptr_t)items[i] - back);
        }
    }
}
#endif

/* The link of each freelist kind, read from a dead object. */
typedef void *(*next_fn)(void *node);

static void mark_chain(mlt_bitmap *bm, void *head, int numfree, next_fn next, size_t back)
{
    int n = bounded_count(numfree);
    for (int i = 0; i < n && head != NULL; i++) {
        mlt_bitmap_set(bm, (uintptr_t)head - back);
        head = next(head);
    }
}

#if !MLT_PY_AT_LEAST(3, 14)
static void *float_next(void *node) { return (void *)Py_TYPE((PyObject *)node); }
static void *tuple_next(void *node) { return (void *)((PyTupleObject *)node)->ob_item[0]; }
static void *context_next(void *node) { return (void *)((PyContext *)node)->ctx_weakreflist; }
#define MLT_ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))
#endif

#if !MLT_PY_AT_LEAST(3, 13)
/* 3.10-3.12 keep the freelists in PyInterpreterState under the same field
 * names (float_state, slice_cache, tuple, list, dict_state, async_gen,
 * context, exc_state, and 3.10's frame), checked against each version's
 * pycore_interp.h and the per-type headers (3.11.2 = 3.11.7 there). Lists
 * are walked at most `count` steps and never past NULL: the count bounds the
 * walk even if a link were stale. */

/* Before 3.13 the identity bitmap marks block starts (identity.h). */
#define BACK(tp) mlt_internals_preheader(tp)

static void *memerror_next(void *node) { return (void *)((PyBaseExceptionObject *)node)->dict; }
#if !MLT_PY_AT_LEAST(3, 11)
static void *frame_next(void *node) { return (void *)((PyFrameObject *)node)->f_back; }
#endif

static void mark_container_freelists(mlt_bitmap *bm, PyInterpreterState *interp)
{
#if PyList_MAXFREELIST > 0
    mark_array(bm, (void *const *)interp->list.free_list, interp->list.numfree,
               MLT_ARRAY_LEN(interp->list.free_list), BACK(&PyList_Type));
#endif
#if PyDict_MAXFREELIST > 0
    mark_array(bm, (void *const *)interp->dict_state.free_list, interp->dict_state.numfree,
               MLT_ARRAY_LEN(interp->dict_state.free_list), BACK(&PyDict_Type));
#endif
#if !MLT_PY_AT_LEAST(3, 11)
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

static void mark_other_freelists(mlt_bitmap *bm, PyInterpreterState *interp)
{
#if PyFloat_MAXFREELIST > 0 || !MLT_PY_AT_LEAST(3, 11) /* 3.10: no macro, always present */
    mark_chain(bm, interp->float_state.free_list, interp->float_state.numfree, float_next,
               BACK(&PyFloat_Type));
#endif
    if (interp->slice_cache != NULL) {
        mlt_bitmap_set(bm, (uintptr_t)interp->slice_cache - BACK(&PySlice_Type));
    }
#if _PyAsyncGen_MAXFREELIST > 0
    mark_array(bm, (void *const *)interp->async_gen.value_freelist, interp->async_gen.value_numfree,
               MLT_ARRAY_LEN(interp->async_gen.value_freelist),
               BACK(&_PyAsyncGenWrappedValue_Type));
    mark_array(bm, (void *const *)interp->async_gen.asend_freelist, interp->async_gen.asend_numfree,
               MLT_ARRAY_LEN(interp->async_gen.asend_freelist), BACK(&_PyAsyncGenASend_Type));
#endif
#if PyContext_MAXFREELIST > 0 || !MLT_PY_AT_LEAST(3, 11) /* 3.10: no macro, always present */
    mark_chain(bm, interp->context.freelist, interp->context.numfree, context_next,
               BACK(&PyContext_Type));
#endif
    mark_chain(bm, interp->exc_state.memerrors_freelist, interp->exc_state.memerrors_numfree,
               memerror_next, BACK((PyTypeObject *)PyExc_MemoryError));
#if !MLT_PY_AT_LEAST(3, 11)
    /* Frames parked in a code object's co_zombieframe are not reachable from
     * here; see docs/design-dumper.md. */
    mark_chain(bm, interp->frame.free_list, interp->frame.numfree, frame_next, BACK(&PyFrame_Type));
#endif
}

void mlt_internals_mark_freelists(mlt_bitmap *bm)
{
    PyInterpreterState *interp = current_interp();
    if (bm == NULL || interp == NULL) {
        return;
    }
    mark_container_freelists(bm, interp);
    mark_other_freelists(bm, interp);
}

#if !MLT_PY_AT_LEAST(3, 11)
#define MLT_FRAME_FREELIST_MAX 200 /* 3.10's PyFrame_MAXFREELIST, Objects/frameobject.c */

/* Mirrors the else branch of 3.10's frame_dealloc. */
void mlt_internals_unpark_frame(PyObject *code, PyObject *frame)
{
    PyCodeObject *co = (PyCodeObject *)code;
    if ((PyObject *)co->co_zombieframe != frame) {
        return;
    }
    co->co_zombieframe = NULL;
    struct _Py_frame_state *state = &current_interp()->frame;
    if (state->numfree >= 0 && state->numfree < MLT_FRAME_FREELIST_MAX) {
        ++state->numfree;
        ((PyFrameObject *)frame)->f_back = state->free_list;
        state->free_list = (PyFrameObject *)frame;
    }
    else {
        PyObject_GC_Del(frame);
    }
}
#endif

void mlt_internals_mark_freelisted_dead(mlt_bitmap *dead)
{
    (void)dead; /* no per-call deltas before 3.13 */
}

#else /* 3.13+: the reference tracer sees every freelist pop */

void mlt_internals_mark_freelists(mlt_bitmap *bm)
{
    (void)bm;
}

#if MLT_PY_AT_LEAST(3, 14)
/* 3.14 has one generic freelist per kind in interp->object_state.freelists
 * (GIL build; Include/internal/pycore_freelist_state.h), each entry linked
 * through its first word (ob_refcnt), its length in size (-1: disabled).
 * Only the kinds that hold objects are read; dictkeys, unicode writers and
 * stack chunks hold plain memory. */
static void *first_word_next(void *node) { return *(void **)node; }

static void mark_generic(mlt_bitmap *dead, const struct _Py_freelist *fl)
{
    mark_chain(dead, fl->freelist, fl->size > INT_MAX ? INT_MAX : (int)fl->size, first_word_next, 0);
}

void mlt_internals_mark_freelisted_dead(mlt_bitmap *dead)
{
    PyInterpreterState *interp = current_interp();
    if (dead == NULL || interp == NULL) {
        return;
    }
    const struct _Py_freelists *fl = &interp->object_state.freelists;
    const struct _Py_freelist *kinds[] = {
        &fl->floats, &fl->ints, &fl->lists, &fl->list_iters, &fl->tuple_iters, &fl->dicts,
        &fl->slices, &fl->ranges, &fl->range_iters, &fl->contexts, &fl->async_gens,
        &fl->async_gen_asends, &fl->futureiters, &fl->pycfunctionobject, &fl->pycmethodobject,
        &fl->pymethodobjects,
    };
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        mark_generic(dead, kinds[k]);
    }
    for (int size = 0; size < PyTuple_MAXSAVESIZE; size++) {
        mark_generic(dead, &fl->tuples[size]);
    }
}
#else
/* 3.13 keeps the freelists in interp->object_state.freelists (GIL build),
 * fields per Include/internal/pycore_freelist.h; links: floats through
 * ob_type, tuples through ob_item[0], contexts through ctx_weakreflist.
 * Each walk is bounded by its count and by MLT_FREELIST_WALK_MAX. */
void mlt_internals_mark_freelisted_dead(mlt_bitmap *dead)
{
    PyInterpreterState *interp = current_interp();
    if (dead == NULL || interp == NULL) {
        return;
    }
    struct _Py_object_freelists *fl = &interp->object_state.freelists;
#if PyFloat_MAXFREELIST > 0
    mark_chain(dead, fl->floats.items, fl->floats.numfree, float_next, 0);
#endif
#if PyTuple_NFREELISTS > 0
    for (int index = 0; index < PyTuple_NFREELISTS; index++) {
        mark_chain(dead, fl->tuples.items[index], fl->tuples.numfree[index], tuple_next, 0);
    }
#endif
#if PyList_MAXFREELIST > 0
    mark_array(dead, (void *const *)fl->lists.items, fl->lists.numfree, MLT_ARRAY_LEN(fl->lists.items), 0);
#endif
#if PyDict_MAXFREELIST > 0
    mark_array(dead, (void *const *)fl->dicts.items, fl->dicts.numfree, MLT_ARRAY_LEN(fl->dicts.items), 0);
#endif
#if PyContext_MAXFREELIST > 0
    mark_chain(dead, fl->contexts.items, fl->contexts.numfree, context_next, 0);
#endif
#if _PyAsyncGen_MAXFREELIST > 0
    mark_array(dead, (void *const *)fl->async_gens.items, fl->async_gens.numfree,
               MLT_ARRAY_LEN(fl->async_gens.items), 0);
    mark_array(dead, (void *const *)fl->async_gen_asends.items, fl->async_gen_asends.numfree,
               MLT_ARRAY_LEN(fl->async_gen_asends.items), 0);
#endif
    if (fl->slices.slice_cache != NULL) {
        mlt_bitmap_set(dead, (uintptr_t)fl->slices.slice_cache);
    }
}
#endif
#endif

PyObject *mlt_internals_frame_local(const mlt_frame_view *frame, int i)
{
#if MLT_PY_AT_LEAST(3, 14)
    return stackref_object(((const _PyStackRef *)frame->values)[i]);
#else
    return ((PyObject *const *)frame->values)[i];
#endif
}

#else /* unsupported CPython: the module imports, open_monitor refuses */

int mlt_internals_gc_walk(mlt_gc_visit_fn visit, void *arg) { (void)visit; (void)arg; return 0; }
size_t mlt_internals_getsizeof_extra(PyObject *op) { (void)op; return 0; }
size_t mlt_internals_preheader(PyTypeObject *tp) { (void)tp; return 0; }
int mlt_internals_managed_attrs(PyObject *op, mlt_attr_fn attr, void *arg, PyObject **dict_out)
{
    (void)op; (void)attr; (void)arg;
    *dict_out = NULL;
    return 0;
}
PyObject *mlt_internals_sysdict(void) { return NULL; }
PyObject *mlt_internals_builtins(void) { return NULL; }
PyObject *mlt_internals_thread_dict(PyThreadState *ts) { (void)ts; return NULL; }
PyObject *mlt_internals_thread_context(PyThreadState *ts) { (void)ts; return NULL; }
uint64_t mlt_internals_thread_id(PyThreadState *ts) { (void)ts; return 0; }
void mlt_internals_walk_frames(PyThreadState *ts, mlt_frame_fn fn, void *arg) { (void)ts; (void)fn; (void)arg; }
PyObject *mlt_internals_local_name(const mlt_frame_view *frame, int i) { (void)frame; (void)i; return NULL; }
PyObject *mlt_internals_frame_local(const mlt_frame_view *frame, int i) { (void)frame; (void)i; return NULL; }
int mlt_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first)
{
    (void)code;
    *names = NULL;
    *first = 0;
    return 0;
}
PyObject *mlt_internals_code_names(PyCodeObject *code) { (void)code; return NULL; }
int mlt_internals_object_frame(PyObject *op, mlt_frame_view *view) { (void)op; (void)view; return 0; }
void mlt_internals_mark_freelists(mlt_bitmap *bm) { (void)bm; }
void mlt_internals_mark_freelisted_dead(mlt_bitmap *dead) { (void)dead; }

#endif /* MLT_SUPPORTED */
