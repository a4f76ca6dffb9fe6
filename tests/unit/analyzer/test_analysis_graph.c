/* The graph algorithms on small graphs with known answers: dominators and
 * retained sizes (diamond, cycles, several roots, unreachable objects,
 * self-loops), the super-root's external/unreached children, shortest
 * paths, identity links and criteria at their boundaries. */
#include <stdlib.h>
#include <string.h>

#include "analysis_test_util.h"
#include "check_suite.h"

typedef struct {
    mla_graph g;
    mla_reverse rev;
    mla_bfs bfs;
    mla_domtree dom;
} solved;

static void solve(solved *s)
{
    mlt_error err;
    ck_assert_int_eq(mla_reverse_build(&s->g, &s->rev, &err), MLT_OK);
    ck_assert_int_eq(mla_bfs_build(&s->g, &s->rev, &s->bfs, &err), MLT_OK);
    ck_assert_int_eq(mla_dominators(&s->g, &s->rev, &s->bfs, &s->dom, &err), MLT_OK);
}

static void release(solved *s)
{
    mla_domtree_free(&s->dom);
    mla_bfs_free(&s->bfs);
    mla_reverse_free(&s->rev);
    mla_graph_free(&s->g);
}

#define SUPER(s) ((s)->g.node_count)

START_TEST(diamond)
{
    /* 0 -> 1, 0 -> 2, 1 -> 3, 2 -> 3, 3 -> 4 */
    static const uint32_t e[][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}};
    static const uint64_t sizes[] = {1, 10, 100, 1000, 10000};
    solved s = {0};
    at_graph(&s.g, 5, e, 5, sizes);
    at_graph_root(&s.g, 0);
    solve(&s);
    ck_assert_uint_eq(s.dom.idom[0], SUPER(&s));
    ck_assert_uint_eq(s.dom.idom[1], 0);
    ck_assert_uint_eq(s.dom.idom[2], 0);
    ck_assert_uint_eq(s.dom.idom[3], 0);
    ck_assert_uint_eq(s.dom.idom[4], 3);
    ck_assert_uint_eq(s.dom.retained[0], 11111);
    ck_assert_uint_eq(s.dom.retained[1], 10);
    ck_assert_uint_eq(s.dom.retained[3], 11000);
    ck_assert_uint_eq(s.bfs.dist[4], 4);
    release(&s);
}
END_TEST

START_TEST(cycle_and_self_loop)
{
    /* root 0 -> 1 -> 2 -> 3 -> 1 (cycle), 2 -> 2 (self-loop), 3 -> 4 */
    static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}, {3, 1}, {2, 2}, {3, 4}};
    static const uint64_t sizes[] = {1, 2, 4, 8, 16};
    solved s = {0};
    at_graph(&s.g, 5, e, 6, sizes);
    at_graph_root(&s.g, 0);
    solve(&s);
    ck_assert_uint_eq(s.dom.idom[1], 0);
    ck_assert_uint_eq(s.dom.idom[2], 1);
    ck_assert_uint_eq(s.dom.idom[3], 2);
    ck_assert_uint_eq(s.dom.idom[4], 3);
    ck_assert_uint_eq(s.dom.retained[1], 30);
    ck_assert_uint_eq(s.dom.retained[3], 24);
    release(&s);
}
END_TEST

