/* Dominator tree by semi-NCA (Georgiadis; semidominators as in
 * Lengauer-Tarjan, immediate dominators by nearest-common-ancestor ascent),
 * all loops iterative so deep object chains cannot overflow the C stack.
 * Work is in DFS preorder numbers; number 0 is the virtual super-root. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

/* Per preorder number, the four fields the semidominator loop touches
 * together, in one 16-byte record: on heaps far larger than the caches every
 * access is a miss, and one record costs one miss instead of four. */
typedef struct {
    uint32_t ancestor;
    uint32_t label; /* also the DFS edge cursor while numbering, then idom */
    uint32_t semi;
    uint32_t parent; /* DFS tree parent, in preorder numbers */
} snca_rec;

typedef struct {
    uint32_t count;   /* nodes + 1 (super-root) */
    uint32_t *pre_of; /* node -> preorder number */
    uint32_t *vertex; /* preorder number -> node (node_count for the super-root) */
    snca_rec *rec;
    uint32_t *stack;
    uint32_t *cursor; /* DFS edge cursor per node */
} snca;

static void snca_free(snca *s)
{
    free(s->pre_of);
    free(s->vertex);
    free(s->rec);
    free(s->stack);
    free(s->cursor);
}

static int snca_alloc(snca *s, uint32_t n)
{
    memset(s, 0, sizeof *s);
    s->count = n + 1;
    s->pre_of = mla_malloc_array(n, sizeof *s->pre_of);
    s->vertex = mla_malloc_array(s->count, sizeof *s->vertex);
    s->rec = mla_malloc_array(s->count, sizeof *s->rec);
    s->stack = mla_malloc_array(s->count, sizeof *s->stack);
    s->cursor = mla_malloc_array(n, sizeof *s->cursor);
    return s->pre_of && s->vertex && s->rec && s->stack && s->cursor;
}

/* Iterative DFS from one super-root child. */
static void dfs_from(const mla_graph *g, snca *s, uint32_t start, uint32_t *next)
{
    uint32_t top = 0;
    uint32_t *cursor = s->cursor;
    s->pre_of[start] = *next;
    s->vertex[*next] = start;
    s->rec[*next].parent = 0;
    (*next)++;
    s->stack[top++] = start;
    cursor[start] = g->edge_start[start];
    while (top) {
        uint32_t u = s->stack[top - 1];
        if (cursor[u] == g->edge_start[u + 1]) {
            top--;
            continue;
        }
        uint32_t v = g->edge_target[cursor[u]++];
        if (s->pre_of[v] != MLA_NONE)
            continue;
        s->pre_of[v] = *next;
        s->vertex[*next] = v;
        s->rec[*next].parent = s->pre_of[u];
        (*next)++;
        cursor[v] = g->edge_start[v];
        s->stack[top++] = v;
        /* Its referents are tested next: start those misses now. */
        for (uint32_t e = g->edge_start[v], k = 0; e < g->edge_start[v + 1] && k < 8; e++, k++)
            __builtin_prefetch(&s->pre_of[g->edge_target[e]]);
    }
}

static void number_nodes(const mla_graph *g, const mla_bfs *bfs, snca *s)
{
    uint32_t next = 1;
    memset(s->pre_of, 0xff, (size_t)g->node_count * sizeof *s->pre_of);
    s->vertex[0] = g->node_count;
    s->rec[0].parent = 0;
    for (uint32_t i = 0; i < bfs->super_count; i++)
        if (s->pre_of[bfs->super_children[i]] == MLA_NONE)
            dfs_from(g, s, bfs->super_children[i], &next);
    free(s->cursor);
    s->cursor = NULL;
}

static void compress(snca *s, uint32_t v)
{
    snca_rec *rec = s->rec;
    uint32_t top = 0, x = v;
    while (rec[rec[x].ancestor].ancestor != MLA_NONE) {
        s->stack[top++] = x;
        x = rec[x].ancestor;
    }
    while (top) {
        x = s->stack[--top];
        uint32_t a = rec[x].ancestor;
        if (rec[rec[a].label].semi < rec[rec[x].label].semi)
            rec[x].label = rec[a].label;
        rec[x].ancestor = rec[a].ancestor;
    }
}

static uint32_t eval(snca *s, uint32_t v)
{
    if (s->rec[v].ancestor == MLA_NONE)
        return v;
    compress(s, v);
    return s->rec[v].label;
}

/* Referrers of every node as preorder numbers, laid out in preorder (the
 * order the semidominator loop walks), the super-root included. Built with
 * independent loads the CPU overlaps, so the dependent loop that follows
 * reads its referrers sequentially instead of through two random misses. */
typedef struct {
    uint32_t *start; /* count + 1 */
    uint32_t *pre;
} pre_referrers;

