/* mld_sort against qsort on random inputs of every small length and a
 * large one, with many duplicate keys and elements of several sizes. */
#include "dumper_suites.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sort.h"
#include "check_suite.h"

typedef struct {
    uint32_t key;
    uint32_t payload;
} pair;

static int by_key(const void *a, const void *b)
{
    uint32_t x = ((const pair *)a)->key, y = ((const pair *)b)->key;
    return (x > y) - (x < y);
}

static int by_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

START_TEST(sorts_like_qsort)
{
    unsigned state = 7;
    for (size_t n = 0; n < 300; n += (n < 40 ? 1 : 37)) {
        pair *items = malloc((n + 1) * sizeof(pair));
        uint64_t *keys = malloc((n + 1) * sizeof(uint64_t));
        uint64_t *reference = malloc((n + 1) * sizeof(uint64_t));
        for (size_t i = 0; i < n; i++) {
            state = state * 1103515245u + 12345u;
            items[i].key = (state >> 8) % (n / 3 + 1); /* duplicates */
            items[i].payload = (uint32_t)i;
            keys[i] = reference[i] = ((uint64_t)state << 32) ^ i;
        }
        mld_sort(items, n, sizeof(pair), by_key);
        for (size_t i = 1; i < n; i++)
            ck_assert_uint_le(items[i - 1].key, items[i].key);
        mld_sort(keys, n, sizeof(uint64_t), by_u64);
        qsort(reference, n, sizeof(uint64_t), by_u64);
        ck_assert(n == 0 || memcmp(keys, reference, n * sizeof(uint64_t)) == 0);
        free(items);
        free(keys);
        free(reference);
    }
}
END_TEST

START_TEST(sorts_a_large_array)
{
    size_t n = 200000;
    uint64_t *keys = malloc(n * sizeof(uint64_t));
    uint64_t *reference = malloc(n * sizeof(uint64_t));
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        keys[i] = reference[i] = x;
    }
    mld_sort(keys, n, sizeof(uint64_t), by_u64);
    qsort(reference, n, sizeof(uint64_t), by_u64);
    ck_assert(memcmp(keys, reference, n * sizeof(uint64_t)) == 0);
    free(keys);
    free(reference);
}
END_TEST

Suite *sort_suite(void)
{
    const TTest *tests[] = {sorts_like_qsort, sorts_a_large_array};
    return ts_suite("sort", "core", 0, tests, TS_COUNT(tests));
}
