/* The only door to CPython's private structures (GC lists, frames, managed
 * dicts, freelists, interpreter state). They are read in two files, split by
 * who asks: cpython_internals_walk.c (the heap walk) and cpython_internals_freelists.c (the
 * identity marks), the only files compiled with Py_BUILD_CORE
 * (cpython_internals_pycore.h). Everything else uses this small interface so that a
 * layout change in a new CPython touches those two files only. All functions
 * require the GIL and neither allocate Python objects nor run Python code. */
#ifndef MEMALOT_DUMPER_INTERNALS_H
#define MEMALOT_DUMPER_INTERNALS_H

#include "compat.h"
#include "bitmap.h"
#include <stdint.h>

/* ------------------------------------------------ the walk's (cpython_internals_walk.c) */

/* Calls visit(op, frozen, arg) for every object in the GC generation lists and
 * in the permanent generation (gc.freeze()); stops early when visit returns
 * nonzero and returns that value. */
typedef int (*mld_gc_visit_fn)(PyObject *op, int frozen, void *arg);
int mld_internals_gc_walk(mld_gc_visit_fn visit, void *arg);

/* Bytes sys.getsizeof adds to __sizeof__ for op, computed the way each version's
 * sys.getsizeof does (3.10/3.13: pre-header only for GC objects; 3.11/3.12:
 * _PyType_PreHeaderSize of the type, so static types count 16 too). */
size_t mld_internals_getsizeof_extra(PyObject *op);

/* Bytes between the start of the allocated block and the object for tp. Also
 * where the identity code and the freelists find an object's mark before
 * 3.13 (identity.h, mld_identity_mark_address). */
size_t mld_internals_preheader(PyTypeObject *tp);

/* Instance attributes kept outside a dict (3.11+ managed dicts, 3.13 inline
 * values): calls attr(name, value, arg) for each set attribute. *dict_out
 * receives the materialized __dict__ if there is one (else NULL). Returns 0 when
 * the type has no managed dict. */
typedef void (*mld_attr_fn)(PyObject *name, PyObject *value, void *arg);
int mld_internals_managed_attrs(PyObject *op, mld_attr_fn attr, void *arg, PyObject **dict_out);

/* Interpreter-level dicts for SYS roots (borrowed; may be NULL). */
PyObject *mld_internals_sysdict(void);
PyObject *mld_internals_builtins(void);

/* What the interpreter keeps alive that no object the walk reaches may hold:
 * the interned dict when its strs are immortal (3.12+, else NULL) and the
 * preallocated small ints when they are heap objects (3.10: the count and
 * *items; 0 otherwise). Borrowed. */
PyObject *mld_internals_interned(void);
size_t mld_internals_small_ints(PyObject *const **items);

/* Thread state fields. */
PyObject *mld_internals_thread_dict(PyThreadState *ts);
PyObject *mld_internals_thread_context(PyThreadState *ts);
uint64_t mld_internals_thread_id(PyThreadState *ts);

/* One Python frame of a thread, innermost first. Names and values are
 * borrowed; value may be NULL for an unset local. */
typedef struct {
    PyCodeObject *code;
    PyObject *qualname;     /* str: co_qualname (3.11+) or co_name (3.10) */
    PyObject *frame_object; /* PyFrameObject if materialized, else NULL */
    PyObject *function;     /* the function (3.11+), else NULL */
    PyObject *locals_dict;  /* f_locals if any (class bodies, module frames) */
    int nlocals;            /* slots in localsplus that hold named locals */
    const void *values;     /* localsplus: read through mld_internals_frame_local */
    PyObject *names;        /* tuple: co_localsplusnames / varnames+cellvars+freevars */
} mld_frame_view;

/* Calls fn for each frame of ts (depth 0 = innermost); skips frames owned by
 * the C stack and frames whose code is not a code object. */
typedef void (*mld_frame_fn)(const mld_frame_view *frame, uint32_t depth, void *arg);
void mld_internals_walk_frames(PyThreadState *ts, mld_frame_fn fn, void *arg);

/* Local slot i (< nlocals) of a frame: the object, or NULL when unset or
 * not an object (3.14 keeps small ints tagged in frame slots). Borrowed. */
