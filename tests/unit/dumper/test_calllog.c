/* The births log of monitored calls: which births survive (frees, reuse,
 * pre-headers, marks an image cleared), in what order, its limits, and
 * whose they are when calls overlap (flows of control, slots). */
#include "dumper_suites.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "calllog.h"
#include "check_suite.h"

typedef struct {
    mld_calllog log;
    mld_bitmap *marks; /* the identity bitmap the tracer marks */
} fixture;

/* Flows of control: stand-ins for Context objects. */
static const char flow_a[1], flow_b[1], flow_c[1];
#define A ((const void *)flow_a)
#define B ((const void *)flow_b)
#define C ((const void *)flow_c)

/* A log with one call open, of flow A. */
static void open_log(fixture *f)
{
    memset(&f->log, 0, sizeof f->log);
    ck_assert_int_eq(mld_calllog_ready(&f->log), 0);
    f->marks = mld_bitmap_new(NULL);
    ck_assert_ptr_nonnull(f->marks);
    ck_assert_int_eq(mld_calllog_open(&f->log, A, NULL), 0);
}

static void close_log(fixture *f)
{
    mld_calllog_free(&f->log);
    mld_bitmap_free(f->marks);
}

/* What the tracer does on a creation by flow: mark, then log. */
static void birth_by(fixture *f, const void *flow, uintptr_t address, size_t preheader)
{
    mld_bitmap_set(f->marks, address);
    mld_calllog_birth(&f->log, f->marks, address, preheader, flow);
}

static void birth(fixture *f, uintptr_t address, size_t preheader)
{
    birth_by(f, A, address, preheader);
}