static int build_pre_referrers(const mla_reverse *rev, const mla_bfs *bfs, const snca *s,
                               uint32_t edges, pre_referrers *out)
{
    out->start = mla_malloc_array((size_t)s->count + 1, sizeof *out->start);
    out->pre = mla_malloc_array((size_t)edges + s->count, sizeof *out->pre);
    if (!out->start || !out->pre)
        return 0;
    uint32_t at = 0;
    out->start[0] = out->start[1] = 0;
    for (uint32_t w = 1; w < s->count; w++) {
        uint32_t node = s->vertex[w];
        if (w + 8 < s->count)
            __builtin_prefetch(&rev->start[s->vertex[w + 8]]);
        if (bfs->super_kind[node] != MLA_SUPER_NONE)
            out->pre[at++] = 0;
        for (uint32_t r = rev->start[node]; r < rev->start[node + 1]; r++)
            out->pre[at++] = s->pre_of[rev->source[r]];
        out->start[w + 1] = at;
    }
    return 1;
}

static void free_pre_referrers(pre_referrers *p)
{
    free(p->start);
    free(p->pre);
}

static void semidominators(const pre_referrers *refs, snca *s)
{
    for (uint32_t i = 0; i < s->count; i++) {
        s->rec[i].semi = i;
        s->rec[i].label = i;
        s->rec[i].ancestor = MLA_NONE;
    }
    for (uint32_t w = s->count - 1; w >= 1; w--) {
        uint32_t best = s->rec[w].semi;
        for (uint32_t r = refs->start[w]; r < refs->start[w + 1] && best > 0; r++) {
            uint32_t u = eval(s, refs->pre[r]);
            if (s->rec[u].semi < best)
                best = s->rec[u].semi;
        }
        s->rec[w].semi = best;
        s->rec[w].ancestor = s->rec[w].parent;
    }
}

/* Immediate dominators in preorder: ascend from the DFS parent until at or
 * above the semidominator. `label` is reused for idom numbers. */
static void immediate_dominators(snca *s)
{
    snca_rec *rec = s->rec;
    rec[0].label = 0;
    for (uint32_t w = 1; w < s->count; w++) {
        uint32_t x = rec[w].parent;
        while (x > rec[w].semi)
            x = rec[x].label;
        rec[w].label = x;
    }
}

/* idom and retained sizes in node order; a child's preorder number is
 * larger than its dominator's, so one backward sweep sums the subtrees. */
static int fill_tree(const mla_graph *graph, snca *s, mla_domtree *dom)
{
    uint32_t n = graph->node_count;
    dom->idom = mla_malloc_array(n, sizeof *dom->idom);
    uint64_t *by_pre = mla_malloc_array(s->count, sizeof *by_pre);
    if (!dom->idom || !by_pre) {
        free(by_pre);
        return 0;
    }
    by_pre[0] = 0;
    for (uint32_t w = 1; w < s->count; w++)
        by_pre[w] = graph->size[s->vertex[w]];
    for (uint32_t w = s->count - 1; w >= 1; w--)
        by_pre[s->rec[w].label] += by_pre[w];
    for (uint32_t w = 1; w < s->count; w++)
        dom->idom[s->vertex[w]] = s->vertex[s->rec[w].label];
    /* The work arrays go before the node-order copy to keep the peak low. */
    free(s->rec);
    s->rec = NULL;
    dom->retained = mla_malloc_array(n, sizeof *dom->retained);
    if (!dom->retained) {
        free(by_pre);
        return 0;
    }
    for (uint32_t w = 1; w < s->count; w++)
        dom->retained[s->vertex[w]] = by_pre[w];
    free(by_pre);
    return 1;
}

mlt_status mla_dominators(const mla_graph *graph, const mla_reverse *rev, const mla_bfs *bfs,
                          mla_domtree *dom, mlt_error *err)
{
    uint32_t n = graph->node_count;
    snca s;
    memset(dom, 0, sizeof *dom);
    pre_referrers refs = {NULL, NULL};
    int ok = snca_alloc(&s, n);
    if (ok) {
        number_nodes(graph, bfs, &s);
        ok = build_pre_referrers(rev, bfs, &s, graph->edge_count, &refs);
        free(s.pre_of); /* the referrer lists carry the numbers from here on */
        s.pre_of = NULL;
    }
    if (ok) {
        semidominators(&refs, &s);
        free_pre_referrers(&refs);
        refs.start = refs.pre = NULL;
        free(s.stack);
        s.stack = NULL;
        immediate_dominators(&s);
        ok = fill_tree(graph, &s, dom);
    }
    snca_free(&s);
    free_pre_referrers(&refs);
    if (!ok) {
        mla_domtree_free(dom);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for dominators of %u objects", n);
    }
    return MLT_OK;
}

void mla_domtree_free(mla_domtree *dom)
{
    free(dom->idom);
    free(dom->retained);
    memset(dom, 0, sizeof *dom);
}
