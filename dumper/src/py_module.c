/* memalot._memalot: the Python face of the dumper. Argument parsing and result
 * dicts only; the work is in monitor.c (lifecycle) and dump.c (images). The
 * analyzer adds its own functions from its own file (see docs/design-dumper.md). */
#include "compat.h"
#include "identity.h"
#include "monitor.h"
#include "footprint.h"
#include "py_bindings.h"

#include <string.h>
#include <unistd.h>

/* own_code: None or a tuple of code objects, the package's own functions,
 * whose frames on the dumping thread are the monitor's (docs/design-dumper.md). */
static int check_own_code(PyObject *own_code)
{
    if (own_code == NULL || own_code == Py_None) {
        return 0;
    }
    if (!PyTuple_CheckExact(own_code)) {
        PyErr_Format(PyExc_TypeError, "own_code must be a tuple of code objects or None, got %R",
                     own_code);
        return -1;
    }
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(own_code); i++) {
        if (!PyCode_Check(PyTuple_GET_ITEM(own_code, i))) {
            PyErr_Format(PyExc_TypeError, "own_code[%zd] must be a code object, got %R", i,
                         PyTuple_GET_ITEM(own_code, i));
            return -1;
        }
    }
    return 0;
}

static PyObject *open_monitor(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *kwlist[] = {"path",
                             "compression_level",
                             "value_cap",
                             "argv",
                             "argv_withheld",
                             "run_id",
                             "start_time",
                             "append",
                             "use_fork",
                             "own_code",
                             "call_deltas",
                             "fork_timeout",
                             "parent_pid",
                             "parent_run_id",
                             "launch_id",
                             "open_calls",
                             NULL};
    PyObject *path_bytes = NULL;
    mld_open_args a = {NULL, 3, 0, Py_None, 0, 0, 0.0, 0, 1, 0.0, NULL, 1, 0, 0, 0, NULL};
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "O&|$inOpKdppOpdKKKO", kwlist, PyUnicode_FSConverter, &path_bytes,
            &a.compression_level, &a.value_cap, &a.argv, &a.argv_withheld, &a.run_id, &a.start_time,
            &a.append, &a.use_fork, &a.own_code, &a.call_deltas, &a.fork_timeout, &a.parent_pid,
            &a.parent_run_id, &a.launch_id, &a.open_calls)) {
        return NULL;
    }
    if (!(a.fork_timeout >= 0.0) || a.fork_timeout > 1e6) {
        Py_DECREF(path_bytes);
        PyErr_Format(PyExc_ValueError, "fork_timeout must be between 0 (derived) and 1e6 seconds");
        return NULL;
    }
    if (check_own_code(a.own_code) != 0) {
        Py_DECREF(path_bytes);
        return NULL;
    }
    if (a.own_code == Py_None) {
        a.own_code = NULL;
    }
    if (a.open_calls == Py_None) {
        a.open_calls = NULL;
    }
    if (a.open_calls != NULL && !PyContextVar_CheckExact(a.open_calls)) {
        Py_DECREF(path_bytes);
        /* the type's name, not %R: no repr of the caller's object runs here */
        PyErr_Format(PyExc_TypeError, "open_calls must be a ContextVar or None, got %.100s",
                     Py_TYPE(a.open_calls)->tp_name);
        return NULL;
    }
    a.path = PyBytes_AS_STRING(path_bytes);
    int rc = mld_monitor_open(&a);
    Py_DECREF(path_bytes);
    if (rc != 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Names of the values first..last of one of the format's enums, so that the
 * module's tuples and messages list what the format library names. */
typedef const char *(*name_of_value)(int value);

static const char *trigger_name(int value)
{
    return mlt_trigger_name((mlt_trigger)value);
}

static const char *criterion_kind_name(int value)
{
    return mlt_criterion_kind_name((mlt_criterion_kind)value);
}

static PyObject *names_tuple(name_of_value name_of, int first, int last)
{
    PyObject *names = PyTuple_New(last - first + 1);
    for (int value = first; names != NULL && value <= last; value++) {
        PyObject *name = PyUnicode_FromString(name_of(value));
        if (name == NULL) {
            Py_CLEAR(names);
            break;
        }
        PyTuple_SET_ITEM(names, value - first, name);
    }
    return names;
}

/* "'periodic', 'call-start', ..." for messages. */
static void quoted_names(name_of_value name_of, int first, int last, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int value = first; value <= last && used < size; value++) {
        int n = snprintf(out + used, size - used, "%s'%s'", value == first ? "" : ", ",
                         name_of(value));
        used += n > 0 ? (size_t)n : 0;
    }
}

