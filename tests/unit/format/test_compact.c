/* Tests of dump-file compaction (format/src/compact.c, compact_plan.c).
 *
 * The synthetic run is a set of objects with a known birth and death image
 * at addresses that get reused. Each image's NEW flags are written from that
 * truth relative to the previous image. After dropping images, the flags of
 * a kept image must equal the truth relative to its NEW base, computed
 * directly from births: an independent oracle for the merge.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memalot/compact.h"
#include "memalot/format.h"
#include "synth_dump.h"

#define IMAGES 5
#define SLOTS 300
#define MAX_OBJECTS (SLOTS * 4)
#define BEFORE_START (-1)

typedef struct {
    uint64_t address;
    int birth; /* image in which it is first seen as NEW; BEFORE_START = existed before the run */
    int death; /* first image it is absent from (IMAGES = alive at the end) */
    int approx_in; /* image whose record marks its identity approximate, or -1 */
} object_truth;

typedef struct {
    object_truth objects[MAX_OBJECTS];
    size_t count;
} run_truth;

static uint64_t rng_state;

/* Call deltas written after each full image but the last (0: none). Full
 * image `image` then has sequence image * (1 + DELTAS). */
static int deltas_per_image;

static uint64_t sequence_of(int image)
{
    return (uint64_t)image * (uint64_t)(1 + deltas_per_image);
}

static uint32_t next_random(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(rng_state >> 33);
}

/* Each address slot holds a succession of occupants with gaps between them,
 * so addresses are reused the way freelists reuse them. */
static void make_truth(run_truth *t, uint64_t seed)
{
    rng_state = seed;
    t->count = 0;
    for (int slot = 0; slot < SLOTS; slot++) {
        int image = (next_random() % 3 == 0) ? 0 : -1;
        while (image < IMAGES && t->count < MAX_OBJECTS) {
            object_truth *o = &t->objects[t->count++];
            o->address = 0x10000 + (uint64_t)slot * 32;
            o->birth = image < 0 ? BEFORE_START : image;
            o->death = (image < 0 ? 0 : image) + 1 + (int)(next_random() % 4);
            if (o->death > IMAGES || next_random() % 4 == 0)
                o->death = IMAGES; /* long-lived */
            o->approx_in = (next_random() % 17 == 0) ? (o->birth < 0 ? 0 : o->birth) + 1 : -1;
            image = o->death + (int)(next_random() % 2); /* reuse at once or after a gap */
        }
    }
}

static int alive_in(const object_truth *o, int image)
{
    int first = o->birth < 0 ? 0 : o->birth;
    return image >= first && image < o->death;
}

/* ------------------------------------------------------------- writing */

static char *temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/mlt-compact-XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(pattern);
    ck_assert_ptr_nonnull(dir);
    return strdup(dir);
}

static char *path_in(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

static void fill_file(mlt_file_info *info)
{
    static const sd_run run = {"compact-test", 99, 77, 1000.0};
    sd_file_info(info, &run);
}

static void ok(mlt_status st, const mlt_error *err)
{
    ck_assert_msg(st == MLT_OK, "status %s: %s", mlt_status_name(st), err->message);
}

/* Objects of one image, in address order (the truth is in slot order). */
static size_t image_objects(const run_truth *t, int image, const object_truth **out)
{
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++)
        if (alive_in(&t->objects[i], image))
            out[n++] = &t->objects[i];
    return n;
}

static uint8_t written_flags(const object_truth *o, int image)
{
    uint8_t flags = MLT_OBJ_GC_TRACKED;
    if (o->birth == image)
        flags |= MLT_OBJ_NEW;
    if (o->approx_in == image)
        flags |= MLT_OBJ_APPROX;
    return flags;
}

/* Every object has one edge to the next object labeled with an attribute
 * name, so string remapping shows up in edges as well as types and roots. */
