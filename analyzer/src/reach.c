/* The virtual super-root and breadth-first distances from it.
 *
 * Seeding happens in phases so that paths prefer what the dump can name:
 * first the root records, then objects whose refcount exceeds their visible
 * referrers ("held outside the visible heap"), then whatever is still
 * unreached. Every phase-two/three object also becomes a super-root child for
 * the dominator tree even when phase one reached it, because a hidden holder
 * keeps it alive whatever the visible heap does.
 *
 * What is still unreached is garbage the cyclic GC has not collected (or
 * cannot: it is disabled, or a finalizer resurrected it). Each piece is
 * seeded from upstream of it, at a node nothing unreached refers to or on
 * the cycle that holds it, so a path reads "cycle -> .pool -> ... -> int"
 * rather than making every int the cycle holds a root of its own. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

static unsigned root_rank(mlt_root_kind kind)
{
    switch (kind) {
    case MLT_ROOT_MODULE_GLOBAL: return 0;
    case MLT_ROOT_FRAME_LOCAL: return 1;
    case MLT_ROOT_MODULE: return 2;
    case MLT_ROOT_SYS: return 3;
    case MLT_ROOT_THREAD: return 4;
    case MLT_ROOT_OTHER: return 5;
    case MLT_ROOT_EXTERNAL: return 6;
    default: return 7;
    }
}

/* Best root record per node: lowest rank, then first in the stream. */
static void pick_root_records(const mla_graph *graph, mla_bfs *bfs)
{
    for (size_t r = 0; r < graph->root_count; r++) {
        uint32_t v = graph->roots[r].object;
        if (v >= graph->node_count)
            continue;
        uint32_t best = bfs->root_record[v];
        if (best == MLA_NONE ||
            root_rank(graph->roots[r].kind) < root_rank(graph->roots[best].kind))
            bfs->root_record[v] = (uint32_t)r;
    }
}

static void add_super_child(mla_bfs *bfs, uint32_t v, uint8_t kind, uint32_t *tail)
{
    bfs->super_children[bfs->super_count++] = v;
    bfs->super_kind[v] = kind;
    if (bfs->dist[v] == MLA_NONE) {
        bfs->dist[v] = 1;
        bfs->order[(*tail)++] = v;
    }
}

static void expand(const mla_graph *graph, mla_bfs *bfs, uint32_t *head, uint32_t *tail)
{
    while (*head < *tail) {
        /* Two-stage prefetch down the queue: the CSR offsets of a node eight
         * ahead, the visited marks of the targets of a node four ahead. */
        if (*head + 8 < *tail)
            __builtin_prefetch(&graph->edge_start[bfs->order[*head + 8]]);
        if (*head + 4 < *tail) {
            uint32_t ahead = bfs->order[*head + 4];
            for (uint32_t e = graph->edge_start[ahead], k = 0;
                 e < graph->edge_start[ahead + 1] && k < 8; e++, k++)
                __builtin_prefetch(&bfs->dist[graph->edge_target[e]]);
        }
        uint32_t u = bfs->order[(*head)++];
        for (uint32_t e = graph->edge_start[u]; e < graph->edge_start[u + 1]; e++) {
            uint32_t v = graph->edge_target[e];
            if (bfs->dist[v] != MLA_NONE)
                continue;
            bfs->dist[v] = bfs->dist[u] + 1;
            bfs->parent[v] = u;
            bfs->parent_edge[v] = e;
            bfs->order[(*tail)++] = v;
        }
    }
}

/* Root-record nodes ordered by rank so module globals are seeded first. */
static void seed_records(const mla_graph *graph, mla_bfs *bfs, uint32_t *tail)
{
    for (unsigned rank = 0; rank < 8; rank++) {
        for (size_t r = 0; r < graph->root_count; r++) {
            uint32_t v = graph->roots[r].object;
            if (v >= graph->node_count || bfs->root_record[v] != r ||
                root_rank(graph->roots[r].kind) != rank)
                continue;
            add_super_child(bfs, v, MLA_SUPER_RECORD, tail);
        }
    }
}

static void seed_external(const mla_graph *graph, const mla_reverse *rev, mla_bfs *bfs,
                          uint32_t *tail)
{
    for (uint32_t v = 0; v < graph->node_count; v++) {
        if (bfs->super_kind[v] != MLA_SUPER_NONE || (graph->flags[v] & MLT_OBJ_IMMORTAL))
            continue;
        uint32_t referrers = rev->start[v + 1] - rev->start[v];
        if (graph->refcount[v] > referrers)
            add_super_child(bfs, v, MLA_SUPER_EXTERNAL, tail);
    }
}

