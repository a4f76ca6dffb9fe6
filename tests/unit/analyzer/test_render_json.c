/* The memalot-report/1 JSON renderer on a hand-built report. */
#include "render_units.h"
#include "render_fixture.h"
#include "check_suite.h"

#include <check.h>

static json_t *render(const mla_report *const *reports, size_t count, int each)
{
    char *text = NULL;
    json_t *document = mlr_render_json(reports, count, each);
    ck_assert_ptr_nonnull(document);
    CAPTURE(text, ck_assert_int_eq(mlr_json_dump(document, out), 0));
    json_decref(document);
    json_error_t error;
    json_t *parsed = json_loads(text, 0, &error); /* what a consumer sees */
    ck_assert_msg(parsed != NULL, "invalid JSON (%s): %s", error.text, text);
    free(text);
    return parsed;
}

#define GET(object, key) json_object_get((object), (key))

START_TEST(required_fields_and_values)
{
    mla_report report = fixture_report();
    const mla_report *reports[1] = {&report};
    json_t *doc = render(reports, 1, 0);
    ck_assert_str_eq(json_string_value(GET(doc, "schema")), "memalot-report/1");
    ck_assert_str_eq(json_string_value(GET(GET(doc, "criterion"), "kind")), "time");
    ck_assert(json_real_value(GET(GET(doc, "criterion"), "lifetime_seconds")) == 5.0);
    json_t *images = GET(doc, "images");
    ck_assert_int_eq(json_array_size(images), 3);
    json_t *image1 = json_array_get(images, 1);
    ck_assert_int_eq(json_integer_value(GET(image1, "index")), 1);
    ck_assert_str_eq(json_string_value(GET(image1, "time")), "2023-11-14T22:13:40.000Z");
    ck_assert_str_eq(json_string_value(GET(image1, "trigger")), "call-end");
    ck_assert_int_eq(json_integer_value(GET(image1, "objects")), 6000);
    ck_assert_int_eq(json_integer_value(GET(image1, "call_counter")), 12);
    ck_assert_str_eq(json_string_value(GET(image1, "function")), "app.handle");
    ck_assert(json_is_null(GET(json_array_get(images, 0), "function")));
    ck_assert(json_real_value(GET(image1, "seconds_since_start")) == 20.0);

    json_t *leaks = GET(doc, "leaks");
    ck_assert_int_eq(json_array_size(leaks), 2);
    json_t *request = json_array_get(leaks, 0);
    ck_assert_str_eq(json_string_value(GET(request, "type")), "app.Request");
    ck_assert_int_eq(json_integer_value(GET(request, "count")), 1000);
    ck_assert_int_eq(json_integer_value(GET(request, "shallow_bytes")), 48000);
    ck_assert_int_eq(json_integer_value(GET(request, "retained_bytes")), 4096000);
    json_t *growth = GET(request, "growth");
    ck_assert_int_eq(json_array_size(growth), 3);
    ck_assert_int_eq(json_integer_value(json_array_get(growth, 1)), 400);
    json_t *example = json_array_get(GET(request, "examples"), 0);
    ck_assert_str_eq(json_string_value(GET(example, "address")), "0x7f0000001000");
    ck_assert(json_real_value(GET(example, "age_seconds")) == 20.5);
    ck_assert_int_eq(json_integer_value(GET(example, "age_calls")), 12);
    ck_assert_int_eq(json_integer_value(GET(example, "shallow_bytes")), 48);
    ck_assert_str_eq(json_string_value(GET(example, "preview")),
                     "'\x1b[31mred\x1b[0m\xe2\x80\xa6'");
    json_t *path = json_array_get(GET(example, "paths"), 0);
    ck_assert_str_eq(json_string_value(GET(path, "root")), "app.cache");
    ck_assert_str_eq(json_string_value(GET(path, "root_kind")), "module-global");
    ck_assert_str_eq(json_string_value(json_array_get(GET(path, "edges"), 1)), "[3]");
    ck_assert(json_is_true(GET(json_array_get(GET(example, "paths"), 1), "truncated")));

    json_t *evil = json_array_get(GET(json_array_get(leaks, 1), "examples"), 0);
    ck_assert(json_is_null(GET(evil, "age_calls")));
    ck_assert(json_is_null(GET(evil, "preview")));
    ck_assert_str_eq(json_string_value(GET(json_array_get(leaks, 1), "type")), FIXTURE_EVIL);

    json_t *cluster = json_array_get(GET(doc, "clusters"), 0);
    ck_assert_int_eq(json_integer_value(GET(cluster, "count")), 1000);
    ck_assert_str_eq(json_string_value(GET(GET(doc, "file"), "run_id")), "0xfedcba9876543210");
    ck_assert_int_eq(json_integer_value(GET(GET(doc, "summary"), "candidates")), 1040);
    ck_assert(json_is_true(GET(doc, "leaks_found")));
    json_decref(doc);
}
END_TEST