/* Ends flow's call: its survivors' addresses, sorted, equal want[0..n). */
static void check_call_end(fixture *f, const void *flow, const uintptr_t *want, size_t n)
{
    int slot = mld_calllog_find(&f->log, flow);
    ck_assert_int_ge(slot, 0);
    ck_assert_uint_eq(mld_calllog_close(&f->log, slot, f->marks), n);
    ck_assert_uint_eq(f->log.ended_count, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(f->log.ended[i] == want[i], "survivor %zu is 0x%llx, expected 0x%llx", i,
                      (unsigned long long)f->log.ended[i], (unsigned long long)want[i]);
    ck_assert_int_lt(mld_calllog_find(&f->log, flow), 0);
}

static void check_survivors(fixture *f, const uintptr_t *want, size_t n)
{
    check_call_end(f, A, want, n);
}

START_TEST(survivors_keep_birth_order_until_sorted)
{
    fixture f;
    open_log(&f);
    birth(&f, 0x3000, 0);
    birth(&f, 0x1000, 0);
    birth(&f, 0x2020, 16);
    mld_calllog_freed(&f.log, 0x1000);
    ck_assert_uint_eq(mld_calllog_survivors(&f.log, f.marks), 2);
    ck_assert_uint_eq(f.log.entries[0] & ~(uintptr_t)0xF, 0x3000); /* oldest first */
    ck_assert_uint_eq(f.log.entries[1] & ~(uintptr_t)0xF, 0x2020);
    ck_assert_int_eq(mld_bitmap_test(f.marks, 0x3000), 1); /* marks come back */
    ck_assert_int_eq(mld_bitmap_test(f.marks, 0x2020), 1);
    static const uintptr_t want[] = {0x2020, 0x3000};
    check_survivors(&f, want, 2);
    close_log(&f);
}
END_TEST

/* One event of a scripted call: a creation, a free, or an image that found
 * the object gone and cleared its mark. */
typedef enum { BORN, FREED, CLEARED } event_kind;
typedef struct {
    event_kind kind;
    uintptr_t address;
    size_t preheader; /* BORN only */
} event;

/* Plays events[0..n) on a fresh log and checks the survivors are want[0..w). */
static void check_script(const event *events, size_t n, const uintptr_t *want, size_t w)
{
    fixture f;
    open_log(&f);
    for (size_t i = 0; i < n; i++) {
        if (events[i].kind == BORN)
            birth(&f, events[i].address, events[i].preheader);
        else if (events[i].kind == FREED)
            mld_calllog_freed(&f.log, events[i].address);
        else
            mld_bitmap_unset(f.marks, events[i].address);
    }
    check_survivors(&f, want, w);
    close_log(&f);
}

#define CHECK_SCRIPT(events, want) check_script(events, TS_COUNT(events), want, TS_COUNT(want))

START_TEST(a_reborn_address_counts_once_and_lives)
{
    static const event events[] = {
        {BORN, 0x4000, 0},
        {FREED, 0x4000, 0},
        {BORN, 0x4000, 0}, /* the block came back: the free was the first object's */
        {BORN, 0x4100, 0},
        {BORN, 0x4100, 0}};
    static const uintptr_t want[] = {0x4000, 0x4100};
    CHECK_SCRIPT(events, want);
}
END_TEST

START_TEST(a_free_counts_at_the_block_start)
{
    static const event events[] = {{BORN, 0x5020, 32}, /* block 0x5000 */
                                   {BORN, 0x6020, 32}, /* block 0x6000 */
                                   {FREED, 0x5020, 0}, /* not a block start of ours */
                                   {FREED, 0x6000, 0}};
    static const uintptr_t want[] = {0x5020};
    CHECK_SCRIPT(events, want);
}
END_TEST

START_TEST(a_newer_preheader_kills_what_it_covers)
{
    static const event events[] = {{BORN, 0x7010, 0},
                                   {BORN, 0x7020, 0},
                                   {BORN, 0x7040, 0},
                                   {BORN, 0x7030, 32}}; /* block 0x7010: covers 0x7010 and 0x7020 */
    static const uintptr_t want[] = {0x7030, 0x7040};
    CHECK_SCRIPT(events, want);
}
END_TEST

START_TEST(killed_and_freed_marks_lift_on_rebirth)
{
    static const event events[] = {
        {BORN, 0x8030, 32}, /* kills 0x8010, 0x8020 */
        {FREED, 0x8040, 0},
        {BORN, 0x8010, 0},  /* starts clean though it was killed */
        {BORN, 0x8040, 0}}; /* its block start was freed before: not its free */
    static const uintptr_t want[] = {0x8010, 0x8030, 0x8040};
    CHECK_SCRIPT(events, want);
}
END_TEST

START_TEST(an_image_that_cleared_the_mark_decides_dead)
{
    static const event events[] = {
        {BORN, 0x9000, 0}, {BORN, 0x9100, 0}, {CLEARED, 0x9000, 0}}; /* an image found it gone */
    static const uintptr_t want[] = {0x9100};
    CHECK_SCRIPT(events, want);
}
END_TEST

START_TEST(remark_restores_the_survivors_marks)
{
    fixture f;
    open_log(&f);
    birth(&f, 0xa000, 0);
    birth(&f, 0xa100, 0);
    mld_calllog_freed(&f.log, 0xa100);
    ck_assert_uint_eq(mld_calllog_survivors(&f.log, f.marks), 1);
    mld_bitmap_clear(f.marks);
    mld_calllog_remark(&f.log, f.marks);
    ck_assert_int_eq(mld_bitmap_test(f.marks, 0xa000), 1);
    ck_assert_int_eq(mld_bitmap_test(f.marks, 0xa100), 0);
    close_log(&f);
}
END_TEST

START_TEST(odd_births_overflow_until_reset)
{
    static const struct {
        uintptr_t address;
        size_t preheader;
    } odd[] = {{0xb008, 0}, {0xb000, 48}, {0xb000, 8}};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        fixture f;
        open_log(&f);
        birth(&f, odd[i].address, odd[i].preheader);
        ck_assert_int_eq(f.log.overflow, 1);
        birth(&f, 0xc000, 0); /* ignored once overflowed */
        ck_assert_uint_eq(f.log.count, 0);
        mld_calllog_reset(&f.log);
        ck_assert_int_eq(f.log.overflow, 0);
        ck_assert_int_eq(mld_calllog_any_open(&f.log), 0);
        ck_assert_int_eq(mld_calllog_open(&f.log, A, NULL), 0);
        birth(&f, 0xc000, 0);
        static const uintptr_t want[] = {0xc000};
        check_survivors(&f, want, 1);
        close_log(&f);
    }
}
END_TEST

