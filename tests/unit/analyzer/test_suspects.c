/* Leak suspects on synthetic dumps whose answers follow from how they were
 * built: accumulation points on known graphs (a dict of lists of objects,
 * nested containers, a cycle, several leaks into one container, many lists
 * of one shape), the growing/stable rule at its edges, undated candidates
 * and import-time state.
 *
 * Images are taken at t = 10 k. Criterion: lifetime 15 s, warm-up 10 s, so
 * objects first seen at image f >= 2 are dated after the warm-up, and at E
 * they qualify when t[E] - t[f] >= 15. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_test_util.h"
#include "check_suite.h"
#include "time_options.h"

#define DICT_ADDR 0x10000u
#define LIST_ADDR 0x10100u
#define GROUP_BASE 0x20000u

/* Object j born at image `born` lives at a distinct address per (born, j). */
static uint64_t obj_addr(uint32_t born, uint32_t j, uint32_t kind)
{
    return 0x1000000ull + 0x100000ull * kind + 0x1000ull * born + 0x40ull * j;
}

static uint8_t new_flag(int k, uint32_t born)
{
    return k > 0 && (uint32_t)k == born ? MLT_OBJ_NEW : 0;
}

static const mla_report *analyze(const char *path, double lifetime, double warmup,
                                 mla_report_set **set)
{
    mla_options o = ts_time_options(lifetime, warmup);
    *set = at_analyze(path, &o);
    ck_assert_uint_eq(mla_report_set_count(*set), 1);
    return mla_report_set_get(*set, 0);
}

static uint64_t type_count(const mla_suspect *s, const char *type)
{
    for (size_t i = 0; i < s->type_count; i++)
        if (strcmp(s->types[i].type, type) == 0)
            return s->types[i].count;
    return 0;
}

/* An old dict app.cache gains `per` app.Request (each with an app.Session)
 * at every image k >= 1; nothing dies. */
/* A leak that gains `per` entries at each image up to image last_born. */
static void write_leak_until(const char *path, int images, uint32_t per, int two_types,
                             int last_born)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 1000);
        uint32_t next = dict + 1;
        int newest = k < last_born ? k : last_born;
        for (uint32_t born = 1; born <= (uint32_t)newest; born++)
            for (uint32_t j = 0; j < per; j++) {
                uint32_t req = at_obj(d, obj_addr(born, j, 0), "app.Request", new_flag(k, born),
                                      48);
                at_edge(d, dict, req, MLT_LABEL_KEY_STR, "x", 0);
                next = req + 1;
            }
        if (two_types)
            for (uint32_t born = 1; born <= (uint32_t)newest; born++)
                for (uint32_t j = 0; j < per; j++) {
                    uint32_t s = at_obj(d, obj_addr(born, j, 1), "app.Session", new_flag(k, born),
                                        32);
                    at_edge(d, dict, s, MLT_LABEL_NONE, NULL, 0);
                }
        (void)next;
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "cache", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

static void write_growing_cache(const char *path, int images, uint32_t per, int two_types)
{
    write_leak_until(path, images, per, two_types, images);
}

