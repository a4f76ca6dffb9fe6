/* Referents of one object, labelled where the layout says what they are:
 * list/tuple indexes, dict keys (through PyDict_Next, since dict_traverse
 * skips str keys), instance attributes (3.11+ managed dicts and inline values,
 * paired with the type's cached shared keys), object members along the MRO
 * (__slots__ and C members), closure cells by free-variable name. tp_traverse
 * then supplies whatever the labels did not cover, unlabelled. */
#include "cpython_internals.h"
#include "walk.h"

#include <string.h>

/* ------------------------------------------------------------ labelled set */

/* Up to this many labelled edges are matched by scanning; more go to a map. */
#define SCAN_LIMIT 32

static void begin_object(mld_walker *w)
{
    w->edge_base = w->snap->edges.count;
    w->labelled_count = 0;
    w->consumed_mask = 0;
    w->use_labelled_map = 0;
}

void mld_walk_edge(mld_walker *w, PyObject *target, mlt_label_kind kind, uint64_t label)
{
    if (target == NULL || mld_walk_reach(w, target) != 0) {
        return;
    }
    mld_snap_edge *e = mld_snapshot_add_edge(w->snap);
    if (e != NULL) {
        e->target = (uint64_t)(uintptr_t)target;
        e->packed = mld_snap_edge_pack((uint32_t)kind, label);
    }
}

void mld_walk_labelled_edge(mld_walker *w, PyObject *target, mlt_label_kind kind, uint64_t label)
{
    if (target == NULL) {
        return;
    }
    mld_walk_edge(w, target, kind, label);
    w->labelled_count++;
}

static void build_labelled_map(mld_walker *w)
{
    /* A map sized for a huge object is dropped afterwards rather than cleared
     * for every later object. */
    if (w->labelled.capacity > 4u * 2u * (size_t)w->labelled_count + 4096u) {
        mld_ptrmap_free(&w->labelled);
    }
    mld_ptrmap_reset(&w->labelled);
    const mld_snap_edge *edges = w->snap->edges.items + w->edge_base;
    for (size_t i = 0; i < w->snap->edges.count - w->edge_base; i++) {
        uint32_t count = 0;
        mld_ptrmap_get(&w->labelled, edges[i].target, &count);
        if (mld_ptrmap_put(&w->labelled, edges[i].target, count + 1) != 0) {
            w->snap->out_of_memory = 1;
        }
    }
    w->use_labelled_map = 1;
}

/* 1 when target is a labelled edge not yet matched by the traversal. */
static int consume_labelled(mld_walker *w, uint64_t target, size_t labelled_end)
{
    if (labelled_end == w->edge_base) {
        return 0;
    }
    if (w->use_labelled_map) {
        uint32_t count;
        if (mld_ptrmap_get(&w->labelled, target, &count) && count > 0) {
            mld_ptrmap_put(&w->labelled, target, count - 1);
            return 1;
        }
        return 0;
    }
    const mld_snap_edge *edges = w->snap->edges.items + w->edge_base;
    for (size_t i = 0; i < labelled_end - w->edge_base; i++) {
        if (edges[i].target == target && !(w->consumed_mask & (1u << i))) {
            w->consumed_mask |= 1u << i;
            return 1;
        }
    }
    return 0;
}

typedef struct {
    mld_walker *w;
    size_t labelled_end;
} traverse_state;

static int visit_referent(PyObject *target, void *arg)
{
    traverse_state *st = arg;
    if (target != NULL && !consume_labelled(st->w, (uint64_t)(uintptr_t)target, st->labelled_end)) {
        mld_walk_edge(st->w, target, MLT_LABEL_NONE, 0);
    }
    return 0;
}

static void traverse_rest(mld_walker *w, PyObject *op)
{
    traverseproc traverse = Py_TYPE(op)->tp_traverse;
    /* Only GC objects may be traversed: type_traverse on a static type aborts. */
    if (traverse == NULL || !PyObject_IS_GC(op)) {
        return;
    }
    if (w->snap->edges.count - w->edge_base > SCAN_LIMIT) {
        build_labelled_map(w);
    }
    traverse_state st = {w, w->snap->edges.count};
    traverse(op, visit_referent, &st);
}

/* ------------------------------------------------------------ containers */

static void sequence_edges(mld_walker *w, PyObject *const *items, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        mld_walk_labelled_edge(w, items[i], MLT_LABEL_INDEX, (uint64_t)i);
    }
}

static void dict_edges(mld_walker *w, PyObject *dict)
{
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(dict, &pos, &key, &value)) {
        if (PyUnicode_CheckExact(key)) {
            uint32_t sid = mld_walk_str_id(w, key, MLD_KEY_TEXT_CAP);
            mld_walk_labelled_edge(w, value, MLT_LABEL_KEY_STR, sid);
        } else {
            mld_walk_labelled_edge(w, value, MLT_LABEL_KEY_OBJ, (uint64_t)(uintptr_t)key);
        }
        mld_walk_labelled_edge(w, key, MLT_LABEL_OTHER, w->s_key);
    }
}

/* ------------------------------------------------------------ instances */

static void attr_edge(PyObject *name, PyObject *value, void *arg)
{
    mld_walker *w = arg;
    mld_walk_labelled_edge(w, value, MLT_LABEL_ATTR, mld_walk_str_id(w, name, MLD_NAME_TEXT_CAP));
}

