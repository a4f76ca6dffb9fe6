/* Roots of an image: every module in sys.modules (MODULE) and each of its
 * globals (MODULE_GLOBAL "name" in context "module"), the sys and builtins
 * dicts (SYS), and per thread its dict, its contextvars context (THREAD) and
 * the locals of each frame (FRAME_LOCAL, context = function qualname); last,
 * the interpreter's own caches for what nothing else reached (SYS). Frames
 * are read from the thread state directly: PyThreadState_GetFrame and
 * PyFrame_GetLocals would allocate or run code. */
#include "cpython_internals.h"
#include "sort.h"
#include "walk.h"

#include <stdlib.h>

static void add_root(mld_walker *w, mlt_root_kind kind, PyObject *object, uint32_t name,
                     uint32_t context, uint64_t thread_id, uint32_t depth)
{
    if (object == NULL || mld_walk_reach(w, object) != 0) {
        return;
    }
    mld_snap_root *r = mld_snapshot_add_root(w->snap);
    if (r != NULL) {
        r->kind = (uint32_t)kind;
        r->object = (uint64_t)(uintptr_t)object;
        r->name = name;
        r->context = context;
        r->thread_id = thread_id;
        r->depth = depth;
    }
}

static uint32_t name_id(mld_walker *w, PyObject *str)
{
    return (str != NULL && PyUnicode_Check(str)) ? mld_walk_str_id(w, str, MLD_NAME_TEXT_CAP)
                                                 : MLT_NO_STRING;
}

static void module_roots(mld_walker *w)
{
    PyObject *modules = PyImport_GetModuleDict();
    if (modules == NULL || !PyDict_Check(modules)) {
        return;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *module;
    while (PyDict_Next(modules, &pos, &key, &module)) {
        uint32_t module_name = name_id(w, key);
        add_root(w, MLT_ROOT_MODULE, module, module_name, MLT_NO_STRING, 0, 0);
        if (!PyModule_Check(module)) {
            continue;
        }
        PyObject *globals = PyModule_GetDict(module);
        if (globals == NULL || !PyDict_Check(globals)) {
            continue;
        }
        Py_ssize_t gpos = 0;
        PyObject *name, *value;
        while (PyDict_Next(globals, &gpos, &name, &value)) {
            add_root(w, MLT_ROOT_MODULE_GLOBAL, value, name_id(w, name), module_name, 0, 0);
        }
    }
}

static PyObject *local_value(const mld_frame_view *frame, int i);

typedef struct {
    mld_walker *w;
    uint64_t thread_id;
    int in_monitor; /* still inside the monitor's own frames at the top of the stack */
} frame_walk;

/* The monitor's own frames are those running one of the package's functions
 * (own_code, given at open_monitor) from the top of the dumping thread's
 * stack down to the first frame that is not: the code taking this image.
 * A frame of the package deeper down (below the program's own frames) is an
 * ordinary frame. */
static int is_own_code(const mld_walker *w, const PyCodeObject *code)
{
    if (w->own_code == NULL || code == NULL) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(w->own_code); i++) {
        if (PyTuple_GET_ITEM(w->own_code, i) == (PyObject *)code) {
            return 1;
        }
    }
    return 0;
}

static void hold_for_monitor(mld_walker *w, PyObject *object)
{
    if (object == NULL || mld_walk_reach(w, object) != 0 ||
        w->monitor_held_count == MLD_MONITOR_HELD_MAX) {
        return;
    }
    w->monitor_held[w->monitor_held_count++] = (uintptr_t)object;
}

/* What a monitor frame holds is flagged MLT_OBJ_MONITOR instead of being
 * recorded as roots: the program does not hold it, memalot does, and only
 * for the duration of the image (docs/design-dumper.md). */
static void monitor_frame_objects(mld_walker *w, const mld_frame_view *frame)
{
    for (int i = 0; i < frame->nlocals; i++) {
        hold_for_monitor(w, local_value(frame, i));
    }
    hold_for_monitor(w, frame->locals_dict);
    hold_for_monitor(w, frame->function);
    hold_for_monitor(w, frame->frame_object);
}

