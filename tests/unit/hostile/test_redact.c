/* mlt_redact: argv and previews go, str dict keys are hashed (always),
 * names only with hash_names, builtins stay readable, the graph stays. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostile_bytes.h"
#include "memalot/format.h"
#include "memalot/redact.h"
#include "check_suite.h"

static char *secret_dump(void)
{
    hbuf none = {0};
    char *path = hwrite_temp(&none, "secret.mlt");
    const char *argv[] = {"app.py", "--token=ARGV-SECRET"};
    mlt_file_info file = {
        .producer = "test", .pointer_size = 8, .run_id = 5, .argc = 2, .argv = argv};
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &file, NULL, &w, &err), MLT_OK);
    mlt_image_info info = {
        .run_id = 5, .pid = 1, .monotonic_time = 1, .identity = 1, .function = "app.handle_secret"};
    ck_assert_int_eq(mlt_writer_begin_image(w, &info, &err), MLT_OK);
    uint32_t dict_name, user_name, attr, key, value_type;
    ck_assert_int_eq(mlt_writer_intern(w, "builtins.dict", 13, &dict_name, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_intern(w, "app.User", 8, &user_name, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_intern(w, "visible_attr", 12, &attr, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_intern(w, "KEY-SECRET", 10, &key, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_intern(w, "builtins.str", 12, &value_type, &err), MLT_OK);
    mlt_type types[3] = {
        {dict_name, 0x100, 64, 0}, {user_name, 0x200, 48, 0}, {value_type, 0x300, 48, 1}};
    uint32_t index;
    for (int t = 0; t < 3; t++)
        ck_assert_int_eq(mlt_writer_add_type(w, &types[t], &index, &err), MLT_OK);
    mlt_object dict = {.address = 0x1000, .type = 0, .size = 64, .refcount = 1, .edge_count = 1};
    mlt_object user = {.address = 0x2000, .type = 1, .size = 48, .refcount = 1, .edge_count = 1};
    mlt_object text = {.address = 0x3000, .type = 2, .size = 60, .refcount = 1};
    mlt_edge dict_edge = {.target = 1, .label_kind = MLT_LABEL_KEY_STR, .label = key};
    mlt_edge user_edge = {.target = 2, .label_kind = MLT_LABEL_ATTR, .label = attr};
    ck_assert_int_eq(mlt_writer_add_object(w, &dict, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_add_edges(w, &dict_edge, 1, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_add_object(w, &user, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_add_edges(w, &user_edge, 1, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_add_object(w, &text, &err), MLT_OK);
    mlt_root root = {
        .kind = MLT_ROOT_MODULE_GLOBAL, .object = 0, .name = attr, .context = user_name};
    ck_assert_int_eq(mlt_writer_add_root(w, &root, &err), MLT_OK);
    mlt_preview preview = {.object = 2,
                           .kind = MLT_PREVIEW_STR,
                           .data = (const uint8_t *)"VALUE-SECRET",
                           .length = 12};
    ck_assert_int_eq(mlt_writer_add_preview(w, &preview, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_end_image(w, 0, &err), MLT_OK);
    mlt_writer_close(w);
    return path;
}

static char *redacted(const char *in, int hash_names)
{
    size_t length = strlen(in) + 8;
    char *out = malloc(length);
    snprintf(out, length, "%s.red", in);
    mlt_redact_options options = {.hash_names = hash_names};
    mlt_error err;
    ck_assert_msg(mlt_redact(in, out, &options, &err) == MLT_OK, "%s", err.message);
    struct stat sb;
    ck_assert_int_eq(stat(out, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 0777, 0600);
    return out;
}

/* Every string of image 0, each followed by a newline. */
static char *all_strings(mlt_image *img)
{
    size_t size = 1;
    for (uint64_t i = 0; i < mlt_image_string_count(img); i++) {
        size_t length;
        mlt_image_string(img, (uint32_t)i, &length);
        size += length + 1;
    }
    char *text = calloc(size, 1);
    for (uint64_t i = 0; i < mlt_image_string_count(img); i++) {
        strcat(text, mlt_image_string(img, (uint32_t)i, NULL));
        strcat(text, "\n");
    }
    return text;
}

