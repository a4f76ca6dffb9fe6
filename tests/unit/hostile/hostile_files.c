/* Builds the hostile dumps (see hostile_files.h). */
#include "hostile_files.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static const char *const two_types[] = {"app.X", "app.Y"};

static void small_heap(hbuf *out, const uint64_t *addresses, size_t count,
                       const uint32_t *edge_start, const uint32_t *targets, const uint32_t *roots,
                       size_t root_count, const hcounts *override)
{
    static const uint32_t types[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    hfile_header(out, 10, 1);
    himage_meta meta = {.run_id = 1, .pid = 10, .monotonic_time = 10, .identity = 1};
    hheap heap = {two_types, 2,          count,   addresses, types,
                  NULL,      edge_start, targets, roots,     root_count};
    himage_heap(out, &meta, &heap, override);
}

static void zstd_blocks(hbuf *out, uint8_t stream, uint64_t n, uint8_t first, uint8_t rest)
{
    uint8_t *raw = malloc(BOMB_BLOCK_RAW);
    ck_assert_ptr_nonnull(raw);
    for (uint64_t done = 0; done < n;) {
        size_t take = n - done < BOMB_BLOCK_RAW ? (size_t)(n - done) : BOMB_BLOCK_RAW;
        memset(raw, rest, take);
        if (done == 0)
            raw[0] = first;
        himage_block(out, stream, raw, take, 1);
        done += take;
    }
    free(raw);
}

void make_string_bomb(hbuf *out, unsigned blocks)
{
    hfile_header(out, 10, 1);
    himage_meta meta = {.run_id = 1, .pid = 10, .monotonic_time = 10, .identity = 1};
    size_t start = himage_begin(out, &meta);
    zstd_blocks(out, HS_STRINGS, (uint64_t)blocks * BOMB_BLOCK_RAW, 0, 0);
    hcounts counts = {.strings = (uint64_t)blocks * BOMB_BLOCK_RAW};
    himage_end(out, start, &counts);
}

void make_object_bomb(hbuf *out, uint64_t objects)
{
    hfile_header(out, 10, 1);
    himage_meta meta = {.run_id = 1, .pid = 10, .monotonic_time = 10, .identity = 1};
    size_t start = himage_begin(out, &meta);
    static const uint8_t strings[] = {1, 'x'}, types[] = {0, 0, 0, 0};
    himage_block(out, HS_STRINGS, strings, sizeof strings, 0);
    himage_block(out, HS_TYPES, types, sizeof types, 0);
    zstd_blocks(out, HS_OBJ_ADDR, objects, 0x10, 0x01); /* 0x10, then +1 each */
    static const uint8_t zero_streams[] = {HS_OBJ_TYPE, HS_OBJ_SIZE, HS_OBJ_REFCNT, HS_OBJ_FLAGS,
                                           HS_OBJ_EDGES};
    for (size_t i = 0; i < sizeof zero_streams; i++)
        zstd_blocks(out, zero_streams[i], objects, 0, 0);
    hcounts counts = {.objects = objects, .types = 1, .strings = 1};
    himage_end(out, start, &counts);
}

void make_bomb(hbuf *out, unsigned blocks)
{
    uint8_t *zeros = calloc(BOMB_BLOCK_RAW, 1);
    ck_assert_ptr_nonnull(zeros);
    hbuf one = {0};
    himage_block(&one, HS_STRINGS, zeros, BOMB_BLOCK_RAW, 1);
    free(zeros);
    hfile_header(out, 10, 1);
    himage_meta meta = {.run_id = 1, .pid = 10, .monotonic_time = 10, .identity = 1};
    size_t start = himage_begin(out, &meta);
    for (unsigned b = 0; b < blocks; b++)
        hb_bytes(out, one.data, one.length);
    hb_free(&one);
    hcounts counts = {
        .strings = 0}; /* zeros are empty strings: declare none, so they are left over */
    himage_end(out, start, &counts);
}

void make_giant_count(hbuf *out, uint64_t objects)
{
    static const uint64_t addresses[] = {0x1000, 0x1040};
    hcounts counts = {.objects = objects, .types = 2, .strings = 2};
    small_heap(out, addresses, 2, NULL, NULL, NULL, 0, &counts);
}

void make_missing_target(hbuf *out)
{
    static const uint64_t addresses[] = {0x1000, 0x1040, 0x1080};
    static const uint32_t edge_start[] = {0, 1, 1, 1}, targets[] = {3};
    small_heap(out, addresses, 3, edge_start, targets, NULL, 0, NULL);
}

void make_duplicate_address(hbuf *out)
{
    static const uint64_t addresses[] = {0x1000, 0x1000};
    small_heap(out, addresses, 2, NULL, NULL, NULL, 0, NULL);
}

void make_decreasing_address(hbuf *out)
{
    static const uint64_t addresses[] = {0x2000, 0x1000};
    small_heap(out, addresses, 2, NULL, NULL, NULL, 0, NULL);
}

void make_missing_root(hbuf *out)
{
    static const uint64_t addresses[] = {0x1000, 0x1040, 0x1080};
    static const uint32_t roots[] = {5};
    small_heap(out, addresses, 3, NULL, NULL, roots, 1, NULL);
}

void make_cycles(hbuf *out)
{
    static const char *const names[] = {"app.Anchor", "app.Self", "app.Node"};
    /* Image 0: only the anchor. Images 1 and 2: anchor, Self, and the cycle. */
    static const uint64_t addresses[] = {0x10000, 0x20000, CYCLE_NODE_A, CYCLE_NODE_A + 0x40,
                                         CYCLE_NODE_A + 0x80};
    static const uint32_t types[] = {0, 1, 2, 2, 2};
    static const uint32_t edge_start[] = {0, 0, 1, 2, 3, 4};
    static const uint32_t targets[] = {1, 3, 4, 2}; /* Self -> Self; A -> B -> C -> A */
    static const uint32_t roots[] = {0};
    static const uint8_t first[] = {1, 0, 0, 0, 0}, created[] = {0, 1, 1, 1, 1},
                         survived[] = {0, 0, 0, 0, 0};
    hfile_header(out, 10, 1);
    for (uint64_t image = 0; image < 3; image++) {
        himage_meta meta = {.sequence = image,
                            .has_base = image > 0,
                            .base_sequence = image ? image - 1 : 0,
                            .run_id = 1,
                            .pid = 10,
                            .monotonic_time = 10.0 * (double)(image + 1),
                            .identity = 1};
        const uint8_t *is_new = image == 0 ? first : image == 1 ? created : survived;
        hheap heap = {names,  3,          image ? 5 : 1, addresses, types,
                      is_new, edge_start, targets,       roots,     1};
        himage_heap(out, &meta, &heap, NULL);
    }
}

void make_chain(hbuf *out, uint32_t length)
{
    static const char *const names[] = {"app.Link"};
    uint64_t *addresses = malloc(length * sizeof *addresses);
    uint32_t *types = calloc(length, sizeof *types);
    uint32_t *edge_start = malloc((length + 1) * sizeof *edge_start);
    uint32_t *targets = malloc(length * sizeof *targets);
    uint8_t *created = malloc(length), *survived = calloc(length, 1);
    ck_assert(addresses && types && edge_start && targets && created && survived);
    memset(created, 1, length);
    for (uint32_t i = 0; i < length; i++) {
        addresses[i] = 0x100000 + 64ull * i;
        edge_start[i] = i;
        targets[i] = i + 1;
    }
    edge_start[length] = length - 1; /* the last node points nowhere */
    static const uint32_t roots[] = {0};
    hfile_header(out, 10, 1);
    for (uint64_t image = 0; image < 3; image++) {
        himage_meta meta = {.sequence = image,
                            .has_base = image > 0,
                            .base_sequence = image ? image - 1 : 0,
                            .run_id = 1,
                            .pid = 10,
                            .monotonic_time = 10.0 * (double)(image + 1),
                            .identity = 1};
        hheap heap = {names,        1,       image ? length : 0,
                      addresses,    types,   image == 1 ? created : survived,
                      edge_start,   targets, roots,
                      image ? 1 : 0};
        himage_heap(out, &meta, &heap, NULL);
    }
    free(addresses);
    free(types);
    free(edge_start);
    free(targets);
    free(created);
    free(survived);
}

/* One image of the runs scenarios: X (old) and, from image 1, Y. */
static void runs_image(hbuf *out, const himage_meta *meta, int with_y, int y_new, int x_new)
{
    static const uint64_t addresses[] = {0x1000, 0x2000};
    static const uint32_t types[] = {0, 1};
    static const uint32_t roots[] = {0, 1};
    uint8_t is_new[2] = {(uint8_t)x_new, (uint8_t)y_new};
    hheap heap = {two_types, 2,    with_y ? 2 : 1, addresses, types,
                  is_new,    NULL, NULL,           roots,     with_y ? 2 : 1};
    himage_heap(out, meta, &heap, NULL);
}

void make_runs(hbuf *out, runs_variant variant)
{
    hfile_header(out, 10, 1);
    himage_meta m0 = {.sequence = 0, .run_id = 1, .pid = 10, .monotonic_time = 10, .identity = 1};
    himage_meta m1 = {.sequence = 1,
                      .has_base = 1,
                      .base_sequence = 0,
                      .run_id = 1,
                      .pid = 10,
                      .monotonic_time = 20,
                      .identity = 1};
    himage_meta m2 = {.sequence = 2,
                      .has_base = 1,
                      .base_sequence = 1,
                      .run_id = 1,
                      .pid = 10,
                      .monotonic_time = 30,
                      .identity = 1};
    himage_meta other = {.sequence = 2,
                         .has_base = 1,
                         .base_sequence = 1,
                         .run_id = 2,
                         .pid = 77,
                         .monotonic_time = 1000,
                         .identity = 1};
    runs_image(out, &m0, 0, 0, 1);
    runs_image(out, &m1, 1, 1, 0);
    switch (variant) {
    case RUNS_OTHER_RUN_INSERTED: runs_image(out, &other, 1, 0, 0); break;
    case RUNS_OTHER_RUN_LAST: m2 = other; break;
    case RUNS_OTHER_PID: m2.pid = 11; break;
    case RUNS_SEQUENCE_BACKWARDS: m2.sequence = 0; break;
    case RUNS_BASE_NOT_PREVIOUS: m2.base_sequence = 0; break;
    case RUNS_CLOCK_BACKWARDS: m2.monotonic_time = 15; break;
    case RUNS_CONTROL: break;
    }
    runs_image(out, &m2, 1, 0, 0);
}

mla_report_set *hanalyze_temp(hbuf *bytes, const char *name, const mla_options *options,
                              char **path)
{
    *path = hwrite_temp(bytes, name);
    hb_free(bytes);
    mla_report_set *set;
    mlt_error err;
    ck_assert_msg(mla_analyze_file(*path, options, &set, &err) == MLT_OK, "%s", err.message);
    return set;
}
