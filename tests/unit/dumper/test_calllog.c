/* The births log of a monitored call: which births survive (frees, reuse,
 * pre-headers, marks an image cleared), in what order, and its limits. */
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

static void open_log(fixture *f)
{
    memset(&f->log, 0, sizeof f->log);
    ck_assert_int_eq(mld_calllog_ready(&f->log), 0);
    f->marks = mld_bitmap_new(NULL);
    ck_assert_ptr_nonnull(f->marks);
}

static void close_log(fixture *f)
{
    mld_calllog_free(&f->log);
    mld_bitmap_free(f->marks);
}

/* What the tracer does on a creation: mark, then log. */
static void birth(fixture *f, uintptr_t address, size_t preheader)
{
    mld_bitmap_set(f->marks, address);
    mld_calllog_birth(&f->log, f->marks, address, preheader);
}

/* The survivors' addresses, sorted, equal want[0..n). */
static void check_survivors(fixture *f, const uintptr_t *want, size_t n)
{
    ck_assert_uint_eq(mld_calllog_survivors(&f->log, f->marks), n);
    mld_calllog_sort_addresses(&f->log);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(f->log.entries[i] == want[i], "survivor %zu is 0x%llx, expected 0x%llx", i,
                      (unsigned long long)f->log.entries[i], (unsigned long long)want[i]);
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
        f.log.overlapped = 1;
        mld_calllog_reset(&f.log);
        ck_assert_int_eq(f.log.overflow, 0);
        ck_assert_int_eq(f.log.overlapped, 0);
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
    mld_calllog_birth(&log, marks, 0x1000, 0);
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
                            live_births_overflow_at_the_cap};
    return ts_suite("calllog", "core", 0, tests, TS_COUNT(tests));
}
