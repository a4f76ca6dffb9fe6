/* Taking one image (see monitor.h). Two ways:
 *
 * in-process: walk under the GIL into C buffers, clear the identity marks,
 *   then release the GIL to sort, encode, compress and write;
 * fork: a fork that runs no fork handlers (fork_quiet.h); the child walks its
 *   copy-on-write snapshot in memory of its own (child_memory.h), appends the
 *   image through the parent's writer and reports through a pipe, then
 *   _exit()s; the parent clears the marks and goes on at once, waiting for the
 *   child with the GIL released, for a bounded time.
 *
 * Either way the program is stopped only for the walk or for fork() itself,
 * and no failure is raised into it: errors come back in the result. */
#include "monitor.h" /* Python.h first: it sets the POSIX feature macros */
#include "calls.h"
#include "child_memory.h"
#include "emit.h"
#include "fork_quiet.h"
#include "identity.h"
#include "cpython_internals.h"

#include <pthread.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

/* Image buffers up to this size are kept for the next in-process image (no
 * page faults during the next pause); bigger ones are given back. */
#define SNAPSHOT_KEEP_BYTES ((size_t)64 << 20)

static void set_error(mld_dump_result *r, const char *fmt, const char *path, const char *detail)
{
    r->ok = 0;
    snprintf(r->error, sizeof(r->error), fmt, path, detail);
}

static void fill_info(mld_monitor *m, const mld_dump_args *a, mlt_image_info *info)
{
    memset(info, 0, sizeof(*info));
    info->sequence = m->next_sequence;
    info->has_base = m->has_previous;
    info->base_sequence = m->has_previous ? m->previous_sequence : 0;
    info->run_id = m->info.run_id;
    info->pid = (uint64_t)getpid();
    info->wall_time = mld_wall_time();
    info->monotonic_time = (double)mld_now_ns() / 1e9;
    info->trigger = a->trigger;
    info->call_counter = a->call_counter;
    info->function = a->function;
    info->criterion = a->criterion;
    info->identity = m->source;
}

/* Identity inputs of the walk: without a base every object is NEW. The
 * segments of the loaded objects are read here, in the parent: the loader's
 * lock and malloc are off limits to the image child. */
static void prepare_walk(mld_monitor *m, int marks_lost)
{
    mld_static_ranges_refresh(&m->statics);
    m->walker.marks = m->has_previous ? m->bitmap : NULL;
    m->walker.approx_floats = mld_identity_floats_unseen();
    m->walker.approx_all = marks_lost;
}

static int walk(mld_monitor *m, char *message, size_t size)
{
    int gc_was_enabled = PyGC_Disable();
    m->walker.call_born_flagged = 0;
    int rc = mld_walk_heap(&m->walker, message, size);
    if (gc_was_enabled) {
        (void)PyGC_Enable();
    }
    return rc;
}

static int ensure_writer(mld_monitor *m, mlt_error *err)
{
    if (m->writer != NULL) {
        return 0;
    }
    return mlt_writer_open(m->path, &m->info, &m->options, &m->writer, err) == MLT_OK ? 0 : -1;
}

static void image_taken(mld_monitor *m, const mlt_image_info *info)
{
    m->has_previous = 1;
    m->previous_sequence = info->sequence;
    m->next_sequence = info->sequence + 1;
}

/* Marks restart for the next image. Objects sitting in a freelist died
 * before the clear and lost their death mark with it, yet anything popped
 * there later is new: re-mark them (3.10-3.12), under the GIL. */
static void restart_marks(mld_monitor *m)
{
    mld_calls_restart_marks(m);
}

/* ------------------------------------------------------------ in-process */

