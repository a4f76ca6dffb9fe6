/* Decompression bombs and counts no file could back: refused by the limits,
 * before anything of the claimed size is allocated. */
#include <check.h>
#include <string.h>
#include <sys/resource.h>

#include "hostile_files.h"
#include "memalot/analysis.h"
#include "memalot/format.h"
#include "check_suite.h"

static long peak_rss_kib(void)
{
    struct rusage usage;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &usage), 0);
    return usage.ru_maxrss;
}

/* 200 blocks of 4 MiB of zeros: 800 MiB claimed by ~40 KiB of file. */
START_TEST(bomb_hits_the_expansion_limit_without_allocating_it)
{
    hbuf bytes = {0};
    make_bomb(&bytes, 200);
    ck_assert_uint_lt(bytes.length, 100 * 1024);
    char *path = hwrite_temp(&bytes, "bomb.mlt");
    hb_free(&bytes);
    long before = peak_rss_kib();

    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 0);
    const mlt_error *tail = mlt_reader_tail_error(r);
    ck_assert_ptr_nonnull(tail);
    ck_assert_int_eq(tail->code, MLT_ERR_LIMIT);
    ck_assert_msg(strstr(tail->message, "expan") && strstr(tail->message, path), "message: %s",
                  tail->message);
    ck_assert_uint_gt(tail->offset, 0);
    mlt_reader_close(r);

    mla_report_set *set = NULL;
    ck_assert_int_ne(mla_analyze_file(path, NULL, &set, &err), MLT_OK);
    ck_assert_ptr_null(set);
    ck_assert_msg(strstr(err.message, "expan"), "message: %s", err.message);

    /* 800 MiB claimed; the reader must not have touched more than a block or two. */
    long grown = peak_rss_kib() - before;
    ck_assert_msg(grown < 48 * 1024, "peak RSS grew by %ld KiB", grown);
    hremove_temp(path);
}
END_TEST

/* A larger expansion limit lets a 160 MiB image through the scan; decoding
 * then holds one 4 MiB block at a time, never the stream, and the bytes
 * left over after the (zero) strings the summary declares are an error. */
START_TEST(bomb_below_a_raised_limit_decodes_block_by_block)
{
    hbuf bytes = {0};
    make_bomb(&bytes, 40);
    char *path = hwrite_temp(&bytes, "bomb40.mlt");
    hb_free(&bytes);
    mlt_reader_options options = {.expansion_limit = 1u << 20};
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, &options, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 1);
    long before = peak_rss_kib();
    mlt_image *img;
    mlt_status st = mlt_image_open(r, 0, &img, &err);
    if (st == MLT_OK)
        mlt_image_close(img);
    long grown = peak_rss_kib() - before;
    ck_assert_int_eq(st, MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, "STRINGS"), "message: %s", err.message);
    ck_assert_msg(grown < 32 * 1024, "peak RSS grew by %ld KiB", grown);
    mlt_reader_close(r);
    hremove_temp(path);
}
END_TEST

/* 60 Mi empty strings pass the scan (60 MiB is under the 64 MiB floor) but
 * would take ~600 MiB of offsets: the table's memory counts against the cap. */
START_TEST(string_table_bomb_is_refused_by_its_memory)
{
    hbuf bytes = {0};
    make_string_bomb(&bytes, 15);
    ck_assert_uint_lt(bytes.length, 8 * 1024);
    char *path = hwrite_temp(&bytes, "strings.mlt");
    hb_free(&bytes);
    long before = peak_rss_kib();
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 1);
    mlt_image *img;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_ERR_LIMIT);
    ck_assert_msg(strstr(err.message, "62914560 strings") && strstr(err.message, "in memory"),
                  "message: %s", err.message);
    mlt_reader_close(r);
    mla_report_set *set = NULL;
    ck_assert_int_eq(mla_analyze_file(path, NULL, &set, &err), MLT_ERR_LIMIT);
    long grown = peak_rss_kib() - before;
    ck_assert_msg(grown < 32 * 1024, "peak RSS grew by %ld KiB", grown);
    hremove_temp(path);
}
END_TEST

