/* Every field written is read back unchanged, at the extremes of its range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format_test_util.h"
#include "check_suite.h"

Suite *roundtrip_suite(void);

static mlt_reader *open_ok(const char *path)
{
    mlt_reader *r;
    mlt_error err;
    ck_assert_msg(mlt_reader_open(path, NULL, &r, &err) == MLT_OK, "%s", err.message);
    ck_assert_ptr_null(mlt_reader_tail_error(r));
    return r;
}

START_TEST(file_info_round_trip)
{
    char *path = write_small_file(1, 0);
    mlt_reader *r = open_ok(path);
    const mlt_file_info *got = mlt_reader_file_info(r);
    mlt_file_info want;
    fill_file_info(&want);
    ck_assert_uint_eq(got->format_major, MLT_FORMAT_MAJOR);
    ck_assert_uint_eq(got->format_minor, MLT_FORMAT_MINOR);
    ck_assert_str_eq(got->producer, want.producer);
    ck_assert_str_eq(got->python_version, want.python_version);
    ck_assert_uint_eq(got->python_hexversion, want.python_hexversion);
    ck_assert_str_eq(got->python_implementation, want.python_implementation);
    ck_assert_str_eq(got->python_build, want.python_build);
    ck_assert_uint_eq(got->gc_preheader_size, 16);
    ck_assert_str_eq(got->platform, want.platform);
    ck_assert_uint_eq(got->pointer_size, 8);
    ck_assert_int_eq(got->byte_order, MLT_BYTE_ORDER_LITTLE);
    ck_assert_uint_eq(got->pid, 4242);
    ck_assert_uint_eq(got->run_id, want.run_id);
    ck_assert_int_eq(got->argv_withheld, 0);
    ck_assert_uint_eq(got->argc, 4);
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(got->argv[i], want.argv[i]);
    ck_assert(got->start_time == want.start_time);
    ck_assert_uint_eq(got->parent_pid, 4000);
    ck_assert_uint_eq(got->parent_run_id, want.parent_run_id);
    ck_assert_uint_eq(got->launch_id, want.launch_id);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_uint_eq(mlt_reader_file_size(r), (uint64_t)sb.st_size);
    mlt_reader_close(r);
    free(path);
}
END_TEST

START_TEST(absent_strings_and_withheld_argv)
{
    char *path = tmp_path("absent.mlt");
    mlt_file_info info = {.argv_withheld = 1,
                          .byte_order = MLT_BYTE_ORDER_BIG,
                          .run_id = UINT64_MAX,
                          .pid = UINT64_MAX,
                          .python_hexversion = UINT64_MAX};
    mlt_writer_options options = {.file_mode = 0640};
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, &options, &w, &err), MLT_OK);
    mlt_writer_close(w);
    mlt_reader *r = open_ok(path);
    const mlt_file_info *got = mlt_reader_file_info(r);
    ck_assert_ptr_null(got->producer);
    ck_assert_ptr_null(got->platform);
    ck_assert_uint_eq(got->argc, 0);
    ck_assert_int_eq(got->argv_withheld, 1);
    ck_assert_int_eq(got->byte_order, MLT_BYTE_ORDER_BIG);
    ck_assert_uint_eq(got->run_id, UINT64_MAX);
    ck_assert_uint_eq(got->pid, UINT64_MAX);
    ck_assert_uint_eq(got->python_hexversion, UINT64_MAX);
    ck_assert_uint_eq(mlt_reader_image_count(r), 0);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0640);
    mlt_reader_close(r);
    free(path);
}
END_TEST

static void round_trip(const heap_spec *s, int images, const mlt_writer_options *options)
{
    char *path = tmp_path("heap.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, options, &w, &err), MLT_OK);
    for (int i = 0; i < images; i++)
        write_heap(w, s, (uint64_t)i);
    uint64_t size = mlt_writer_file_size(w);
    mlt_writer_close(w);
    mlt_reader *r = open_ok(path);
    ck_assert_uint_eq(mlt_reader_file_size(r), size);
    ck_assert_uint_eq(mlt_reader_image_count(r), (size_t)images);
    for (int i = 0; i < images; i++)
        check_heap(r, (size_t)i, s, (uint64_t)i);
    mlt_reader_close(r);
    remove(path);
    free(path);
}

START_TEST(empty_image)
{
    heap_spec s = {.objects = 0, .types = 0, .strings = 0};
    round_trip(&s, 2, NULL);
}
END_TEST

/* Image kinds: a call delta round-trips with no objects; a "delta" that
 * carries objects is malformed and an unknown kind needs a newer reader, yet
 * both stay listed and the images around them stay readable. */
