/* Opening and closing the single monitor (see monitor.h): records the file
 * header, installs the identity hooks, and undoes all of it on close. */
#include "monitor.h"
#include "identity.h"
#include "cpython_internals.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The file header's producer: the version comes from project(VERSION). */
#define PRODUCER "memalot " MEMALOT_VERSION

static mld_monitor *g_monitor;

/* A process forked without after_fork_child (os.fork with no at-fork hook,
 * multiprocessing's fork start method, ...) still sees the parent's monitor:
 * it must neither write to the parent's file nor wait on a lock a parent
 * thread may hold. */
static int inherited_by_fork(const mld_monitor *m)
{
    return m != NULL && m->info.pid != (uint64_t)getpid();
}

/* The monitor belongs to the main interpreter: its walk reads the main
 * interpreter's GC lists and roots, and its identity marks describe that
 * heap. On 3.10/3.11 a subinterpreter can import this single-phase module
 * and would otherwise write images of its own heap into the main's file
 * (breaking the identity chain) or close the main's monitor. */
static int in_subinterpreter(void)
{
    return PyInterpreterState_Get() != PyInterpreterState_Main();
}

mld_monitor *mld_monitor_current(void)
{
    return in_subinterpreter() ? NULL : g_monitor;
}

uint64_t mld_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double mld_wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *own(mld_monitor *m, int slot, const char *text)
{
    m->owned_strings[slot] = strdup(text != NULL ? text : "");
    return m->owned_strings[slot];
}

static void describe_platform(char *buf, size_t size)
{
    struct utsname u;
    if (uname(&u) != 0) {
        snprintf(buf, size, "unknown");
        return;
    }
    snprintf(buf, size, "%.40s-%.40s", u.sysname, u.machine);
    for (char *c = buf; *c; c++) {
        if (*c >= 'A' && *c <= 'Z') {
            *c = (char)(*c - 'A' + 'a');
        }
    }
}

static void fill_python_info(mld_monitor *m)
{
    const char *full = Py_GetVersion(); /* "3.12.1 (main, ...) [GCC ...]" */
    char version[64];
    size_t n = strcspn(full, " ");
    snprintf(version, sizeof(version), "%.*s", (int)(n < 63 ? n : 63), full);
    char platform[128];
    describe_platform(platform, sizeof(platform));
    uint32_t probe = 1;
    m->info.producer = own(m, 0, PRODUCER);
    m->info.python_version = own(m, 1, version);
    /* The running interpreter's, not the headers' (a build for 3.11.7 also
     * serves Debian's 3.11.2). */
    PyObject *hexversion = PySys_GetObject("hexversion"); /* borrowed */
    m->info.python_hexversion = hexversion != NULL && PyLong_Check(hexversion)
                                    ? (uint64_t)PyLong_AsUnsignedLong(hexversion)
                                    : (uint64_t)PY_VERSION_HEX;
    if (PyErr_Occurred()) {
        PyErr_Clear();
        m->info.python_hexversion = PY_VERSION_HEX;
    }
    m->info.python_implementation = own(m, 2, "cpython");
    m->info.python_build = own(m, 3, full);
    m->info.gc_preheader_size = (uint32_t)mld_internals_preheader(&PyList_Type);
    m->info.platform = own(m, 4, platform);
    m->info.pointer_size = (uint32_t)sizeof(void *);
    m->info.byte_order = *(uint8_t *)&probe ? MLT_BYTE_ORDER_LITTLE : MLT_BYTE_ORDER_BIG;
    m->info.pid = (uint64_t)getpid();
}

