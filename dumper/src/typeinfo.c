/* Per-type facts computed once per image: the fully qualified name (read from
 * tp_name, or for heap types from ht_qualname and the __module__ entry of the
 * type's own dict, without running Python code), the object members along the
 * MRO (slot names), and which __sizeof__ to use. */
#include "cpython_internals.h"
#include "walk.h"

#include <string.h>

static size_t append_text(char *buf, size_t used, size_t cap, const char *text, size_t len)
{
    if (used + len > cap) {
        len = cap - used;
    }
    memcpy(buf + used, text, len);
    return used + len;
}

/* "module.qualname"; "builtins.x" for static types whose tp_name has no dot. */
static uint32_t type_name_id(mld_walker *w, PyTypeObject *tp)
{
    char buf[MLD_NAME_TEXT_CAP];
    size_t used = 0;
    int truncated;
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) {
        PyHeapTypeObject *ht = (PyHeapTypeObject *)tp;
        PyObject *module = NULL;
        if (tp->tp_dict != NULL && PyDict_CheckExact(tp->tp_dict)) {
            module = PyDict_GetItemWithError(tp->tp_dict, w->module_name);
            if (module == NULL) {
                PyErr_Clear();
            }
        }
        if (module != NULL && PyUnicode_Check(module)) {
            used = mld_text_utf8(module, buf, sizeof(buf) / 2, &truncated);
        } else {
            used = append_text(buf, 0, sizeof(buf), "?", 1);
        }
        used = append_text(buf, used, sizeof(buf), ".", 1);
        used += mld_text_utf8(ht->ht_qualname, buf + used, sizeof(buf) - used, &truncated);
        return mld_snapshot_intern(w->snap, buf, used);
    }
    const char *name = tp->tp_name != NULL ? tp->tp_name : "?";
    if (strchr(name, '.') == NULL) {
        used = append_text(buf, 0, sizeof(buf), "builtins.", 9);
    }
    used = append_text(buf, used, sizeof(buf), name, strlen(name));
    return mld_snapshot_intern(w->snap, buf, used);
}

static void add_members_of(mld_walker *w, PyTypeObject *base, mld_typeinfo *ti)
{
    for (PyMemberDef *m = base->tp_members; m != NULL && m->name != NULL; m++) {
        if (m->type != MLD_MEMBER_OBJECT && m->type != MLD_MEMBER_OBJECT_EX) {
            continue;
        }
        if (mld_grow_array(w->alloc, (void **)&w->members.items, &w->members.capacity,
                           w->members.count + 1, sizeof(mld_member_slot)) != 0) {
            w->snap->out_of_memory = 1;
            return;
        }
        mld_member_slot *slot = &w->members.items[w->members.count++];
        slot->offset = m->offset;
        slot->name = mld_walk_cstr_id(w, m->name);
        ti->member_count++;
    }
}

/* Object members of every class in the MRO: __slots__ of Python classes and
 * the T_OBJECT members of C types (function __globals__, range start, ...). */
static void collect_members(mld_walker *w, PyTypeObject *tp, mld_typeinfo *ti)
{
    ti->member_start = (uint32_t)w->members.count;
    PyObject *mro = tp->tp_mro;
    if (mro == NULL || !PyTuple_Check(mro)) {
        add_members_of(w, tp, ti);
        return;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyObject *base = PyTuple_GET_ITEM(mro, i);
        if (PyType_Check(base)) {
            add_members_of(w, (PyTypeObject *)base, ti);
        }
    }
}

/* The C function behind tp's __sizeof__, or NULL to use the basicsize formula
 * (object.__sizeof__ itself, Python-level overrides, anything unusual). */
static PyCFunction c_sizeof_of(mld_walker *w, PyTypeObject *tp)
{
    if (!(tp->tp_flags & Py_TPFLAGS_READY)) {
        return NULL;
    }
    PyObject *descr = _PyType_Lookup(tp, w->sizeof_name);
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMethodDescr_Type)) {
        return NULL;
    }
    PyMethodDef *def = ((PyMethodDescrObject *)descr)->d_method;
    if (def == NULL || (def->ml_flags & (METH_NOARGS | METH_VARARGS | METH_KEYWORDS | METH_O |
                                         METH_FASTCALL | METH_METHOD)) != METH_NOARGS) {
        return NULL;
    }
    return def->ml_meth == w->object_sizeof ? NULL : def->ml_meth;
}

const mld_typeinfo *mld_walk_typeinfo(mld_walker *w, PyTypeObject *tp)
{
    uint32_t index;
    if (mld_ptrmap_get(&w->type_ids, (uint64_t)(uintptr_t)tp, &index)) {
        return &w->types.items[index];
    }
    if (mld_grow_array(w->alloc, (void **)&w->types.items, &w->types.capacity, w->types.count + 1,
                       sizeof(mld_typeinfo)) != 0) {
        w->snap->out_of_memory = 1;
        return NULL;
    }
    index = (uint32_t)w->types.count;
    mld_typeinfo *ti = &w->types.items[w->types.count++];
    memset(ti, 0, sizeof(*ti));
    ti->tp = tp;
    mld_snap_type *st = mld_snapshot_add_type(w->snap);
    if (st == NULL || mld_ptrmap_put(&w->type_ids, (uint64_t)(uintptr_t)tp, index) != 0) {
        w->snap->out_of_memory = 1;
        w->types.count--;
        return NULL;
    }
    ti->snap_type = (uint32_t)(w->snap->types.count - 1);
    st->address = (uint64_t)(uintptr_t)tp;
    st->basicsize = (uint64_t)tp->tp_basicsize;
    st->itemsize = (uint64_t)tp->tp_itemsize;
    st->name = type_name_id(w, tp);
    collect_members(w, tp, ti);
    ti->sizeof_fn = c_sizeof_of(w, tp);
    mld_walk_reach(w, (PyObject *)tp); /* every type named in the table is an object too */
    return &w->types.items[index];
}

static uint64_t formula_size(PyObject *op)
{
    PyTypeObject *tp = Py_TYPE(op);
    uint64_t size = (uint64_t)tp->tp_basicsize;
    if (tp->tp_itemsize != 0) {
        Py_ssize_t n = Py_SIZE(op);
        size += (uint64_t)(n < 0 ? -n : n) * (uint64_t)tp->tp_itemsize;
    }
    return size;
}

uint64_t mld_walk_size(mld_walker *w, PyObject *op, const mld_typeinfo *ti)
{
    (void)w;
    uint64_t size = 0;
    int known = 0;
    if (ti->sizeof_fn != NULL) {
        /* A C __sizeof__ returns a new int: a cached small int for most sizes,
         * so usually nothing is allocated; any error is swallowed. */
        PyObject *result = ti->sizeof_fn(op, NULL);
        if (result != NULL) {
            Py_ssize_t value = PyLong_Check(result) ? PyLong_AsSsize_t(result) : -1;
            Py_DECREF(result);
            if (value >= 0) {
                size = (uint64_t)value;
                known = 1;
            }
        }
        if (!known) {
            PyErr_Clear();
        }
    }
    if (!known) {
        size = formula_size(op);
    }
    return size + mld_internals_getsizeof_extra(op);
}