static void write_image(mlt_writer *w, const run_truth *t, int image, uint64_t base)
{
    mlt_error err = {0};
    mlt_image_info info;
    memset(&info, 0, sizeof info);
    info.sequence = sequence_of(image);
    info.has_base = image > 0;
    info.base_sequence = sequence_of((int)base);
    info.trigger = MLT_TRIGGER_PERIODIC;
    info.wall_time = 1000.0 + image;
    info.criterion.kind = MLT_CRITERION_TIME;
    info.criterion.lifetime = 2.0;
    ok(mlt_writer_begin_image(w, &info, &err), &err);
    uint32_t padding, attr_name, root_name;
    char pad[32];
    snprintf(pad, sizeof pad, "padding-%d", image); /* shifts ids between images */
    ok(mlt_writer_intern(w, pad, strlen(pad), &padding, &err), &err);
    ok(sd_intern(w, "next", &attr_name, &err), &err);
    uint32_t type_index;
    ok(sd_type(w, "app.Node", 0x5000, 48, &type_index, &err), &err);
    ok(sd_intern(w, "cache", &root_name, &err), &err);
    (void)padding;
    const object_truth *objects[MAX_OBJECTS];
    size_t n = image_objects(t, image, objects);
    for (size_t i = 0; i < n; i++) {
        mlt_object o = {objects[i]->address, type_index,   written_flags(objects[i], image), 48 + i,
                        1 + i % 3,           n > 1 ? 1 : 0};
        mlt_edge edge = {(uint32_t)((i + 1) % n), MLT_LABEL_ATTR, attr_name};
        ok(sd_object(w, &o, &edge, &err), &err);
    }
    mlt_root root = {MLT_ROOT_MODULE_GLOBAL, 0, root_name, MLT_NO_STRING, 0, 0};
    if (n)
        ok(mlt_writer_add_root(w, &root, &err), &err);
    if (n)
        ok(sd_preview_text(w, 0, MLT_PREVIEW_STR, "hello", &err), &err);
    ok(mlt_writer_end_image(w, 1000 + (uint64_t)image, &err), &err);
}

static char *write_run(const char *dir, const run_truth *t)
{
    char *path = path_in(dir, "run.mlt");
    mlt_file_info info;
    fill_file(&info);
    mlt_writer *w = NULL;
    mlt_error err = {0};
    ok(mlt_writer_open(path, &info, NULL, &w, &err), &err);
    for (int image = 0; image < IMAGES; image++) {
        write_image(w, t, image, image > 0 ? (uint64_t)image - 1 : 0);
        for (int d = 1; image + 1 < IMAGES && d <= deltas_per_image; d++) {
            mlt_image_info delta;
            memset(&delta, 0, sizeof delta);
            delta.sequence = sequence_of(image) + (uint64_t)d;
            delta.has_base = 1;
            delta.base_sequence = sequence_of(image);
            delta.trigger = MLT_TRIGGER_CALL_END;
            delta.kind = MLT_IMAGE_CALL_DELTA;
            ok(mlt_writer_begin_image(w, &delta, &err), &err);
            ok(mlt_writer_end_image(w, 0, &err), &err);
        }
    }
    mlt_writer_close(w);
    return path;
}

/* ------------------------------------------------------------- checking */

/* The truth relative to a base: NEW unless it was alive since the base.
 * Without a base, "since the run's start". */
static int expected_new(const object_truth *o, int has_base, int base)
{
    return has_base ? o->birth > base : o->birth >= 0;
}

/* Approximate when a record on the way from the base marks it so. */
static int expected_approx(const object_truth *o, int has_base, int base, int image)
{
    if (expected_new(o, has_base, base))
        return o->approx_in == image;
    int from = has_base ? base + 1 : 0;
    return o->approx_in >= from && o->approx_in <= image;
}