START_TEST(call_deltas_and_unknown_kinds)
{
    char *path = tmp_path("kinds.mlt");
    mlt_file_info file;
    fill_file_info(&file);
    mlt_writer *w = NULL;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &file, NULL, &w, &err), MLT_OK);
    mlt_image_kind kinds[4] = {MLT_IMAGE_FULL, MLT_IMAGE_CALL_DELTA, MLT_IMAGE_CALL_DELTA,
                               (mlt_image_kind)7};
    for (uint64_t i = 0; i < 4; i++) {
        mlt_image_info info;
        fill_image_info(&info, i);
        info.kind = kinds[i];
        ck_assert_int_eq(mlt_writer_begin_image(w, &info, &err), MLT_OK);
        if (i == 0 || i == 2) { /* image 2: a delta that lies */
            uint32_t name, type_index;
            ck_assert_int_eq(mlt_writer_intern(w, "object", 6, &name, &err), MLT_OK);
            mlt_type type = {name, 0x5000, 16, 0};
            ck_assert_int_eq(mlt_writer_add_type(w, &type, &type_index, &err), MLT_OK);
            mlt_object o = {0x1000, type_index, MLT_OBJ_NEW | MLT_OBJ_CALL_BORN, 16, 1, 0};
            ck_assert_int_eq(mlt_writer_add_object(w, &o, &err), MLT_OK);
        }
        ck_assert_int_eq(mlt_writer_end_image(w, 0, &err), MLT_OK);
    }
    mlt_writer_close(w);
    mlt_reader *r = NULL;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 4);
    for (size_t i = 0; i < 4; i++) {
        mlt_image_info info;
        ck_assert_int_eq(mlt_reader_image_info(r, i, &info, &err), MLT_OK);
        ck_assert_int_eq(info.kind, kinds[i]);
    }
    mlt_image *img = NULL;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_OK);
    mlt_object o;
    ck_assert_int_eq(mlt_image_next_object(img, &o, &err), 1);
    ck_assert_uint_eq(o.flags, MLT_OBJ_NEW | MLT_OBJ_CALL_BORN);
    mlt_image_close(img);
    ck_assert_int_eq(mlt_image_open(r, 1, &img, &err), MLT_OK);
    ck_assert_int_eq(mlt_image_next_object(img, &o, &err), 0);
    mlt_image_close(img);
    ck_assert_int_eq(mlt_image_open(r, 2, &img, &err), MLT_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(err.message, "call delta"));
    ck_assert_int_eq(mlt_image_open(r, 3, &img, &err), MLT_ERR_VERSION);
    ck_assert_ptr_nonnull(strstr(err.message, "image_kind 7"));
    mlt_reader_close(r);
    free(path);
}
END_TEST

START_TEST(small_images_every_block_size)
{
    static const uint32_t sizes[] = {1, 2, 3, 7, 64, 4096, 0};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        heap_spec s = {.objects = 300,
                       .types = 7,
                       .strings = 20,
                       .seed = 3,
                       .addr_base = 0x10000,
                       .roots = 1,
                       .previews = 1,
                       .edges = 1};
        mlt_writer_options options = {.block_size = sizes[k], .store_only = k % 2};
        round_trip(&s, 2, &options);
    }
}
END_TEST

START_TEST(addresses_near_two_to_the_64)
{
    heap_spec s = {.objects = 1000,
                   .types = 2,
                   .strings = 3,
                   .seed = 9,
                   .roots = 1,
                   .previews = 1,
                   .edges = 1};
    s.addr_base = UINT64_MAX - 48 * (s.objects - 1) - 2 * 16; /* the last object ends at 2^64-1 */
    round_trip(&s, 1, NULL);
}
END_TEST

