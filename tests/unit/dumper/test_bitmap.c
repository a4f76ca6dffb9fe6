/* The identity bitmap: single granules, runs that cross a word, a leaf and
 * the end of the map, the leaf cache, clearing, and running out of memory. */
#include "dumper_suites.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "bitmap.h"
#include "bitmap_inline.h"
#include "check_suite.h"

#define GRANULE ((uintptr_t)1 << MLD_BITMAP_GRANULE_SHIFT)
/* Bytes of address space one leaf covers (4 MiB). */
#define LEAF_SPAN ((uintptr_t)1 << (MLD_BITMAP_GRANULE_SHIFT + MLD_BITMAP_LEAF_BITS))
/* The first address the map cannot represent (2^48). */
#define MAP_END                                                                                    \
    ((uintptr_t)1 << (MLD_BITMAP_GRANULE_SHIFT + MLD_BITMAP_LEAF_BITS + MLD_BITMAP_MID_BITS +      \
                      MLD_BITMAP_TOP_BITS))

static mld_bitmap *new_map(void)
{
    mld_bitmap *bm = mld_bitmap_new(NULL);
    ck_assert_ptr_nonnull(bm);
    return bm;
}

/* Checks that exactly the granules [first, first + count) around `first` are
 * marked, looking `margin` granules either side. */
static void check_run(const mld_bitmap *bm, uintptr_t first, unsigned count, unsigned margin)
{
    for (uintptr_t a = first - margin * GRANULE; a < first + (count + margin) * GRANULE;
         a += GRANULE) {
        int inside = a >= first && a < first + count * GRANULE;
        ck_assert_msg(mld_bitmap_test(bm, a) == inside, "granule 0x%llx: marked %d, expected %d",
                      (unsigned long long)a, mld_bitmap_test(bm, a), inside);
    }
}

/* An address and whether the map should answer that it is marked. */
typedef struct {
    uintptr_t address;
    int marked;
} probe;

static void check_probes(const mld_bitmap *bm, const probe *probes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(mld_bitmap_test(bm, probes[i].address) == probes[i].marked,
                      "0x%llx: marked %d, expected %d", (unsigned long long)probes[i].address,
                      mld_bitmap_test(bm, probes[i].address), probes[i].marked);
}

START_TEST(marks_one_granule)
{
    mld_bitmap *bm = new_map();
    ck_assert_int_eq(mld_bitmap_test(bm, 0x7f0000001000), 0);
    mld_bitmap_set(bm, 0x7f0000001000);
    static const probe around[] = {{0x7f0000001000, 1},
                                   {0x7f0000001008, 1}, /* same granule */
                                   {0x7f0000001010, 0},
                                   {0x7f0000000ff0, 0}};
    check_probes(bm, around, TS_COUNT(around));
    mld_bitmap_unset(bm, 0x7f0000001000);
    ck_assert_int_eq(mld_bitmap_test(bm, 0x7f0000001000), 0);
    mld_bitmap_unset(bm, 0x100000000); /* no leaf there: nothing to do */
    ck_assert_int_eq(mld_bitmap_lossy(bm), 0);
    mld_bitmap_free(bm);
}
END_TEST

START_TEST(test_and_set_returns_the_previous_bit)
{
    mld_bitmap *bm = new_map();
    ck_assert_int_eq(mld_bitmap_test_and_set(bm, 0x5000), 0);
    ck_assert_int_eq(mld_bitmap_test_and_set(bm, 0x5000), 1);
    ck_assert_int_eq(mld_bitmap_test_and_set(bm, 0x5010), 0);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 0);
    mld_bitmap_free(bm);
}
END_TEST

START_TEST(runs_cross_words_and_leaves)
{
    /* Inside one word, across a word boundary, the longest run across a
     * word, and across a leaf boundary (the slow path). */
    static const struct {
        uintptr_t first;
        unsigned count;
    } runs[] = {
        {0x10000, 3},
        {0x10000 + 62 * GRANULE, 5},
        {0x40000 + 1 * GRANULE, 63},
        {3 * LEAF_SPAN - 2 * GRANULE, 5},
        {7 * LEAF_SPAN - 63 * GRANULE, 63},
    };
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        mld_bitmap *bm = new_map();
        mld_bitmap_mark_run(bm, runs[i].first, runs[i].count);
        check_run(bm, runs[i].first, runs[i].count, 70);
        ck_assert_int_eq(mld_bitmap_lossy(bm), 0);
        mld_bitmap_free(bm);
    }
}
END_TEST