START_TEST(garbage_cycle_is_seeded_at_the_cycle)
{
    /* Root 0 alone; unreached garbage: 2 <-> 3 (a cycle, as Pool <-> Connection
     * with the cyclic GC off) holding 1 (an int at a lower address than the
     * cycle) through 3, and a garbage tree 4 -> 5. Paths must start at the
     * cycle and at the tree's top, never at what they hold. */
    static const uint32_t e[][2] = {{2, 3}, {3, 2}, {3, 1}, {4, 5}};
    static const uint64_t sizes[] = {1, 2, 4, 8, 16, 32};
    solved s = {0};
    at_graph(&s.g, 6, e, 4, sizes);
    at_graph_root(&s.g, 0);
    solve(&s);
    ck_assert_uint_eq(s.bfs.super_kind[1], MLA_SUPER_NONE);
    ck_assert_uint_eq(s.bfs.super_kind[5], MLA_SUPER_NONE);
    ck_assert_uint_eq(s.bfs.super_kind[4], MLA_SUPER_UNREACHED);
    ck_assert(s.bfs.super_kind[2] == MLA_SUPER_UNREACHED ||
              s.bfs.super_kind[3] == MLA_SUPER_UNREACHED);
    ck_assert_uint_eq(s.bfs.parent[1], 3);
    ck_assert_uint_eq(s.bfs.dist[1], s.bfs.dist[3] + 1);
    /* The int is retained with the cycle, not as a super-root child of its own. */
    ck_assert_uint_eq(s.dom.idom[1], 3);
    release(&s);
}
END_TEST

START_TEST(multiple_roots)
{
    /* roots 0 and 1 both reach 2; 2 -> 3; only 1 reaches 4 */
    static const uint32_t e[][2] = {{0, 2}, {1, 2}, {2, 3}, {1, 4}};
    static const uint64_t sizes[] = {1, 2, 4, 8, 16};
    solved s = {0};
    at_graph(&s.g, 5, e, 4, sizes);
    at_graph_root(&s.g, 0);
    at_graph_root(&s.g, 1);
    solve(&s);
    ck_assert_uint_eq(s.dom.idom[2], SUPER(&s));
    ck_assert_uint_eq(s.dom.idom[3], 2);
    ck_assert_uint_eq(s.dom.idom[4], 1);
    ck_assert_uint_eq(s.dom.retained[0], 1);
    ck_assert_uint_eq(s.dom.retained[1], 18);
    ck_assert_uint_eq(s.dom.retained[2], 12);
    release(&s);
}
END_TEST

START_TEST(unreachable_objects)
{
    /* root 0 -> 1; 2 <-> 3 reached by nothing, 3 -> 4 */
    static const uint32_t e[][2] = {{0, 1}, {2, 3}, {3, 2}, {3, 4}};
    static const uint64_t sizes[] = {1, 2, 4, 8, 16};
    solved s = {0};
    at_graph(&s.g, 5, e, 4, sizes);
    at_graph_root(&s.g, 0);
    solve(&s);
    ck_assert_uint_eq(s.bfs.super_kind[2], MLA_SUPER_UNREACHED);
    ck_assert_uint_eq(s.bfs.super_kind[3], MLA_SUPER_NONE);
    ck_assert_uint_eq(s.dom.idom[2], SUPER(&s));
    ck_assert_uint_eq(s.dom.idom[3], 2);
    ck_assert_uint_eq(s.dom.idom[4], 3);
    ck_assert_uint_eq(s.dom.retained[2], 28);
    ck_assert_uint_eq(s.bfs.dist[4], 3);
    release(&s);
}
END_TEST

START_TEST(external_holder)
{
    /* root 0 -> 1 -> 2 -> 3; object 2 has a hidden extra reference, so 1 does
     * not dominate it, but paths still go through the visible heap. */
    static const uint32_t e[][2] = {{0, 1}, {1, 2}, {2, 3}};
    static const uint64_t sizes[] = {1, 2, 4, 8};
    solved s = {0};
    at_graph(&s.g, 4, e, 3, sizes);
    at_graph_root(&s.g, 0);
    s.g.refcount[2] = 5;
    solve(&s);
    ck_assert_uint_eq(s.bfs.super_kind[2], MLA_SUPER_EXTERNAL);
    ck_assert_uint_eq(s.dom.idom[2], SUPER(&s));
    ck_assert_uint_eq(s.dom.retained[1], 2);
    ck_assert_uint_eq(s.dom.retained[2], 12);
    ck_assert_uint_eq(s.bfs.dist[2], 3);
    /* Immortal objects never count as held from outside. */
    mla_domtree_free(&s.dom);
    mla_bfs_free(&s.bfs);
    s.g.flags[2] = MLT_OBJ_IMMORTAL;
    mlt_error err;
    ck_assert_int_eq(mla_bfs_build(&s.g, &s.rev, &s.bfs, &err), MLT_OK);
    ck_assert_int_eq(mla_dominators(&s.g, &s.rev, &s.bfs, &s.dom, &err), MLT_OK);
    ck_assert_uint_eq(s.bfs.super_kind[2], MLA_SUPER_NONE);
    ck_assert_uint_eq(s.dom.idom[2], 1);
    release(&s);
}
END_TEST