/* argv from the caller's sequence (or sys.argv), as owned UTF-8 copies. */
static int fill_argv(mld_monitor *m, PyObject *argv, int withheld)
{
    m->info.argv_withheld = withheld;
    if (withheld) {
        return 0;
    }
    if (argv == NULL || argv == Py_None) {
        argv = PySys_GetObject("argv"); /* borrowed; may be NULL when embedded */
        if (argv == NULL) {
            return 0;
        }
    }
    PyObject *seq = PySequence_Fast(argv, "argv must be a sequence of str");
    if (seq == NULL) {
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    m->argv = calloc((size_t)n + 1, sizeof(char *));
    for (Py_ssize_t i = 0; m->argv != NULL && i < n; i++) {
        PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
        const char *text = PyUnicode_Check(item) ? PyUnicode_AsUTF8(item) : NULL;
        if (text == NULL) {
            PyErr_Clear();
            text = "?";
        }
        m->argv[i] = strdup(text);
        m->argc = (uint32_t)(i + 1);
    }
    Py_DECREF(seq);
    if (m->argv == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    m->info.argc = m->argc;
    m->info.argv = (const char *const *)m->argv;
    return 0;
}

static void free_monitor(mld_monitor *m)
{
    for (size_t i = 0; i < sizeof(m->owned_strings) / sizeof(m->owned_strings[0]); i++) {
        free(m->owned_strings[i]);
    }
    for (uint32_t i = 0; m->argv != NULL && i < m->argc; i++) {
        free(m->argv[i]);
    }
    free(m->argv);
    free(m->path);
    Py_XDECREF(m->walker.own_code);
    mld_walker_free(&m->walker);
    mld_snapshot_free(&m->snap);
    mld_bitmap_free(m->bitmap);
    mld_calllog_free(&m->calllog);
    Py_XDECREF(m->open_calls_var);
    free(m->pending_function);
    mld_static_ranges_free(&m->statics);
    mld_run_files_free(&m->run_files);
    if (m->lock != NULL) {
        PyThread_free_lock(m->lock);
    }
    Py_XDECREF(m->sizeof_name);
    Py_XDECREF(m->module_name);
    free(m);
}

static int prepare_walker(mld_monitor *m, PyObject *own_code)
{
    m->sizeof_name = PyUnicode_InternFromString("__sizeof__");
    m->module_name = PyUnicode_InternFromString("__module__");
    if (m->sizeof_name == NULL || m->module_name == NULL) {
        return -1;
    }
    mld_snapshot_init(&m->snap, NULL);
    mld_walker_init(&m->walker);
    m->walker.snap = &m->snap;
    m->walker.value_cap = (size_t)m->value_cap;
    m->walker.sizeof_name = m->sizeof_name;
    m->walker.module_name = m->module_name;
    mld_static_ranges_init(&m->statics);
    m->walker.statics = &m->statics;
    Py_XINCREF(own_code);
    m->walker.own_code = own_code;
    return 0;
}

static int open_file(mld_monitor *m, const mld_open_args *args)
{
    mlt_error err;
    memset(&err, 0, sizeof(err));
    m->options.compression_level = args->compression_level;
    m->options.append = args->append;
    mlt_status st = mlt_writer_open(m->path, &m->info, &m->options, &m->writer, &err);
    if (st != MLT_OK) {
        if (st == MLT_ERR_IO) {
            PyErr_Format(PyExc_OSError, "memalot: cannot create dump file %s: %s", m->path,
                         err.message);
        } else {
            PyErr_Format(PyExc_RuntimeError, "memalot: cannot open dump file %s: %s", m->path,
                         err.message);
        }
        return -1;
    }
    /* Later images are appended by whoever takes them (maybe a forked child). */
    m->options.append = 1;
    return 0;
}

int mld_monitor_open(const mld_open_args *args)
{
    if (!MLD_SUPPORTED) {
        PyErr_Format(PyExc_RuntimeError,
                     "memalot: CPython %s is not supported (the dumper reads interpreter internals "
                     "of CPython 3.10 to 3.14 only)",
                     PY_VERSION);
        return -1;
    }
    if (in_subinterpreter()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "memalot: monitoring runs in the main interpreter only, not in a "
                        "subinterpreter");
        return -1;
    }
    if (g_monitor != NULL) {
        PyErr_Format(PyExc_RuntimeError, "memalot: a monitor is already open (writing to %s)",
                     g_monitor->path);
        return -1;
    }
    mld_monitor *m = calloc(1, sizeof(*m));
    if (m == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    m->path = strdup(args->path);
    m->value_cap = args->value_cap > 0 ? (size_t)args->value_cap : 0;
    m->use_fork = args->use_fork;
    m->fork_timeout_ns = args->fork_timeout > 0 ? (uint64_t)(args->fork_timeout * 1e9) : 0;
    m->call_deltas = args->call_deltas && mld_identity_call_deltas_supported();
    m->lock = PyThread_allocate_lock();
    m->bitmap = mld_bitmap_new(NULL);
    fill_python_info(m);
    m->info.run_id = args->run_id;
    m->info.start_time = args->start_time > 0 ? args->start_time : mld_wall_time();
    m->info.parent_pid = args->parent_pid;
    m->info.parent_run_id = args->parent_run_id;
    m->info.launch_id = args->launch_id;
    if (m->path == NULL || m->lock == NULL || m->bitmap == NULL) {
        free_monitor(m);
        PyErr_NoMemory();
        return -1;
    }
    if (fill_argv(m, args->argv, args->argv_withheld) != 0 ||
        prepare_walker(m, args->own_code) != 0 || open_file(m, args) != 0) {
        free_monitor(m);
        return -1;
    }
    Py_XINCREF(args->open_calls);
    m->open_calls_var = args->open_calls;
    m->calllog.open_calls_var = args->open_calls;
    m->source = mld_identity_install(m->bitmap);
    g_monitor = m;
    return 0;
}

void mld_monitor_close(void)
{
    if (in_subinterpreter()) {
        return; /* not its monitor */
    }
    if (inherited_by_fork(g_monitor)) {
        mld_monitor_forget_after_fork();
        return;
    }
    if (g_monitor == NULL) {
        return;
    }
    mld_dump_result settled; /* a call-end whose verdict waits gets its image */
    mld_monitor_settle_pending(&settled);
    mld_monitor *m = g_monitor;
    if (m == NULL) {
        return;
    }
    /* Unpublish first (under the GIL), so no new dump starts; then wait for a
     * dump running in another thread, which holds the lock without the GIL. */
    g_monitor = NULL;
    mld_identity_uninstall();
    Py_BEGIN_ALLOW_THREADS PyThread_acquire_lock(m->lock, WAIT_LOCK);
    Py_END_ALLOW_THREADS mlt_writer_close(m->writer);
    m->writer = NULL;
    PyThread_release_lock(m->lock);
    if (m->waiters > 0) {
        /* A dump still waits on this lock; it will see the monitor closed.
         * The few bytes left are not worth a use-after-free. */
        return;
    }
    free_monitor(m);
}

mld_monitor *mld_monitor_lock(char *error, size_t error_size)
{
    if (in_subinterpreter()) {
        snprintf(error, error_size,
                 "memalot: images are taken in the main interpreter only, "
                 "not in a subinterpreter");
        return NULL;
    }
    if (inherited_by_fork(g_monitor)) {
        mld_monitor_forget_after_fork();
    }
    mld_monitor *m = g_monitor;
    if (m == NULL) {
        snprintf(error, error_size, "memalot: no monitor is open");
        return NULL;
    }
    m->waiters++;
    if (!PyThread_acquire_lock(m->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS PyThread_acquire_lock(m->lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
    m->waiters--;
    if (g_monitor != m) {
        PyThread_release_lock(m->lock);
        snprintf(error, error_size, "memalot: the monitor was closed");
        return NULL;
    }
    return m;
}

void mld_monitor_forget_after_fork(void)
{
    mld_monitor *m = g_monitor;
    if (m == NULL) {
        return;
    }
    g_monitor = NULL;
    mld_identity_forget_after_fork();
    /* The writer and the lock belong to the parent (its file offset, maybe a
     * lock held by a parent thread that does not exist here): abandon them
     * rather than close, so nothing is ever written to the parent's file. */
    m->writer = NULL;
    m->lock = NULL;
    free_monitor(m);
}