/* Walks referrers backwards from the unreached node v through unreached
 * nodes until one with no unreached referrer (a garbage tree's top) or one
 * seen on this walk (a node on a cycle upstream of v). Every node walked is
 * downstream of the node returned, so seeding it reaches them all and no
 * node is walked twice over the whole search: O(V + E). */
static uint32_t upstream_seed(const mla_reverse *rev, const mla_bfs *bfs, uint32_t v,
                              uint32_t *walk_stamp)
{
    uint32_t u = v;
    for (;;) {
        walk_stamp[u] = v + 1;
        uint32_t referrer = MLA_NONE;
        for (uint32_t e = rev->start[u]; e < rev->start[u + 1]; e++) {
            if (bfs->dist[rev->source[e]] == MLA_NONE) {
                referrer = rev->source[e];
                break;
            }
        }
        if (referrer == MLA_NONE)
            return u;
        if (walk_stamp[referrer] == v + 1)
            return referrer;
        u = referrer;
    }
}

static int seed_unreached(const mla_graph *graph, const mla_reverse *rev, mla_bfs *bfs,
                          uint32_t *head, uint32_t *tail)
{
    uint32_t *walk_stamp = NULL;
    for (uint32_t v = 0; v < graph->node_count; v++) {
        if (bfs->dist[v] != MLA_NONE)
            continue;
        if (walk_stamp == NULL &&
            (walk_stamp = mla_calloc_array(graph->node_count, sizeof *walk_stamp)) == NULL)
            return -1;
        add_super_child(bfs, upstream_seed(rev, bfs, v, walk_stamp), MLA_SUPER_UNREACHED, tail);
        expand(graph, bfs, head, tail);
    }
    free(walk_stamp);
    return 0;
}

mlt_status mla_bfs_build(const mla_graph *graph, const mla_reverse *rev, mla_bfs *bfs,
                         mlt_error *err)
{
    uint32_t n = graph->node_count;
    memset(bfs, 0, sizeof *bfs);
    bfs->super_children = mla_malloc_array(n, sizeof *bfs->super_children);
    bfs->super_kind = mla_calloc_array(n, sizeof *bfs->super_kind);
    bfs->root_record = mla_malloc_array(n, sizeof *bfs->root_record);
    bfs->dist = mla_malloc_array(n, sizeof *bfs->dist);
    bfs->parent = mla_malloc_array(n, sizeof *bfs->parent);
    bfs->parent_edge = mla_malloc_array(n, sizeof *bfs->parent_edge);
    bfs->order = mla_malloc_array(n, sizeof *bfs->order);
    if (!bfs->super_children || !bfs->super_kind || !bfs->root_record || !bfs->dist ||
        !bfs->parent || !bfs->parent_edge || !bfs->order) {
        mla_bfs_free(bfs);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for the search over %u objects", n);
    }
    memset(bfs->root_record, 0xff, (size_t)n * sizeof *bfs->root_record);
    memset(bfs->dist, 0xff, (size_t)n * sizeof *bfs->dist);
    memset(bfs->parent, 0xff, (size_t)n * sizeof *bfs->parent);
    memset(bfs->parent_edge, 0xff, (size_t)n * sizeof *bfs->parent_edge);
    pick_root_records(graph, bfs);

    uint32_t head = 0, tail = 0;
    seed_records(graph, bfs, &tail);
    expand(graph, bfs, &head, &tail);
    seed_external(graph, rev, bfs, &tail);
    expand(graph, bfs, &head, &tail);
    if (seed_unreached(graph, rev, bfs, &head, &tail) != 0) {
        mla_bfs_free(bfs);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for the search over %u objects", n);
    }
    free(bfs->order); /* only the queue: nothing later needs the visit order */
    bfs->order = NULL;
    return MLT_OK;
}

void mla_bfs_free(mla_bfs *bfs)
{
    free(bfs->super_children);
    free(bfs->super_kind);
    free(bfs->root_record);
    free(bfs->dist);
    free(bfs->parent);
    free(bfs->parent_edge);
    free(bfs->order);
    memset(bfs, 0, sizeof *bfs);
}
