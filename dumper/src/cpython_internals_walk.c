/* CPython private structures the heap walk reads (walk.c, roots.c, edges.c,
 * typeinfo.c): the GC lists, object sizes and pre-headers, managed dicts and
 * inline values, interpreter and thread fields, frames and generators. One of
 * the two files compiled with Py_BUILD_CORE (cpython_internals_pycore.h). Nothing here
 * allocates Python objects or runs Python code; the caller holds the GIL. */
#include "cpython_internals_pycore.h"
#include "cpython_internals.h"

#if MLD_SUPPORTED

/* ------------------------------------------------------------ GC lists */

static int walk_gc_list(PyGC_Head *head, int frozen, mld_gc_visit_fn visit, void *arg)
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
int mld_internals_gc_walk(mld_gc_visit_fn visit, void *arg)
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

size_t mld_internals_getsizeof_extra(PyObject *op)
{
#if MLD_PY_AT_LEAST(3, 13)
    return PyObject_IS_GC(op) ? _PyType_PreHeaderSize(Py_TYPE(op)) : 0;
#elif MLD_PY_AT_LEAST(3, 11)
    return _PyType_PreHeaderSize(Py_TYPE(op));
#else
    return PyObject_IS_GC(op) ? sizeof(PyGC_Head) : 0;
#endif
}

size_t mld_internals_preheader(PyTypeObject *tp)
{
#if MLD_PY_AT_LEAST(3, 11)
    return _PyType_PreHeaderSize(tp);
#else
    return PyType_IS_GC(tp) ? sizeof(PyGC_Head) : 0;
#endif
}

/* ------------------------------------------------------------ managed dicts */

#if MLD_PY_AT_LEAST(3, 11)
static void visit_values(PyTypeObject *tp, PyDictValues *values, Py_ssize_t capacity,
                         mld_attr_fn attr, void *arg)
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

int mld_internals_managed_attrs(PyObject *op, mld_attr_fn attr, void *arg, PyObject **dict_out)
{
    *dict_out = NULL;
#if MLD_PY_AT_LEAST(3, 11)
    PyTypeObject *tp = Py_TYPE(op);
    if (!(tp->tp_flags & Py_TPFLAGS_MANAGED_DICT)) {
        return 0;
    }
#if MLD_PY_AT_LEAST(3, 13)
    if (tp->tp_flags & Py_TPFLAGS_INLINE_VALUES) {
        PyDictValues *values = _PyObject_InlineValues(op);
        if (values->valid) {
            visit_values(tp, values, values->capacity, attr, arg);
        }
    }
    *dict_out = (PyObject *)_PyObject_ManagedDictPointer(op)->dict;
#elif MLD_PY_AT_LEAST(3, 12)
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

PyObject *mld_internals_sysdict(void)
{
    return current_interp()->sysdict;
}

PyObject *mld_internals_builtins(void)
{
    return current_interp()->builtins;
}

PyObject *mld_internals_interned(void)
{
#if MLD_SUPPORTED && MLD_PY_AT_LEAST(3, 12)
    return _Py_INTERP_CACHED_OBJECT(current_interp(), interned_strings);
#else
    return NULL;   /* interned strs are mortal before 3.12: they die with their last holder */
#endif
}

size_t mld_internals_small_ints(PyObject *const **items)
{
#if MLD_SUPPORTED && !MLD_PY_AT_LEAST(3, 11)
    *items = (PyObject *const *)current_interp()->small_ints;
    return _PY_NSMALLNEGINTS + _PY_NSMALLPOSINTS;
#else
    *items = NULL; /* statically allocated from 3.11 on */
    return 0;
#endif
}

PyObject *mld_internals_thread_dict(PyThreadState *ts)
{
    return ts->dict;
}

PyObject *mld_internals_thread_context(PyThreadState *ts)
{
    return ts->context;
}

uint64_t mld_internals_thread_id(PyThreadState *ts)
{
    return (uint64_t)ts->thread_id;
}

/* ------------------------------------------------------------ frames */

#if MLD_PY_AT_LEAST(3, 11)
#if MLD_PY_AT_LEAST(3, 14)
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
#if MLD_PY_AT_LEAST(3, 14)
    PyObject *exe = stackref_object(f->f_executable);
    return (exe != NULL && PyCode_Check(exe)) ? (PyCodeObject *)exe : NULL;
#elif MLD_PY_AT_LEAST(3, 13)
    PyObject *exe = f->f_executable;
    return (exe != NULL && PyCode_Check(exe)) ? (PyCodeObject *)exe : NULL;
#else
    return f->f_code;
#endif
}

static int frame_on_c_stack(_PyInterpreterFrame *f)
{
#if MLD_PY_AT_LEAST(3, 12)
    return f->owner == FRAME_OWNED_BY_CSTACK;
#else
    (void)f;
    return 0;
#endif
}

static PyObject *frame_function(_PyInterpreterFrame *f)
{
#if MLD_PY_AT_LEAST(3, 14)
    return stackref_object(f->f_funcobj);
#elif MLD_PY_AT_LEAST(3, 12)
    return f->f_funcobj;
#else
    return (PyObject *)f->f_func;
#endif
}

static _PyInterpreterFrame *innermost_frame(PyThreadState *ts)
{
#if MLD_PY_AT_LEAST(3, 13)
    return ts->current_frame;
#else
    return ts->cframe != NULL ? ts->cframe->current_frame : NULL;
#endif
}