static void dump_in_process(mld_monitor *m, const mld_dump_args *a, mld_dump_result *r,
                            int marks_lost, uint64_t t0)
{
    mlt_image_info info;
    fill_info(m, a, &info);
    prepare_walk(m, marks_lost);
    char message[256];
    int rc = walk(m, message, sizeof(message));
    /* Marks cover "since the previous image"; a failed image breaks the chain
     * (the next one gets no base) rather than mislinking. */
    restart_marks(m);
    m->has_previous = 0;
    uint64_t pause = mld_now_ns() - t0;
    if (rc != 0) {
        set_error(r, "memalot: image not written to %s: %s", m->path, message);
        return;
    }
    mlt_error err;
    memset(&err, 0, sizeof(err));
    mld_emit_stats stats;
    memset(&stats, 0, sizeof(stats));
    mlt_status st;
    Py_BEGIN_ALLOW_THREADS st = ensure_writer(m, &err) == 0
                                    ? mld_emit_image(m->writer, &m->snap, &info, pause, &stats,
                                                     &err)
                                    : err.code;
    Py_END_ALLOW_THREADS mld_snapshot_trim(&m->snap, SNAPSHOT_KEEP_BYTES);
    if (st != MLT_OK) {
        set_error(r, "memalot: cannot write image to %s: %s", m->path, err.message);
        return;
    }
    image_taken(m, &info);
    r->ok = 1;
    r->sequence = info.sequence;
    r->monotonic_time = info.monotonic_time;
    r->objects = stats.objects;
    r->call_born = m->walker.call_born_flagged;
    r->edges = stats.edges;
    r->roots = stats.roots;
    r->image_bytes = stats.image_bytes;
    r->file_size = stats.file_size;
    r->pause_ns = pause;
    r->forked = 0;
}

/* ------------------------------------------------------------ fork */

typedef struct {
    int32_t ok;
    uint64_t objects, edges, roots, image_bytes, file_size;
    uint64_t call_born; /* objects flagged MLT_OBJ_CALL_BORN */
    char message[512];
} child_report;

static void send_report(int fd, const child_report *rep)
{
    const char *p = (const char *)rep;
    for (size_t done = 0; done < sizeof(*rep);) {
        ssize_t n = write(fd, p + done, sizeof(*rep) - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        done += (size_t)n;
    }
}

/* Runs in the child, which mld_fork_quiet() made without the program's fork
 * handlers: any lock another thread held at the fork is held forever here.
 * So the child calls no malloc (every buffer comes from child memory, the
 * parent's are abandoned), takes no lock, and returns to no Python code.
 * docs/design-dumper.md ("The image child") lists each call it makes. */
static void child_main(mld_monitor *m, const mlt_image_info *info, uint64_t t0, int fd)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL); /* the parent's signals are not ours */
    uint64_t pause = mld_now_ns() - t0;       /* what the fork cost the parent, about */
    /* The hooks would mark into the parent's bitmaps, whose leaves come from malloc. */
    mld_identity_forget_after_fork();
    mld_child_memory memory;
    mld_child_memory_init(&memory);
    mlt_allocator alloc = mld_child_memory_allocator(&memory);
    mld_snapshot_init(&m->snap, &alloc);
    mld_walker_rehome(&m->walker, &alloc);
    child_report rep;
    memset(&rep, 0, sizeof(rep));
    char message[256];
    mlt_error err;
    memset(&err, 0, sizeof(err));
    mld_emit_stats stats;
    memset(&stats, 0, sizeof(stats));
    if (walk(m, message, sizeof(message)) != 0) {
        snprintf(rep.message, sizeof(rep.message), "%s", message);
    } else if (mlt_writer_rehome(m->writer, &alloc, &err) != MLT_OK ||
               mld_emit_image(m->writer, &m->snap, info, pause, &stats, &err) != MLT_OK) {
        snprintf(rep.message, sizeof(rep.message), "%s", err.message);
    } else {
        rep.ok = 1;
        rep.objects = stats.objects;
        rep.edges = stats.edges;
        rep.roots = stats.roots;
        rep.image_bytes = stats.image_bytes;
        rep.file_size = stats.file_size;
        rep.call_born = m->walker.call_born_flagged;
    }
    send_report(fd, &rep);
    _exit(rep.ok ? 0 : 1);
}