static int parse_trigger(PyObject *value, mlt_trigger *out)
{
    const char *text = PyUnicode_Check(value) ? PyUnicode_AsUTF8(value) : NULL;
    if (mlt_trigger_from_name(text, out)) {
        return 0;
    }
    char names[128];
    quoted_names(trigger_name, MLT_TRIGGER_PERIODIC, MLT_TRIGGER_LAST, names, sizeof names);
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "trigger must be one of %s; got %R", names, value);
    return -1;
}

/* None, ("time", lifetime, warmup) or ("calls", calls, warmup_calls). */
static int parse_criterion(PyObject *value, mlt_criterion *out)
{
    memset(out, 0, sizeof(*out));
    if (value == NULL || value == Py_None) {
        return 0;
    }
    const char *time = mlt_criterion_kind_name(MLT_CRITERION_TIME);
    const char *calls = mlt_criterion_kind_name(MLT_CRITERION_CALLS);
    const char *kind = NULL;
    PyObject *first = NULL, *second = NULL;
    if (!PyTuple_Check(value) || !PyArg_ParseTuple(value, "sOO", &kind, &first, &second)) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError,
                     "criterion must be None, ('%s', lifetime, warmup) or "
                     "('%s', calls, warmup_calls); got %R",
                     time, calls, value);
        return -1;
    }
    if (!mlt_criterion_kind_from_name(kind, &out->kind)) {
        PyErr_Format(PyExc_ValueError, "criterion kind must be '%s' or '%s', got '%s'", time, calls,
                     kind);
        return -1;
    }
    if (out->kind == MLT_CRITERION_TIME) {
        out->lifetime = PyFloat_AsDouble(first);
        out->warmup = PyFloat_AsDouble(second);
    } else {
        out->calls = PyLong_AsUnsignedLongLong(first);
        out->warmup_calls = PyLong_AsUnsignedLongLong(second);
    }
    return PyErr_Occurred() ? -1 : 0;
}

static PyObject *plain_result_dict(const mld_dump_result *r);
static PyObject *settled_dict(const mld_dump_result *r);

/* What dump() returns for r. */
static PyObject *result_dict(const mld_dump_result *r)
{
    if (!r->ok) {
        return Py_BuildValue("{s:s}", "error", r->error);
    }
    if (r->discarded) {
        return Py_BuildValue("{s:O,s:s,s:s,s:K}", "image", Py_None, "kind", "discarded",
                             "discarded", r->error, "total_ns", (unsigned long long)r->total_ns);
    }
    PyObject *d = plain_result_dict(r);
    if (d == NULL || r->settled == 0) {
        return d;
    }
    /* the waiting call-end written first: its image, for the disk budget and the report */
    PyObject *settled = settled_dict(r);
    if (settled == NULL || PyDict_SetItemString(d, "settled", settled) != 0) {
        Py_XDECREF(settled);
        Py_DECREF(d);
        return NULL;
    }
    Py_DECREF(settled);
    return d;
}