static void check_image(mlt_reader *r, size_t index, const run_truth *t, int image, int has_base,
                        int base)
{
    mlt_error err = {0};
    mlt_image *img = NULL;
    ok(mlt_image_open(r, index, &img, &err), &err);
    const mlt_image_info *info = mlt_image_get_info(img);
    ck_assert_uint_eq(info->sequence, sequence_of(image));
    ck_assert_int_eq(info->kind, MLT_IMAGE_FULL);
    ck_assert_int_eq(info->has_base, has_base);
    if (has_base)
        ck_assert_uint_eq(info->base_sequence, sequence_of(base));
    ck_assert_uint_eq(info->pause_ns, 1000 + (uint64_t)image);
    ck_assert_int_eq(info->criterion.kind, MLT_CRITERION_TIME);
    const object_truth *objects[MAX_OBJECTS];
    size_t n = image_objects(t, image, objects), seen = 0;
    mlt_object o;
    while (mlt_image_next_object(img, &o, &err) == 1) {
        ck_assert_uint_lt(seen, n);
        const object_truth *truth = objects[seen];
        ck_assert_uint_eq(o.address, truth->address);
        ck_assert_msg(((o.flags & MLT_OBJ_NEW) != 0) == expected_new(truth, has_base, base),
                      "image %d object 0x%llx born %d: NEW is %d relative to base %d", image,
                      (unsigned long long)o.address, truth->birth, o.flags & MLT_OBJ_NEW, base);
        ck_assert_int_eq((o.flags & MLT_OBJ_APPROX) != 0,
                         expected_approx(truth, has_base, base, image));
        ck_assert_uint_eq(o.size, 48 + seen);
        const mlt_type *type = mlt_image_type(img, o.type);
        ck_assert_ptr_nonnull(type);
        ck_assert_str_eq(mlt_image_string(img, type->name, NULL), "app.Node");
        mlt_edge edge;
        if (n > 1) {
            ck_assert_int_eq(mlt_image_read_edges(img, &edge, 1, &err), 1);
            ck_assert_uint_eq(edge.target, (seen + 1) % n);
            ck_assert_str_eq(mlt_image_string(img, (uint32_t)edge.label, NULL), "next");
        }
        seen++;
    }
    ck_assert_uint_eq(seen, n);
    mlt_root root;
    if (n) {
        ck_assert_int_eq(mlt_image_next_root(img, &root, &err), 1);
        ck_assert_str_eq(mlt_image_string(img, root.name, NULL), "cache");
        ck_assert_uint_eq(root.context, MLT_NO_STRING);
        mlt_preview preview;
        ck_assert_int_eq(mlt_image_next_preview(img, &preview, &err), 1);
        ck_assert_uint_eq(preview.length, 5);
        ck_assert_int_eq(memcmp(preview.data, "hello", 5), 0);
    }
    mlt_image_close(img);
}

/* Removes a test's files and frees their paths. */
static void discard(char *dir, char *in, char *out)
{
    unlink(in);
    unlink(out);
    rmdir(dir);
    free(in);
    free(out);
    free(dir);
}

