/* Shortest retainer paths: walk the reverse graph from an object, choosing at
 * each step a referrer one BFS level closer to the super-root. Every such
 * walk ends at a super-root child (distance 1), so no choice dead-ends and K
 * paths cost O(K * depth * referrers scanned). */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

void mla_raw_path_free(mla_raw_path *path)
{
    free(path->edges);
    memset(path, 0, sizeof *path);
}

int mla_tree_path(const mla_bfs *bfs, const mla_graph *graph, uint32_t node, mla_raw_path *path)
{
    (void)graph;
    uint32_t length = bfs->dist[node] - 1;
    path->length = length;
    path->edges = mla_malloc_array(length, sizeof *path->edges);
    if (!path->edges)
        return 0;
    uint32_t v = node;
    for (uint32_t i = length; i > 0; i--) {
        path->edges[i - 1] = bfs->parent_edge[v];
        v = bfs->parent[v];
    }
    path->root = v;
    return 1;
}

typedef struct {
    uint32_t *node;   /* node at each depth, depth 0 = the object */
    uint32_t *cursor; /* MLA_NONE: BFS parent not tried yet; else next reverse entry */
    uint32_t *edge;   /* edge chosen from depth k+1 to depth k */
} walk_state;

/* Next referrer of state->node[k] one level closer; 0 when exhausted. */
static int next_referrer(const mla_graph *graph, const mla_reverse *rev, const mla_bfs *bfs,
                         walk_state *st, uint32_t k, uint32_t *referrer, uint32_t *edge)
{
    (void)graph;
    uint32_t v = st->node[k];
    if (st->cursor[k] == MLA_NONE) {
        st->cursor[k] = rev->start[v];
        *referrer = bfs->parent[v];
        *edge = bfs->parent_edge[v];
        return 1;
    }
    uint32_t want = bfs->dist[v] - 1;
    for (uint32_t r = st->cursor[k]; r < rev->start[v + 1]; r++) {
        if (bfs->dist[rev->source[r]] == want && rev->edge[r] != bfs->parent_edge[v]) {
            st->cursor[k] = r + 1;
            *referrer = rev->source[r];
            *edge = rev->edge[r];
            return 1;
        }
    }
    st->cursor[k] = rev->start[v + 1];
    return 0;
}

static int record_path(const walk_state *st, uint32_t depth, mla_raw_path *out)
{
    out->root = st->node[depth];
    out->length = depth;
    out->edges = mla_malloc_array(depth, sizeof *out->edges);
    if (!out->edges)
        return 0;
    for (uint32_t i = 0; i < depth; i++)
        out->edges[i] = st->edge[depth - 1 - i];
    return 1;
}

long mla_shortest_paths(const mla_graph *graph, const mla_reverse *rev, const mla_bfs *bfs,
                        uint32_t node, uint32_t max_paths, mla_raw_path *paths, int *more)
{
    uint32_t depth_max = bfs->dist[node];
    walk_state st;
    st.node = mla_malloc_array(depth_max, sizeof *st.node);
    st.cursor = mla_malloc_array(depth_max, sizeof *st.cursor);
    st.edge = mla_malloc_array(depth_max, sizeof *st.edge);
    long found = 0;
    *more = 0;
    if (!st.node || !st.cursor || !st.edge) {
        found = -1;
        goto done;
    }
    long k = 0;
    st.node[0] = node;
    st.cursor[0] = MLA_NONE;
    while (k >= 0) {
        uint32_t v = st.node[k];
        if (bfs->dist[v] == 1) {
            if ((uint32_t)found == max_paths) {
                *more = 1;
                break;
            }
            if (!record_path(&st, (uint32_t)k, &paths[found])) {
                for (long i = 0; i < found; i++)
                    mla_raw_path_free(&paths[i]);
                found = -1;
                break;
            }
            found++;
            k--;
            continue;
        }
        uint32_t referrer, edge;
        if (!next_referrer(graph, rev, bfs, &st, (uint32_t)k, &referrer, &edge)) {
            k--;
            continue;
        }
        st.edge[k] = edge;
        st.node[k + 1] = referrer;
        st.cursor[k + 1] = MLA_NONE;
        k++;
    }
done:
    free(st.node);
    free(st.cursor);
    free(st.edge);
    return found;
}

static const char *node_type(const mla_graph *graph, const mla_typereg *reg, uint32_t node)
{
    uint32_t t = graph->type[node];
    return t < reg->count ? reg->names[t] : "?";
}

mlt_status mla_render_path(mla_arena *arena, const mla_graph *graph, const mla_typereg *reg,
                           const mla_bfs *bfs, const mla_raw_path *raw, uint32_t max_path_length,
                           const mla_previews *previews, mla_path *out, mlt_error *err)
{
    memset(out, 0, sizeof *out);
    mla_sbuf text = {0};
    out->root_kind = mla_render_root(&text, graph, bfs, raw->root);
    out->root = mla_arena_strdup(arena, text.failed ? "?" : text.data ? text.data : "");
    out->root_type = node_type(graph, reg, raw->root);
    out->root_address = graph->address[raw->root];
    uint32_t skip = 0;
    if (max_path_length && raw->length > max_path_length) {
        skip = raw->length - max_path_length;
        out->truncated = 1;
    }
    size_t count = raw->length - skip;
    const char **edges = mla_arena_alloc(arena, (count + 1) * sizeof *edges);
    const char **types = mla_arena_alloc(arena, (count + 1) * sizeof *types);
    int ok = out->root && edges && types;
    for (size_t i = 0; ok && i < count; i++) {
        uint32_t e = raw->edges[skip + i];
        text.length = 0;
        mla_render_edge(&text, graph, reg, e, previews);
        edges[i] = mla_arena_strdup(arena, text.failed ? "?" : text.data ? text.data : "");
        types[i] = node_type(graph, reg, graph->edge_target[e]);
        ok = edges[i] != NULL && !text.failed;
    }
    mla_sbuf_free(&text);
    if (!ok)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory rendering a retainer path");
    out->edge_count = count;
    out->edges = edges;
    out->types = types;
    return MLT_OK;
}