static PyObject *plain_result_dict(const mld_dump_result *r)
{
    if (r->armed || r->deferred) {
        return Py_BuildValue("{s:O,s:s,s:K}", "image", Py_None, "kind",
                             r->armed ? "armed" : "deferred", "total_ns",
                             (unsigned long long)r->total_ns);
    }
    return Py_BuildValue("{s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:K,s:s,s:s,s:K,s:d}", "image",
                         (unsigned long long)r->sequence, "objects", (unsigned long long)r->objects,
                         "edges", (unsigned long long)r->edges, "roots",
                         (unsigned long long)r->roots, "bytes", (unsigned long long)r->image_bytes,
                         "file_size", (unsigned long long)r->file_size, "pause_ns",
                         (unsigned long long)r->pause_ns, "total_ns",
                         (unsigned long long)r->total_ns, "mode", r->forked ? "fork" : "inprocess",
                         "kind", r->kind == MLT_IMAGE_CALL_DELTA ? "delta" : "full", "call_born",
                         (unsigned long long)r->call_born, "monotonic_time", r->monotonic_time);
}

/* dump()'s arguments from a vectorcall: positional, then by keyword. Done
 * by hand because METH_VARARGS would pack them into a tuple (and keywords
 * into a dict) created during the call and alive while the image is taken:
 * the image would show them as new objects held outside the visible heap. */
#define DUMP_ARG_COUNT 5
static const char *const DUMP_ARG_NAMES[DUMP_ARG_COUNT] = {"trigger", "call_counter", "function",
                                                           "criterion", "fork"};

static int dump_args_from_vector(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                                 PyObject **values)
{
    if (nargs > DUMP_ARG_COUNT) {
        PyErr_Format(PyExc_TypeError, "dump() takes at most %d arguments (%zd given)",
                     DUMP_ARG_COUNT, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        values[i] = args[i];
    }
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < nkw; k++) {
        const char *name = PyUnicode_AsUTF8(PyTuple_GET_ITEM(kwnames, k));
        int slot = -1;
        for (int i = 0; name != NULL && i < DUMP_ARG_COUNT; i++) {
            if (strcmp(name, DUMP_ARG_NAMES[i]) == 0) {
                slot = i;
            }
        }
        if (name == NULL) {
            return -1;
        }
        if (slot < 0 || values[slot] != NULL) {
            PyErr_Format(PyExc_TypeError,
                         slot < 0 ? "dump() got an unexpected keyword argument '%s'"
                                  : "dump() got multiple values for argument '%s'",
                         name);
            return -1;
        }
        values[slot] = args[nargs + k];
    }
    if (values[0] == NULL) {
        PyErr_SetString(PyExc_TypeError, "dump() missing required argument 'trigger' (pos 1)");
        return -1;
    }
    return 0;
}

static PyObject *dump(PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    (void)self;
    PyObject *values[DUMP_ARG_COUNT] = {NULL, NULL, NULL, NULL, NULL};
    if (dump_args_from_vector(args, nargs, kwnames, values) != 0) {
        return NULL;
    }
    PyObject *trigger = values[0];
    PyObject *function = values[2] != NULL ? values[2] : Py_None;
    PyObject *criterion = values[3] != NULL ? values[3] : Py_None;
    PyObject *fork = values[4] != NULL ? values[4] : Py_None;
    unsigned long long call_counter = 0;
    if (values[1] != NULL) {
        if (!PyLong_Check(values[1])) {
            PyErr_Format(PyExc_TypeError, "call_counter must be an int, got %R", values[1]);
            return NULL;
        }
        call_counter = PyLong_AsUnsignedLongLongMask(values[1]);
        if (call_counter == (unsigned long long)-1 && PyErr_Occurred()) {
            return NULL;
        }
    }
    mld_dump_args a;
    memset(&a, 0, sizeof(a));
    a.call_counter = call_counter;
    a.fork = fork == Py_None ? -1 : PyObject_IsTrue(fork);
    if (a.fork == -1 && fork != Py_None) {
        return NULL;
    }
    if (parse_trigger(trigger, &a.trigger) != 0 || parse_criterion(criterion, &a.criterion) != 0) {
        return NULL;
    }
    if (function != Py_None) {
        if (!PyUnicode_Check(function)) {
            PyErr_SetString(PyExc_TypeError, "function must be a str or None");
            return NULL;
        }
        a.function = PyUnicode_AsUTF8(function); /* lives as long as `function` */
        if (a.function == NULL) {
            return NULL;
        }
    }
    mld_dump_result r;
    mld_monitor_dump(&a, &r);
    return result_dict(&r);
}