/* 10 million objects of one repeated byte per stream: the reader can stream
 * them, but the analysis would hold ~90 bytes each; it refuses the density. */
START_TEST(object_bomb_is_refused_by_the_analysis)
{
    hbuf bytes = {0};
    make_object_bomb(&bytes, 10000000);
    ck_assert_uint_lt(bytes.length, 16 * 1024);
    char *path = hwrite_temp(&bytes, "objects.mlt");
    hb_free(&bytes);
    long before = peak_rss_kib();
    mla_report_set *set = NULL;
    mlt_error err;
    ck_assert_int_eq(mla_analyze_file(path, NULL, &set, &err), MLT_ERR_LIMIT);
    ck_assert_msg(strstr(err.message, "10000000 objects") && strstr(err.message, "bomb") &&
                      strstr(err.message, path),
                  "message: %s", err.message);
    mla_object_info *info = NULL;
    ck_assert_int_eq(mla_object_paths(path, -1, 0x10, 0, 0, &info, &err), MLT_ERR_LIMIT);
    long grown = peak_rss_kib() - before;
    ck_assert_msg(grown < 48 * 1024, "peak RSS grew by %ld KiB", grown);
    hremove_temp(path);
}
END_TEST

START_TEST(giant_object_count_is_refused_before_allocation)
{
    hbuf bytes = {0};
    make_giant_count(&bytes, 1ull << 40);
    char *path = hwrite_temp(&bytes, "giant.mlt");
    hb_free(&bytes);
    long before = peak_rss_kib();
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    mlt_image_info info;
    ck_assert_int_eq(mlt_reader_image_info(r, 0, &info, &err), MLT_OK);
    ck_assert_uint_eq(info.object_count, 1ull << 40); /* listed as claimed, never trusted */
    mlt_image *img;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, "1099511627776 objects") && strstr(err.message, "OBJ_ADDR"),
                  "message: %s", err.message);
    mlt_reader_close(r);

    mla_report_set *set = NULL;
    ck_assert_int_eq(mla_analyze_file(path, NULL, &set, &err), MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, path) && strstr(err.message, "1099511627776"), "message: %s",
                  err.message);
    mla_census *census = NULL;
    ck_assert_int_eq(mla_type_census(path, -1, &census, &err), MLT_ERR_FORMAT);
    long grown = peak_rss_kib() - before;
    ck_assert_msg(grown < 16 * 1024, "peak RSS grew by %ld KiB", grown);
    hremove_temp(path);
}
END_TEST

/* 2^32 + 1 objects backed by no bytes: the format's per-image cap or the
 * byte check, whichever comes first, never a 32-bit wrap to 1 object. */
START_TEST(object_count_over_32_bits_is_refused)
{
    hbuf bytes = {0};
    make_giant_count(&bytes, (1ull << 32) + 1);
    char *path = hwrite_temp(&bytes, "wrap.mlt");
    hb_free(&bytes);
    mla_report_set *set = NULL;
    mlt_error err;
    mlt_status st = mla_analyze_file(path, NULL, &set, &err);
    ck_assert_msg(st == MLT_ERR_FORMAT || st == MLT_ERR_LIMIT, "%s: %s", mlt_status_name(st),
                  err.message);
    ck_assert_msg(strstr(err.message, "4294967297"), "message: %s", err.message);
    hremove_temp(path);
}
END_TEST

Suite *bombs_suite(void);
Suite *bombs_suite(void)
{
    const TTest *tests[] = {bomb_hits_the_expansion_limit_without_allocating_it,
                            bomb_below_a_raised_limit_decodes_block_by_block,
                            string_table_bomb_is_refused_by_its_memory,
                            object_bomb_is_refused_by_the_analysis,
                            giant_object_count_is_refused_before_allocation,
                            object_count_over_32_bits_is_refused};
    return ts_suite("bombs", "limits", 120, tests, TS_COUNT(tests));
}
