/* The image child's allocator against a model: random allocations, growths
 * and frees across the small classes and the large mappings keep every
 * block's contents, alignment and zeroing, and give every page back. */
#include "dumper_suites.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "child_memory.h"
#include "check_suite.h"

#define LIVE 512

typedef struct {
    unsigned char *ptr;
    size_t size;
    unsigned char fill;
} live_block;

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

/* Mostly small, sometimes past the largest class (64 KiB), now and then megabytes. */
static size_t random_size(unsigned *state)
{
    unsigned pick = next_random(state) % 100;
    if (pick < 80)
        return next_random(state) % 2048;
    if (pick < 97)
        return 16384 + next_random(state) % 131072;
    return ((size_t)1 << 20) + next_random(state) % ((size_t)3 << 20);
}

static void check_block(const live_block *b)
{
    for (size_t i = 0; i < b->size; i += 1 + b->size / 64) {
        ck_assert_msg(b->ptr[i] == b->fill, "byte %zu of a %zu-byte block changed", i, b->size);
    }
    if (b->size)
        ck_assert_uint_eq(b->ptr[b->size - 1], b->fill);
}

START_TEST(random_traffic_keeps_contents)
{
    mld_child_memory memory;
    mld_child_memory_init(&memory);
    mlt_allocator a = mld_child_memory_allocator(&memory);
    live_block blocks[LIVE];
    memset(blocks, 0, sizeof(blocks));
    unsigned state = 12345;
    for (int step = 0; step < 20000; step++) {
        live_block *b = &blocks[next_random(&state) % LIVE];
        unsigned action = next_random(&state) % 3;
        if (b->ptr != NULL)
            check_block(b);
        if (b->ptr != NULL && action == 0) {
            a.free(a.opaque, b->ptr);
            b->ptr = NULL;
            continue;
        }
        size_t size = random_size(&state);
        unsigned char *p = b->ptr == NULL ? a.alloc(a.opaque, size)
                                          : a.realloc(a.opaque, b->ptr, size);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % 16, 0);
        size_t kept = b->ptr != NULL && b->size < size ? b->size : (b->ptr != NULL ? size : 0);
        for (size_t i = 0; i < kept; i += 1 + kept / 64)
            ck_assert_uint_eq(p[i], b->fill);
        b->ptr = p;
        b->size = size;
        b->fill = (unsigned char)(step & 0xff);
        memset(p, b->fill, size);
    }
    for (int i = 0; i < LIVE; i++) {
        if (blocks[i].ptr != NULL) {
            check_block(&blocks[i]);
            a.free(a.opaque, blocks[i].ptr);
        }
    }
}
END_TEST

START_TEST(calloc_zeroes_recycled_blocks)
{
    mld_child_memory memory;
    mld_child_memory_init(&memory);
    mlt_allocator a = mld_child_memory_allocator(&memory);
    size_t sizes[] = {1, 100, 4000, 60000, 200000};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        unsigned char *dirty = a.alloc(a.opaque, sizes[k]);
        memset(dirty, 0xAB, sizes[k]);
        a.free(a.opaque, dirty);
        unsigned char *clean = a.calloc(a.opaque, 1, sizes[k]);
        ck_assert_ptr_nonnull(clean);
        for (size_t i = 0; i < sizes[k]; i++)
            ck_assert_uint_eq(clean[i], 0);
        a.free(a.opaque, clean);
    }
    ck_assert_ptr_null(a.calloc(a.opaque, SIZE_MAX / 2, 4)); /* count * size overflows */
}
END_TEST

START_TEST(large_blocks_give_their_pages_back)
{
    mld_child_memory memory;
    mld_child_memory_init(&memory);
    mlt_allocator a = mld_child_memory_allocator(&memory);
    void *big = a.alloc(a.opaque, (size_t)8 << 20);
    ck_assert_uint_ge(memory.mapped_bytes, (size_t)8 << 20);
    big = a.realloc(a.opaque, big, (size_t)32 << 20);
    ck_assert_ptr_nonnull(big);
    ck_assert_uint_ge(memory.mapped_bytes, (size_t)32 << 20);
    a.free(a.opaque, big);
    ck_assert_uint_lt(memory.mapped_bytes, (size_t)1 << 20);
    ck_assert_ptr_null(a.alloc(a.opaque, SIZE_MAX - 8)); /* refused, not wrapped around */
}
END_TEST

Suite *child_memory_suite(void)
{
    const TTest *tests[] = {random_traffic_keeps_contents, calloc_zeroes_recycled_blocks,
                            large_blocks_give_their_pages_back};
    return ts_suite("child_memory", "core", 60, tests, TS_COUNT(tests));
}
