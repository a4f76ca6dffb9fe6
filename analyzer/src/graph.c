/* Compact per-image arrays and the reverse (referrer) CSR built from them. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

mlt_status mla_graph_alloc(mla_graph *graph, uint32_t nodes, uint32_t edges, size_t roots, int full,
                           mlt_error *err)
{
    memset(graph, 0, sizeof *graph);
    graph->node_count = nodes;
    graph->address = mla_malloc_array(nodes, sizeof *graph->address);
    graph->type = mla_malloc_array(nodes, sizeof *graph->type);
    graph->flags = mla_malloc_array(nodes, sizeof *graph->flags);
    int ok = graph->address && graph->type && graph->flags;
    if (full) {
        graph->edge_count = edges;
        graph->size = mla_malloc_array(nodes, sizeof *graph->size);
        graph->refcount = mla_malloc_array(nodes, sizeof *graph->refcount);
        graph->edge_start = mla_malloc_array((size_t)nodes + 1, sizeof *graph->edge_start);
        graph->edge_target = mla_malloc_array(edges, sizeof *graph->edge_target);
        graph->edge_label = mla_malloc_array(edges, sizeof *graph->edge_label);
        graph->edge_kind = mla_malloc_array(edges, sizeof *graph->edge_kind);
        graph->roots = mla_calloc_array(roots, sizeof *graph->roots);
        graph->root_count = roots;
        ok = ok && graph->size && graph->refcount && graph->edge_start && graph->edge_target &&
             graph->edge_label && graph->edge_kind && graph->roots;
        if (ok)
            graph->edge_start[0] = 0;
    }
    if (!ok) {
        mla_graph_free(graph);
        return mlt_fail(err, MLT_ERR_NOMEM, 0,
                        "out of memory for an image of %u objects and %u edges", nodes, edges);
    }
    return MLT_OK;
}

void mla_graph_free(mla_graph *graph)
{
    free(graph->address);
    free(graph->type);
    free(graph->flags);
    free(graph->size);
    free(graph->refcount);
    free(graph->edge_start);
    free(graph->edge_target);
    free(graph->edge_label);
    free(graph->edge_kind);
    free(graph->roots);
    mla_strtab_free(&graph->strings);
    memset(graph, 0, sizeof *graph);
}

uint32_t mla_graph_find(const mla_graph *graph, uint64_t address)
{
    uint32_t lo = 0, hi = graph->node_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (graph->address[mid] < address)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < graph->node_count && graph->address[lo] == address ? lo : MLA_NONE;
}

const char *mla_strtab_get(const mla_strtab *table, uint32_t id, size_t *length)
{
    if (!table->blob || id >= table->count) {
        if (length)
            *length = 0;
        return NULL;
    }
    if (length)
        *length = (size_t)(table->offset[id + 1] - table->offset[id] - 1);
    return table->blob + table->offset[id];
}

void mla_strtab_free(mla_strtab *table)
{
    free(table->blob);
    free(table->offset);
    memset(table, 0, sizeof *table);
}

/* Counting sort by target: two passes over the edges, no comparisons. */
mlt_status mla_reverse_build(const mla_graph *graph, mla_reverse *rev, mlt_error *err)
{
    uint32_t n = graph->node_count, m = graph->edge_count;
    memset(rev, 0, sizeof *rev);
    rev->start = mla_calloc_array((size_t)n + 1, sizeof *rev->start);
    rev->source = mla_malloc_array(m, sizeof *rev->source);
    rev->edge = mla_malloc_array(m, sizeof *rev->edge);
    if (!rev->start || !rev->source || !rev->edge) {
        mla_reverse_free(rev);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %u reverse edges", m);
    }
    for (uint32_t e = 0; e < m; e++)
        rev->start[graph->edge_target[e] + 1]++;
    for (uint32_t v = 0; v < n; v++)
        rev->start[v + 1] += rev->start[v];
    /* Fill using start[] as a cursor, then shift back. */
    for (uint32_t u = 0; u < n; u++) {
        for (uint32_t e = graph->edge_start[u]; e < graph->edge_start[u + 1]; e++) {
            uint32_t slot = rev->start[graph->edge_target[e]]++;
            rev->source[slot] = u;
            rev->edge[slot] = e;
        }
    }
    for (uint32_t v = n; v > 0; v--)
        rev->start[v] = rev->start[v - 1];
    rev->start[0] = 0;
    return MLT_OK;
}

void mla_reverse_free(mla_reverse *rev)
{
    free(rev->start);
    free(rev->source);
    free(rev->edge);
    memset(rev, 0, sizeof *rev);
}