/* A chain far deeper than any C stack allows recursion for. */
START_TEST(deep_chain)
{
    const uint32_t n = 300000;
    uint32_t(*e)[2] = malloc(sizeof *e * n);
    for (uint32_t i = 0; i + 1 < n; i++) {
        e[i][0] = i;
        e[i][1] = i + 1;
    }
    e[n - 1][0] = n - 1;
    e[n - 1][1] = 1; /* a back edge closes a long cycle */
    solved s = {0};
    mlt_error err;
    ck_assert_int_eq(mla_graph_alloc(&s.g, n, n, 0, 1, &err), MLT_OK);
    for (uint32_t u = 0; u < n; u++) {
        s.g.address[u] = 16ull * (u + 1);
        s.g.type[u] = 0;
        s.g.flags[u] = 0;
        s.g.size[u] = 1;
        s.g.refcount[u] = u == 1 ? 2 : u ? 1 : 0;
        s.g.edge_start[u] = u;
        s.g.edge_target[u] = e[u][1];
        s.g.edge_kind[u] = 0;
        s.g.edge_label[u] = 0;
    }
    s.g.edge_start[n] = n;
    at_graph_root(&s.g, 0);
    solve(&s);
    ck_assert_uint_eq(s.dom.retained[0], n);
    ck_assert_uint_eq(s.dom.retained[1], n - 1);
    ck_assert_uint_eq(s.dom.idom[n - 1], n - 2);
    mla_raw_path p[2];
    int more;
    ck_assert_int_eq(mla_shortest_paths(&s.g, &s.rev, &s.bfs, n - 1, 2, p, &more), 1);
    ck_assert_uint_eq(p[0].length, n - 1);
    ck_assert_int_eq(more, 0);
    mla_raw_path_free(&p[0]);
    release(&s);
    free(e);
}
END_TEST

START_TEST(shortest_paths_distinct)
{
    /* roots 0, 1; 0 -> 2, 1 -> 2, 2 -> 3, 0 -> 3 via long way 0 -> 4 -> 5 -> 3 */
    static const uint32_t e[][2] = {{0, 2}, {1, 2}, {2, 3}, {0, 4}, {4, 5}, {5, 3}};
    solved s = {0};
    at_graph(&s.g, 6, e, 6, NULL);
    at_graph_root(&s.g, 0);
    at_graph_root(&s.g, 1);
    solve(&s);
    mla_raw_path p[4];
    int more;
    long found = mla_shortest_paths(&s.g, &s.rev, &s.bfs, 3, 4, p, &more);
    ck_assert_int_eq(found, 2);
    ck_assert_int_eq(more, 0);
    ck_assert_uint_eq(p[0].length, 2);
    ck_assert_uint_eq(p[1].length, 2);
    ck_assert_uint_ne(p[0].root, p[1].root);
    ck_assert_uint_eq(s.g.edge_target[p[0].edges[1]], 3);
    for (long i = 0; i < found; i++)
        mla_raw_path_free(&p[i]);
    found = mla_shortest_paths(&s.g, &s.rev, &s.bfs, 3, 1, p, &more);
    ck_assert_int_eq(found, 1);
    ck_assert_int_eq(more, 1);
    mla_raw_path_free(&p[0]);
    release(&s);
}
END_TEST

