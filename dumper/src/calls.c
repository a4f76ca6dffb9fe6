/* Per-call delta images (see calls.h). */
#include "calls.h"
#include "identity.h"
#include "cpython_internals.h"

void mld_calls_start(mld_monitor *m)
{
    if (m->calllog.depth++ > 0) {
        /* Another thread or task is inside a monitored call: the log can
         * no longer say whose births it holds. */
        m->calllog.overlapped = 1;
        return;
    }
    mld_calllog_reset(&m->calllog);
    if (mld_calllog_ready(&m->calllog) != 0) {
        m->calllog.overflow = 1; /* no memory for the freed-block map: a full image at the end */
        return;
    }
    mld_identity_arm_call(&m->calllog);
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

void mld_calls_end(mld_monitor *m, const mld_dump_args *a, int marks_lost, mld_call_end_plan *plan)
{
    plan->full = 1;
    plan->born = NULL;
    plan->born_count = 0;
    mld_calllog *log = &m->calllog;
    if (log->depth == 0) {
        return; /* a call-end without its start (monitor opened mid-call) */
    }
    if (--log->depth > 0 || log->overlapped) {
        return; /* overlapping calls: a full image, births unattributed */
    }
    /* Freelists first: disarming puts 3.10-3.12's stashed chains back, and
     * nothing of the call can be in those. */
    mld_internals_mark_freelisted_dead(log->killed);
    int complete = mld_identity_disarm_call() == 0 && !marks_lost && !log->overflow;
    size_t survivors = mld_calllog_survivors(log, m->bitmap);
    mld_calllog_sort_addresses(log);
    int due = due_now(m, a->call_counter);
    plan->born = log->entries;
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
    int call_open = m->calllog.depth > 0;
    if (call_open) {
        (void)mld_calllog_survivors(&m->calllog, m->bitmap);
    }
    mld_bitmap_clear(m->bitmap);
    mld_internals_mark_freelists(m->bitmap);
    if (call_open) {
        /* They are in the image just taken, so the next one calls them NEW
         * (their identity chain restarts), but the call's end still sees
         * them as its births. */
        mld_calllog_remark(&m->calllog, m->bitmap);
    } else {
        mld_calllog_reset(&m->calllog);
    }
}
