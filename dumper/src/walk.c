/* The heap walk (see walk.h): enumerate GC lists, add roots, then describe
 * objects in discovery order; describing an object reaches its referents,
 * which appends the untracked ones (str, int, untracked tuples and dicts...)
 * to the same list, so the loop ends when no new object turns up. */
#include "identity.h"
#include "cpython_internals.h"
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mld_walker_init(mld_walker *w)
{
    memset(w, 0, sizeof(*w));
    mld_walker_rehome(w, NULL);
}

void mld_walker_rehome(mld_walker *w, const mlt_allocator *alloc)
{
    w->alloc = alloc;
    mld_ptrmap_init(&w->str_ids, alloc);
    mld_ptrmap_init(&w->type_ids, alloc);
    mld_ptrmap_init(&w->labelled, alloc);
    w->visited = NULL;
    memset(&w->types, 0, sizeof(w->types));
    memset(&w->members, 0, sizeof(w->members));
    w->text = NULL;
    w->text_capacity = 0;
}

void mld_walker_free(mld_walker *w)
{
    mld_ptrmap_free(&w->str_ids);
    mld_ptrmap_free(&w->type_ids);
    mld_ptrmap_free(&w->labelled);
    mld_bitmap_free(w->visited);
    mlt_mem_free(w->alloc, w->types.items);
    mlt_mem_free(w->alloc, w->members.items);
    mlt_mem_free(w->alloc, w->text);
    memset(w, 0, sizeof(*w));
}

static int append_object(mld_walker *w, PyObject *op, uint8_t flags)
{
    mld_snap_object *o = mld_snapshot_add_object(w->snap);
    if (o == NULL) {
        return -1;
    }
    o->address = (uint64_t)(uintptr_t)op;
    o->flags = flags;
    return 0;
}

/* The visited set is a bitmap rather than a hash map: the walk only needs
 * "seen or not", and the address -> index map is built after the pause. */
int mld_walk_reach(mld_walker *w, PyObject *op)
{
    if (mld_bitmap_test_and_set(w->visited, (uintptr_t)op)) {
        return mld_bitmap_lossy(w->visited) ? -1 : 0;
    }
    return append_object(w, op, 0);
}

uint32_t mld_walk_cstr_id(mld_walker *w, const char *text)
{
    return mld_snapshot_intern(w->snap, text, strlen(text));
}

uint32_t mld_walk_str_id(mld_walker *w, PyObject *str, size_t cap)
{
    /* Names and keys are mostly interned strs seen many times: cache by
     * address for the common caps (an address can only name one str during
     * the walk, since nothing is freed). */
    uint64_t key = ((uint64_t)(uintptr_t)str) | (cap == MLD_KEY_TEXT_CAP ? 1u : 0u);
    uint32_t id;
    if (mld_ptrmap_get(&w->str_ids, key, &id)) {
        return id;
    }
    if (mld_grow_array(w->alloc, (void **)&w->text, &w->text_capacity, cap + 1, 1) != 0) {
        w->snap->out_of_memory = 1;
        return MLT_NO_STRING;
    }
    int truncated;
    size_t len = mld_text_utf8(str, w->text, cap, &truncated);
    id = mld_snapshot_intern(w->snap, w->text, len);
    if (id != MLT_NO_STRING && mld_ptrmap_put(&w->str_ids, key, id) != 0) {
        w->snap->out_of_memory = 1;
    }
    return id;
}

static int add_gc_object(PyObject *op, int frozen, void *arg)
{
    mld_walker *w = arg;
    /* Each object is on exactly one GC list: no need to test first. */
    mld_bitmap_test_and_set(w->visited, (uintptr_t)op);
    return append_object(w, op, MLT_OBJ_GC_TRACKED | (frozen ? MLT_OBJ_FROZEN : 0));
}

static int is_call_born(const mld_walker *w, uintptr_t address)
{
    size_t low = 0, high = w->call_born_count;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (w->call_born[mid] < address) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return low < w->call_born_count && w->call_born[low] == address;
}

static uint8_t identity_flags(const mld_walker *w, PyObject *op)
{
    if (w->marks == NULL || mld_bitmap_test(w->marks, mld_identity_mark_address(op))) {
        return w->call_born_count > 0 && is_call_born(w, mld_identity_mark_address(op))
                   ? MLT_OBJ_NEW | MLT_OBJ_CALL_BORN
                   : MLT_OBJ_NEW;
    }
    if (w->approx_all || (w->approx_floats && PyFloat_CheckExact(op))) {
        return MLT_OBJ_APPROX;
    }
    return 0;
}