static void compact_graph(mla_graph *g, uint32_t n, const uint64_t *addr, const uint8_t *flags)
{
    mlt_error err;
    ck_assert_int_eq(mla_graph_alloc(g, n, 0, 0, 0, &err), MLT_OK);
    for (uint32_t i = 0; i < n; i++) {
        g->address[i] = addr[i];
        g->flags[i] = flags[i];
        g->type[i] = 0;
    }
}

START_TEST(identity_merge_join)
{
    static const uint64_t a0[] = {16, 32, 48, 64};
    static const uint8_t f0[] = {0, 0, MLT_OBJ_APPROX, 0};
    /* 16 survives, 32 reused by a new object, 48 survives (approx), 80 claims
     * to survive but the base had nothing there, 96 new. */
    static const uint64_t a1[] = {16, 32, 48, 80, 96};
    static const uint8_t f1[] = {0, MLT_OBJ_NEW, 0, 0, MLT_OBJ_NEW};
    mla_graph g0, g1;
    compact_graph(&g0, 4, a0, f0);
    compact_graph(&g1, 5, a1, f1);
    uint32_t first0[4], first1[5];
    uint8_t bits0[4], bits1[5];
    mla_link_stats stats = {0};
    mla_identity_link(NULL, NULL, NULL, &g0, 0, 0, first0, bits0, &stats);
    mla_identity_link(&g0, first0, bits0, &g1, 1, 1, first1, bits1, &stats);
    ck_assert_uint_eq(first1[0], 0);
    ck_assert_uint_eq(first1[1], 1);
    ck_assert_uint_eq(first1[2], 0);
    ck_assert_uint_eq(bits1[2] & MLA_ID_APPROX, MLA_ID_APPROX);
    ck_assert_uint_eq(bits1[0] & MLA_ID_APPROX, 0);
    ck_assert_uint_eq(first1[3], 1);
    ck_assert_uint_eq(bits1[3] & MLA_ID_APPROX, MLA_ID_APPROX);
    ck_assert_uint_eq(bits1[4] & MLA_ID_APPROX, 0);
    ck_assert_uint_eq(first1[4], 1);
    ck_assert_uint_eq(stats.contradictions, 1);
    /* A broken chain makes everything new. */
    mla_identity_link(&g0, first0, bits0, &g1, 1, 0, first1, bits1, NULL);
    ck_assert_uint_eq(first1[0], 1);
    mla_graph_free(&g0);
    mla_graph_free(&g1);
}
END_TEST

/* Static objects (outside the heap) date from the first image: one missing
 * from the previous image is no contradiction, NEW/APPROX from the writer do
 * not make it new, and a broken chain does not restart it. */
START_TEST(identity_static_objects_are_never_new)
{
    const uint8_t S = MLT_OBJ_STATIC;
    static const uint64_t a0[] = {16, 32, 64};
    const uint8_t f0[] = {(uint8_t)(S | MLT_OBJ_NEW), MLT_OBJ_NEW, MLT_OBJ_NEW};
    /* 8: static, unseen at image 0; 16: static, seen; 32 survives; 48: static
     * flagged NEW and APPROX; 80: not static, unseen (still a contradiction). */
    static const uint64_t a1[] = {8, 16, 32, 48, 80};
    const uint8_t f1[] = {S, S, 0, (uint8_t)(S | MLT_OBJ_NEW | MLT_OBJ_APPROX), 0};
    mla_graph g0, g1;
    compact_graph(&g0, 3, a0, f0);
    compact_graph(&g1, 5, a1, f1);
    uint32_t first0[3], first1[5], first2[5];
    uint8_t bits0[3], bits1[5], bits2[5];
    mla_link_stats stats = {0};
    mla_identity_link(NULL, NULL, NULL, &g0, 0, 0, first0, bits0, &stats);
    mla_identity_link(&g0, first0, bits0, &g1, 1, 1, first1, bits1, &stats);
    static const uint32_t dated[] = {0, 0, 0, 0, 1};
    for (int i = 0; i < 5; i++)
        ck_assert_uint_eq(first1[i], dated[i]);
    ck_assert_uint_eq(bits1[0] | bits1[1] | bits1[3], 0);
    ck_assert_uint_eq(bits1[4] & MLA_ID_APPROX, MLA_ID_APPROX);
    ck_assert_uint_eq(stats.contradictions, 1); /* 80 only */
    /* A broken chain restarts the heap objects, not the static ones. */
    mla_identity_link(&g1, first1, bits1, &g1, 2, 0, first2, bits2, NULL);
    ck_assert_uint_eq(first2[0], 0);
    ck_assert_uint_eq(first2[3], 0);
    ck_assert_uint_eq(first2[2], 2);
    mla_graph_free(&g0);
    mla_graph_free(&g1);
}
END_TEST

