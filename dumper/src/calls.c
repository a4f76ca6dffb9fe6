/* Per-call delta images (see calls.h). */
#include "calls.h"
#include "identity.h"
#include "callflow.h"
#include "cpython_internals.h"

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

/* Whether the log can be trusted for a call ending now. The last call to
 * end disarms (3.10-3.12: after the freelists' dead are marked, it reopens
 * them); an earlier one only asks whether the hooks are still in place. */
static int log_complete(mld_calllog *log, int slot)
{
    int last = log->open == 1 && log->unslotted == 0;
    mld_internals_mark_freelisted_dead(log->killed);
    mld_identity_settle_call_end(log);
    int hooks_ok = last ? mld_identity_disarm_call() == 0 : mld_identity_call_hooks_intact();
    return hooks_ok && !log->overflow && !log->slots[slot].incomplete;
}

void mld_calls_end(mld_monitor *m, const mld_dump_args *a, int marks_lost, mld_call_end_plan *plan)
{
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
        if (!mld_calllog_any_open(log)) {
            (void)mld_identity_disarm_call();
        }
        return;
    }
    int complete = log_complete(log, slot);
    size_t survivors = mld_calllog_close(log, slot, m->bitmap);
    int due = due_now(m, a->call_counter);
    plan->born = log->ended;
    plan->born_count = survivors;
    plan->full = !complete || survivors > 0 || due || !m->has_previous;
    if (plan->full) {
        drop_met_dues(m, a->call_counter);
    }
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
