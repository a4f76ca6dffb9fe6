/* compact(target_bytes, protected_image): keeps the open dump file under a
 * disk budget by dropping old images (format/include/memalot/compact.h does
 * the planning, re-basing and rewriting). Holds the monitor lock so no image
 * is being written meanwhile, works on a side file with the GIL released, and
 * renames it over the dump only when it is complete. */
#include "monitor.h"
#include "py_bindings.h"
#include "memalot/compact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
    int ok;
    size_t dropped;
    uint64_t file_size;
    char error[700];
} compact_result;

static void compact_file(mld_monitor *m, uint64_t target, int has_protected, uint64_t protected_seq,
                         compact_result *r)
{
    size_t len = strlen(m->path);
    char *side = malloc(len + sizeof(".compacting"));
    if (side == NULL) {
        snprintf(r->error, sizeof(r->error), "memalot: out of memory compacting %s", m->path);
        return;
    }
    memcpy(side, m->path, len);
    memcpy(side + len, ".compacting", sizeof(".compacting"));
    mlt_error err;
    memset(&err, 0, sizeof(err));
    mlt_status st = mlt_compact_to_budget(m->path, side, target, has_protected, protected_seq,
                                          &m->options, &r->dropped, &err);
    if (st != MLT_OK) {
        snprintf(r->error, sizeof(r->error), "memalot: cannot compact %s: %s", m->path,
                 err.message);
    } else if (rename(side, m->path) != 0) {
        snprintf(r->error, sizeof(r->error), "memalot: cannot replace %s with its compacted copy",
                 m->path);
    } else {
        struct stat sb;
        r->file_size = stat(m->path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
        r->ok = 1;
    }
    if (!r->ok) {
        remove(side);
    }
    free(side);
}

PyObject *mld_py_compact(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long target = 0;
    PyObject *protected_image = Py_None;
    if (!PyArg_ParseTuple(args, "K|O:compact", &target, &protected_image)) {
        return NULL;
    }
    int has_protected = protected_image != Py_None;
    unsigned long long protected_seq = 0;
    if (has_protected) {
        protected_seq = PyLong_AsUnsignedLongLong(protected_image);
        if (PyErr_Occurred()) {
            return NULL;
        }
    }
    compact_result r;
    memset(&r, 0, sizeof(r));
    mld_monitor *m = mld_monitor_lock(r.error, sizeof(r.error));
    if (m == NULL) {
        return Py_BuildValue("{s:s}", "error", r.error);
    }
    Py_BEGIN_ALLOW_THREADS
        /* The writer's idea of the file would go stale: the next image reopens it. */
        mlt_writer_close(m->writer);
    m->writer = NULL;
    compact_file(m, target, has_protected, protected_seq, &r);
    Py_END_ALLOW_THREADS PyThread_release_lock(m->lock);
    if (!r.ok) {
        return Py_BuildValue("{s:s}", "error", r.error);
    }
    return Py_BuildValue("{s:n,s:K}", "dropped", (Py_ssize_t)r.dropped, "file_size",
                         (unsigned long long)r.file_size);
}

PyObject *mld_py_run_bytes(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *directory_bytes = NULL;
    unsigned long long launch_id = 0;
    if (!PyArg_ParseTuple(args, "O&K:run_bytes", PyUnicode_FSConverter, &directory_bytes,
                          &launch_id)) {
        return NULL;
    }
    char error[640] = "";
    mld_monitor *m = mld_monitor_lock(error, sizeof(error));
    if (m == NULL) {
        Py_DECREF(directory_bytes);
        return Py_BuildValue("{s:s}", "error", error);
    }
    uint64_t bytes = 0;
    int rc;
    const char *directory = PyBytes_AS_STRING(directory_bytes);
    Py_BEGIN_ALLOW_THREADS rc = mld_run_bytes(&m->run_files, directory, m->path, launch_id, &bytes,
                                              error, sizeof(error));
    Py_END_ALLOW_THREADS PyThread_release_lock(m->lock);
    Py_DECREF(directory_bytes);
    if (rc != 0) {
        return Py_BuildValue("{s:s}", "error", error);
    }
    return Py_BuildValue("{s:K}", "bytes", (unsigned long long)bytes);
}