static mlt_image_info image_at(double t, mlt_trigger trigger, uint64_t calls)
{
    mlt_image_info info;
    memset(&info, 0, sizeof info);
    info.monotonic_time = t;
    info.wall_time = 1e9 + t;
    info.trigger = trigger;
    info.call_counter = calls;
    return info;
}

START_TEST(time_criterion_boundaries)
{
    /* images at 100, 110.1, 120.2, 130.3, 140.4 (non-representable steps) */
    mlt_image_info im[5];
    for (int i = 0; i < 5; i++)
        im[i] = image_at(100.0 + 10.1 * i, MLT_TRIGGER_PERIODIC, 0);
    mlt_criterion c = {MLT_CRITERION_TIME, 20.2, 10.1, 0, 0};
    mla_criteria crit;
    mlt_error err;
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 5, 0.0, &err), MLT_OK);
    ck_assert_int_eq(crit.uses_monotonic, 1);
    /* first at 1: created in (100, 110.1], before warm-up end 110.1: no */
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 4, 0), 0);
    /* first at 2: created after t1 = 110.1 = t0 + W: yes; age at 4 = 20.2 exactly */
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 2, 4, 0), 1);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 2, 3, 0), 0);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 3, 4, 0), 0);
    /* never before monitoring */
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 0, 4, 0), 0);
    ck_assert(mla_criteria_age_seconds(&crit, 2, 4) > 20.19);
    mla_criteria_free(&crit);
    /* warm-up 0: first at 1 qualifies once old enough */
    c.warmup = 0.0;
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 5, 0.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 3, 0), 1);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 2, 0), 0);
    mla_criteria_free(&crit);
}
END_TEST

START_TEST(warmup_measured_from_the_run_after_compaction)
{
    /* A disk budget dropped the run's first images: the file starts at the
     * kept image (sequence 6) taken at 160 s, while monitoring started at
     * 100 s (file header). Lifetime 10, warm-up 10: an object first seen at
     * the second kept image (170 s) was created after 160 >= 100 + 10, so it is
     * past the warm-up, and 10 s old at the third; measuring the warm-up from
     * the first kept image (160 + 10 > 160) would wrongly say it is not. */
    mlt_image_info im[3];
    for (int i = 0; i < 3; i++) {
        im[i] = image_at(160.0 + 10.0 * i, MLT_TRIGGER_PERIODIC, 0);
        im[i].sequence = 6 + (uint64_t)i;
    }
    mlt_criterion c = {MLT_CRITERION_TIME, 10.0, 10.0, 0, 0};
    mla_criteria crit;
    mlt_error err;
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 3, 1e9 + 100.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 2, 0), 1);
    mla_criteria_free(&crit);
    /* No start time in the header: the first image is all there is to go by. */
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 3, 0.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 2, 0), 0);
    mla_criteria_free(&crit);
    /* The run's first image still in the file: it is the origin. */
    im[0].sequence = 0;
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 3, 1e9 + 100.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 2, 0), 0);
    mla_criteria_free(&crit);
}
END_TEST

