/* The writer refuses API misuse with MLT_ERR_USAGE, and a failed write leaves
 * every earlier image of the file valid. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "format_test_util.h"
#include "check_suite.h"

Suite *writer_rules_suite(void);

typedef struct {
    char *path;
    mlt_writer *w;
    mlt_error err;
    uint32_t sid, type;
} fixture;

static void start(fixture *f)
{
    f->path = tmp_path("rules.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    ck_assert_int_eq(mlt_writer_open(f->path, &info, NULL, &f->w, &f->err), MLT_OK);
    mlt_image_info image;
    fill_image_info(&image, 0);
    ck_assert_int_eq(mlt_writer_begin_image(f->w, &image, &f->err), MLT_OK);
    ck_assert_int_eq(mlt_writer_intern(f->w, "builtins.list", 13, &f->sid, &f->err), MLT_OK);
    mlt_type t = {.name = f->sid, .address = 1, .basicsize = 40};
    ck_assert_int_eq(mlt_writer_add_type(f->w, &t, &f->type, &f->err), MLT_OK);
}

static void finish(fixture *f)
{
    mlt_writer_close(f->w);
    free(f->path);
}

static void expect_usage(mlt_status st, const mlt_error *err, const char *words)
{
    ck_assert_int_eq(st, MLT_ERR_USAGE);
    ck_assert_int_eq(err->code, MLT_ERR_USAGE);
    ck_assert_msg(strstr(err->message, words) != NULL, "'%s' lacks '%s'", err->message, words);
}

START_TEST(calls_outside_an_image)
{
    char *path = tmp_path("outside.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, NULL, &w, &err), MLT_OK);
    uint32_t id;
    expect_usage(mlt_writer_intern(w, "x", 1, &id, &err), &err, "no image is open");
    mlt_object o = {.address = 8};
    expect_usage(mlt_writer_add_object(w, &o, &err), &err, "no image is open");
    expect_usage(mlt_writer_end_image(w, 0, &err), &err, "no image is open");
    mlt_image_info image;
    fill_image_info(&image, 0);
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, &err), MLT_OK);
    expect_usage(mlt_writer_begin_image(w, &image, &err), &err, "still open");
    mlt_writer_close(w); /* closes with the image open: it is aborted */
    check_reads_clean(path, 0);
    free(path);
}
END_TEST

START_TEST(addresses_must_increase)
{
    fixture f;
    start(&f);
    mlt_object o = {.address = 0x100, .type = f.type};
    ck_assert_int_eq(mlt_writer_add_object(f.w, &o, &f.err), MLT_OK);
    expect_usage(mlt_writer_add_object(f.w, &o, &f.err), &f.err, "strictly increase");
    o.address = 0xF0;
    expect_usage(mlt_writer_add_object(f.w, &o, &f.err), &f.err, "0xf0");
    finish(&f);
}
END_TEST

START_TEST(indices_must_be_in_range)
{
    fixture f;
    start(&f);
    mlt_object o = {.address = 0x100, .type = f.type + 1};
    expect_usage(mlt_writer_add_object(f.w, &o, &f.err), &f.err, "type index 1 out of range");
    mlt_type t = {.name = 99};
    expect_usage(mlt_writer_add_type(f.w, &t, NULL, &f.err), &f.err, "string id 99");
    o.type = f.type;
    o.edge_count = 3;
    ck_assert_int_eq(mlt_writer_add_object(f.w, &o, &f.err), MLT_OK);
    mlt_edge bad_kind = {.target = 0, .label_kind = MLT_LABEL_COUNT_};
    expect_usage(mlt_writer_add_edges(f.w, &bad_kind, 1, &f.err), &f.err, "label kind");
    mlt_edge bad_sid = {.target = 0, .label_kind = MLT_LABEL_ATTR, .label = 5};
    expect_usage(mlt_writer_add_edges(f.w, &bad_sid, 1, &f.err), &f.err, "string id 5");
    mlt_root root = {.kind = 0, .name = MLT_NO_STRING, .context = MLT_NO_STRING};
    expect_usage(mlt_writer_add_root(f.w, &root, &f.err), &f.err, "root kind");
    root.kind = MLT_ROOT_SYS;
    root.name = 7;
    expect_usage(mlt_writer_add_root(f.w, &root, &f.err), &f.err, "string id");
    finish(&f);
}
END_TEST

START_TEST(edge_counts_must_match)
{
    fixture f;
    start(&f);
    mlt_object o = {.address = 0x100, .type = f.type, .edge_count = 2};
    ck_assert_int_eq(mlt_writer_add_object(f.w, &o, &f.err), MLT_OK);
    mlt_edge e[3] = {{0}, {0}, {0}};
    expect_usage(mlt_writer_add_edges(f.w, e, 3, &f.err), &f.err, "expects 2 more");
    ck_assert_int_eq(mlt_writer_add_edges(f.w, e, 1, &f.err), MLT_OK);
    o.address = 0x200;
    expect_usage(mlt_writer_add_object(f.w, &o, &f.err), &f.err, "1 more edges");
    expect_usage(mlt_writer_end_image(f.w, 0, &f.err), &f.err, "still expects 1 edges");
    ck_assert_int_eq(mlt_writer_add_edges(f.w, e, 1, &f.err), MLT_OK);
    ck_assert_int_eq(mlt_writer_end_image(f.w, 0, &f.err), MLT_OK);
    finish(&f);
}
END_TEST

