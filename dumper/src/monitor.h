/* The single monitor: the dump file, the identity hooks and the reusable walk
 * buffers. monitor.c opens and closes it, dump.c takes images (in-process or
 * in a forked child), py_module.c exposes both to Python. */
#ifndef MEMALOT_DUMPER_MONITOR_H
#define MEMALOT_DUMPER_MONITOR_H

#include "compat.h"
#include "bitmap.h"
#include "calllog.h"
#include "run_files.h"
#include "memalot/format.h"
#include "snapshot.h"
#include "static_ranges.h"
#include "walk.h"

#include <pythread.h>

#define MLD_DUE_MAX 64

/* What one image is asked for (mld_monitor_dump). */
typedef struct {
    mlt_trigger trigger;
    uint64_t call_counter;
    const char *function;
    mlt_criterion criterion;
    int fork; /* -1: monitor default, 0: in-process, 1: fork */
} mld_dump_args;

typedef struct {
    char *path;
    mlt_writer_options options;
    mlt_writer *writer; /* fork-mode children write through a copy of it */
    mlt_file_info info; /* strings below are owned */
    char *owned_strings[8];
    char **argv;
    uint32_t argc;
    mld_bitmap *bitmap;
    mlt_identity_source source;
    uint64_t next_sequence;
    int has_previous;           /* an image of this monitor is in the file, and */
    uint64_t previous_sequence; /* its marks were cleared when it was taken */
    int use_fork;
    int fork_given_up;        /* an image child overran its deadline: in-process from now on */
    uint64_t fork_timeout_ns; /* how long to wait for an image child; 0: derived (dump.c) */
    uint64_t last_image_ns;   /* how long the last full image took, start to finish */
    size_t value_cap;
    PyThread_type_lock lock; /* one dump (or close) at a time */
    int waiters;             /* dumps waiting for the lock (changed under the GIL) */
    mld_snapshot snap;
    mld_walker walker;
    mld_static_ranges statics; /* the loaded ELF objects' segments, reread before each walk */
    PyObject *sizeof_name, *module_name; /* interned strs, owned */
    /* Per-call delta images (3.13+, calls.c). */
    int call_deltas; /* on: call-start arms the births log, clean calls write deltas */
    int marks_lost;  /* identity marks lost since the last full image (a check at a
                                  call-start or a call delta must not forget it) */
    mld_calllog calllog;
    PyObject *open_calls_var;  /* owned; calllog.open_calls_var borrows it */
    mld_dump_args pending_end; /* the call-end whose verdict waits (calls.c) */
    char *pending_function;    /* owned: pending_end.function */
    int pending_due;           /* a full image was due at that call-end */
    uint64_t due[MLD_DUE_MAX]; /* call counters at which survivors of earlier calls come of
                                  age: a full image is due at the first call-end >= each */
    size_t due_count;
    uint64_t full_until;     /* the due list overflowed: full images up to this call */
    mld_run_files run_files; /* the run folder's files whose headers were read */
} mld_monitor;

/* The one monitor, or NULL. */
mld_monitor *mld_monitor_current(void);

typedef struct {
    const char *path;
    int compression_level;
    Py_ssize_t value_cap;
    PyObject *argv; /* sequence of str or None (then sys.argv) */
    int argv_withheld;
    unsigned long long run_id;
    double start_time;
    int append;
    int use_fork;
    double fork_timeout; /* seconds to wait for an image child; 0: derived */
    PyObject *own_code;  /* tuple of code objects (the package's functions) or NULL */
    int call_deltas;     /* per-call delta images where supported (3.13+) */
    /* Lineage for the header (0: none): the process this one was forked
     * from and its run, and the first run of the launch. */
    unsigned long long parent_pid, parent_run_id, launch_id;
    PyObject *open_calls; /* the ContextVar of each flow's open call (callflow.h) or NULL */
} mld_open_args;

/* Sets a Python exception and returns -1 on failure. */
int mld_monitor_open(const mld_open_args *args);

/* Restores the hooks and closes the file; no-op when none is open. Waits for
 * a dump in progress. */
void mld_monitor_close(void);

/* Takes the monitor's lock (waiting with the GIL released) and returns the
 * monitor, or NULL with a message when none is open or it closed meanwhile.
 * The caller releases m->lock. */
mld_monitor *mld_monitor_lock(char *error, size_t error_size);

/* Forked child (os.fork): drop the parent's monitor without touching its file. */
void mld_monitor_forget_after_fork(void);

typedef struct {
    int ok;
    char error[640];
    uint64_t sequence, objects, edges, roots, image_bytes, file_size;
    double monotonic_time; /* what the image header records (CLOCK_MONOTONIC seconds) */
    uint64_t pause_ns, total_ns;
    int forked;
    int discarded;       /* ok, but no image: the child overran (error says why) */
    mlt_image_kind kind; /* of the image written */
    int armed;           /* call-start with deltas: the births log was armed, no image */
    uint64_t call_born;  /* objects flagged MLT_OBJ_CALL_BORN in the image */
    int deferred;        /* call-end: no image yet, its verdict waits (calls.h) */
    int settled;         /* a waiting call-end was written first: 1 delta, 2 full, -1 failed */
    uint64_t settled_sequence, settled_file_size;
} mld_dump_result;

/* Takes one image. Never raises: failures land in result->error. Must be
 * called with the GIL; releases it for the encoding and I/O. */
void mld_monitor_dump(const mld_dump_args *args, mld_dump_result *result);

/* Writes the image of a call-end whose verdict waits, if any (before the
 * monitor closes): r->settled says what was written. Needs the GIL. */
void mld_monitor_settle_pending(mld_dump_result *r);

/* Helpers shared by monitor.c and dump.c. */
uint64_t mld_now_ns(void);
double mld_wall_time(void);

#endif