/* How long the parent waits for a child before it kills it. The child takes
 * no lock, so it cannot deadlock; what is left is a child the kernel or
 * someone stopped, or starved: the bound is ten times the previous image's
 * duration, and at least CHILD_DEADLINE_MIN_S, unless the user set one. */
#define CHILD_DEADLINE_MIN_S 20
#define CHILD_DEADLINE_FACTOR 10

static uint64_t child_deadline_ns(const mld_monitor *m)
{
    if (m->fork_timeout_ns != 0) {
        return m->fork_timeout_ns;
    }
    uint64_t derived = m->last_image_ns * CHILD_DEADLINE_FACTOR;
    uint64_t floor = (uint64_t)CHILD_DEADLINE_MIN_S * 1000000000u;
    return derived > floor ? derived : floor;
}

static int reap(pid_t pid, int *wait_status, int options)
{
    pid_t got;
    while ((got = mld_wait_quiet(pid, wait_status, options)) < 0 && errno == EINTR) {
    }
    /* ECHILD counts as reaped (a program that reaps with __WALL, or SIGCHLD
     * ignored, which auto-reaps): the pipe tells the outcome. */
    return got == pid || (got < 0 && errno == ECHILD);
}

/* Reads the child's report, waiting at most `deadline_ns`; a child still
 * running then is killed. The child is also polled, so a child that died
 * without writing is noticed even if another process inherited the pipe's
 * write end. */
static int read_report(int fd, pid_t pid, uint64_t deadline_ns, child_report *rep, int *wait_status,
                       int *timed_out)
{
    size_t done = 0;
    int reaped = 0;
    *wait_status = 0;
    *timed_out = 0;
    uint64_t deadline = mld_now_ns() + deadline_ns;
    while (done < sizeof(*rep)) {
        uint64_t now = mld_now_ns();
        uint64_t left_ms = now < deadline ? (deadline - now) / 1000000u + 1 : 0;
        struct pollfd p = {fd, POLLIN, 0};
        int ready = poll(&p, 1, left_ms < 1000 ? (int)left_ms : 1000);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        if (ready > 0) {
            ssize_t n = read(fd, (char *)rep + done, sizeof(*rep) - done);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break; /* EOF: the child is gone */
            }
            done += (size_t)n;
            continue;
        }
        if (reap(pid, wait_status, WNOHANG)) {
            reaped = 1;
            break;
        }
        if (mld_now_ns() >= deadline) {
            kill(pid, SIGKILL);
            *timed_out = 1;
            break;
        }
    }
    if (!reaped) {
        reap(pid, wait_status, 0);
    }
    return done == sizeof(*rep) ? 0 : -1;
}

/* A child that did not finish in time: it is dead now, the file is cut back
 * to the last whole image, and later images are taken in-process. */
static void give_up_fork_mode(mld_monitor *m, mld_dump_result *r, uint64_t deadline_ns)
{
    mlt_error err;
    memset(&err, 0, sizeof(err));
    (void)mlt_writer_cut_to_known_end(m->writer, &err); /* readers stop at a torn image anyway */
    m->fork_given_up = 1;
    r->ok = 1;
    r->discarded = 1;
    snprintf(r->error, sizeof(r->error),
             "the image child did not finish within %.1f s and was killed; the image was "
             "discarded and later images are taken in-process (set fork_timeout to allow more)",
             (double)deadline_ns / 1e9);
}

static void child_failed(mld_monitor *m, mld_dump_result *r, int status)
{
    mlt_error err;
    memset(&err, 0, sizeof(err));
    (void)mlt_writer_cut_to_known_end(m->writer, &err);
    char detail[96];
    if (WIFSIGNALED(status)) {
        snprintf(detail, sizeof(detail), "the dump child died with signal %d", WTERMSIG(status));
    } else {
        snprintf(detail, sizeof(detail), "the dump child exited without a report");
    }
    set_error(r, "memalot: image not written to %s: %s", m->path, detail);
}

/* Returns 0 when the fork happened (r is filled either way), -1 when the
 * caller should take an in-process image instead (no fork, no writer). */
