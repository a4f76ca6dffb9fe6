/* mld_static_ranges: merging and searching ranges, and reading the loaded
 * objects' segments (this test binary's own data must be inside, the heap
 * and the stack outside). */
#include "dumper_suites.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "static_ranges.h"
#include "check_suite.h"

static int static_variable = 1; /* in this binary's data segment */

START_TEST(merges_and_searches)
{
    /* unsorted, overlapping, adjacent and empty ranges */
    static const mld_address_range given[] = {{300, 400}, {100, 200}, {150, 250},
                                              {250, 260}, {500, 500}, {600, 700}};
    mld_static_ranges r;
    mld_static_ranges_init(&r);
    ck_assert_int_eq(mld_static_ranges_set(&r, given, 6), 0);
    ck_assert_uint_eq(r.count, 3);
    ck_assert_uint_eq(r.items[0].start, 100);
    ck_assert_uint_eq(r.items[0].end, 260);
    static const uintptr_t inside[] = {100, 199, 255, 259, 300, 399, 600, 699};
    static const uintptr_t outside[] = {0, 99, 260, 299, 400, 500, 599, 700, UINTPTR_MAX};
    for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
        ck_assert_msg(mld_static_ranges_contains(&r, inside[i]), "%zu", (size_t)inside[i]);
    for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++)
        ck_assert_msg(!mld_static_ranges_contains(&r, outside[i]), "%zu", (size_t)outside[i]);
    ck_assert_int_eq(mld_static_ranges_set(&r, NULL, 0), 0);
    ck_assert(!mld_static_ranges_contains(&r, 150));
    mld_static_ranges_free(&r);
}
END_TEST

START_TEST(reads_the_loaded_objects)
{
    mld_static_ranges r;
    mld_static_ranges_init(&r);
    mld_static_ranges_refresh(&r);
    ck_assert_uint_gt(r.count, 0);
    int on_stack = 0;
    void *on_heap = malloc(64);
    ck_assert(mld_static_ranges_contains(&r, (uintptr_t)&static_variable));
    ck_assert(mld_static_ranges_contains(&r, (uintptr_t)&strlen)); /* libc's text */
    ck_assert(!mld_static_ranges_contains(&r, (uintptr_t)&on_stack));
    ck_assert(!mld_static_ranges_contains(&r, (uintptr_t)on_heap));
    /* Nothing was loaded since: a second refresh does not reread (a mark in
     * the ranges stays); counts that moved do. */
    uintptr_t end = r.items[0].end;
    r.items[0].end = r.items[0].start + 1;
    mld_static_ranges_refresh(&r);
    ck_assert_uint_eq(r.items[0].end, r.items[0].start + 1);
    r.adds ^= 1;
    mld_static_ranges_refresh(&r);
    ck_assert_uint_eq(r.items[0].end, end);
    free(on_heap);
    mld_static_ranges_free(&r);
}
END_TEST

Suite *static_ranges_suite(void)
{
    const TTest *tests[] = {merges_and_searches, reads_the_loaded_objects};
    return ts_suite("static_ranges", "core", 0, tests, TS_COUNT(tests));
}
