/* References to objects that do not exist and addresses that repeat: the
 * reader refuses them with the stream and record named, and so does the
 * analysis that streams through it. */
#include <check.h>
#include <string.h>

#include "hostile_files.h"
#include "memalot/analysis.h"
#include "memalot/format.h"
#include "check_suite.h"

/* Decodes image 0 fully; returns the first error code and fills err. */
static mlt_status decode(const char *path, mlt_error *err)
{
    mlt_reader *r;
    mlt_status st = mlt_reader_open(path, NULL, &r, err);
    if (st != MLT_OK)
        return st;
    ck_assert_uint_eq(mlt_reader_image_count(r), 1);
    mlt_image *img;
    st = mlt_image_open(r, 0, &img, err);
    if (st == MLT_OK) {
        mlt_object o;
        mlt_edge edges[8];
        mlt_root root;
        int rc;
        long got = 0;
        while ((rc = mlt_image_next_object(img, &o, err)) == 1)
            while ((got = mlt_image_read_edges(img, edges, 8, err)) > 0) {
            }
        if (rc == 0 && got >= 0)
            while ((rc = mlt_image_next_root(img, &root, err)) == 1) {
            }
        st = rc < 0 || got < 0 ? err->code : MLT_OK;
        mlt_image_close(img);
    }
    mlt_reader_close(r);
    return st;
}

static void expect_refused(void (*make)(hbuf *), const char *name, const char *const *needles)
{
    hbuf bytes = {0};
    make(&bytes);
    char *path = hwrite_temp(&bytes, name);
    hb_free(&bytes);
    mlt_error err;
    ck_assert_int_eq(decode(path, &err), MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, path), "no file name in: %s", err.message);
    for (size_t i = 0; needles[i]; i++)
        ck_assert_msg(strstr(err.message, needles[i]), "'%s' not in: %s", needles[i], err.message);
    ck_assert_uint_gt(err.offset, 0);

    mla_report_set *set = NULL;
    mlt_error analysis_err;
    ck_assert_int_eq(mla_analyze_file(path, NULL, &set, &analysis_err), MLT_ERR_FORMAT);
    ck_assert_ptr_null(set);
    ck_assert_str_eq(analysis_err.message, err.message);
    hremove_temp(path);
}

START_TEST(edge_to_a_missing_object_names_stream_and_record)
{
    const char *needles[] = {"stream EDGE_TARGET", "record 0", "index 3", "outside the 3 objects",
                             NULL};
    expect_refused(make_missing_target, "target.mlt", needles);
}
END_TEST

START_TEST(duplicate_address_names_stream_and_record)
{
    const char *needles[] = {"stream OBJ_ADDR", "record 1", "address delta 0", NULL};
    expect_refused(make_duplicate_address, "duplicate.mlt", needles);
}
END_TEST

START_TEST(decreasing_address_is_refused_not_wrapped)
{
    const char *needles[] = {"stream OBJ_ADDR", "record 1", "strictly increase", NULL};
    expect_refused(make_decreasing_address, "decreasing.mlt", needles);
}
END_TEST

START_TEST(root_naming_a_missing_object_names_stream_and_record)
{
    const char *needles[] = {"stream ROOTS", "record 0", "root object 5 outside the 3 objects",
                             NULL};
    expect_refused(make_missing_root, "root.mlt", needles);
}
END_TEST

Suite *references_suite(void);
Suite *references_suite(void)
{
    const TTest *tests[] = {edge_to_a_missing_object_names_stream_and_record,
                            duplicate_address_names_stream_and_record,
                            decreasing_address_is_refused_not_wrapped,
                            root_naming_a_missing_object_names_stream_and_record};
    return ts_suite("references", "missing and repeated", 0, tests, TS_COUNT(tests));
}