static int dump_forked(mld_monitor *m, const mld_dump_args *a, mld_dump_result *r, int marks_lost,
                       uint64_t t0)
{
    mlt_error err;
    memset(&err, 0, sizeof(err));
    int fds[2];
    /* The child writes through the parent's writer (its header is written
     * here, once); the parent adopts the new end of file afterwards. */
    if (ensure_writer(m, &err) != 0 || pipe(fds) != 0) {
        return -1;
    }
    mlt_image_info info;
    fill_info(m, a, &info);
    prepare_walk(m, marks_lost);
    pid_t pid = mld_fork_quiet();
    if (pid == 0) {
        close(fds[0]);
        child_main(m, &info, t0, fds[1]);
    }
    close(fds[1]);
    if (pid < 0) {
        close(fds[0]);
        return -1;
    }
    /* The child holds its own copy of the marks: ours restart now. */
    restart_marks(m);
    m->has_previous = 0;
    r->pause_ns = mld_now_ns() - t0;
    uint64_t deadline_ns = child_deadline_ns(m);
    child_report rep;
    memset(&rep, 0, sizeof(rep));
    int status = 0, got, timed_out = 0;
    Py_BEGIN_ALLOW_THREADS got = read_report(fds[0], pid, deadline_ns, &rep, &status, &timed_out);
    Py_END_ALLOW_THREADS close(fds[0]);
    r->forked = 1;
    if (got != 0 && timed_out) {
        give_up_fork_mode(m, r, deadline_ns);
        return 0;
    }
    if (got != 0) {
        child_failed(m, r, status);
        return 0;
    }
    if (!rep.ok) {
        (void)mlt_writer_cut_to_known_end(m->writer, &err);
        set_error(r, "memalot: cannot write image to %s: %s", m->path, rep.message);
        return 0;
    }
    mlt_writer_adopt_file_size(m->writer, rep.file_size);
    image_taken(m, &info);
    r->ok = 1;
    r->sequence = info.sequence;
    r->monotonic_time = info.monotonic_time;
    r->objects = rep.objects;
    r->call_born = rep.call_born;
    r->edges = rep.edges;
    r->roots = rep.roots;
    r->image_bytes = rep.image_bytes;
    r->file_size = rep.file_size;
    return 0;
}

/* ------------------------------------------------------------ entry */

/* ------------------------------------------------------------ call delta */

/* A call delta: no walk, no fork; the marks stay, since the next full
 * image's NEW flags still count from the last full image, its base. */
static void write_call_delta(mld_monitor *m, const mld_dump_args *a, mld_dump_result *r)
{
    mlt_image_info info;
    fill_info(m, a, &info);
    info.kind = MLT_IMAGE_CALL_DELTA;
    mlt_error err;
    memset(&err, 0, sizeof(err));
    mlt_status st;
    uint64_t size = 0;
    Py_BEGIN_ALLOW_THREADS st = ensure_writer(m, &err) != 0
                                    ? err.code
                                    : mlt_writer_begin_image(m->writer, &info, &err);
    if (st == MLT_OK) {
        uint64_t before = mlt_writer_file_size(m->writer);
        st = mlt_writer_end_image(m->writer, 0, &err);
        size = mlt_writer_file_size(m->writer) - before;
    }
    Py_END_ALLOW_THREADS if (st != MLT_OK)
    {
        set_error(r, "memalot: cannot write image to %s: %s", m->path, err.message);
        return;
    }
    m->next_sequence = info.sequence + 1;
    r->ok = 1;
    r->sequence = info.sequence;
    r->monotonic_time = info.monotonic_time;
    r->image_bytes = size;
    r->file_size = mlt_writer_file_size(m->writer);
    r->kind = MLT_IMAGE_CALL_DELTA;
}

/* ------------------------------------------------------------ entry */

