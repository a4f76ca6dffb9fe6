/* The heap walk: with the GIL held and the GC disabled, records every object
 * the program can reach (GC lists, permanent generation, roots, and untracked
 * objects found through referents) into an mld_snapshot. It allocates no
 * Python objects of its own and runs no Python code: only C-level __sizeof__
 * implementations are called (see typeinfo.c). */
#ifndef MEMALOT_DUMPER_WALK_H
#define MEMALOT_DUMPER_WALK_H

#include "compat.h"
#include "bitmap.h"
#include "snapshot.h"
#include "static_ranges.h"

typedef struct {
    PyTypeObject *tp;
    uint32_t snap_type;    /* index into snapshot types */
    uint32_t member_start; /* into mld_walker.members */
    uint32_t member_count;
    PyCFunction sizeof_fn; /* C-level __sizeof__, NULL: basicsize formula */
} mld_typeinfo;

typedef struct {
    Py_ssize_t offset; /* of an object member (slot) inside the instance */
    uint32_t name;     /* string id */
} mld_member_slot;

#define MLD_MONITOR_HELD_MAX 256

typedef struct {
    /* inputs */
    mld_snapshot *snap;
    const mld_bitmap *marks;          /* NULL: every object is flagged NEW */
    int approx_floats;                /* flag unmarked exact floats APPROX (3.11/3.12) */
    int approx_all;                   /* flag every unmarked object APPROX (lost marks) */
    const uintptr_t *call_born;       /* sorted addresses of the ending call's surviving births: */
    size_t call_born_count;           /* NEW objects there are flagged MLT_OBJ_CALL_BORN */
    size_t call_born_flagged;         /* output: how many were found and flagged (a logged
                                         birth may be no object, or dead in a freelist
                                         the log does not know) */
    const mld_static_ranges *statics; /* objects inside them are flagged MLT_OBJ_STATIC */
    size_t value_cap;                 /* 0: no previews */
    PyObject *sizeof_name;            /* interned "__sizeof__" */
    PyObject *module_name;            /* interned "__module__" */
    PyObject *own_code;               /* tuple of the monitoring package's code objects, or NULL:
                              * their frames at the top of the dumping thread's stack are
                              * the monitor's, not the program's (see roots.c) */
    /* scratch kept between images, its memory from alloc (NULL: libc) */
    const mlt_allocator *alloc;
    mld_ptrmap str_ids;  /* str object address -> string id */
    mld_ptrmap type_ids; /* type object address -> typeinfo index */
    MLD_GROWING_ARRAY(mld_typeinfo) types;
    MLD_GROWING_ARRAY(mld_member_slot) members;
    mld_ptrmap labelled; /* per object: labelled target -> count */
    mld_bitmap *visited; /* objects already in the snapshot (1 bit per 16 bytes:
                              * two objects never share a 16-byte granule) */
    char *text;          /* UTF-8 scratch */
    size_t text_capacity;
    PyCFunction object_sizeof;       /* object.__sizeof__, means "use the formula" */
    size_t last_objects, last_edges; /* sizes of the previous image, to reserve */
    /* per-object state while collecting edges */
    uint64_t edge_base; /* first edge of the current object */
    uint32_t labelled_count;
    uint32_t consumed_mask;
    int use_labelled_map;
    /* objects the monitor's own frames hold (flagged MLT_OBJ_MONITOR), sorted
     * by address once the roots are collected; beyond the cap they go unflagged */
    uintptr_t monitor_held[MLD_MONITOR_HELD_MAX];
    uint32_t monitor_held_count;
    /* common strings */
    uint32_t s_key, s_dict, s_class, s_bases, s_name, s_qualname, s_slots, s_cell_contents,
        s_localsplusnames, s_locals, s_function, s_frame, s_sys, s_builtins, s_thread_dict,
        s_context, s_small_ints, s_interned;
} mld_walker;

void mld_walker_init(mld_walker *w);
void mld_walker_free(mld_walker *w);

/* Empties the scratch, abandoning (not freeing) its buffers, and draws on
 * alloc from now on; the inputs stay. For the image child, whose scratch
 * came from the parent's allocator. */
void mld_walker_rehome(mld_walker *w, const mlt_allocator *alloc);

/* Fills w->snap. Returns 0, or -1 with a message when a C buffer could not
 * grow. Saves and restores the caller's pending exception. */
int mld_walk_heap(mld_walker *w, char *message, size_t message_size);

/* ---- shared between the walk's files (walk.c, edges.c, roots.c, typeinfo.c,
 * preview.c, text.c) */

/* Adds op to the snapshot (to be described later) unless already there.
 * Returns -1 when out of memory, else 0. */
int mld_walk_reach(mld_walker *w, PyObject *op);

/* String id of a Python str's UTF-8 text cut at `cap` bytes (cached by
 * address when cap is the default). */
uint32_t mld_walk_str_id(mld_walker *w, PyObject *str, size_t cap);
uint32_t mld_walk_cstr_id(mld_walker *w, const char *text);

/* Appends an edge of the object being described (reaching the target). */
void mld_walk_edge(mld_walker *w, PyObject *target, mlt_label_kind kind, uint64_t label);
/* Same, and remembers it so the traversal does not repeat it unlabelled. */
void mld_walk_labelled_edge(mld_walker *w, PyObject *target, mlt_label_kind kind, uint64_t label);

/* Edges of op (labelled where the layout is known, then tp_traverse). */
void mld_walk_collect_edges(mld_walker *w, PyObject *op, const mld_typeinfo *ti);

/* Roots: modules and globals, sys/builtins, threads and their frames. Fills
 * w->monitor_held (sorted) with what the monitor's own frames hold. */
void mld_walk_collect_roots(mld_walker *w);

/* Roots for the objects only the interpreter's caches hold (3.10's small
 * ints, 3.12+'s interned strs): called once everything else was described,
 * adds those the walk has not reached. */
void mld_walk_collect_late_roots(mld_walker *w);

/* Type table entry for tp (computed once per image). NULL on OOM. */
const mld_typeinfo *mld_walk_typeinfo(mld_walker *w, PyTypeObject *tp);

/* Shallow size as sys.getsizeof reports it. */
uint64_t mld_walk_size(mld_walker *w, PyObject *op, const mld_typeinfo *ti);

/* Value preview of str/bytes/int/float when w->value_cap > 0. */
void mld_walk_preview(mld_walker *w, PyObject *op);

/* UTF-8 of a str into buf (at most cap bytes, never splitting a character).
 * Returns the length; *truncated tells whether text was cut. */
size_t mld_text_utf8(PyObject *str, char *buf, size_t cap, int *truncated);

#define MLD_KEY_TEXT_CAP 120
#define MLD_NAME_TEXT_CAP 1024

#endif
