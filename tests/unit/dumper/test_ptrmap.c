/* The walk's visited map: keys that share a home slot, growth keeping every
 * key, reserve, reset, overwrite and running out of memory. */
#include "dumper_suites.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "ptrmap.h"
#include "check_suite.h"

/* Keys that differ only in their low four bits share a home slot (the hash
 * drops them, since addresses are 16-byte aligned): a probe chain. */
START_TEST(colliding_keys_stay_apart)
{
    mld_ptrmap map;
    mld_ptrmap_init(&map, NULL);
    for (uint32_t i = 1; i < 16; i++)
        ck_assert_int_eq(mld_ptrmap_put(&map, 0x7000 + i, 100 + i), 0);
    ck_assert_uint_eq(map.count, 15);
    uint32_t value = 0;
    for (uint32_t i = 1; i < 16; i++) {
        ck_assert_int_eq(mld_ptrmap_get(&map, 0x7000 + i, &value), 1);
        ck_assert_uint_eq(value, 100 + i);
    }
    ck_assert_int_eq(mld_ptrmap_get(&map, 0x7000, &value), 0); /* same chain, absent */
    ck_assert_int_eq(mld_ptrmap_put(&map, 0x7003, 7), 0);      /* overwrite mid-chain */
    ck_assert_uint_eq(map.count, 15);
    ck_assert_int_eq(mld_ptrmap_get(&map, 0x7003, &value), 1);
    ck_assert_uint_eq(value, 7);
    mld_ptrmap_free(&map);
}
END_TEST

START_TEST(an_empty_map_finds_nothing)
{
    mld_ptrmap map;
    mld_ptrmap_init(&map, NULL);
    uint32_t value = 42;
    ck_assert_int_eq(mld_ptrmap_get(&map, 0x1000, &value), 0);
    ck_assert_uint_eq(value, 42);
    mld_ptrmap_free(&map);
}
END_TEST

START_TEST(growth_keeps_every_key)
{
    mld_ptrmap map;
    mld_ptrmap_init(&map, NULL);
    const uint32_t n = 100000;
    size_t last_capacity = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t found = 0;
        ck_assert_int_eq(mld_ptrmap_get_or_put(&map, 0x10000 + 16ull * i, i, &found), 0);
        ck_assert_uint_le(map.count * 2, map.capacity); /* load at most one half */
        ck_assert_uint_eq(map.capacity & (map.capacity - 1), 0);
        ck_assert_uint_ge(map.capacity, last_capacity);
        last_capacity = map.capacity;
    }
    ck_assert_uint_eq(map.count, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t value = 0, found = 0;
        ck_assert_int_eq(mld_ptrmap_get(&map, 0x10000 + 16ull * i, &value), 1);
        ck_assert_uint_eq(value, i);
        ck_assert_int_eq(mld_ptrmap_get_or_put(&map, 0x10000 + 16ull * i, 0, &found), 1);
        ck_assert_uint_eq(found, i); /* the old value, not the offered one */
    }
    ck_assert_uint_eq(map.count, n);
    mld_ptrmap_free(&map);
    ck_assert_ptr_null(map.slots);
    ck_assert_uint_eq(map.capacity, 0);
}
END_TEST

START_TEST(reserve_prevents_growth_and_reset_keeps_memory)
{
    mld_ptrmap map;
    mld_ptrmap_init(&map, NULL);
    ck_assert_int_eq(mld_ptrmap_reserve(&map, 5000), 0);
    size_t capacity = map.capacity;
    mld_ptrmap_slot *slots = map.slots;
    for (uint32_t i = 0; i < 5000; i++)
        ck_assert_int_eq(mld_ptrmap_put(&map, 0x40 + 16ull * i, i), 0);
    ck_assert_uint_eq(map.capacity, capacity);
    ck_assert_ptr_eq(map.slots, slots);
    ck_assert_int_eq(mld_ptrmap_reserve(&map, 10), 0); /* never shrinks */
    ck_assert_uint_eq(map.capacity, capacity);
    mld_ptrmap_reset(&map);
    ck_assert_uint_eq(map.count, 0);
    ck_assert_uint_eq(map.capacity, capacity);
    uint32_t value;
    ck_assert_int_eq(mld_ptrmap_get(&map, 0x40, &value), 0);
    ck_assert_int_eq(mld_ptrmap_put(&map, 0x40, 9), 0);
    ck_assert_int_eq(mld_ptrmap_get(&map, 0x40, &value), 1);
    ck_assert_uint_eq(value, 9);
    mld_ptrmap_free(&map);
}
END_TEST

static void *refuse_calloc(void *opaque, size_t count, size_t size)
{
    int *budget = opaque;
    return (*budget)-- > 0 ? calloc(count, size) : NULL;
}

static void *refuse_alloc(void *opaque, size_t size)
{
    return refuse_calloc(opaque, 1, size);
}

static void *refuse_realloc(void *opaque, void *ptr, size_t size)
{
    int *budget = opaque;
    return (*budget)-- > 0 ? realloc(ptr, size) : NULL;
}

static void plain_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

START_TEST(out_of_memory_fails_and_keeps_the_keys)
{
    int budget = 1; /* the first table only */
    mlt_allocator alloc = {refuse_alloc, refuse_calloc, refuse_realloc, plain_free, &budget};
    mld_ptrmap map;
    mld_ptrmap_init(&map, &alloc);
    uint32_t i = 0;
    while (mld_ptrmap_put(&map, 0x1000 + 16ull * i, i) == 0)
        i++;
    ck_assert_uint_eq(i, map.capacity / 2); /* full at load one half */
    uint32_t found;
    ck_assert_int_eq(mld_ptrmap_get_or_put(&map, 0x999990, 1, &found), -1);
    ck_assert_int_eq(mld_ptrmap_reserve(&map, 4 * i), -1);
    for (uint32_t k = 0; k < i; k++) {
        uint32_t value = 0;
        ck_assert_int_eq(mld_ptrmap_get(&map, 0x1000 + 16ull * k, &value), 1);
        ck_assert_uint_eq(value, k);
    }
    mld_ptrmap_free(&map);
}
END_TEST

Suite *ptrmap_suite(void)
{
    const TTest *tests[] = {colliding_keys_stay_apart, an_empty_map_finds_nothing,
                            growth_keeps_every_key, reserve_prevents_growth_and_reset_keeps_memory,
                            out_of_memory_fails_and_keeps_the_keys};
    return ts_suite("ptrmap", "core", 0, tests, TS_COUNT(tests));
}