/* The settled image's dict ({"image", "file_size", "kind"} or {"error"}). */
static PyObject *settled_dict(const mld_dump_result *r)
{
    if (r->settled < 0) {
        return Py_BuildValue("{s:s}", "error", r->error);
    }
    return Py_BuildValue("{s:K,s:K,s:s}", "image", (unsigned long long)r->settled_sequence,
                         "file_size", (unsigned long long)r->settled_file_size, "kind",
                         r->settled == 1 ? "delta" : "full");
}

static PyObject *settle_pending(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mld_dump_result r;
    mld_monitor_settle_pending(&r);
    if (!r.ok || r.settled == 0) {
        Py_RETURN_NONE;
    }
    return settled_dict(&r);
}

static PyObject *close_monitor(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mld_monitor_close();
    Py_RETURN_NONE;
}

static PyObject *monitor_path(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mld_monitor *m = mld_monitor_current();
    if (m == NULL || m->info.pid != (uint64_t)getpid()) {
        Py_RETURN_NONE; /* a fork inherited it: not this process's monitor */
    }
    return PyUnicode_DecodeFSDefault(m->path);
}

static PyObject *identity_status(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mld_monitor *m = mld_monitor_current();
    const char *source = "none";
    if (m != NULL && m->source == MLT_IDENTITY_REFTRACER) {
        source = "reftracer";
    } else if (m != NULL && m->source == MLT_IDENTITY_ALLOC_HOOK) {
        source = "alloc-hook";
    }
    return Py_BuildValue("{s:s,s:K,s:O}", "source", source, "tracer_replaced",
                         (unsigned long long)mld_identity_replaced_count(), "trashcan_always",
                         mld_identity_trashcan_always() ? Py_True : Py_False);
}

static PyObject *memory(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mld_monitor *m = mld_monitor_current();
    if (m == NULL) {
        Py_RETURN_NONE;
    }
    mld_footprint f;
    mld_monitor_footprint(m, &f);
    return Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n}", "marks", (Py_ssize_t)f.marks, "visited",
                         (Py_ssize_t)f.visited, "maps", (Py_ssize_t)f.maps, "snapshot",
                         (Py_ssize_t)f.snapshot, "calllog", (Py_ssize_t)f.calllog, "total",
                         (Py_ssize_t)f.total);
}

static PyObject *after_fork_child(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    mld_monitor_forget_after_fork();
    Py_RETURN_NONE;
}