void mld_internals_walk_frames(PyThreadState *ts, mld_frame_fn fn, void *arg)
{
    uint32_t depth = 0;
    for (_PyInterpreterFrame *f = innermost_frame(ts); f != NULL; f = f->previous) {
        PyCodeObject *code = frame_code(f);
        if (code == NULL || frame_on_c_stack(f)) {
            continue;
        }
        mld_frame_view view = {
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

static int view_of_interpreter_frame(_PyInterpreterFrame *f, mld_frame_view *view)
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
int mld_internals_object_frame(PyObject *op, mld_frame_view *view)
{
    if (PyFrame_Check(op)) {
        _PyInterpreterFrame *f = ((PyFrameObject *)op)->f_frame;
        return f != NULL && f->owner == FRAME_OWNED_BY_FRAME_OBJECT &&
               view_of_interpreter_frame(f, view);
    }
    if (PyGen_CheckExact(op) || PyCoro_CheckExact(op) || PyAsyncGen_CheckExact(op)) {
        PyGenObject *gen = (PyGenObject *)op;
#if MLD_PY_AT_LEAST(3, 14)
        _PyInterpreterFrame *f = &gen->gi_iframe; /* embedded from 3.14, an array before */
#else
        _PyInterpreterFrame *f = (_PyInterpreterFrame *)gen->gi_iframe;
#endif
        return gen->gi_frame_state < FRAME_CLEARED && view_of_interpreter_frame(f, view);
    }
    return 0;
}

PyObject *mld_internals_local_name(const mld_frame_view *frame, int i)
{
    if (i < 0 || i >= PyTuple_GET_SIZE(frame->names)) {
        return NULL;
    }
    return PyTuple_GET_ITEM(frame->names, i);
}

int mld_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first)
{
    *names = code->co_localsplusnames;
    *first = code->co_nlocalsplus - code->co_nfreevars;
    return code->co_nfreevars;
}

PyObject *mld_internals_code_names(PyCodeObject *code)
{
    return code->co_localsplusnames;
}

#else /* 3.10: frames are objects, linked through f_back */

void mld_internals_walk_frames(PyThreadState *ts, mld_frame_fn fn, void *arg)
{
    uint32_t depth = 0;
    for (PyFrameObject *f = ts->frame; f != NULL; f = f->f_back) {
        PyCodeObject *code = f->f_code;
        if (code == NULL) {
            continue;
        }
        int ncells = (int)PyTuple_GET_SIZE(code->co_cellvars);
        int nfrees = (int)PyTuple_GET_SIZE(code->co_freevars);
        mld_frame_view view = {
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

int mld_internals_object_frame(PyObject *op, mld_frame_view *view)
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

PyObject *mld_internals_local_name(const mld_frame_view *frame, int i)
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

int mld_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first)
{
    *names = code->co_freevars;
    *first = 0;
    return (int)PyTuple_GET_SIZE(code->co_freevars);
}

PyObject *mld_internals_code_names(PyCodeObject *code)
{
    (void)code;
    return NULL; /* co_varnames & co are members on 3.10, labelled generically */
}

#endif /* frames */

PyObject *mld_internals_frame_local(const mld_frame_view *frame, int i)
{
#if MLD_PY_AT_LEAST(3, 14)
    return stackref_object(((const _PyStackRef *)frame->values)[i]);
#else
    return ((PyObject *const *)frame->values)[i];
#endif
}

#else /* unsupported CPython: the module imports, open_monitor refuses */

int mld_internals_gc_walk(mld_gc_visit_fn visit, void *arg)
{
    (void)visit;
    (void)arg;
    return 0;
}
size_t mld_internals_getsizeof_extra(PyObject *op)
{
    (void)op;
    return 0;
}
size_t mld_internals_preheader(PyTypeObject *tp)
{
    (void)tp;
    return 0;
}
int mld_internals_managed_attrs(PyObject *op, mld_attr_fn attr, void *arg, PyObject **dict_out)
{
    (void)op;
    (void)attr;
    (void)arg;
    *dict_out = NULL;
    return 0;
}
PyObject *mld_internals_sysdict(void)
{
    return NULL;
}
PyObject *mld_internals_builtins(void)
{
    return NULL;
}
PyObject *mld_internals_thread_dict(PyThreadState *ts)
{
    (void)ts;
    return NULL;
}
PyObject *mld_internals_thread_context(PyThreadState *ts)
{
    (void)ts;
    return NULL;
}
uint64_t mld_internals_thread_id(PyThreadState *ts)
{
    (void)ts;
    return 0;
}
void mld_internals_walk_frames(PyThreadState *ts, mld_frame_fn fn, void *arg)
{
    (void)ts;
    (void)fn;
    (void)arg;
}
PyObject *mld_internals_local_name(const mld_frame_view *frame, int i)
{
    (void)frame;
    (void)i;
    return NULL;
}
PyObject *mld_internals_frame_local(const mld_frame_view *frame, int i)
{
    (void)frame;
    (void)i;
    return NULL;
}
int mld_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first)
{
    (void)code;
    *names = NULL;
    *first = 0;
    return 0;
}
PyObject *mld_internals_code_names(PyCodeObject *code)
{
    (void)code;
    return NULL;
}
int mld_internals_object_frame(PyObject *op, mld_frame_view *view)
{
    (void)op;
    (void)view;
    return 0;
}

#endif /* MLD_SUPPORTED */