START_TEST(call_criterion_boundaries)
{
    /* start(1) end(1) start(2) end(2) start(3) end(3) start(4) end(4) periodic */
    mlt_image_info im[9];
    for (int k = 1; k <= 4; k++) {
        im[2 * (k - 1)] = image_at(k * 10.0, MLT_TRIGGER_CALL_START, (uint64_t)k);
        im[2 * (k - 1) + 1] = image_at(k * 10.0 + 1, MLT_TRIGGER_CALL_END, (uint64_t)k);
    }
    im[8] = image_at(50.0, MLT_TRIGGER_PERIODIC, 4);
    mla_criteria crit;
    mlt_error err;
    for (uint64_t n = 1; n <= 3; n++) {
        mlt_criterion c = {MLT_CRITERION_CALLS, 0, 0, n, 1};
        ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 9, 0.0, &err), MLT_OK);
        /* created in call 1: warm-up call, never */
        ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 7, 0), 0);
        /* created in call 2 (first = end(2) = image 3) */
        ck_assert_int_eq(crit.created_call[3], 2);
        for (uint32_t m = 2; m <= 4; m++)
            ck_assert_int_eq(mla_criteria_qualifies(&crit, 3, 2 * (m - 1) + 1, 0), m >= 2 + n - 1);
        /* a periodic image after end(4) counts as end(4) */
        ck_assert_int_eq(mla_criteria_qualifies(&crit, 3, 8, 0), 4 >= 2 + n - 1);
        ck_assert_int_eq(mla_criteria_age_calls(&crit, 3, 7, 0), 3);
        /* first seen at a call-start image: not created in a call */
        ck_assert_int_eq(mla_criteria_qualifies(&crit, 4, 7, 0), 0);
        mla_criteria_free(&crit);
    }
    /* warmup_calls 2 excludes call 2, keeps call 3 */
    mlt_criterion c = {MLT_CRITERION_CALLS, 0, 0, 1, 2};
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 9, 0.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 3, 7, 0), 0);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 5, 7, 0), 1);
    mla_criteria_free(&crit);
    /* warmup_calls 0: call 1 qualifies */
    c.warmup_calls = 0;
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 9, 0.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 1, 0), 1);
    mla_criteria_free(&crit);
}
END_TEST

START_TEST(call_born_attribution)
{
    /* Call deltas dropped out: only call-end images of calls 1, 3, 4, 6, and
     * a periodic image. No call-start images, so only the dumper's CALL_BORN
     * flag attributes an object to a call. */
    uint64_t calls[] = {1, 3, 4, 6};
    mlt_image_info im[5];
    for (int i = 0; i < 4; i++)
        im[i] = image_at(10.0 * (i + 1), MLT_TRIGGER_CALL_END, calls[i]);
    im[4] = image_at(60.0, MLT_TRIGGER_PERIODIC, 6);
    mla_criteria crit;
    mlt_error err;
    mlt_criterion c = {MLT_CRITERION_CALLS, 0, 0, 3, 0};
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 5, 0.0, &err), MLT_OK);
    /* born in call 3 (first at image 1): age 3 calls at call 5, so image 3 (call 6) */
    ck_assert_int_eq(mla_criteria_created_call(&crit, 1, MLA_ID_CALL_BORN), 3);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 2, MLA_ID_CALL_BORN), 0);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 3, MLA_ID_CALL_BORN), 1);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 4, MLA_ID_CALL_BORN), 1);
    ck_assert_int_eq(mla_criteria_age_calls(&crit, 1, 3, MLA_ID_CALL_BORN), 4);
    /* new at the same image without the flag: born between calls, never */
    ck_assert_int_eq(mla_criteria_created_call(&crit, 1, 0), -1);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 4, 0), 0);
    /* the flag on a periodic first image attributes nothing */
    ck_assert_int_eq(mla_criteria_created_call(&crit, 4, MLA_ID_CALL_BORN), -1);
    mla_criteria_free(&crit);
    /* warm-up of 3 calls excludes call 3 */
    c.warmup_calls = 3;
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 5, 0.0, &err), MLT_OK);
    ck_assert_int_eq(mla_criteria_qualifies(&crit, 1, 4, MLA_ID_CALL_BORN), 0);
    mla_criteria_free(&crit);
}
END_TEST