START_TEST(an_unready_log_logs_nothing)
{
    mld_calllog log;
    memset(&log, 0, sizeof log);
    mld_bitmap *marks = mld_bitmap_new(NULL);
    mld_calllog_birth(&log, marks, 0x1000, 0, A);
    mld_calllog_freed(&log, 0x1000);
    ck_assert_uint_eq(log.count, 0);
    ck_assert_int_eq(log.overflow, 0);
    mld_calllog_free(&log);
    mld_bitmap_free(marks);
}
END_TEST

START_TEST(dead_entries_make_room_before_growth)
{
    fixture f;
    open_log(&f);
    birth(&f, 0x10000, 0);
    size_t capacity = f.log.capacity;
    ck_assert_uint_gt(capacity, 0);
    for (uint32_t i = 0; i < 20 * capacity; i++)
        birth(&f, 0x20000 + 16 * (i % 4), 0); /* four addresses born again and again */
    ck_assert_uint_eq(f.log.capacity, capacity);
    ck_assert_int_eq(f.log.overflow, 0);
    static const uintptr_t want[] = {0x10000, 0x20000, 0x20010, 0x20020, 0x20030};
    check_survivors(&f, want, 5);
    close_log(&f);
}
END_TEST

START_TEST(live_births_overflow_at_the_cap)
{
    fixture f;
    open_log(&f);
    for (size_t i = 0; i < MLD_CALLLOG_MAX_ENTRIES; i++)
        birth(&f, 0x100000 + 16 * (uintptr_t)i, 0);
    ck_assert_int_eq(f.log.overflow, 0);
    ck_assert_uint_eq(f.log.count, MLD_CALLLOG_MAX_ENTRIES);
    birth(&f, 0x100000 + 16 * (uintptr_t)MLD_CALLLOG_MAX_ENTRIES, 0);
    ck_assert_int_eq(f.log.overflow, 1);
    ck_assert_uint_eq(f.log.count, MLD_CALLLOG_MAX_ENTRIES);
    close_log(&f);
}
END_TEST

/* Two calls open at once, each in its own flow: each end reports what its
 * own flow made since it opened and kept; the other's births stay for its
 * end; a flow with no call open makes nobody's births while two are open. */
START_TEST(overlapping_calls_claim_their_own_flows_births)
{
    fixture f;
    open_log(&f); /* A opens */
    birth_by(&f, B, 0xd000,
             0); /* B's flow before its call opened: not B's, and A is not alone at its end */
    ck_assert_int_eq(mld_calllog_open(&f.log, B, NULL), 1);
    birth_by(&f, A, 0xd100, 0);
    birth_by(&f, B, 0xd200, 0);
    birth_by(&f, C, 0xd300, 0); /* no call of C's: nobody's */
    birth_by(&f, B, 0xd400, 0);
    mld_calllog_freed(&f.log, 0xd400);
    birth_by(&f, A, 0xd500, 0);
    static const uintptr_t a_kept[] = {0xd100, 0xd500};
    check_call_end(&f, A, a_kept, 2);
    birth_by(&f, B, 0xd600, 0);
    birth_by(&f, C, 0xd700,
             0); /* B is alone now: C's births since count for it, as with one call */
    static const uintptr_t b_kept[] = {0xd200, 0xd600, 0xd700};
    check_call_end(&f, B, b_kept, 3);
    ck_assert_int_eq(mld_calllog_any_open(&f.log), 0);
    close_log(&f);
}
END_TEST

/* An address one flow's object died at and another flow's object was born
 * at: the newest birth decides, for whichever call owns it. */