static void take_full_image(mld_monitor *m, const mld_dump_args *a, mld_dump_result *r,
                            int marks_lost)
{
    int use_fork = !m->fork_given_up && (a->fork < 0 ? m->use_fork : a->fork);
    uint64_t t0 = mld_now_ns();
    if (!use_fork || dump_forked(m, a, r, marks_lost, t0) != 0) {
        dump_in_process(m, a, r, marks_lost, mld_now_ns());
    }
    if (r->ok && !r->discarded) {
        m->last_image_ns = mld_now_ns() - t0;
    }
}

/* The image of a call-end: a delta, or a full image flagging its survivors. */
static void write_call_end(mld_monitor *m, const mld_dump_args *a, const mld_call_end_plan *plan,
                           mld_dump_result *r)
{
    if (!plan->full) {
        write_call_delta(m, a, r);
        return;
    }
    m->walker.call_born = plan->born;
    m->walker.call_born_count = plan->born_count;
    take_full_image(m, a, r, m->marks_lost);
    m->marks_lost = 0;
    m->walker.call_born = NULL;
    m->walker.call_born_count = 0;
    if (r->ok) {
        /* what the image shows, not what the log counted: a phantom
         * survivor (dead in a freelist the log does not know) schedules
         * no due image, or one call leaving one would chain full images */
        mld_calls_after_full_image(m, a, r->call_born);
    }
}

/* A call-end whose verdict waited is written first, before whatever this
 * dump is for, so the file keeps the order in which things happened. Its
 * outcome travels in r->settled (the Python layer records and reports
 * that image too). */
static void settle_pending_call_end(mld_monitor *m, mld_dump_result *r)
{
    mld_dump_args a;
    mld_call_end_plan plan;
    if (!mld_calls_settle_pending(m, &a, &plan)) {
        return;
    }
    mld_dump_result settled;
    memset(&settled, 0, sizeof(settled));
    write_call_end(m, &a, &plan, &settled);
    if (settled.ok && settled.discarded) {
        return; /* the image child overran: no image, and the warning comes with later ones */
    }
    r->settled = settled.ok ? (settled.kind == MLT_IMAGE_CALL_DELTA ? 1 : 2) : -1;
    r->settled_sequence = settled.sequence;
    r->settled_file_size = settled.file_size;
    if (!settled.ok) {
        memcpy(r->error, settled.error, sizeof(r->error));
    }
}

void mld_monitor_settle_pending(mld_dump_result *r)
{
    memset(r, 0, sizeof(*r));
    mld_monitor *m = mld_monitor_lock(r->error, sizeof(r->error));
    if (m == NULL) {
        return;
    }
    if (mld_identity_check_lost()) {
        m->marks_lost = 1;
        mld_calllog_mark_incomplete(&m->calllog);
    }
    settle_pending_call_end(m, r);
    r->ok = 1;
    PyThread_release_lock(m->lock);
}

void mld_monitor_dump(const mld_dump_args *a, mld_dump_result *r)
{
    memset(r, 0, sizeof(*r));
    uint64_t start = mld_now_ns();
    mld_monitor *m = mld_monitor_lock(r->error, sizeof(r->error));
    if (m == NULL) {
        return;
    }
    int lost_since_check = mld_identity_check_lost();
    m->marks_lost |= lost_since_check;
    if (lost_since_check) {
        mld_calllog_mark_incomplete(&m->calllog); /* every call open now may miss births */
    }
    settle_pending_call_end(m, r);
    if (m->call_deltas && a->trigger == MLT_TRIGGER_CALL_START) {
        mld_calls_start(m);
        r->ok = 1;
        r->armed = 1;
    } else if (m->call_deltas && a->trigger == MLT_TRIGGER_CALL_END) {
        mld_call_end_plan plan;
        /* lost_since_check covers the call itself: births may be missing from the log */
        mld_calls_end(m, a, lost_since_check, &plan);
        if (plan.deferred) {
            r->ok = 1;
            r->deferred = 1;
        } else {
            write_call_end(m, a, &plan, r);
        }
    } else {
        take_full_image(m, a, r, m->marks_lost);
        m->marks_lost = 0;
    }
    r->total_ns = mld_now_ns() - start;
    PyThread_release_lock(m->lock);
}
