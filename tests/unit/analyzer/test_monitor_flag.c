/* MLT_OBJ_MONITOR: what memalot's own frames hold while an image is taken is
 * not a leak candidate in that image, nor is what only such objects reach;
 * an object the program also reaches stays a candidate, and the flag holds
 * for one image only. Synthetic dumps, time criterion with lifetime 0 so
 * every object new in image 1 qualifies unless the flag rule drops it. */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>

#include "analysis_test_util.h"
#include "check_suite.h"
#include "time_options.h"

static mla_options zero_lifetime(int each)
{
    mla_options o = ts_time_options(0.0, 0.0);
    o.each = each;
    return o;
}

/* Image 1 holds, all new:
 *   0x200 app.Held    flagged, refcount 1, no referrer (a monitor frame's local)
 *   0x300 app.Only    reached only from app.Held
 *   0x400 app.Shared  flagged, but also a module global of the program
 *   0x500 app.Both    reached from app.Held and from the program's app.Root
 *   0x600 app.Plain   unflagged, refcount 1, no referrer (a hidden holder)
 *   0x700 app.Hidden  flagged, refcount 3, no referrer
 * Image 2 (with_escape): app.Held, no longer flagged, is held by app.Root. */
static void write_dump(const char *path, int with_escape)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < (with_escape ? 3 : 2); k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t root = at_obj(d, 0x100, "app.Root", 0, 10);
        at_root(d, root, MLT_ROOT_MODULE_GLOBAL, "root", "app", 0);
        if (k == 1) {
            uint8_t fresh = MLT_OBJ_NEW;
            uint32_t held = at_obj(d, 0x200, "app.Held", fresh | MLT_OBJ_MONITOR, 16);
            uint32_t only = at_obj(d, 0x300, "app.Only", fresh, 16);
            uint32_t shared = at_obj(d, 0x400, "app.Shared", fresh | MLT_OBJ_MONITOR, 16);
            uint32_t both = at_obj(d, 0x500, "app.Both", fresh, 16);
            uint32_t plain = at_obj(d, 0x600, "app.Plain", fresh, 16);
            uint32_t hidden = at_obj(d, 0x700, "app.Hidden", fresh | MLT_OBJ_MONITOR, 16);
            at_edge(d, held, only, MLT_LABEL_ATTR, "only", 0);
            at_edge(d, held, both, MLT_LABEL_ATTR, "both", 0);
            at_edge(d, root, both, MLT_LABEL_ATTR, "both", 0);
            at_root(d, shared, MLT_ROOT_MODULE_GLOBAL, "shared", "app", 0);
            at_refcount(d, held, 1);
            at_refcount(d, plain, 1);
            at_refcount(d, hidden, 3);
        }
        if (k == 2) {
            uint32_t held = at_obj(d, 0x200, "app.Held", 0, 16);
            at_edge(d, root, held, MLT_LABEL_ATTR, "kept", 0);
        }
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(monitor_objects_and_what_only_they_reach_are_not_candidates)
{
    char *path = at_tmp_path("monitor.mlt");
    write_dump(path, 0);
    mla_options o = zero_lifetime(0);
    mla_report_set *set = at_analyze(path, &o);
    const mla_report *r = mla_report_set_get(set, 0);
    ck_assert_uint_eq(r->candidate_count, 3);
    ck_assert_ptr_nonnull(at_leak(r, "app.Shared"));
    ck_assert_ptr_nonnull(at_leak(r, "app.Both"));
    ck_assert_ptr_nonnull(at_leak(r, "app.Plain"));
    ck_assert_ptr_null(at_leak(r, "app.Held"));
    ck_assert_ptr_null(at_leak(r, "app.Only"));
    ck_assert_ptr_null(at_leak(r, "app.Hidden"));
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(an_object_that_escapes_the_monitor_is_reported_at_the_next_image)
{
    char *path = at_tmp_path("escape.mlt");
    write_dump(path, 1);
    mla_options o = zero_lifetime(1);
    mla_report_set *set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_count(set), 2);
    ck_assert_ptr_null(at_leak(mla_report_set_get(set, 0), "app.Held"));
    const mla_type_leak *leak = at_leak(mla_report_set_get(set, 1), "app.Held");
    ck_assert_ptr_nonnull(leak);
    ck_assert_uint_eq(leak->count, 1);
    ck_assert_str_eq(leak->examples[0].paths[0].root, "app.root");
    mla_report_set_free(set);
    free(path);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {monitor_objects_and_what_only_they_reach_are_not_candidates,
                            an_object_that_escapes_the_monitor_is_reported_at_the_next_image};
    return ts_main("monitor-flag", "files", 60, tests, TS_COUNT(tests));
}
