/* Per-call delta images (see calls.h). */
#include "calls.h"
#include "identity.h"
#include "callflow.h"
#include "cpython_internals.h"

#include <stdlib.h>
#include <string.h>

void mld_calls_start(mld_monitor *m)
{
    mld_calllog *log = &m->calllog;
    if (!mld_calllog_any_open(log)) {
        mld_calllog_reset(log);
        if (mld_calllog_ready(log) != 0) {
            log->overflow = 1; /* no memory for the freed-block map: full images at the ends */
        }
    }
    /* Opened before arming: what arming makes is older than the call. */
    int first = !mld_calllog_any_open(log);
    (void)mld_calllog_open(log, mld_callflow_owner(), mld_callflow_token(log));
    if (first && !log->overflow) {
        mld_identity_arm_call(log);
    }
}

static int due_now(mld_monitor *m, uint64_t counter)
{
    if (m->full_until != 0 && counter <= m->full_until) {
        return 1;
    }
    return m->due_count > 0 && m->due[0] <= counter;
}

/* Dues at or before counter are met by the full image about to be taken. */
static void drop_met_dues(mld_monitor *m, uint64_t counter)
{
    size_t met = 0;
    while (met < m->due_count && m->due[met] <= counter) {
        met++;
    }
    for (size_t i = met; i < m->due_count; i++) {
        m->due[i - met] = m->due[i];
    }
    m->due_count -= met;
}

/* Whether the log can be trusted for slot's call ending now (or its
 * verdict settling now): the hooks still in place, the freelists still
 * closed, nothing lost. Marks the freelists' dead first. */
static int log_complete(mld_calllog *log, int slot)
{
    mld_internals_mark_freelisted_dead(log->killed);
    return mld_identity_call_hooks_intact() && !log->overflow && !log->slots[slot].incomplete;
}

/* Disarms once no call is open and no verdict waits (3.10-3.12: after the
 * freelists' dead are marked, it reopens them). 0 when still armed, or when
 * the hooks stayed in place to the end; -1 otherwise. */
static int disarm_if_idle(mld_calllog *log)
{
    if (mld_calllog_any_open(log) || log->has_pending) {
        return 0;
    }
    return mld_identity_disarm_call();
}

/* The call-end's arguments, kept for its settling; -1 when out of memory. */
static int keep_pending_end(mld_monitor *m, const mld_dump_args *a)
{
    char *function = NULL;
    if (a->function != NULL && (function = strdup(a->function)) == NULL) {
        return -1;
    }
    free(m->pending_function);
    m->pending_function = function;
    m->pending_end = *a;
    m->pending_end.function = function;
    return 0;
}

static void finish_plan(mld_monitor *m, uint64_t counter, mld_call_end_plan *plan)
{
    if (disarm_if_idle(&m->calllog) != 0) {
        plan->full = 1; /* a hook moved before the end: the log may miss births */
    }
    if (plan->full) {
        drop_met_dues(m, counter);
    }
}

void mld_calls_end(mld_monitor *m, const mld_dump_args *a, int marks_lost, mld_call_end_plan *plan)
{
    plan->deferred = 0;
    plan->full = 1;
    plan->born = NULL;
    plan->born_count = 0;
    mld_calllog *log = &m->calllog;
    if (!mld_calllog_any_open(log)) {
        return; /* a call-end without its start (monitor opened mid-call) */
    }
    if (marks_lost) {
        mld_calllog_mark_incomplete(log);
    }
    int slot = mld_calllog_find(log, mld_callflow_owner());
    if (slot < 0) {
        /* A call past MLD_CALL_SLOTS, or a flow whose start we never saw:
         * a full image, its births unattributed. */
        mld_calllog_end_unslotted(log);
        (void)disarm_if_idle(log);
        return;
    }
    mld_identity_settle_call_end(log);
    int complete = log_complete(log, slot);
    /* A due image must be full, but waiting still pays: when the
     * survivors die meanwhile, it flags none and schedules no new due. */
    int due = due_now(m, a->call_counter);
    int can_wait = complete && m->has_previous;
    size_t survivors = can_wait ? mld_calllog_end_later(log, slot, m->bitmap)
                                : mld_calllog_close(log, slot, m->bitmap);
    if (log->has_pending && log->pending_slot == slot) {
        if (keep_pending_end(m, a) == 0) {
            m->pending_due = due;
            plan->deferred = 1; /* the hooks stay armed: its survivors' deaths are watched */
            return;
        }
        survivors = mld_calllog_close(log, slot, m->bitmap); /* no memory: settle now */
    }
    plan->born = log->ended;
    plan->born_count = survivors;
    plan->full = !can_wait || survivors > 0 || due;
    finish_plan(m, a->call_counter, plan);
}

int mld_calls_settle_pending(mld_monitor *m, mld_dump_args *a, mld_call_end_plan *plan)
{
    mld_calllog *log = &m->calllog;
    if (!log->has_pending) {
        return 0;
    }
    *a = m->pending_end;
    int complete = log_complete(log, log->pending_slot);
    size_t survivors = mld_calllog_close(log, log->pending_slot, m->bitmap);
    plan->deferred = 0;
    plan->born = log->ended;
    plan->born_count = survivors;
    plan->full = !complete || survivors > 0 || m->pending_due;
    finish_plan(m, a->call_counter, plan);
    return 1;
}

void mld_calls_after_full_image(mld_monitor *m, const mld_dump_args *a, size_t born_count)
{
    uint64_t calls = a->criterion.kind == MLT_CRITERION_CALLS ? a->criterion.calls : 1;
    if (born_count == 0 || calls <= 1) {
        return;
    }
    uint64_t due = a->call_counter + calls - 1;
    if (m->due_count == MLD_DUE_MAX) {
        m->full_until = due > m->full_until ? due : m->full_until;
        return;
    }
    m->due[m->due_count++] = due;
}

void mld_calls_restart_marks(mld_monitor *m)
{
    int call_open = mld_calllog_any_open(&m->calllog);
    if (call_open) {
        (void)mld_calllog_survivors(&m->calllog, m->bitmap);
    }
    mld_bitmap_clear(m->bitmap);
    mld_internals_mark_freelists(m->bitmap);
    if (call_open) {
        /* They are in the image just taken, so the next one calls them NEW
         * (their identity chain restarts), but the open calls' ends still
         * see them as their births. */
        mld_calllog_remark(&m->calllog, m->bitmap);
    } else {
        mld_calllog_reset(&m->calllog);
    }
}