/* Compacts with keep[] and checks every kept image against the truth. */
static void compact_and_check(const uint8_t keep[IMAGES], uint64_t seed)
{
    static run_truth truth;
    make_truth(&truth, seed);
    char *dir = temp_dir();
    char *in = write_run(dir, &truth);
    char *out = path_in(dir, "out.mlt");
    mlt_error err = {0};
    ok(mlt_compact(in, out, keep, IMAGES, &err), &err);
    mlt_reader *r = NULL;
    ok(mlt_reader_open(out, NULL, &r, &err), &err);
    ck_assert_ptr_null(mlt_reader_tail_error(r));
    ck_assert_uint_eq(mlt_reader_file_info(r)->run_id, 99);
    size_t index = 0;
    int has_base = 0, base = 0;
    for (int image = 0; image < IMAGES; image++) {
        if (!keep[image])
            continue;
        check_image(r, index++, &truth, image, has_base, base);
        has_base = 1;
        base = image;
    }
    ck_assert_uint_eq(mlt_reader_image_count(r), index);
    mlt_reader_close(r);
    struct stat st;
    ck_assert_int_eq(stat(out, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    discard(dir, in, out);
}

/* With call deltas after every full image: keep_full[] says which full
 * images stay, keep_deltas whether the deltas do. Full images must merge
 * identity across dropped full images as if the deltas were not there, and
 * kept deltas stay empty call deltas. */
static void compact_with_deltas_and_check(const uint8_t keep_full[IMAGES], int keep_deltas)
{
    static run_truth truth;
    make_truth(&truth, 5);
    deltas_per_image = 2;
    char *dir = temp_dir();
    char *in = write_run(dir, &truth);
    char *out = path_in(dir, "out.mlt");
    enum { FILE_IMAGES = IMAGES + 2 * (IMAGES - 1) };
    uint8_t keep[FILE_IMAGES];
    for (int i = 0; i < FILE_IMAGES; i++)
        keep[i] = i % 3 == 0 ? keep_full[i / 3] : (uint8_t)keep_deltas;
    mlt_error err = {0};
    ok(mlt_compact(in, out, keep, FILE_IMAGES, &err), &err);
    mlt_reader *r = NULL;
    ok(mlt_reader_open(out, NULL, &r, &err), &err);
    size_t index = 0;
    int has_base = 0, base = 0;
    for (int i = 0; i < FILE_IMAGES; i++) {
        if (!keep[i])
            continue;
        if (i % 3 == 0) {
            check_image(r, index++, &truth, i / 3, has_base, base);
            has_base = 1;
            base = i / 3;
            continue;
        }
        mlt_image_info info;
        ok(mlt_reader_image_info(r, index++, &info, &err), &err);
        ck_assert_int_eq(info.kind, MLT_IMAGE_CALL_DELTA);
        ck_assert_uint_eq(info.object_count, 0);
    }
    ck_assert_uint_eq(mlt_reader_image_count(r), index);
    mlt_reader_close(r);
    deltas_per_image = 0;
    discard(dir, in, out);
}

START_TEST(test_call_deltas_are_transparent_to_the_merge)
{
    const uint8_t drop_middle[IMAGES] = {1, 0, 0, 1, 1};
    const uint8_t drop_oldest[IMAGES] = {0, 0, 1, 1, 1};
    compact_with_deltas_and_check(drop_middle, 1);
    compact_with_deltas_and_check(drop_middle, 0);
    compact_with_deltas_and_check(drop_oldest, 1);
    compact_with_deltas_and_check(drop_oldest, 0);
}
END_TEST

START_TEST(test_truth_has_reuse_and_every_kind_of_object)
{
    /* Guards the oracle: the synthetic run must exercise what the merge handles. */
    static run_truth t;
    make_truth(&t, 1);
    int reused = 0, old = 0, born_late = 0, approx = 0;
    for (size_t i = 1; i < t.count; i++)
        reused += t.objects[i].address == t.objects[i - 1].address;
    for (size_t i = 0; i < t.count; i++) {
        old += t.objects[i].birth == BEFORE_START && t.objects[i].death == IMAGES;
        born_late += t.objects[i].birth >= 2;
        approx += t.objects[i].approx_in >= 0;
    }
    ck_assert_int_gt(reused, 50);
    ck_assert_int_gt(old, 5);
    ck_assert_int_gt(born_late, 20);
    ck_assert_int_gt(approx, 5);
}
END_TEST

/* Which images a compaction keeps, and the seed of the run it compacts:
 * each case is one iteration of a Check loop test. */
static const struct {
    uint8_t keep[IMAGES];
    uint64_t seed;
} keep_cases[] = {
    {{1, 1, 1, 1, 1}, 1},                       /* keeping all changes nothing */
    {{1, 0, 0, 1, 1}, 1},                       /* dropping middle images merges identity */
    {{1, 0, 0, 1, 1}, 2}, {{1, 0, 1, 0, 1}, 3}, /* alternate images */
    {{0, 0, 1, 0, 1}, 4},                       /* dropping the oldest rebases onto the run start */
    {{0, 0, 0, 0, 1}, 5},                       /* the newest only */
};

START_TEST(test_compaction_keeps_what_it_is_told)
{
    compact_and_check(keep_cases[_i].keep, keep_cases[_i].seed);
}
END_TEST

/* ----------------------------------------------------------- bad input */

static char *small_run(char **dir_out)
{
    static run_truth truth;
    make_truth(&truth, 7);
    *dir_out = temp_dir();
    return write_run(*dir_out, &truth);
}

START_TEST(test_refuses_to_drop_everything)
{
    char *dir, *in = small_run(&dir), *out = path_in(dir, "out.mlt");
    const uint8_t keep[IMAGES] = {0};
    mlt_error err = {0};
    ck_assert_int_eq(mlt_compact(in, out, keep, IMAGES, &err), MLT_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "every image"));
    ck_assert_int_ne(access(out, F_OK), 0);
    discard(dir, in, out);
}
END_TEST

START_TEST(test_refuses_wrong_image_count_and_same_path)
{
    char *dir, *in = small_run(&dir), *out = path_in(dir, "out.mlt");
    const uint8_t keep[IMAGES + 1] = {1, 1, 1, 1, 1, 1};
    mlt_error err = {0};
    ck_assert_int_eq(mlt_compact(in, out, keep, IMAGES + 1, &err), MLT_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "5 readable images"));
    ck_assert_int_ne(access(out, F_OK), 0); /* a failed compaction leaves no output */
    ck_assert_int_eq(mlt_compact(in, in, keep, IMAGES, &err), MLT_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "both input and output"));
    discard(dir, in, out);
}
END_TEST

START_TEST(test_missing_and_garbage_input)
{
    char *dir = temp_dir(), *in = path_in(dir, "none.mlt"), *out = path_in(dir, "out.mlt");
    const uint8_t keep[1] = {1};
    mlt_error err = {0};
    ck_assert_int_eq(mlt_compact(in, out, keep, 1, &err), MLT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "none.mlt"));
    FILE *f = fopen(in, "wb");
    fputs("this is not a heap image file at all, not even close", f);
    fclose(f);
    ck_assert_int_eq(mlt_compact(in, out, keep, 1, &err), MLT_ERR_FORMAT);
    ck_assert_int_ne(access(out, F_OK), 0);
    discard(dir, in, out);
}
END_TEST