/* Binary search: the list is short, but this runs for every object. */
static int is_monitor_held(const mld_walker *w, PyObject *op)
{
    uintptr_t address = (uintptr_t)op;
    uint32_t low = 0, high = w->monitor_held_count;
    while (low < high) {
        uint32_t mid = low + (high - low) / 2;
        if (w->monitor_held[mid] == address) {
            return 1;
        }
        if (w->monitor_held[mid] < address) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    return 0;
}

static int is_immortal(PyObject *op)
{
#if MLD_PY_AT_LEAST(3, 12)
    return _Py_IsImmortal(op);
#else
    (void)op;
    return 0;
#endif
}

static void describe(mld_walker *w, uint32_t index)
{
    PyObject *op = (PyObject *)(uintptr_t)w->snap->objects.items[index].address;
    const mld_typeinfo *ti = mld_walk_typeinfo(w, Py_TYPE(op));
    if (ti == NULL) {
        return;
    }
    uint64_t size = mld_walk_size(w, op, ti);
    uint64_t edge_start = w->snap->edges.count;
    mld_walk_collect_edges(w, op, ti);
    mld_walk_preview(w, op);
    /* Reaching referents may have moved the objects array: index again. */
    mld_snap_object *o = &w->snap->objects.items[index];
    o->type = ti->snap_type;
    o->size = size;
    o->refcount = (uint64_t)Py_REFCNT(op);
    o->edge_count = (uint32_t)(w->snap->edges.count - edge_start);
    o->flags |= identity_flags(w, op);
    w->call_born_flagged += (o->flags & MLT_OBJ_CALL_BORN) != 0;
    if (!(o->flags & MLT_OBJ_GC_TRACKED) && PyObject_IS_GC(op) && PyObject_GC_IsTracked(op)) {
        o->flags |= MLT_OBJ_GC_TRACKED;
    }
    if (is_immortal(op)) {
        o->flags |= MLT_OBJ_IMMORTAL;
    }
    if (w->monitor_held_count != 0 && is_monitor_held(w, op)) {
        o->flags |= MLT_OBJ_MONITOR;
    }
    if (w->statics != NULL && mld_static_ranges_contains(w->statics, (uintptr_t)op)) {
        o->flags |= MLT_OBJ_STATIC;
    }
}

static void intern_common_strings(mld_walker *w)
{
    w->s_key = mld_walk_cstr_id(w, "(key)");
    w->s_dict = mld_walk_cstr_id(w, "__dict__");
    w->s_class = mld_walk_cstr_id(w, "__class__");
    w->s_bases = mld_walk_cstr_id(w, "__bases__");
    w->s_name = mld_walk_cstr_id(w, "__name__");
    w->s_qualname = mld_walk_cstr_id(w, "__qualname__");
    w->s_slots = mld_walk_cstr_id(w, "__slots__");
    w->s_cell_contents = mld_walk_cstr_id(w, "cell_contents");
    w->s_localsplusnames = mld_walk_cstr_id(w, "co_localsplusnames");
    w->s_locals = mld_walk_cstr_id(w, "(f_locals)");
    w->s_function = mld_walk_cstr_id(w, "(function)");
    w->s_frame = mld_walk_cstr_id(w, "(frame)");
    w->s_sys = mld_walk_cstr_id(w, "sys");
    w->s_builtins = mld_walk_cstr_id(w, "builtins");
    w->s_thread_dict = mld_walk_cstr_id(w, "(thread dict)");
    w->s_context = mld_walk_cstr_id(w, "(context)");
    w->s_small_ints = mld_walk_cstr_id(w, "(small ints)");
    w->s_interned = mld_walk_cstr_id(w, "(interned)");
}

static PyCFunction object_sizeof_of(mld_walker *w)
{
    PyObject *descr = _PyType_Lookup(&PyBaseObject_Type, w->sizeof_name);
    if (descr != NULL && Py_IS_TYPE(descr, &PyMethodDescr_Type)) {
        return ((PyMethodDescrObject *)descr)->d_method->ml_meth;
    }
    return NULL;
}

/* Growing a 100 MB array by doubling copies it several times inside the
 * pause; the previous image's size (+1/8) is a good first guess. */
static void reserve_like_last_time(mld_walker *w)
{
    mld_snapshot *s = w->snap;
    size_t objects = w->last_objects + w->last_objects / 8;
    size_t edges = w->last_edges + w->last_edges / 8;
    if (objects > s->objects.capacity) {
        mlt_mem_free(s->alloc, s->objects.items); /* empty after reset: nothing to copy */
        s->objects.items = NULL;
        s->objects.capacity = 0;
        mld_grow_array(s->alloc, (void **)&s->objects.items, &s->objects.capacity, objects,
                       sizeof(*s->objects.items));
    }
    if (edges > s->edges.capacity) {
        mlt_mem_free(s->alloc, s->edges.items);
        s->edges.items = NULL;
        s->edges.capacity = 0;
        mld_grow_array(s->alloc, (void **)&s->edges.items, &s->edges.capacity, edges,
                       sizeof(*s->edges.items));
    }
}

int mld_walk_heap(mld_walker *w, char *message, size_t message_size)
{
    PyObject *exc_type, *exc_value, *exc_tb;
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (w->visited == NULL && (w->visited = mld_bitmap_new(w->alloc)) == NULL) {
        PyErr_Restore(exc_type, exc_value, exc_tb);
        snprintf(message, message_size, "out of memory for the visited set");
        return -1;
    }
    mld_bitmap_clear(w->visited);
    mld_snapshot_reset(w->snap);
    reserve_like_last_time(w);
    mld_ptrmap_reset(&w->str_ids);
    mld_ptrmap_reset(&w->type_ids);
    w->types.count = 0;
    w->members.count = 0;
    w->monitor_held_count = 0;
    w->object_sizeof = object_sizeof_of(w);
    intern_common_strings(w);

    mld_internals_gc_walk(add_gc_object, w);
    if (mld_bitmap_lossy(w->visited)) {
        w->snap->out_of_memory = 1;
    }
    mld_walk_collect_roots(w);
    uint32_t i = 0;
    for (; i < w->snap->objects.count && !w->snap->out_of_memory; i++) {
        describe(w, i);
    }
    mld_walk_collect_late_roots(w);
    for (; i < w->snap->objects.count && !w->snap->out_of_memory; i++) {
        describe(w, i);
    }
    PyErr_Restore(exc_type, exc_value, exc_tb);
    w->last_objects = w->snap->objects.count;
    w->last_edges = w->snap->edges.count;
    if (w->snap->out_of_memory) {
        snprintf(message, message_size, "out of memory while walking %zu objects",
                 w->snap->objects.count);
        return -1;
    }
    return 0;
}