START_TEST(a_reused_address_belongs_to_the_newest_births_flow)
{
    fixture f;
    open_log(&f);
    ck_assert_int_eq(mld_calllog_open(&f.log, B, NULL), 1);
    birth_by(&f, A, 0xe000, 0);
    mld_calllog_freed(&f.log, 0xe000);
    birth_by(&f, B, 0xe000, 0);
    ck_assert_int_eq(mld_calllog_open(&f.log, C, NULL), 2);
    check_call_end(&f, A, NULL, 0);
    static const uintptr_t b_kept[] = {0xe000};
    check_call_end(&f, B, b_kept, 1);
    check_call_end(&f, C, NULL, 0);
    close_log(&f);
}
END_TEST

/* Compaction drops what no open call can claim (born before every open
 * call started) and keeps each slot's start on its first birth. */
START_TEST(compaction_keeps_each_calls_start)
{
    fixture f;
    open_log(&f);
    for (uintptr_t i = 0; i < 8; i++)
        birth_by(&f, A, 0x40000 + 16 * i, 0);
    ck_assert_int_eq(mld_calllog_open(&f.log, B, NULL), 1);
    for (uintptr_t i = 0; i < 8; i++)
        mld_calllog_freed(&f.log, 0x40000 + 16 * i); /* A's all die */
    birth_by(&f, B, 0x50000, 0);
    birth_by(&f, A, 0x50010, 0);
    static const uintptr_t a_kept[] = {0x50010};
    check_call_end(&f, A, a_kept, 1);
    ck_assert_uint_eq(mld_calllog_survivors(&f.log, f.marks), 1); /* B's one */
    ck_assert_uint_eq(f.log.slots[1].start, 0);
    birth_by(&f, B, 0x50020, 0);
    static const uintptr_t b_kept[] = {0x50000, 0x50020};
    check_call_end(&f, B, b_kept, 2);
    close_log(&f);
}
END_TEST

/* Tokens: stand-ins for the Python layer's per-call objects. */
static const char token_1[1], token_2[1];
#define T1 ((const void *)token_1)
#define T2 ((const void *)token_2)

/* What each mark makes of a flow: its own call, a child of an open call,
 * its exit from a call that just ended, a child of an ended call, a flow
 * between its calls, an unmarked helper. */
START_TEST(a_flows_mark_decides_whose_its_births_are)
{
    fixture f;
    memset(&f.log, 0, sizeof f.log);
    ck_assert_int_eq(mld_calllog_open(&f.log, A, T1), 0);
    ck_assert_int_eq(mld_calllog_open(&f.log, B, T2), 1);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, A, MLD_FLOW_IN_CALL, T1), A);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, C, MLD_FLOW_IN_CALL, T2), B);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, C, MLD_FLOW_BETWEEN_CALLS, NULL),
                     MLD_FLOW_NO_CALL);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, C, MLD_FLOW_UNMARKED, NULL), C);
    ck_assert_uint_eq(mld_calllog_close(&f.log, 1, NULL), 0);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, B, MLD_FLOW_IN_CALL, T2), MLD_FLOW_NO_CALL);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, C, MLD_FLOW_IN_CALL, T2), C);
    mld_calllog_free(&f.log);
}
END_TEST

/* A flow between its calls makes nobody's births, even while one call is
 * open alone (which claims a helper's): a threaded server's other workers
 * do not make each call's end take a full image. */
START_TEST(births_between_a_flows_calls_are_nobodys)
{
    fixture f;
    open_log(&f);
    birth_by(&f, MLD_FLOW_NO_CALL, 0xf000, 0);
    birth_by(&f, C, 0xf100, 0);
    static const uintptr_t a_kept[] = {0xf100};
    check_call_end(&f, A, a_kept, 1);
    close_log(&f);
}
END_TEST

/* A new call takes the free slot whose call ended longest ago, so the
 * ended calls' tokens stay known while their flows finish their exits. */