START_TEST(targets_checked_at_end)
{
    fixture f;
    start(&f);
    mlt_object o = {.address = 0x100, .type = f.type, .edge_count = 1};
    ck_assert_int_eq(mlt_writer_add_object(f.w, &o, &f.err), MLT_OK);
    mlt_edge forward = {.target = 5, .label_kind = MLT_LABEL_NONE};
    ck_assert_int_eq(mlt_writer_add_edges(f.w, &forward, 1, &f.err), MLT_OK);
    expect_usage(mlt_writer_end_image(f.w, 0, &f.err), &f.err, "refers to object 5");
    uint64_t before = mlt_writer_file_size(f.w);
    ck_assert_int_eq(mlt_writer_abort_image(f.w, &f.err), MLT_OK);
    ck_assert_uint_eq(mlt_writer_file_size(f.w), before);
    struct stat sb;
    ck_assert_int_eq(stat(f.path, &sb), 0);
    ck_assert_uint_eq((uint64_t)sb.st_size, before);
    finish(&f);
}
END_TEST

START_TEST(previews_follow_the_rules)
{
    fixture f;
    start(&f);
    for (uint64_t i = 0; i < 3; i++) {
        mlt_object o = {.address = 0x100 * (i + 1), .type = f.type};
        ck_assert_int_eq(mlt_writer_add_object(f.w, &o, &f.err), MLT_OK);
    }
    static uint8_t data[MLT_PREVIEW_MAX + 1];
    mlt_preview p = {.object = 1, .kind = MLT_PREVIEW_STR, .data = data, .length = 2};
    ck_assert_int_eq(mlt_writer_add_preview(f.w, &p, &f.err), MLT_OK);
    expect_usage(mlt_writer_add_preview(f.w, &p, &f.err), &f.err, "not above");
    p.object = 2;
    p.length = MLT_PREVIEW_MAX + 1;
    expect_usage(mlt_writer_add_preview(f.w, &p, &f.err), &f.err, "MLT_PREVIEW_MAX");
    p.length = 1;
    p.kind = (mlt_preview_kind)9;
    expect_usage(mlt_writer_add_preview(f.w, &p, &f.err), &f.err, "preview kind");
    finish(&f);
}
END_TEST

START_TEST(bad_options_and_paths)
{
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    char *path = tmp_path("opts.mlt");
    mlt_writer_options big = {.block_size = MLT_MAX_BLOCK_RAW + 1};
    expect_usage(mlt_writer_open(path, &info, &big, &w, &err), &err, "block_size");
    ck_assert_ptr_null(w);
    ck_assert_int_eq(mlt_writer_open("/nonexistent-dir/x.mlt", &info, NULL, &w, &err), MLT_ERR_IO);
    ck_assert_msg(strstr(err.message, "/nonexistent-dir/x.mlt"), "%s", err.message);
    /* Appending to something that is not a dump is refused, not overwritten. */
    FILE *f = fopen(path, "w");
    fputs("precious text", f);
    fclose(f);
    mlt_writer_options append = {.append = 1};
    ck_assert_int_ne(mlt_writer_open(path, &info, &append, &w, &err), MLT_OK);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    ck_assert_uint_eq(size, 13);
    free(bytes);
    free(path);
}
END_TEST

START_TEST(device_full)
{
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open("/dev/full", &info, NULL, &w, &err), MLT_ERR_IO);
    ck_assert_msg(strstr(err.message, "/dev/full") && strstr(err.message, "offset 0"), "%s",
                  err.message);
}
END_TEST

/* Runs in Check's forked child, so the file size limit dies with it. */
START_TEST(write_failure_keeps_earlier_images)
{
    char *path = write_small_file(2, 0);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    uint64_t good = (uint64_t)sb.st_size;
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = {.rlim_cur = good + 100000, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &limit), 0);
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer_options options = {.append = 1, .store_only = 1, .block_size = 4096};
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, &options, &w, &err), MLT_OK);
    mlt_image_info image;
    fill_image_info(&image, 2);
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, &err), MLT_OK);
    uint32_t sid, type;
    ck_assert_int_eq(mlt_writer_intern(w, "t", 1, &sid, &err), MLT_OK);
    mlt_type t = {.name = sid};
    ck_assert_int_eq(mlt_writer_add_type(w, &t, &type, &err), MLT_OK);
    mlt_status st = MLT_OK;
    for (uint64_t i = 0; st == MLT_OK && i < 1000000; i++) {
        mlt_object o = {.address = 16 * (i + 1), .type = type, .size = i, .refcount = i};
        st = mlt_writer_add_object(w, &o, &err);
    }
    if (st == MLT_OK)
        st = mlt_writer_end_image(w, 0, &err);
    ck_assert_int_eq(st, MLT_ERR_IO);
    ck_assert_msg(strstr(err.message, path) && strstr(err.message, "offset"), "%s", err.message);
    ck_assert_uint_eq(mlt_writer_file_size(w), good);
    mlt_object o = {.address = 1};
    expect_usage(mlt_writer_add_object(w, &o, &err), &err, "no image is open");
    mlt_writer_close(w);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq((uint64_t)sb.st_size, good);
    check_reads_clean(path, 2);
    free(path);
}
END_TEST

Suite *writer_rules_suite(void)
{
    const TTest *tests[] = {calls_outside_an_image,
                            addresses_must_increase,
                            indices_must_be_in_range,
                            edge_counts_must_match,
                            targets_checked_at_end,
                            previews_follow_the_rules,
                            bad_options_and_paths,
                            device_full,
                            write_failure_keeps_earlier_images};
    return ts_suite("writer_rules", "writer_rules", 0, tests, TS_COUNT(tests));
}