START_TEST(suspects_import_time_and_verdict)
{
    mla_report report = fixture_report();
    json_t *doc = mlr_report_json(&report);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(GET(doc, "verdict")), "growing");
    json_t *suspects = GET(doc, "suspects");
    ck_assert_int_eq(json_array_size(suspects), 2);
    json_t *first = json_array_get(suspects, 0), *second = json_array_get(suspects, 1);
    ck_assert_str_eq(json_string_value(GET(first, "trend")), "growing");
    ck_assert_int_eq(json_integer_value(GET(GET(first, "types"), "app.Request")), 1000);
    json_t *point = GET(first, "accumulation_point");
    ck_assert_str_eq(json_string_value(GET(point, "path")), "module global app.cache -> .items");
    ck_assert_str_eq(json_string_value(GET(point, "type")), "builtins.list");
    ck_assert_int_eq(json_integer_value(GET(first, "undated")), 25);
    json_t *growth = GET(first, "growth");
    ck_assert_int_eq(json_array_size(growth), 3);
    ck_assert(json_real_value(GET(json_array_get(growth, 1), "time")) == 10.0);
    ck_assert_int_eq(json_integer_value(GET(json_array_get(growth, 2), "count")), 1000);
    ck_assert_str_eq(json_string_value(GET(GET(first, "rate"), "per")), "second");
    ck_assert(json_real_value(GET(GET(first, "rate"), "count")) == 60.0);
    ck_assert_int_eq(json_array_size(GET(first, "examples")), 1);
    ck_assert_str_eq(json_string_value(GET(second, "trend")), "stable");
    ck_assert(json_is_null(GET(second, "accumulation_point")));
    ck_assert_ptr_nonnull(strstr(json_string_value(GET(second, "shape")), "sys.modules"));
    json_t *imports = GET(doc, "import_time");
    ck_assert_str_eq(json_string_value(GET(json_array_get(imports, 0), "module")), "urllib.parse");
    ck_assert_int_eq(json_integer_value(GET(GET(doc, "summary"), "growing")), 1);
    ck_assert_int_eq(json_integer_value(GET(GET(doc, "summary"), "stable")), 1);
    json_decref(doc);
    report = fixture_clean_report();
    doc = mlr_report_json(&report);
    ck_assert_str_eq(json_string_value(GET(doc, "verdict")), "clean");
    json_decref(doc);
}
END_TEST

START_TEST(each_wraps_reports)
{
    mla_report first = fixture_clean_report(), second = fixture_report();
    first.evaluated_image = 1;
    const mla_report *reports[2] = {&first, &second};
    json_t *doc = render(reports, 2, 1);
    ck_assert_str_eq(json_string_value(GET(doc, "schema")), "memalot-report/1");
    ck_assert(json_is_true(GET(doc, "each")));
    json_t *list = GET(doc, "reports");
    ck_assert_int_eq(json_array_size(list), 2);
    ck_assert_int_eq(json_integer_value(GET(json_array_get(list, 0), "evaluated_image")), 1);
    ck_assert_int_eq(json_array_size(GET(json_array_get(list, 0), "leaks")), 0);
    ck_assert(json_is_false(GET(json_array_get(list, 0), "leaks_found")));
    ck_assert_int_eq(json_array_size(GET(json_array_get(list, 1), "leaks")), 2);
    json_decref(doc);
}
END_TEST

START_TEST(invalid_utf8_is_repaired_not_dropped)
{
    json_t *value = mlr_json_string("caf\xe9 \xc3\xa9");
    ck_assert_str_eq(json_string_value(value), "caf\xef\xbf\xbd \xc3\xa9");
    json_decref(value);
    value = mlr_json_string("\xed\xa0\x80"); /* a surrogate: not valid UTF-8 */
    ck_assert_str_eq(json_string_value(value), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    json_decref(value);
    ck_assert(json_is_null(mlr_json_string(NULL)));
}
END_TEST

int main(void)
{
    const TTest *tests[] = {required_fields_and_values, each_wraps_reports,
                            invalid_utf8_is_repaired_not_dropped, suspects_import_time_and_verdict};
    return ts_main("render_json", "json", 0, tests, TS_COUNT(tests));
}