static PyMethodDef METHODS[] = {
    {"open_monitor", (PyCFunction)(void (*)(void))open_monitor, METH_VARARGS | METH_KEYWORDS,
     "open_monitor(path, *, compression_level=3, value_cap=0, argv=None, argv_withheld=False, "
     "run_id=0, start_time=0.0, append=False, use_fork=True, own_code=None, "
     "call_deltas=True, fork_timeout=0.0, parent_pid=0, parent_run_id=0, launch_id=0, "
     "open_calls=None)\n--\n\n"
     "Open the single monitor: write the file header and install the identity hooks."},
    {"dump", (PyCFunction)(void (*)(void))dump, METH_FASTCALL | METH_KEYWORDS,
     "dump(trigger, *, call_counter=0, function=None, criterion=None, fork=None)\n--\n\n"
     "Append one heap image; returns its statistics, or {'error': message}."},
    {"settle_pending", settle_pending, METH_NOARGS,
     "settle_pending()\n--\n\nWrite the image of a call-end whose verdict waits, if any: "
     "its dict (image, file_size, kind), {\"error\": ...}, or None."},
    {"close_monitor", close_monitor, METH_NOARGS,
     "close_monitor()\n--\n\nRestore every hook and close the file (idempotent)."},
    {"monitor_path", monitor_path, METH_NOARGS,
     "monitor_path()\n--\n\nPath of the open monitor's file, or None."},
    {"identity_status", identity_status, METH_NOARGS,
     "identity_status()\n--\n\n{'source': 'reftracer'|'alloc-hook'|'none', 'tracer_replaced': n, "
     "'trashcan_always': bool}"},
    {"memory", memory, METH_NOARGS,
     "memory()\n--\n\nBytes of C memory the monitor holds, by part (marks, visited, maps, "
     "snapshot, calllog, total), or None without a monitor."},
    {"after_fork_child", after_fork_child, METH_NOARGS,
     "after_fork_child()\n--\n\nIn a forked child: drop the parent's monitor without touching "
     "its file."},
    {"report", (PyCFunction)(void (*)(void))mld_py_report, METH_VARARGS | METH_KEYWORDS,
     "report(path, *, each=True, include=(), exclude=(), max_object_details=None, color=False)"
     "\n--\n\n"
     "Analyze the dump file and render the newest image's report as memalot-analyze would; "
     "returns {'text', 'candidates', 'image'} or {'error': message}. Runs without the GIL. "
     "max_object_details None is ANALYSIS_DEFAULTS['max_object_details']."},
    {"compact", mld_py_compact, METH_VARARGS,
     "compact(target_bytes, protected_image=None)\n--\n\n"
     "Drop old images so the file fits target_bytes, keeping the image with sequence "
     "protected_image and the newest; returns {'dropped': n, 'file_size': bytes} or "
     "{'error': message}."},
    {"run_bytes", mld_py_run_bytes, METH_VARARGS,
     "run_bytes(directory, launch_id)\n--\n\n"
     "Bytes of the other dump files in directory whose header has launch_id (the open file "
     "excepted): {'bytes': n} or {'error': message}."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {
    PyModuleDef_HEAD_INIT,
    "memalot._memalot",
    "memalot's in-process heap dumper (see docs/design-dumper.md).",
    -1,
    METHODS,
    NULL,
    NULL,
    NULL,
    NULL,
};

/* close_monitor at interpreter exit, through the atexit module so that it
 * runs before finalization (hooks restored while the runtime is whole) and
 * after the package's own exit handler (registered later, run earlier). */
static int register_atexit(PyObject *module)
{
    PyObject *atexit = PyImport_ImportModule("atexit");
    PyObject *close = atexit ? PyObject_GetAttrString(module, "close_monitor") : NULL;
    PyObject *done = close ? PyObject_CallMethod(atexit, "register", "O", close) : NULL;
    Py_XDECREF(done);
    Py_XDECREF(close);
    Py_XDECREF(atexit);
    return done != NULL ? 0 : -1;
}

/* The facts the Python package must agree with, exported so that it reads
 * them instead of copying them: the trigger names (in the format's enum
 * order), the criterion kinds and the longest value preview the writer takes. */
static int add_format_facts(PyObject *module)
{
    PyObject *triggers = names_tuple(trigger_name, MLT_TRIGGER_PERIODIC, MLT_TRIGGER_LAST);
    if (triggers == NULL || PyModule_AddObject(module, "TRIGGERS", triggers) != 0) {
        Py_XDECREF(triggers);
        return -1;
    }
    PyObject *kinds = names_tuple(criterion_kind_name, MLT_CRITERION_TIME, MLT_CRITERION_LAST);
    if (kinds == NULL || PyModule_AddObject(module, "CRITERION_KINDS", kinds) != 0) {
        Py_XDECREF(kinds);
        return -1;
    }
    return PyModule_AddIntConstant(module, "PREVIEW_MAX", MLT_PREVIEW_MAX);
}

PyMODINIT_FUNC PyInit__memalot(void);

PyMODINIT_FUNC PyInit__memalot(void)
{
    PyObject *module = PyModule_Create(&MODULE);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObject(module, "SUPPORTED", PyBool_FromLong(MLD_SUPPORTED)) != 0 ||
        PyModule_AddStringConstant(module, "__version__", MEMALOT_VERSION) != 0 ||
        add_format_facts(module) != 0 || mld_add_analysis_defaults(module) != 0 ||
        register_atexit(module) != 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