START_TEST(one_growing_suspect_at_the_cache)
{
    char *path = at_tmp_path("grow.mlt");
    write_growing_cache(path, 6, 30, 0);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    /* E = 5: f in {2, 3} qualify. */
    ck_assert_uint_eq(r->candidate_count, 60);
    ck_assert_uint_eq(r->suspect_count, 1);
    ck_assert_uint_eq(r->growing_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_int_eq(s->trend, MLA_TREND_GROWING);
    ck_assert_str_eq(s->point_path, "module global app.cache");
    ck_assert_str_eq(s->point_type, "builtins.dict");
    ck_assert_uint_eq(s->count, 60);
    ck_assert_uint_eq(type_count(s, "app.Request"), 60);
    /* Base: image 3 (50 - 30 >= 15) held f = 2, 3; E holds f = 2..5. */
    ck_assert_uint_eq(s->growth_count, 6);
    ck_assert_uint_eq(s->growth[3].count, 60);
    ck_assert_uint_eq(s->growth[5].count, 120);
    ck_assert_uint_eq(s->growth_objects, 60);
    ck_assert_uint_eq(s->growth_bytes, 60 * 48);
    ck_assert(s->rate_count > 2.99 && s->rate_count < 3.01); /* 60 in 20 s */
    ck_assert_uint_eq(s->example_count, 1);                  /* one shape */
    ck_assert(mla_report_fails(r, MLA_FAIL_ON_GROWING));
    ck_assert_str_eq(mla_report_verdict(r), "growing");
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(several_leaks_into_one_container_are_one_suspect)
{
    char *path = at_tmp_path("two.mlt");
    write_growing_cache(path, 6, 10, 1);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_uint_eq(s->count, 40);
    ck_assert_uint_eq(s->type_count, 2);
    ck_assert_uint_eq(type_count(s, "app.Request"), 20);
    ck_assert_uint_eq(type_count(s, "app.Session"), 20);
    /* Two path shapes: an example of each. */
    ck_assert_uint_eq(s->example_count, 2);
    ck_assert_str_ne(s->examples[0].type, s->examples[1].type);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* app.state (old dict) -> ['items'] -> old list -> new requests, each of
 * which holds a new body and sits in a two-object cycle with a new tag. */
static void write_nested(const char *path, int images, uint32_t per)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 200);
        uint32_t list = at_obj(d, LIST_ADDR, "builtins.list", 0, 100);
        at_edge(d, dict, list, MLT_LABEL_KEY_STR, "items", 0);
        for (uint32_t born = 1; born <= (uint32_t)k; born++)
            for (uint32_t j = 0; j < per; j++) {
                uint32_t req = at_obj(d, obj_addr(born, 2 * j, 0), "app.Request", new_flag(k, born),
                                      48);
                uint32_t tag = at_obj(d, obj_addr(born, 2 * j + 1, 0), "app.Tag", new_flag(k, born),
                                      24);
                at_edge(d, list, req, MLT_LABEL_INDEX, NULL, 0);
                at_edge(d, req, tag, MLT_LABEL_ATTR, "tag", 0);
                at_edge(d, tag, req, MLT_LABEL_ATTR, "owner", 0);
            }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "state", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(nested_containers_and_a_cycle_accumulate_at_the_old_list)
{
    char *path = at_tmp_path("nested.mlt");
    write_nested(path, 6, 5);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_str_eq(s->point_path, "module global app.state -> ['items']");
    ck_assert_str_eq(s->point_type, "builtins.list");
    ck_assert_uint_eq(type_count(s, "app.Request"), 10);
    ck_assert_uint_eq(type_count(s, "app.Tag"), 10); /* the cycle's other half */
    ck_assert_int_eq(s->trend, MLA_TREND_GROWING);
    ck_assert_uint_eq(s->growth[5].count, 40); /* f = 2..5, two objects each */
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* app.registry (old dict) -> ['u<k>'] -> a list made at image k -> requests
 * made with it: the lists are candidates too, so the dict is the point. */
static void write_dict_of_new_lists(const char *path, int images, uint32_t per)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 200);
        for (uint32_t born = 1; born <= (uint32_t)k; born++) {
            uint32_t list = at_obj(d, obj_addr(born, 0, 0), "builtins.list", new_flag(k, born), 88);
            char key[16];
            snprintf(key, sizeof key, "u%u", born);
            at_edge(d, dict, list, MLT_LABEL_KEY_STR, key, 0);
            for (uint32_t j = 0; j < per; j++) {
                uint32_t req = at_obj(d, obj_addr(born, j + 1, 0), "app.Request", new_flag(k, born),
                                      48);
                at_edge(d, list, req, MLT_LABEL_INDEX, NULL, j);
            }
        }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "registry", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(a_dict_of_lists_of_objects_is_one_suspect)
{
    char *path = at_tmp_path("dictlists.mlt");
    write_dict_of_new_lists(path, 6, 4);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_str_eq(s->point_path, "module global app.registry");
    ck_assert_uint_eq(type_count(s, "builtins.list"), 2);
    ck_assert_uint_eq(type_count(s, "app.Request"), 8);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* app.groups (old dict) -> 20 data-like keys -> 20 old lists, each gaining
 * one request per image: 20 points of one shape. */
static void write_many_lists(const char *path, int images)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 2000);
        for (uint32_t g = 0; g < 20; g++) {
            uint32_t list = at_obj(d, GROUP_BASE + 0x40u * g, "builtins.list", 0, 88);
            char key[16];
            snprintf(key, sizeof key, "group-%u", g);
            at_edge(d, dict, list, MLT_LABEL_KEY_STR, key, 0);
        }
        for (uint32_t born = 1; born <= (uint32_t)k; born++)
            for (uint32_t g = 0; g < 20; g++) {
                uint32_t req = at_obj(d, obj_addr(born, g, 0), "app.Request", new_flag(k, born),
                                      48);
                at_edge(d, dict + 1 + g, req, MLT_LABEL_INDEX, NULL, born);
            }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "groups", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(points_of_one_shape_merge)
{
    char *path = at_tmp_path("many.mlt");
    write_many_lists(path, 6);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_uint_eq(s->point_count, 20);
    ck_assert_uint_eq(s->count, 40);
    ck_assert_ptr_nonnull(strstr(s->point_path, "module global app.groups -> ['group-"));
    ck_assert_uint_eq(s->growth[5].count, 80);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* A bounded cache: app.lru (old dict) holds the entries of the last `life`
 * images, `per` made at each; at the last image `extra` more. */
static void write_bounded(const char *path, int images, uint32_t per, int life, uint32_t extra)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 1000);
        int oldest = k - life + 1 < 1 ? 1 : k - life + 1;
        for (int born = oldest; born <= k; born++) {
            uint32_t n = per + (born == images - 1 && k == images - 1 ? extra : 0);
            for (uint32_t j = 0; j < n; j++) {
                uint32_t e = at_obj(d, obj_addr((uint32_t)born, j, 0), "app.Entry",
                                    new_flag(k, (uint32_t)born), 40);
                at_edge(d, dict, e, MLT_LABEL_KEY_STR, "k", 0);
            }
        }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "lru", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(a_bounded_cache_at_its_size_is_stable)
{
    char *path = at_tmp_path("lru.mlt");
    /* E = 16 (t 160): alive f = 14, 15, 16; f = 14 qualifies. Watched
     * from image 1 (t 10): the base is image 8, half of that back, which
     * held f = 6, 7, 8: the same 3 x per. */
    write_bounded(path, 17, 10, 3, 0);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->candidate_count, 10);
    ck_assert_uint_eq(r->suspect_count, 1);
    ck_assert_uint_eq(r->growing_count, 0);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_int_eq(s->trend, MLA_TREND_STABLE);
    ck_assert_uint_eq(s->growth_objects, 0);
    ck_assert(!mla_report_fails(r, MLA_FAIL_ON_GROWING));
    ck_assert(mla_report_fails(r, MLA_FAIL_ON_ANY));
    ck_assert_str_eq(mla_report_verdict(r), "stable");
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(one_more_entry_than_at_the_base_is_growing)
{
    char *path = at_tmp_path("lru1.mlt");
    write_bounded(path, 17, 10, 3, 1);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->growing_count, 1);
    ck_assert_uint_eq(r->suspects[0].growth_objects, 1);
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(a_cache_that_wobbles_below_its_earlier_high_is_stable)
{
    /* Entries live four images, 10 made at each, 12 at image 2 and 11 at
     * image 16. Held: image 5 42 (f = 2..5), the base (image 8) 40, E (image
     * 16) 41: more than the base, no more than the most held by then. */
    char *path = at_tmp_path("wobble.mlt");
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 17; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 1000);
        int oldest = k - 3 < 1 ? 1 : k - 3;
        for (int born = oldest; born <= k; born++) {
            uint32_t n = born == 2 ? 12 : born == 16 ? 11 : 10;
            for (uint32_t j = 0; j < n; j++) {
                uint32_t e = at_obj(d, obj_addr((uint32_t)born, j, 0), "app.Entry",
                                    new_flag(k, (uint32_t)born), 40);
                at_edge(d, dict, e, MLT_LABEL_KEY_STR, "k", 0);
            }
        }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "lru", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_uint_eq(s->growth[5].count, 42);
    ck_assert_uint_eq(s->growth[8].count, 40);
    ck_assert_uint_eq(s->growth[16].count, 41);
    ck_assert_int_eq(s->trend, MLA_TREND_STABLE);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* The dump at path (lifetime 15, warm-up 10) has one suspect, growing by
 * `growth` objects over the trend span; frees path. */
static void expect_one_growing(char *path, uint64_t growth)
{
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    ck_assert_int_eq(r->suspects[0].trend, MLA_TREND_GROWING);
    ck_assert_uint_eq(r->suspects[0].growth_objects, growth);
    mla_report_set_free(set);
    free(path);
}

START_TEST(a_cache_at_its_size_for_less_than_half_the_run_is_growing)
{
    /* Entries living four images, over 9 images: young entries fill the
     * cache by image 5 and it holds still for the 30 s to E (t 80), over the
     * lifetime (15 s) but under half the 70 s watched since the warm-up: the
     * base is image 4, which held 30 young entries, E 40. The analyzer
     * before the half-span rule took image 6 (a lifetime back) and read it
     * stable. Over 17 images (the first test) a cache reads stable. */
    char *path = at_tmp_path("lru-short.mlt");
    write_bounded(path, 9, 10, 4, 0);
    expect_one_growing(path, 10);
}
END_TEST

START_TEST(a_leak_that_stopped_for_its_last_stretch_is_still_growing)
{
    /* 10 leaked per image through image 6, none after, E = 9 (t 90). The
     * base a lifetime back (image 7) already held all 60; half the 80 s
     * watched back (image 5) held 50: growing, by 10. */
    char *path = at_tmp_path("stopped.mlt");
    write_leak_until(path, 10, 10, 0, 6);
    expect_one_growing(path, 10);
}
END_TEST

START_TEST(candidates_across_the_warm_up_end_count_as_undated)
{
    char *path = at_tmp_path("undated.mlt");
    write_growing_cache(path, 6, 30, 0);
    mla_report_set *set;
    /* Warm-up 5 ends inside (0, 10]: image 1's objects may predate it. */
    const mla_report *r = analyze(path, 15.0, 5.0, &set);
    ck_assert_uint_eq(r->candidate_count, 90); /* f = 1 (undated), 2, 3 */
    ck_assert_uint_eq(r->undated_count, 30);
    ck_assert_uint_eq(r->suspects[0].undated_count, 30);
    ck_assert(at_has_warning(r, "30 candidates are undated: first seen in image 1"));
    mla_report_set_free(set);
    /* With the warm-up's end on an image, nothing is undated. */
    r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->undated_count, 0);
    ck_assert(!at_has_warning(r, "undated"));
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(undated_candidates_alone_fail_the_report)
{
    char *path = at_tmp_path("undated-stable.mlt");
    /* A cache filled at image 1 only (life 99): stable, but with warm-up 5
     * its entries are undated. */
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 6; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 1000);
        for (uint32_t j = 0; k >= 1 && j < 7; j++) {
            uint32_t e = at_obj(d, obj_addr(1, j, 0), "app.Entry", new_flag(k, 1), 40);
            at_edge(d, dict, e, MLT_LABEL_KEY_STR, "k", 0);
        }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "table", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 5.0, &set);
    ck_assert_uint_eq(r->growing_count, 0);
    ck_assert_uint_eq(r->undated_count, 7);
    ck_assert(mla_report_fails(r, MLA_FAIL_ON_GROWING));
    ck_assert_str_eq(mla_report_verdict(r), "undated");
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* Images at t = 0, 7, 12, 20, 30, 40, 50; the cache gains 10 requests at
 * each. Image 2 (t 12) straddles a 10 s warm-up's end; with warmup_image it
 * is the monitor's warm-up-end image, taken 2 s late. */
static void write_late_warmup_image(const char *path, int warmup_image)
{
    static const double times[] = {0, 7, 12, 20, 30, 40, 50};
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < 7; k++) {
        mlt_image_info *info = at_image_begin(d, times[k]);
        info->criterion.kind = MLT_CRITERION_TIME;
        info->criterion.lifetime = 15.0;
        info->criterion.warmup = 10.0;
        if (k == 2 && warmup_image)
            info->trigger = MLT_TRIGGER_WARMUP_END;
        uint32_t dict = at_obj(d, DICT_ADDR, "builtins.dict", 0, 1000);
        for (uint32_t born = 1; born <= (uint32_t)k; born++)
            for (uint32_t j = 0; j < 10; j++) {
                uint32_t req = at_obj(d, obj_addr(born, j, 0), "app.Request", new_flag(k, born),
                                      48);
                at_edge(d, dict, req, MLT_LABEL_KEY_STR, "x", 0);
            }
        at_root(d, dict, MLT_ROOT_MODULE_GLOBAL, "cache", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(the_warm_up_ends_at_the_monitors_warm_up_image)
{
    char *path = at_tmp_path("warmup-image.mlt");
    mla_report_set *set;
    /* E = 6 (t 50), lifetime 15: f with t <= 35 qualify: 2 (12), 3 (20), 4 (30). */
    write_late_warmup_image(path, 1);
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->undated_count, 0); /* image 2 belongs to the warm-up */
    ck_assert_uint_eq(r->candidate_count, 20);
    ck_assert(!at_has_warning(r, "undated"));
    mla_report_set_free(set);
    /* Another warm-up than the image was taken for: back to t0 + warm-up. */
    r = analyze(path, 15.0, 9.0, &set);
    ck_assert_uint_eq(r->undated_count, 10);
    mla_report_set_free(set);
    /* Without the monitor's image the straddling image is undated. */
    write_late_warmup_image(path, 0);
    r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->undated_count, 10);
    ck_assert_uint_eq(r->candidate_count, 30);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* app.callbacks (an old list) gains one closure per image k >= 1: a
 * function -> __closure__ -> tuple -> cell -> payload; every function's
 * __globals__ is one dict made at image 2 holding 50 strings. */
static void write_closures(const char *path, int images)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t list = at_obj(d, LIST_ADDR, "builtins.list", 0, 88);
        uint32_t globals = MLA_NONE;
        if (k >= 2) { /* made after the warm-up: counted if followed */
            globals = at_obj(d, obj_addr(2, 0, 5), "builtins.dict", new_flag(k, 2), 2000);
            for (uint32_t j = 0; j < 50; j++) {
                uint32_t str = at_obj(d, obj_addr(2, j + 1, 5), "builtins.str", new_flag(k, 2), 50);
                at_edge(d, globals, str, MLT_LABEL_KEY_STR, "g", 0);
            }
        }
        for (uint32_t born = 1; born <= (uint32_t)k; born++) {
            uint8_t flag = new_flag(k, born);
            uint32_t fn = at_obj(d, obj_addr(born, 0, 6), "builtins.function", flag, 150);
            uint32_t cells = at_obj(d, obj_addr(born, 1, 6), "builtins.tuple", flag, 48);
            uint32_t cell = at_obj(d, obj_addr(born, 2, 6), "builtins.cell", flag, 40);
            uint32_t payload = at_obj(d, obj_addr(born, 3, 6), "builtins.bytes", flag, 4000);
            at_edge(d, list, fn, MLT_LABEL_INDEX, NULL, born);
            if (globals != MLA_NONE)
                at_edge(d, fn, globals, MLT_LABEL_ATTR, "__globals__", 0);
            at_edge(d, fn, cells, MLT_LABEL_ATTR, "__closure__", 0);
            at_edge(d, cells, cell, MLT_LABEL_INDEX, NULL, 0);
            at_edge(d, cell, payload, MLT_LABEL_CELL, "payload", 0);
        }
        at_root(d, list, MLT_ROOT_MODULE_GLOBAL, "callbacks", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(callbacks_grow_with_what_their_closures_hold_not_their_globals)
{
    char *path = at_tmp_path("closures.mlt");
    write_closures(path, 6);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    const mla_suspect *s = NULL;
    for (size_t i = 0; i < r->suspect_count; i++)
        if (r->suspects[i].point_path &&
            strcmp(r->suspects[i].point_path, "module global app.callbacks") == 0)
            s = &r->suspects[i];
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->trend, MLA_TREND_GROWING);
    /* f = 2..5 made after the warm-up, four objects each; not the globals. */
    ck_assert_uint_eq(s->growth[5].count, 16);
    ck_assert_uint_eq(s->growth[3].count, 8);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* A module `late` imported at image 1: the module object, a function global
 * with its code, and a data list global that grows. */
static void write_late_import(const char *path, int images)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        if (k >= 2) {
            uint8_t flag = new_flag(k, 2);
            uint32_t module = at_obj(d, obj_addr(2, 0, 3), "builtins.module", flag, 72);
            uint32_t func = at_obj(d, obj_addr(2, 1, 3), "builtins.function", flag, 150);
            uint32_t code = at_obj(d, obj_addr(2, 2, 3), "builtins.code", flag, 200);
            uint32_t name = at_obj(d, obj_addr(2, 3, 3), "builtins.str", flag, 60);
            uint32_t list = at_obj(d, obj_addr(2, 4, 3), "builtins.list", flag, 88);
            at_edge(d, func, code, MLT_LABEL_ATTR, "__code__", 0);
            at_edge(d, code, name, MLT_LABEL_ATTR, "co_name", 0);
            at_root(d, module, MLT_ROOT_MODULE, "late", NULL, 0);
            at_root(d, func, MLT_ROOT_MODULE_GLOBAL, "handler", "late", 0);
            at_root(d, list, MLT_ROOT_MODULE_GLOBAL, "seen", "late", 0);
            for (uint32_t born = 2; born <= (uint32_t)k; born++)
                for (uint32_t j = 0; j < 5; j++) {
                    uint32_t o = at_obj(d, obj_addr(born, j, 4), "late.Seen", new_flag(k, born),
                                        32);
                    at_edge(d, list, o, MLT_LABEL_INDEX, NULL, j);
                }
        }
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(a_late_import_is_one_line_but_its_growing_global_is_a_suspect)
{
    char *path = at_tmp_path("late.mlt");
    write_late_import(path, 7);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    /* E = 6 (t 60): f in {2, 3, 4} qualify. */
    ck_assert_uint_eq(r->import_state_count, 1);
    ck_assert_str_eq(r->import_states[0].module, "late");
    ck_assert_uint_eq(r->import_states[0].count, 4); /* module, function, code, name */
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_int_eq(s->trend, MLA_TREND_GROWING);
    ck_assert_uint_eq(type_count(s, "late.Seen"), 15);
    ck_assert_uint_eq(type_count(s, "builtins.list"), 1);
    ck_assert_ptr_nonnull(s->shape);
    ck_assert_ptr_nonnull(strstr(s->shape, "module global late.seen"));
    ck_assert_uint_eq(r->candidate_count, 16);
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* app.signal (an old app.Signal) -> __dict__ -> ['receivers'] and
 * ['by_receiver']: two old lists, each gaining one object per image. */
static void write_two_attributes(const char *path, int images)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        uint32_t sig = at_obj(d, DICT_ADDR, "app.Signal", 0, 48);
        uint32_t dict = at_obj(d, DICT_ADDR + 0x40, "builtins.dict", 0, 200);
        uint32_t a = at_obj(d, DICT_ADDR + 0x80, "builtins.list", 0, 88);
        uint32_t b = at_obj(d, DICT_ADDR + 0xc0, "builtins.list", 0, 88);
        at_edge(d, sig, dict, MLT_LABEL_OTHER, "__dict__", 0);
        at_edge(d, dict, a, MLT_LABEL_KEY_STR, "receivers", 0);
        at_edge(d, dict, b, MLT_LABEL_KEY_STR, "by_receiver", 0);
        for (uint32_t born = 1; born <= (uint32_t)k; born++) {
            uint32_t r = at_obj(d, obj_addr(born, 0, 0), "app.Receiver", new_flag(k, born), 32);
            uint32_t t = at_obj(d, obj_addr(born, 1, 0), "builtins.tuple", new_flag(k, born), 56);
            at_edge(d, a, r, MLT_LABEL_INDEX, NULL, born);
            at_edge(d, b, t, MLT_LABEL_INDEX, NULL, born);
        }
        at_root(d, sig, MLT_ROOT_MODULE_GLOBAL, "signal", "app", 0);
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(structures_one_object_keeps_are_one_suspect)
{
    char *path = at_tmp_path("signal.mlt");
    write_two_attributes(path, 6);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_str_eq(s->point_path, "module global app.signal");
    ck_assert_str_eq(s->point_type, "app.Signal");
    ck_assert_uint_eq(s->point_count, 1);
    ck_assert_uint_eq(type_count(s, "app.Receiver"), 2);
    ck_assert_uint_eq(type_count(s, "builtins.tuple"), 2);
    ck_assert_uint_eq(s->growth[5].count, 8); /* both lists followed: f = 2..5, two each */
    mla_report_set_free(set);
    free(path);
}
END_TEST

/* A structure the program made after the warm-up (its start-up ran past
 * it): a global app.App made at image 2, whose .state holds a dict
 * .sessions that gains `per` app.Session per image from image 2. With
 * chain, the sessions are instead a linked list (each .next the one
 * before). */
static void write_young_app(const char *path, int images, uint32_t per, int chain)
{
    at_dump *d = at_dump_open(path);
    for (int k = 0; k < images; k++) {
        at_image_begin(d, 10.0 * k);
        if (k >= 2) {
            uint32_t app = at_obj(d, obj_addr(0, 0, 0), "app.App", new_flag(k, 2), 56);
            uint32_t state = at_obj(d, obj_addr(0, 1, 0), "app.State", new_flag(k, 2), 56);
            uint32_t sessions = at_obj(d, obj_addr(0, 2, 0), "builtins.dict", new_flag(k, 2), 640);
            at_edge(d, app, state, MLT_LABEL_ATTR, "state", 0);
            at_edge(d, state, sessions, MLT_LABEL_ATTR, "sessions", 0);
            uint32_t previous = sessions;
            for (uint32_t born = 2; born <= (uint32_t)k; born++)
                for (uint32_t j = 0; j < per; j++) {
                    uint32_t one = at_obj(d, obj_addr(born, j, 0), "app.Session", new_flag(k, born),
                                          48);
                    if (chain)
                        at_edge(d, previous, one, MLT_LABEL_ATTR, "next", 0);
                    else
                        at_edge(d, sessions, one, MLT_LABEL_KEY_STR, "tok", 0);
                    previous = one;
                }
            at_root(d, app, MLT_ROOT_MODULE_GLOBAL, "app", "main", 0);
        }
        at_image_end(d);
    }
    at_dump_close(d);
}

START_TEST(a_structure_made_after_the_warm_up_accumulates_where_it_fans_out)
{
    char *path = at_tmp_path("young-app.mlt");
    write_young_app(path, 9, 10, 0);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_int_eq(s->trend, MLA_TREND_GROWING);
    ck_assert_uint_eq(type_count(s, "app.Session"), 50); /* born 2..6 qualify at E = 8 */
    ck_assert_ptr_nonnull(s->point_path);
    ck_assert_str_eq(s->point_type, "builtins.dict");
    ck_assert_ptr_nonnull(strstr(s->point_path, "sessions"));
    ck_assert_uint_eq(s->point_address, obj_addr(0, 2, 0));
    mla_report_set_free(set);
    free(path);
}
END_TEST

START_TEST(a_young_linked_list_accumulates_at_its_head)
{
    /* Each .next step repeats the one before: the walk stops at the list's
     * first node (the first session), not at its tail. */
    char *path = at_tmp_path("young-list.mlt");
    write_young_app(path, 9, 10, 1);
    mla_report_set *set;
    const mla_report *r = analyze(path, 15.0, 10.0, &set);
    ck_assert_uint_eq(r->suspect_count, 1);
    const mla_suspect *s = &r->suspects[0];
    ck_assert_ptr_nonnull(s->point_path);
    ck_assert_str_eq(s->point_type, "app.Session");
    ck_assert_uint_eq(s->point_address, obj_addr(2, 0, 0));
    mla_report_set_free(set);
    free(path);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {one_growing_suspect_at_the_cache,
                            several_leaks_into_one_container_are_one_suspect,
                            nested_containers_and_a_cycle_accumulate_at_the_old_list,
                            a_dict_of_lists_of_objects_is_one_suspect,
                            points_of_one_shape_merge,
                            a_bounded_cache_at_its_size_is_stable,
                            one_more_entry_than_at_the_base_is_growing,
                            a_cache_at_its_size_for_less_than_half_the_run_is_growing,
                            a_leak_that_stopped_for_its_last_stretch_is_still_growing,
                            a_cache_that_wobbles_below_its_earlier_high_is_stable,
                            candidates_across_the_warm_up_end_count_as_undated,
                            undated_candidates_alone_fail_the_report,
                            a_late_import_is_one_line_but_its_growing_global_is_a_suspect,
                            structures_one_object_keeps_are_one_suspect,
                            the_warm_up_ends_at_the_monitors_warm_up_image,
                            callbacks_grow_with_what_their_closures_hold_not_their_globals,
                            a_structure_made_after_the_warm_up_accumulates_where_it_fans_out,
                            a_young_linked_list_accumulates_at_its_head};
    return ts_main("suspects", "suspects", 60, tests, TS_COUNT(tests));
}