START_TEST(addresses_past_the_map_are_lossy_and_new)
{
    mld_bitmap *bm = new_map();
    ck_assert_int_eq(mld_bitmap_test(bm, MAP_END), 1); /* safe answer: new */
    ck_assert_int_eq(mld_bitmap_lossy(bm), 0);
    mld_bitmap_set(bm, MAP_END);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 1);
    mld_bitmap_clear(bm);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 0);
    ck_assert_int_eq(mld_bitmap_test_and_set(bm, MAP_END + LEAF_SPAN), 1);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 1);
    mld_bitmap_clear(bm);
    /* A run that starts in the map and ends past it keeps what it can. */
    mld_bitmap_mark_run(bm, MAP_END - 2 * GRANULE, 4);
    static const probe kept[] = {
        {MAP_END - 2 * GRANULE, 1}, {MAP_END - GRANULE, 1}, {MAP_END - 3 * GRANULE, 0}};
    check_probes(bm, kept, TS_COUNT(kept));
    ck_assert_int_eq(mld_bitmap_lossy(bm), 1);
    mld_bitmap_free(bm);
}
END_TEST

START_TEST(the_leaf_cache_marks_only_known_leaves)
{
    mld_bitmap *bm = new_map();
    ck_assert_int_eq(mld_bitmap_mark_one_cached(bm, 0x200000), 0);
    ck_assert_int_eq(mld_bitmap_test(bm, 0x200000), 0);
    mld_bitmap_set(bm, 0x200000); /* allocates and caches the leaf */
    ck_assert_int_eq(mld_bitmap_mark_one_cached(bm, 0x200040), 1);
    ck_assert_int_eq(mld_bitmap_test(bm, 0x200040), 1);
    /* A leaf whose cache slot another leaf took is still found by the walk. */
    uintptr_t rival = 0x200000 + MLD_BITMAP_LEAF_CACHE * LEAF_SPAN;
    mld_bitmap_set(bm, rival);
    ck_assert_int_eq(mld_bitmap_mark_one_cached(bm, 0x200080), 0);
    ck_assert_int_eq(mld_bitmap_test(bm, 0x200040), 1);
    mld_bitmap_unset(bm, 0x200040);
    ck_assert_int_eq(mld_bitmap_test(bm, 0x200040), 0);
    ck_assert_int_eq(mld_bitmap_test(bm, rival), 1);
    mld_bitmap_free(bm);
}
END_TEST

START_TEST(clear_forgets_marks_and_keeps_memory)
{
    mld_bitmap *bm = new_map();
    size_t empty = mld_bitmap_bytes(bm);
    for (uintptr_t leaf = 1; leaf <= 70; leaf++) /* past the 64 leaves first remembered */
        mld_bitmap_set(bm, leaf * LEAF_SPAN + 0x30);
    size_t used = mld_bitmap_bytes(bm);
    ck_assert_uint_gt(used, empty + 70 * sizeof(mld_bitmap_leaf_t) - 1);
    mld_bitmap_clear(bm);
    ck_assert_uint_eq(mld_bitmap_bytes(bm), used);
    for (uintptr_t leaf = 1; leaf <= 70; leaf++)
        ck_assert_int_eq(mld_bitmap_test(bm, leaf * LEAF_SPAN + 0x30), 0);
    mld_bitmap_set(bm, 5 * LEAF_SPAN);
    ck_assert_int_eq(mld_bitmap_test(bm, 5 * LEAF_SPAN), 1);
    mld_bitmap_free(bm);
}
END_TEST

/* An allocator that serves `budget` calls and then refuses. */
typedef struct {
    int budget;
} rationed;

static void *rationed_calloc(void *opaque, size_t count, size_t size)
{
    rationed *r = opaque;
    return r->budget-- > 0 ? calloc(count, size) : NULL;
}

static void *rationed_alloc(void *opaque, size_t size)
{
    return rationed_calloc(opaque, 1, size);
}

static void *rationed_realloc(void *opaque, void *ptr, size_t size)
{
    rationed *r = opaque;
    return r->budget-- > 0 ? realloc(ptr, size) : NULL;
}

static void rationed_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

START_TEST(out_of_memory_is_lossy_not_fatal)
{
    rationed budget = {1}; /* the map itself, then nothing */
    mlt_allocator alloc = {rationed_alloc, rationed_calloc, rationed_realloc, rationed_free,
                           &budget};
    mld_bitmap *bm = mld_bitmap_new(&alloc);
    ck_assert_ptr_nonnull(bm);
    mld_bitmap_set(bm, 0x1000);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 1);
    ck_assert_int_eq(mld_bitmap_test(bm, 0x1000), 0);
    mld_bitmap_clear(bm);
    ck_assert_int_eq(mld_bitmap_test_and_set(bm, 0x1000), 1);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 1);
    mld_bitmap_clear(bm);
    mld_bitmap_mark_run(bm, 0x1000, 3);
    ck_assert_int_eq(mld_bitmap_lossy(bm), 1);
    mld_bitmap_free(bm);
}
END_TEST

Suite *bitmap_suite(void)
{
    const TTest *tests[] = {marks_one_granule,
                            test_and_set_returns_the_previous_bit,
                            runs_cross_words_and_leaves,
                            addresses_past_the_map_are_lossy_and_new,
                            the_leaf_cache_marks_only_known_leaves,
                            clear_forgets_marks_and_keeps_memory,
                            out_of_memory_is_lossy_not_fatal};
    return ts_suite("bitmap", "core", 0, tests, TS_COUNT(tests));
}