START_TEST(test_dropped_base_that_is_not_the_previous_image)
{
    /* Image 2 names image 0 as its base, skipping image 1: dropping image 0
     * and keeping 1 would need a carry we do not keep, so it must say so. */
    static run_truth truth;
    make_truth(&truth, 8);
    char *dir = temp_dir(), *in = path_in(dir, "odd.mlt"), *out = path_in(dir, "out.mlt");
    mlt_file_info info;
    fill_file(&info);
    mlt_writer *w = NULL;
    mlt_error err = {0};
    ok(mlt_writer_open(in, &info, NULL, &w, &err), &err);
    write_image(w, &truth, 0, 0);
    write_image(w, &truth, 1, 0);
    write_image(w, &truth, 2, 0);
    mlt_writer_close(w);
    const uint8_t keep[3] = {0, 1, 1};
    ck_assert_int_eq(mlt_compact(in, out, keep, 3, &err), MLT_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "base sequence 0"));
    const uint8_t keep_base[3] = {1, 0, 1}; /* its base is kept: fine */
    ok(mlt_compact(in, out, keep_base, 3, &err), &err);
    discard(dir, in, out);
}
END_TEST

/* ---------------------------------------------------------------- policy */

START_TEST(test_plan_drops_oldest_half_and_protects)
{
    const uint64_t lengths[8] = {100, 100, 100, 100, 100, 100, 100, 100};
    uint8_t keep[8];
    mlt_error err = {0};
    /* 10 + 800 bytes fit in 1000, but a compaction that was asked for still
     * drops half of the 6 droppable (image 2 protected, image 7 newest). */
    ok(mlt_compact_plan(lengths, 8, 10, 1000, 2, 1, keep, &err), &err);
    const uint8_t half[8] = {0, 0, 1, 0, 1, 1, 1, 1};
    ck_assert_int_eq(memcmp(keep, half, 8), 0);
    /* A tight budget drops more than half, oldest first, never 2 or 7. */
    ok(mlt_compact_plan(lengths, 8, 10, 310, 2, 1, keep, &err), &err);
    const uint8_t tight[8] = {0, 0, 1, 0, 0, 0, 1, 1};
    ck_assert_int_eq(memcmp(keep, tight, 8), 0);
    /* Without a protected image the oldest images go. */
    ok(mlt_compact_plan(lengths, 8, 10, 1000, MLT_COMPACT_NO_PROTECTED, 2, keep, &err), &err);
    const uint8_t unprotected[8] = {0, 0, 0, 1, 1, 1, 1, 1};
    ck_assert_int_eq(memcmp(keep, unprotected, 8), 0);
}
END_TEST

START_TEST(test_plan_reports_an_impossible_budget)
{
    const uint64_t lengths[4] = {100, 500, 100, 400};
    uint8_t keep[4];
    mlt_error err = {0};
    ck_assert_int_eq(mlt_compact_plan(lengths, 4, 10, 800, 1, 1, keep, &err), MLT_ERR_LIMIT);
    ck_assert_ptr_nonnull(strstr(err.message, "910 bytes"));
    ok(mlt_compact_plan(lengths, 4, 10, 910, 1, 1, keep, &err), &err);
    const uint8_t fits[4] = {0, 1, 0, 1};
    ck_assert_int_eq(memcmp(keep, fits, 4), 0);
}
END_TEST

/* The budget tests' run: seed 9's truth written to a fresh directory, and a
 * reader open on it. */
static mlt_reader *open_budget_run(run_truth *truth, char **dir, char **in, char **out)
{
    make_truth(truth, 9);
    *dir = temp_dir();
    *in = write_run(*dir, truth);
    *out = path_in(*dir, "out.mlt");
    mlt_error err = {0};
    mlt_reader *r = NULL;
    ok(mlt_reader_open(*in, NULL, &r, &err), &err);
    return r;
}