START_TEST(calls_ending_out_of_order_never_count_back)
{
    /* Overlapping calls: call 3 ends before call 2. */
    uint64_t calls[] = {1, 3, 2, 4};
    mlt_image_info im[4];
    for (int i = 0; i < 4; i++)
        im[i] = image_at(10.0 * (i + 1), MLT_TRIGGER_CALL_END, calls[i]);
    mla_criteria crit;
    mlt_error err;
    mlt_criterion c = {MLT_CRITERION_CALLS, 0, 0, 2, 0};
    ck_assert_int_eq(mla_criteria_init(&crit, &c, im, 4, 0.0, &err), MLT_OK);
    ck_assert_int_eq(crit.completed_call[2], 3);
    /* born in call 2 (its end is image 2): two calls old at its own end */
    ck_assert_int_eq(mla_criteria_age_calls(&crit, 2, 2, MLA_ID_CALL_BORN), 2);
    ck_assert_int_eq(mla_criteria_age_calls(&crit, 2, 3, MLA_ID_CALL_BORN), 3);
    mla_criteria_free(&crit);
}
END_TEST

START_TEST(criterion_defaults)
{
    mlt_criterion c = {MLT_CRITERION_TIME, 30.0, -1.0, 0, 0};
    mla_criterion_defaults(&c, 0);
    ck_assert(c.warmup == 30.0);
    mlt_criterion k = {MLT_CRITERION_CALLS, 0, 0, 0, 0};
    mla_criterion_defaults(&k, 1);
    ck_assert_uint_eq(k.calls, 1);
    ck_assert_uint_eq(k.warmup_calls, 1);
    mlt_criterion z = {MLT_CRITERION_CALLS, 0, 0, 2, 0};
    mla_criterion_defaults(&z, 0);
    ck_assert_uint_eq(z.warmup_calls, 0);
}
END_TEST

START_TEST(filters)
{
    const char *inc[] = {"app.", "mylib"};
    const char *exc[] = {"Temp"};
    ck_assert_int_eq(mla_type_filter_keeps("app.Request", inc, 2, exc, 1), 1);
    ck_assert_int_eq(mla_type_filter_keeps("mylib.x.Y", inc, 2, exc, 1), 1);
    ck_assert_int_eq(mla_type_filter_keeps("app.Temp", inc, 2, exc, 1), 0);
    ck_assert_int_eq(mla_type_filter_keeps("builtins.dict", inc, 2, exc, 1), 0);
    ck_assert_int_eq(mla_type_filter_keeps("builtins.dict", NULL, 0, NULL, 0), 1);
}
END_TEST

START_TEST(quoting)
{
    mla_sbuf b = {0};
    mla_render_quoted(&b, "it's\n\x01", 6, 40);
    ck_assert_str_eq(b.data, "'it\\'s\\n\\x01'");
    b.length = 0;
    mla_render_quoted(&b, "abcdefgh", 8, 3);
    ck_assert_str_eq(b.data, "'abc\xE2\x80\xA6'");
    b.length = 0;
    mla_render_quoted(&b, "\xC3\xA9t\xC3\xA9", 6, 2);
    ck_assert_str_eq(b.data, "'\xC3\xA9t\xE2\x80\xA6'");
    mla_sbuf_free(&b);
}
END_TEST

int main(void)
{
    const TTest *tests[] = {diamond,
                            cycle_and_self_loop,
                            multiple_roots,
                            unreachable_objects,
                            garbage_cycle_is_seeded_at_the_cycle,
                            external_holder,
                            deep_chain,
                            shortest_paths_distinct,
                            identity_merge_join,
                            identity_static_objects_are_never_new,
                            time_criterion_boundaries,
                            warmup_measured_from_the_run_after_compaction,
                            call_criterion_boundaries,
                            call_born_attribution,
                            calls_ending_out_of_order_never_count_back,
                            criterion_defaults,
                            filters,
                            quoting};
    return ts_main("analysis-graph", "algorithms", 120, tests, TS_COUNT(tests));
}