static void check_redacted(const char *path, int hash_names)
{
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    const mlt_file_info *file = mlt_reader_file_info(r);
    ck_assert_int_eq(file->argv_withheld, 1);
    ck_assert_uint_eq(file->argc, 0);
    ck_assert_uint_eq(file->run_id, 5);
    mlt_image *img;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_OK);
    const mlt_image_info *info = mlt_image_get_info(img);
    ck_assert_uint_eq(info->preview_count, 0);
    ck_assert_uint_eq(info->object_count, 3);
    char *strings = all_strings(img);
    char key_hash[MLT_REDACT_HASH_LEN + 1], user_hash[MLT_REDACT_HASH_LEN + 1];
    mlt_redact_hash("KEY-SECRET", 10, key_hash);
    mlt_redact_hash("app.User", 8, user_hash);
    ck_assert_msg(!strstr(strings, "SECRET"), "%s", strings);
    ck_assert_msg(strstr(strings, "builtins.dict\n") && strstr(strings, key_hash), "%s", strings);
    ck_assert_int_eq(strstr(strings, "app.User\n") != NULL, !hash_names);
    ck_assert_int_eq(strstr(strings, "visible_attr\n") != NULL, !hash_names);
    ck_assert_int_eq(strstr(strings, user_hash) != NULL, hash_names);
    ck_assert_int_eq(strstr(info->function, "handle_secret") != NULL, !hash_names);
    mlt_object o;
    mlt_edge edge;
    ck_assert_int_eq(mlt_image_next_object(img, &o, &err), 1);
    ck_assert_int_eq(mlt_image_read_edges(img, &edge, 1, &err), 1);
    ck_assert_uint_eq(edge.label_kind, MLT_LABEL_KEY_STR);
    ck_assert_str_eq(mlt_image_string(img, (uint32_t)edge.label, NULL), key_hash);
    ck_assert_int_eq(mlt_image_next_object(img, &o, &err), 1);
    ck_assert_uint_eq(o.address, 0x2000);
    ck_assert_int_eq(mlt_image_read_edges(img, &edge, 1, &err), 1);
    ck_assert_uint_eq(edge.target, 2);
    free(strings);
    mlt_image_close(img);
    mlt_reader_close(r);
}

START_TEST(redact_drops_argv_and_previews_and_hashes_keys)
{
    char *in = secret_dump();
    char *out = redacted(in, 0);
    check_redacted(out, 0);
    remove(out);
    free(out);
    out = redacted(in, 1);
    check_redacted(out, 1);
    remove(out);
    free(out);
    hremove_temp(in);
}
END_TEST

START_TEST(hashes_are_stable_and_distinct)
{
    char a[MLT_REDACT_HASH_LEN + 1], b[MLT_REDACT_HASH_LEN + 1], c[MLT_REDACT_HASH_LEN + 1];
    mlt_redact_hash("user-1", 6, a);
    mlt_redact_hash("user-1", 6, b);
    mlt_redact_hash("user-2", 6, c);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_uint_eq(strlen(a), MLT_REDACT_HASH_LEN);
    ck_assert_int_eq(strncmp(a, "h:", 2), 0);
}
END_TEST

START_TEST(redact_refuses_its_input_as_output_and_damaged_images)
{
    char *in = secret_dump();
    mlt_error err;
    ck_assert_int_eq(mlt_redact(in, in, NULL, &err), MLT_ERR_USAGE);
    hbuf bytes = {0};
    static const uint64_t addresses[] = {0x1000, 0x1000};
    static const char *const names[] = {"app.X"};
    static const uint32_t types[] = {0, 0};
    hfile_header(&bytes, 1, 1);
    himage_meta meta = {.run_id = 1, .pid = 1, .monotonic_time = 1, .identity = 1};
    hheap heap = {names, 1, 2, addresses, types, NULL, NULL, NULL, NULL, 0};
    himage_heap(&bytes, &meta, &heap, NULL);
    char *bad = hwrite_temp(&bytes, "dup.mlt");
    hb_free(&bytes);
    char out[4200];
    snprintf(out, sizeof out, "%s.red", bad);
    ck_assert_int_eq(mlt_redact(bad, out, NULL, &err), MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, "OBJ_ADDR"), "%s", err.message);
    struct stat sb;
    ck_assert_int_ne(stat(out, &sb), 0); /* no partial output left behind */
    hremove_temp(bad);
    hremove_temp(in);
}
END_TEST

Suite *redact_suite(void);
Suite *redact_suite(void)
{
    const TTest *tests[] = {redact_drops_argv_and_previews_and_hashes_keys,
                            hashes_are_stable_and_distinct,
                            redact_refuses_its_input_as_output_and_damaged_images};
    return ts_suite("redact", "redact", 0, tests, TS_COUNT(tests));
}