PyObject *mld_internals_frame_local(const mld_frame_view *frame, int i);

/* The locals owned by a frame object or a suspended generator/coroutine
 * (3.11+; on 3.10 generators hold a frame object). Returns 1 and fills view
 * when op owns readable locals, else 0. */
int mld_internals_object_frame(PyObject *op, mld_frame_view *view);

/* Name of local i of a frame, or NULL. */
PyObject *mld_internals_local_name(const mld_frame_view *frame, int i);

/* Closure support: names of a code object's free variables. Returns the
 * number of free variables and sets *names and *first so that name k is
 * PyTuple_GET_ITEM(*names, *first + k). */
int mld_internals_freevar_names(PyCodeObject *code, PyObject **names, int *first);

/* Extra code-object referents that are not members (3.11+ co_localsplusnames). */
PyObject *mld_internals_code_names(PyCodeObject *code);

/* ------------------------------------ the freelists' (cpython_internals_freelists.c) */

/* Marks every address that sits in a freelist of the types whose tp_dealloc
 * identity_alloc_hook.c wraps (3.10-3.12; nothing on 3.13+, whose tracer sees
 * pops). Called right after the bitmap is cleared for an image: those objects
 * died before the clear, so their death marks are gone, yet whatever is
 * popped there later is new. Each list is walked at most its count steps. */
void mld_internals_mark_freelists(mld_bitmap *bm);

/* 3.10: a frame's tp_dealloc parks the dying frame in its code object
 * (co_zombieframe) when that slot is free, for the code's next call to reuse
 * with no allocation: a reuse nothing can see, and code objects cannot be
 * enumerated to re-mark parked frames after an image. Called by the frame
 * dealloc wrapper after the original (holding a reference to code): if
 * frame was just parked, moves it to the frame freelist instead (or frees
 * it when that is full), where mld_internals_mark_freelists sees it.
 * Exists on 3.10 only, where its one caller (the frame wrapper) does. */
void mld_internals_unpark_frame(PyObject *code, PyObject *frame);

/* Marks in `dead` every object waiting in a freelist (dead, its memory
 * kept), where the births log looks: the object's address on 3.13+
 * (objects that die inside the eval loop reach a freelist with neither a
 * DESTROY event nor a free), its block start on 3.10-3.12 (a closed list's
 * saved contents are not included: nothing of the call can be in them). */
void mld_internals_mark_freelisted_dead(mld_bitmap *dead);

/* ---- a monitored call on 3.10-3.12 (identity_alloc_hook.c; see
 * docs/design-dumper.md, "Per-call delta images (3.10-3.12)") */

/* The freelists whose pushes a dealloc wrapper takes back while they are
 * closed (identity_alloc_hook.c's wrapped types but floats and tuples). */
typedef enum {
    MLD_FREELIST_LIST,
    MLD_FREELIST_DICT,
    MLD_FREELIST_SLICE,
    MLD_FREELIST_CONTEXT,
    MLD_FREELIST_ASEND,
    MLD_FREELIST_ASYNC_VALUE,
    MLD_FREELIST_MEMERR,
    MLD_FREELIST_FRAME, /* 3.10 */
    MLD_FREELIST_KINDS
} mld_freelist_kind;

/* Closes the freelists of the wrapped types while a call is armed, their
 * contents set aside: every birth of those types is then an allocation and
 * every death a free, both seen by the allocator hook, by the thread doing
 * them. Floats and tuples close by themselves (count at the maximum);
 * the others need their wrapper to take each push back. */
void mld_internals_close_freelists(void);

/* Called by the dealloc wrapper of kind right after the original dealloc of
 * op: if op was just pushed on its closed freelist, takes it back out and
 * frees it. Does not read op unless it sits on top of that freelist. */
void mld_internals_take_back(mld_freelist_kind kind, PyObject *op);

/* 1 when every closed freelist is still as closed: nothing was pushed or
 * popped unseen (a full collection resets the float and tuple counts). */
int mld_internals_freelists_still_closed(void);

/* Puts the saved contents back: 0 when every list was still as closed; -1
 * otherwise (the saved contents of a touched list are freed, as the
 * collection's clear would have done). */
int mld_internals_reopen_freelists(void);

#endif