START_TEST(test_compact_to_budget_end_to_end)
{
    static run_truth truth;
    char *dir, *in, *out;
    mlt_reader *r = open_budget_run(&truth, &dir, &in, &out);
    mlt_error err = {0};
    uint64_t full = mlt_reader_file_size(r), newest = mlt_reader_image_length(r, IMAGES - 1),
             protected_length = mlt_reader_image_length(r, 1),
             header = mlt_reader_image_offset(r, 0);
    mlt_reader_close(r);
    uint64_t budget = header + newest + protected_length + 64; /* the rewrite may differ a little */
    ck_assert_uint_lt(budget, full);
    size_t dropped = 0;
    ok(mlt_compact_to_budget(in, out, budget, 1, 1, NULL, &dropped, &err), &err);
    ck_assert_uint_eq(dropped, 3);
    ok(mlt_reader_open(out, NULL, &r, &err), &err);
    ck_assert_uint_eq(mlt_reader_image_count(r), 2);
    mlt_image_info info;
    ok(mlt_reader_image_info(r, 0, &info, &err), &err);
    ck_assert_uint_eq(info.sequence, 1);
    ck_assert_int_eq(info.has_base, 0);
    ok(mlt_reader_image_info(r, 1, &info, &err), &err);
    ck_assert_uint_eq(info.sequence, IMAGES - 1);
    ck_assert_uint_eq(info.base_sequence, 1);
    ck_assert_uint_le(mlt_reader_file_size(r), budget);
    check_image(r, 1, &truth, IMAGES - 1, 1, 1);
    mlt_reader_close(r);
    discard(dir, in, out);
}
END_TEST

/* The plan counts kept images at their old lengths, but an image re-based
 * onto an older one is rewritten and can grow. Whatever the budget, the
 * result is within it, or the call says the budget cannot be met. */
START_TEST(test_compact_to_budget_never_exceeds_the_budget)
{
    static run_truth truth;
    char *dir, *in, *out;
    mlt_reader *r = open_budget_run(&truth, &dir, &in, &out);
    mlt_error err = {0};
    uint64_t planned = mlt_reader_image_offset(r, 0) + mlt_reader_image_length(r, 1) +
                       mlt_reader_image_length(r, IMAGES - 1);
    mlt_reader_close(r);
    /* What keeping just the protected and newest images really takes. */
    const uint8_t keep[IMAGES] = {0, 1, 0, 0, 1};
    ok(mlt_compact(in, out, keep, IMAGES, &err), &err);
    struct stat sb;
    ck_assert_int_eq(stat(out, &sb), 0);
    uint64_t rewritten = (uint64_t)sb.st_size;
    ck_assert_msg(rewritten > planned, "the run must show a re-based image growing (%llu vs %llu)",
                  (unsigned long long)rewritten, (unsigned long long)planned);
    for (uint64_t budget = planned - 8; budget <= rewritten + 8; budget++) {
        size_t dropped = 0;
        mlt_status st = mlt_compact_to_budget(in, out, budget, 1, 1, NULL, &dropped, &err);
        if (budget < rewritten) {
            ck_assert_msg(st == MLT_ERR_LIMIT, "budget %llu: %s", (unsigned long long)budget,
                          mlt_status_name(st));
        } else {
            ok(st, &err);
            ck_assert_int_eq(stat(out, &sb), 0);
            ck_assert_uint_le((uint64_t)sb.st_size, budget);
        }
    }
    discard(dir, in, out);
}
END_TEST

Suite *compact_suite(void);

Suite *compact_suite(void)
{
    Suite *s = suite_create("compact");
    TCase *merge = tcase_create("merge");
    tcase_add_test(merge, test_truth_has_reuse_and_every_kind_of_object);
    tcase_add_loop_test(merge, test_compaction_keeps_what_it_is_told, 0,
                        (int)(sizeof keep_cases / sizeof keep_cases[0]));
    tcase_add_test(merge, test_call_deltas_are_transparent_to_the_merge);
    suite_add_tcase(s, merge);
    TCase *errors = tcase_create("errors");
    tcase_add_test(errors, test_refuses_to_drop_everything);
    tcase_add_test(errors, test_refuses_wrong_image_count_and_same_path);
    tcase_add_test(errors, test_missing_and_garbage_input);
    tcase_add_test(errors, test_dropped_base_that_is_not_the_previous_image);
    suite_add_tcase(s, errors);
    TCase *policy = tcase_create("policy");
    tcase_add_test(policy, test_plan_drops_oldest_half_and_protects);
    tcase_add_test(policy, test_plan_reports_an_impossible_budget);
    tcase_add_test(policy, test_compact_to_budget_end_to_end);
    tcase_add_test(policy, test_compact_to_budget_never_exceeds_the_budget);
    suite_add_tcase(s, policy);
    return s;
}