static PyObject *local_value(const mld_frame_view *frame, int i)
{
    PyObject *value = mld_internals_frame_local(frame, i);
    /* Cell and free variables hold a cell; the variable is its content. */
    if (value != NULL && PyCell_Check(value) && PyCell_GET(value) != NULL) {
        return PyCell_GET(value);
    }
    return value;
}

static void frame_roots(const mld_frame_view *frame, uint32_t depth, void *arg)
{
    frame_walk *fw = arg;
    mld_walker *w = fw->w;
    if (fw->in_monitor && is_own_code(w, frame->code)) {
        monitor_frame_objects(w, frame);
        return;
    }
    fw->in_monitor = 0;
    uint32_t function = name_id(w, frame->qualname);
    for (int i = 0; i < frame->nlocals; i++) {
        PyObject *value = local_value(frame, i);
        if (value != NULL) {
            add_root(w, MLT_ROOT_FRAME_LOCAL, value, name_id(w, mld_internals_local_name(frame, i)),
                     function, fw->thread_id, depth);
        }
    }
    if (frame->locals_dict != NULL) {
        add_root(w, MLT_ROOT_FRAME_LOCAL, frame->locals_dict, w->s_locals, function, fw->thread_id,
                 depth);
    }
    add_root(w, MLT_ROOT_OTHER, frame->function, w->s_function, function, fw->thread_id, depth);
    add_root(w, MLT_ROOT_OTHER, frame->frame_object, w->s_frame, function, fw->thread_id, depth);
}

static int compare_addresses(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

static void thread_roots(mld_walker *w)
{
    PyThreadState *dumping = PyThreadState_Get();
    PyInterpreterState *interp = PyInterpreterState_Get();
    for (PyThreadState *ts = PyInterpreterState_ThreadHead(interp); ts != NULL;
         ts = PyThreadState_Next(ts)) {
        uint64_t tid = mld_internals_thread_id(ts);
        add_root(w, MLT_ROOT_THREAD, mld_internals_thread_dict(ts), w->s_thread_dict, MLT_NO_STRING,
                 tid, 0);
        add_root(w, MLT_ROOT_THREAD, mld_internals_thread_context(ts), w->s_context, MLT_NO_STRING,
                 tid, 0);
        frame_walk fw = {w, tid, ts == dumping};
        mld_internals_walk_frames(ts, frame_roots, &fw);
    }
    mld_sort(w->monitor_held, w->monitor_held_count, sizeof(w->monitor_held[0]), compare_addresses);
}

/* A root for what only the interpreter holds, added once everything else is
 * reached so that an object the program holds keeps its own path. Without
 * them such an object is missing from one image and present in the next,
 * with no NEW mark: the analyzer's "existed at the previous image" warning. */
static void late_root(mld_walker *w, PyObject *object, uint32_t name)
{
    if (object != NULL && !mld_bitmap_test(w->visited, (uintptr_t)object)) {
        add_root(w, MLT_ROOT_SYS, object, name, MLT_NO_STRING, 0, 0);
    }
}

void mld_walk_collect_late_roots(mld_walker *w)
{
    PyObject *const *small_ints;
    size_t count = mld_internals_small_ints(&small_ints);
    for (size_t i = 0; i < count; i++) {
        late_root(w, small_ints[i], w->s_small_ints);
    }
    PyObject *interned = mld_internals_interned();
    if (interned == NULL || !PyDict_Check(interned)) {
        return;
    }
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(interned, &pos, &key, &value)) {
        late_root(w, key, w->s_interned);
    }
}

void mld_walk_collect_roots(mld_walker *w)
{
    module_roots(w);
    add_root(w, MLT_ROOT_SYS, mld_internals_sysdict(), w->s_sys, MLT_NO_STRING, 0, 0);
    add_root(w, MLT_ROOT_SYS, mld_internals_builtins(), w->s_builtins, MLT_NO_STRING, 0, 0);
    thread_roots(w);
}