START_TEST(a_call_opens_in_the_slot_ended_longest_ago)
{
    fixture f;
    memset(&f.log, 0, sizeof f.log);
    ck_assert_int_eq(mld_calllog_open(&f.log, A, T1), 0);
    ck_assert_int_eq(mld_calllog_open(&f.log, B, T2), 1);
    ck_assert_uint_eq(mld_calllog_close(&f.log, 1, NULL), 0);
    ck_assert_uint_eq(mld_calllog_close(&f.log, 0, NULL), 0);
    mld_calllog_reset(&f.log);
    ck_assert_int_eq(mld_calllog_open(&f.log, C, T1), 2); /* never used */
    for (int i = 3; i < MLD_CALL_SLOTS; i++)
        ck_assert_int_eq(mld_calllog_open(&f.log, (const char *)&f + i, NULL), i);
    ck_assert_int_eq(mld_calllog_open(&f.log, A, NULL), 1); /* B's ended first */
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, B, MLD_FLOW_IN_CALL, T1), C);
    mld_calllog_free(&f.log);
}
END_TEST

/* A call-end whose verdict waits: its survivors stay in the log, others'
 * births and frees go on deciding them, no later call claims them, and
 * settling reports only those still alive. */
START_TEST(a_waiting_verdict_settles_on_what_is_still_alive)
{
    fixture f;
    open_log(&f);
    birth_by(&f, A, 0xa000, 0);
    birth_by(&f, A, 0xa100, 0);
    ck_assert_uint_eq(mld_calllog_end_later(&f.log, 0, f.marks), 2);
    ck_assert_int_eq(f.log.has_pending, 1);
    ck_assert_int_eq(mld_calllog_any_open(&f.log), 0);
    ck_assert_ptr_eq(mld_calllog_flow_of(&f.log, A, MLD_FLOW_UNMARKED, NULL), A);
    ck_assert_int_eq(mld_calllog_open(&f.log, B, NULL), 1);
    mld_calllog_freed(&f.log, 0xa000); /* the returned value, dropped by the caller */
    birth_by(&f, B, 0xb000, 0);
    static const uintptr_t pending_kept[] = {0xa100};
    ck_assert_uint_eq(mld_calllog_close(&f.log, f.log.pending_slot, f.marks), 1);
    ck_assert_uint_eq(f.log.ended[0], pending_kept[0]);
    ck_assert_int_eq(f.log.has_pending, 0);
    static const uintptr_t b_kept[] = {0xb000};
    check_call_end(&f, B, b_kept, 1);
    close_log(&f);
}
END_TEST

START_TEST(calls_beyond_the_slots_are_unslotted)
{
    fixture f;
    open_log(&f);
    static char flows[MLD_CALL_SLOTS];
    for (int i = 1; i < MLD_CALL_SLOTS; i++)
        ck_assert_int_eq(mld_calllog_open(&f.log, &flows[i], NULL), i);
    ck_assert_int_eq(mld_calllog_open(&f.log, &flows[0], NULL), -1);
    ck_assert_int_eq(f.log.unslotted, 1);
    ck_assert_int_eq(mld_calllog_find(&f.log, &flows[0]), -1);
    mld_calllog_mark_incomplete(&f.log);
    ck_assert_int_eq(f.log.slots[5].incomplete, 1);
    close_log(&f);
}
END_TEST

Suite *calllog_suite(void)
{
    const TTest *tests[] = {survivors_keep_birth_order_until_sorted,
                            a_reborn_address_counts_once_and_lives,
                            a_free_counts_at_the_block_start,
                            a_newer_preheader_kills_what_it_covers,
                            killed_and_freed_marks_lift_on_rebirth,
                            an_image_that_cleared_the_mark_decides_dead,
                            remark_restores_the_survivors_marks,
                            odd_births_overflow_until_reset,
                            an_unready_log_logs_nothing,
                            dead_entries_make_room_before_growth,
                            live_births_overflow_at_the_cap,
                            overlapping_calls_claim_their_own_flows_births,
                            a_reused_address_belongs_to_the_newest_births_flow,
                            compaction_keeps_each_calls_start,
                            calls_beyond_the_slots_are_unslotted,
                            a_flows_mark_decides_whose_its_births_are,
                            births_between_a_flows_calls_are_nobodys,
                            a_call_opens_in_the_slot_ended_longest_ago,
                            a_waiting_verdict_settles_on_what_is_still_alive};
    return ts_suite("calllog", "core", 0, tests, TS_COUNT(tests));
}