static void instance_dict_edges(mld_walker *w, PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);
    PyObject *dict = NULL;
    if (mld_internals_managed_attrs(op, attr_edge, w, &dict)) {
        mld_walk_labelled_edge(w, dict, MLT_LABEL_OTHER, w->s_dict);
        return;
    }
    /* Only a positive offset is read: negative ones depend on ob_size, whose
     * meaning changed for ints in 3.12. _PyObject_GetDictPtr is never used
     * (on 3.11+ it materializes a dict). */
    if (tp->tp_dictoffset > 0) {
        PyObject *d = *(PyObject **)((char *)op + tp->tp_dictoffset);
        mld_walk_labelled_edge(w, d, MLT_LABEL_OTHER, w->s_dict);
    }
}

static void member_edges(mld_walker *w, PyObject *op, const mld_typeinfo *ti)
{
    const mld_member_slot *slots = w->members.items + ti->member_start;
    for (uint32_t i = 0; i < ti->member_count; i++) {
        PyObject *value = *(PyObject **)((char *)op + slots[i].offset);
        mld_walk_labelled_edge(w, value, MLT_LABEL_ATTR, slots[i].name);
    }
}

static void closure_edges(mld_walker *w, PyFunctionObject *fn)
{
    PyObject *closure = fn->func_closure;
    if (closure == NULL || !PyTuple_Check(closure) || !PyCode_Check(fn->func_code)) {
        return;
    }
    PyObject *names;
    int first;
    int n = mld_internals_freevar_names((PyCodeObject *)fn->func_code, &names, &first);
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(closure); i++) {
        PyObject *name = (i < n && names != NULL && first + i < PyTuple_GET_SIZE(names))
                             ? PyTuple_GET_ITEM(names, first + i)
                             : NULL;
        uint32_t sid = name != NULL ? mld_walk_str_id(w, name, MLD_NAME_TEXT_CAP) : MLT_NO_STRING;
        /* A direct function -> cell edge, besides function -> __closure__ ->
         * cell, so that a path names the variable. Not "labelled": the tuple
         * is what the traversal reports. */
        if (sid != MLT_NO_STRING) {
            mld_walk_labelled_edge(w, PyTuple_GET_ITEM(closure, i), MLT_LABEL_CELL, sid);
        }
    }
}

static void type_edges(mld_walker *w, PyTypeObject *tp)
{
    mld_walk_labelled_edge(w, tp->tp_dict, MLT_LABEL_OTHER, w->s_dict);
    mld_walk_labelled_edge(w, tp->tp_bases, MLT_LABEL_OTHER, w->s_bases);
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)tp;
        /* Not visited by type_traverse (untracked strs), but owned. */
        mld_walk_labelled_edge(w, ht->ht_name, MLT_LABEL_OTHER, w->s_name);
        mld_walk_labelled_edge(w, ht->ht_qualname, MLT_LABEL_OTHER, w->s_qualname);
        mld_walk_labelled_edge(w, ht->ht_slots, MLT_LABEL_OTHER, w->s_slots);
    }
}

static void code_edges(mld_walker *w, PyCodeObject *code)
{
    /* Code objects have no tp_traverse; their members (co_consts, co_names,
     * co_filename, ...) come from the member table, and this one is not a member. */
    mld_walk_labelled_edge(w, mld_internals_code_names(code), MLT_LABEL_OTHER,
                           w->s_localsplusnames);
}

/* Locals of a frame object or suspended generator, by name. */
static void frame_local_edges(mld_walker *w, PyObject *op)
{
    mld_frame_view view;
    if (!mld_internals_object_frame(op, &view)) {
        return;
    }
    for (int i = 0; i < view.nlocals; i++) {
        PyObject *name = mld_internals_local_name(&view, i);
        PyObject *value = mld_internals_frame_local(&view, i);
        if (value != NULL && name != NULL) {
            mld_walk_labelled_edge(w, value, MLT_LABEL_LOCAL,
                                   mld_walk_str_id(w, name, MLD_NAME_TEXT_CAP));
        }
    }
}

/* ------------------------------------------------------------ entry */

void mld_walk_collect_edges(mld_walker *w, PyObject *op, const mld_typeinfo *ti)
{
    begin_object(w);
    PyTypeObject *tp = Py_TYPE(op);
    /* Exact containers: the labelled enumeration is complete, skip traversal. */
    if (PyList_CheckExact(op)) {
        sequence_edges(w, ((PyListObject *)op)->ob_item, PyList_GET_SIZE(op));
        return;
    }
    if (PyTuple_CheckExact(op)) {
        sequence_edges(w, ((PyTupleObject *)op)->ob_item, PyTuple_GET_SIZE(op));
        return;
    }
    if (PyDict_CheckExact(op)) {
        dict_edges(w, op);
        return;
    }
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        mld_walk_labelled_edge(w, (PyObject *)tp, MLT_LABEL_OTHER, w->s_class);
    }
    if (PyList_Check(op)) {
        sequence_edges(w, ((PyListObject *)op)->ob_item, PyList_GET_SIZE(op));
    } else if (PyTuple_Check(op)) {
        sequence_edges(w, ((PyTupleObject *)op)->ob_item, PyTuple_GET_SIZE(op));
    } else if (PyDict_Check(op)) {
        dict_edges(w, op);
    } else if (PyType_Check(op)) {
        type_edges(w, (PyTypeObject *)op);
    } else if (PyCode_Check(op)) {
        code_edges(w, (PyCodeObject *)op);
    } else if (PyCell_Check(op)) {
        mld_walk_labelled_edge(w, PyCell_GET(op), MLT_LABEL_OTHER, w->s_cell_contents);
    }
    instance_dict_edges(w, op);
    member_edges(w, op, ti);
    if (PyFunction_Check(op)) {
        closure_edges(w, (PyFunctionObject *)op);
    }
    frame_local_edges(w, op);
    traverse_rest(w, op);
}