START_TEST(million_objects)
{
    heap_spec s = {.objects = 1000000,
                   .types = 300,
                   .strings = 2000,
                   .seed = 5,
                   .addr_base = 0x7f1200000000ull,
                   .roots = 1,
                   .previews = 1,
                   .edges = 1};
    char *path = tmp_path("million.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, NULL, &w, &err), MLT_OK);
    write_heap(w, &s, 0);
    mlt_writer_close(w);
    mlt_reader *r = open_ok(path);
    check_heap(r, 0, &s, 0);
    mlt_image_info got;
    ck_assert_int_eq(mlt_reader_image_info(r, 0, &got, &err), MLT_OK);
    /* A figure for the report, not an assertion: measured in bench/ too. */
    fprintf(stderr,
            "format: %llu objects, %llu edges, %llu previews: image %llu bytes = %.2f "
            "bytes/object\n",
            (unsigned long long)got.object_count, (unsigned long long)got.edge_count,
            (unsigned long long)got.preview_count,
            (unsigned long long)mlt_reader_image_length(r, 0),
            (double)mlt_reader_image_length(r, 0) / (double)got.object_count);
    mlt_reader_close(r);
    remove(path);
    free(path);
}
END_TEST

START_TEST(long_and_unicode_strings)
{
    char *path = tmp_path("strings.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    mlt_writer_options options = {.block_size = 100000};
    ck_assert_int_eq(mlt_writer_open(path, &info, &options, &w, &err), MLT_OK);
    mlt_image_info image;
    fill_image_info(&image, 0);
    size_t big = 1u << 20;
    char *long_name = malloc(big);
    for (size_t i = 0; i < big; i++)
        long_name[i] = (char)('a' + (i * 7) % 26);
    const char *names[] = {"", "\xe6\x97\xa5\xe6\x9c\xac", "\0nul\0inside", "x"};
    size_t lengths[] = {0, 6, 11, 1};
    uint32_t ids[5];
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, &err), MLT_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(mlt_writer_intern(w, names[i], lengths[i], &ids[i], &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_intern(w, long_name, big, &ids[4], &err), MLT_OK);
    uint32_t again;
    ck_assert_int_eq(mlt_writer_intern(w, names[1], lengths[1], &again, &err), MLT_OK);
    ck_assert_uint_eq(again, ids[1]);
    ck_assert_int_eq(mlt_writer_end_image(w, 0, &err), MLT_OK);
    mlt_writer_close(w);
    mlt_reader *r = open_ok(path);
    mlt_image *img;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_OK);
    ck_assert_uint_eq(mlt_image_string_count(img), 5);
    for (int i = 0; i < 4; i++) {
        size_t n;
        const char *got = mlt_image_string(img, ids[i], &n);
        ck_assert_uint_eq(n, lengths[i]);
        ck_assert(memcmp(got, names[i], n) == 0);
        ck_assert_int_eq(got[n], '\0');
    }
    size_t n;
    const char *got = mlt_image_string(img, ids[4], &n);
    ck_assert_uint_eq(n, big);
    ck_assert(memcmp(got, long_name, big) == 0);
    mlt_image_close(img);
    mlt_reader_close(r);
    free(long_name);
    free(path);
}
END_TEST

START_TEST(preview_at_maximum_length)
{
    char *path = tmp_path("preview.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, NULL, &w, &err), MLT_OK);
    mlt_image_info image;
    fill_image_info(&image, 0);
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, &err), MLT_OK);
    uint32_t sid, type;
    ck_assert_int_eq(mlt_writer_intern(w, "builtins.str", 12, &sid, &err), MLT_OK);
    mlt_type t = {.name = sid, .address = UINT64_MAX, .basicsize = UINT64_MAX, .itemsize = 1};
    ck_assert_int_eq(mlt_writer_add_type(w, &t, &type, &err), MLT_OK);
    uint8_t data[MLT_PREVIEW_MAX];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    for (uint64_t i = 0; i < 3; i++) {
        mlt_object o = {.address = 16 * (i + 1),
                        .type = type,
                        .flags = MLT_OBJ_FLAGS_KNOWN,
                        .size = UINT64_MAX - i,
                        .refcount = UINT64_MAX};
        ck_assert_int_eq(mlt_writer_add_object(w, &o, &err), MLT_OK);
    }
    mlt_preview p = {.object = 2,
                     .kind = MLT_PREVIEW_BYTES,
                     .truncated = 1,
                     .data = data,
                     .length = MLT_PREVIEW_MAX};
    ck_assert_int_eq(mlt_writer_add_preview(w, &p, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_end_image(w, UINT64_MAX, &err), MLT_OK);
    mlt_writer_close(w);
    mlt_reader *r = open_ok(path);
    mlt_image *img;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_OK);
    ck_assert_uint_eq(mlt_image_get_info(img)->pause_ns, UINT64_MAX);
    ck_assert_uint_eq(mlt_image_type(img, 0)->address, UINT64_MAX);
    mlt_object o;
    for (uint64_t i = 0; i < 3; i++) {
        ck_assert_int_eq(mlt_image_next_object(img, &o, &err), 1);
        ck_assert_uint_eq(o.size, UINT64_MAX - i);
        ck_assert_uint_eq(o.refcount, UINT64_MAX);
        ck_assert_uint_eq(o.flags, MLT_OBJ_FLAGS_KNOWN);
    }
    ck_assert_int_eq(mlt_image_next_object(img, &o, &err), 0);
    mlt_preview got;
    ck_assert_int_eq(mlt_image_next_preview(img, &got, &err), 1);
    ck_assert_uint_eq(got.object, 2);
    ck_assert_uint_eq(got.length, MLT_PREVIEW_MAX);
    ck_assert_int_eq(got.truncated, 1);
    ck_assert(memcmp(got.data, data, MLT_PREVIEW_MAX) == 0);
    ck_assert_int_eq(mlt_image_next_preview(img, &got, &err), 0);
    mlt_image_close(img);
    mlt_reader_close(r);
    free(path);
}
END_TEST

START_TEST(append_across_sessions)
{
    char *path = tmp_path("append.mlt");
    heap_spec s = {.objects = 500,
                   .types = 4,
                   .strings = 9,
                   .seed = 2,
                   .addr_base = 4096,
                   .roots = 1,
                   .previews = 1,
                   .edges = 1};
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer_options options = {.append = 1};
    mlt_error err;
    for (int session = 0; session < 3; session++) {
        mlt_writer *w;
        ck_assert_msg(mlt_writer_open(path, &info, &options, &w, &err) == MLT_OK, "%s",
                      err.message);
        write_heap(w, &s, (uint64_t)session);
        mlt_writer_close(w);
    }
    mlt_reader *r = open_ok(path);
    ck_assert_uint_eq(mlt_reader_image_count(r), 3);
    for (int i = 0; i < 3; i++)
        check_heap(r, (size_t)i, &s, (uint64_t)i);
    mlt_reader_close(r);
    free(path);
}
END_TEST

START_TEST(append_cuts_a_torn_tail)
{
    char *path = write_small_file(2, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    write_whole(path, bytes, size - 5); /* tear the second image */
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer_options options = {.append = 1};
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, &options, &w, &err), MLT_OK);
    heap_spec s = {.objects = 7, .types = 1, .strings = 2, .addr_base = 8, .edges = 1};
    write_heap(w, &s, 9);
    mlt_writer_close(w);
    mlt_reader *r = open_ok(path);
    ck_assert_uint_eq(mlt_reader_image_count(r), 2);
    check_heap(r, 1, &s, 9);
    mlt_reader_close(r);
    free(bytes);
    free(path);
}
END_TEST

START_TEST(names_are_stable)
{
    ck_assert_str_eq(mlt_status_name(MLT_ERR_TRUNCATED), "truncated");
    ck_assert_str_eq(mlt_trigger_name(MLT_TRIGGER_CALL_END), "call-end");
    ck_assert_str_eq(mlt_root_kind_name(MLT_ROOT_MODULE_GLOBAL), "module-global");
    ck_assert_str_eq(mlt_label_kind_name(MLT_LABEL_KEY_OBJ), "key-obj");
    ck_assert_str_eq(mlt_identity_source_name(MLT_IDENTITY_ALLOC_HOOK), "alloc-hook");
    ck_assert_str_eq(mlt_root_kind_name((mlt_root_kind)99), "unknown");
}
END_TEST

Suite *roundtrip_suite(void)
{
    const TTest *tests[] = {file_info_round_trip,
                            absent_strings_and_withheld_argv,
                            empty_image,
                            call_deltas_and_unknown_kinds,
                            small_images_every_block_size,
                            addresses_near_two_to_the_64,
                            million_objects,
                            long_and_unicode_strings,
                            preview_at_maximum_length,
                            append_across_sessions,
                            append_cuts_a_torn_tail,
                            names_are_stable};
    return ts_suite("roundtrip", "roundtrip", 120, tests, TS_COUNT(tests));
}
