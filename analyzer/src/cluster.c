/* Path shapes for clustering: candidates whose shortest (BFS-tree) retainer
 * path has the same shape are one finding, the way memlab groups retainer
 * traces. The shape keeps the root, the edge labels and the types along the
 * path, and folds what varies between siblings:
 *   - list/tuple indices become [*];
 *   - non-str dict keys become [<key TYPE>];
 *   - str dict keys stay unless they look like data: keys of a container with
 *     more than MLA_DATA_DICT_EDGES referents, keys with a digit, keys that
 *     are not identifier-like or longer than 32 bytes; those become [*];
 *   - frame-local roots drop the thread id;
 *   - a run of one repeated step (a linked list: .next -> Node, .next -> Node)
 *     counts once, so every node of a leaked chain joins one cluster.
 * The hash is built incrementally down the BFS tree, only along the paths
 * of the objects asked for, each node once. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

#define MLA_DATA_DICT_EDGES 16
#define MLA_SHAPE_MAX_STEPS 64
#define FOLDED UINT32_MAX

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static int text_looks_like_data(const mla_graph *graph, uint32_t key)
{
    size_t length;
    const char *text = mla_strtab_get(&graph->strings, key, &length);
    if (!text || length == 0 || length > 32)
        return 1;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        int ident = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!ident)
            return 1;
    }
    return 0;
}

/* class_cache (optional): per string id, 0 unknown, 1 name-like, 2 data-like. */
static int key_looks_like_data(const mla_graph *graph, uint32_t source, uint32_t key,
                               uint8_t *class_cache)
{
    if (graph->edge_start[source + 1] - graph->edge_start[source] > MLA_DATA_DICT_EDGES)
        return 1;
    if (!class_cache || key >= graph->strings.count)
        return text_looks_like_data(graph, key);
    if (!class_cache[key])
        class_cache[key] = text_looks_like_data(graph, key) ? 2 : 1;
    return class_cache[key] == 2;
}

/* Label of the BFS-tree edge into node with the varying part folded. */
static uint32_t folded_label(const mla_graph *graph, uint32_t source, uint32_t edge,
                             uint8_t *class_cache)
{
    uint32_t label = graph->edge_label[edge];
    switch (graph->edge_kind[edge]) {
    case MLT_LABEL_INDEX: return FOLDED;
    case MLT_LABEL_KEY_STR:
        return key_looks_like_data(graph, source, label, class_cache) ? FOLDED : label;
    case MLT_LABEL_KEY_OBJ: return label < graph->node_count ? graph->type[label] : FOLDED;
    case MLT_LABEL_NONE: return 0;
    default: return label;
    }
}

static uint64_t step_key(const mla_graph *graph, const mla_bfs *bfs, uint32_t node,
                         uint8_t *class_cache)
{
    uint32_t edge = bfs->parent_edge[node];
    uint64_t h = mix(0x51ull, graph->edge_kind[edge]);
    h = mix(h, folded_label(graph, bfs->parent[node], edge, class_cache));
    return mix(h, graph->type[node]);
}

static uint64_t root_key(const mla_graph *graph, const mla_bfs *bfs, uint32_t node)
{
    uint64_t h = mix(0x7007ull, bfs->super_kind[node]);
    if (bfs->super_kind[node] == MLA_SUPER_RECORD) {
        const mlt_root *root = &graph->roots[bfs->root_record[node]];
        h = mix(h, root->kind);
        h = mix(h, root->name);
        h = mix(h, root->context);
    }
    return mix(h, graph->type[node]);
}

typedef struct {
    const mla_graph *graph;
    const mla_bfs *bfs;
    uint64_t *shape; /* 0: not computed yet (computed values have bit 0 set) */
    uint64_t *step;
    uint8_t *class_cache;
    uint32_t *stack;
} shaper;

/* Shape of v from its BFS parent's; the parent's must be known. */
static void shape_one(shaper *sh, uint32_t v)
{
    const mla_bfs *bfs = sh->bfs;
    if (bfs->dist[v] == 1) {
        sh->shape[v] = root_key(sh->graph, bfs, v) | 1u;
        sh->step[v] = 0;
        return;
    }
    uint32_t u = bfs->parent[v];
    sh->step[v] = step_key(sh->graph, bfs, v, sh->class_cache);
    if (bfs->dist[u] > 1 && sh->step[u] == sh->step[v])
        sh->shape[v] = sh->shape[u];
    else
        sh->shape[v] = mix(sh->shape[u], sh->step[v]) | 1u;
}

/* Climbs to the nearest node whose shape is known (or a root), then fills
 * the shapes back down: each node is computed once, so all wanted nodes cost
 * at most O(V) together and usually far less. */
static void shape_lazy(shaper *sh, uint32_t v)
{
    uint32_t top = 0, x = v;
    while (!sh->shape[x]) {
        sh->stack[top++] = x;
        if (sh->bfs->dist[x] == 1)
            break;
        x = sh->bfs->parent[x];
    }
    while (top)
        shape_one(sh, sh->stack[--top]);
}

mlt_status mla_shape_hashes(const mla_graph *graph, const mla_bfs *bfs, const uint8_t *wanted,
                            uint64_t **out, mlt_error *err)
{
    uint32_t n = graph->node_count;
    /* calloc: pages never touched (nodes off every wanted path) cost no RSS. */
    shaper sh = {graph,
                 bfs,
                 mla_calloc_array(n, sizeof(uint64_t)),
                 mla_calloc_array(n, sizeof(uint64_t)),
                 mla_calloc_array(graph->strings.count, 1),
                 mla_malloc_array(n, sizeof(uint32_t))};
    if (!sh.shape || !sh.step || !sh.class_cache || !sh.stack) {
        free(sh.shape);
        free(sh.step);
        free(sh.class_cache);
        free(sh.stack);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for path shapes of %u objects", n);
    }
    for (uint32_t v = 0; v < n; v++)
        if ((!wanted || wanted[v]) && !sh.shape[v])
            shape_lazy(&sh, v);
    free(sh.step);
    free(sh.class_cache);
    free(sh.stack);
    *out = sh.shape;
    return MLT_OK;
}

static const char *type_of(const mla_graph *graph, const mla_typereg *reg, uint32_t node)
{
    uint32_t t = graph->type[node];
    return t < reg->count ? reg->names[t] : "?";
}

static void render_shape_root(mla_sbuf *out, const mla_graph *graph, const mla_typereg *reg,
                              const mla_bfs *bfs, uint32_t root)
{
    if (bfs->super_kind[root] == MLA_SUPER_RECORD) {
        const mlt_root *record = &graph->roots[bfs->root_record[root]];
        if (record->kind == MLT_ROOT_FRAME_LOCAL) {
            size_t length;
            const char *context = mla_strtab_get(&graph->strings, record->context, &length);
            const char *name = mla_strtab_get(&graph->strings, record->name, NULL);
            mla_sbuf_printf(out, "frame local %s:%s", context ? context : "?", name ? name : "?");
            return;
        }
    }
    mla_sbuf tmp = {0};
    mla_root_kind kind = mla_render_root(&tmp, graph, bfs, root);
    mla_sbuf_puts(out, mla_root_kind_prefix(kind));
    mla_sbuf_puts(out, tmp.data ? tmp.data : "?");
    mla_sbuf_free(&tmp);
    if (kind == MLA_ROOT_EXTERNAL || bfs->super_kind[root] == MLA_SUPER_UNREACHED)
        mla_sbuf_printf(out, " (%s)", type_of(graph, reg, root));
}

static void render_folded_step(mla_sbuf *out, const mla_graph *graph, const mla_typereg *reg,
                               const mla_bfs *bfs, uint32_t node)
{
    uint32_t edge = bfs->parent_edge[node];
    uint32_t folded = folded_label(graph, bfs->parent[node], edge, NULL);
    switch (graph->edge_kind[edge]) {
    case MLT_LABEL_INDEX: mla_sbuf_puts(out, "[*]"); break;
    case MLT_LABEL_KEY_STR:
        if (folded == FOLDED)
            mla_sbuf_puts(out, "[*]");
        else
            mla_render_edge(out, graph, reg, edge, NULL);
        break;
    case MLT_LABEL_KEY_OBJ:
        mla_sbuf_printf(out, "[<key %s>]", folded < reg->count ? reg->names[folded] : "?");
        break;
    default: mla_render_edge(out, graph, reg, edge, NULL); break;
    }
}

char *mla_shape_text(mla_arena *arena, const mla_graph *graph, const mla_typereg *reg,
                     const mla_bfs *bfs, uint32_t node)
{
    uint32_t depth = bfs->dist[node] - 1;
    uint32_t *chain = mla_malloc_array(depth + 1, sizeof *chain);
    if (!chain)
        return NULL;
    uint32_t v = node;
    for (uint32_t i = depth + 1; i > 0; i--) {
        chain[i - 1] = v;
        v = bfs->parent[v];
    }
    mla_sbuf out = {0};
    render_shape_root(&out, graph, reg, bfs, chain[0]);
    uint32_t shown = 0;
    for (uint32_t i = 1; i <= depth; i++) {
        uint32_t run = 1;
        uint64_t step = step_key(graph, bfs, chain[i], NULL);
        while (i + run <= depth && step_key(graph, bfs, chain[i + run], NULL) == step)
            run++;
        if (shown++ == MLA_SHAPE_MAX_STEPS) {
            mla_sbuf_puts(&out, " -> \xE2\x80\xA6");
            break;
        }
        /* An unlabelled last step would only repeat the final type. */
        if (run == 1 && i == depth &&
            graph->edge_kind[bfs->parent_edge[chain[i]]] == MLT_LABEL_NONE)
            break;
        mla_sbuf_puts(&out, run > 1 ? " -> (" : " -> ");
        render_folded_step(&out, graph, reg, bfs, chain[i]);
        if (run > 1)
            mla_sbuf_puts(&out, ")+");
        i += run - 1;
    }
    if (depth > 0)
        mla_sbuf_printf(&out, " -> %s", type_of(graph, reg, node));
    free(chain);
    char *text = out.failed ? NULL : mla_arena_strdup(arena, out.data ? out.data : "");
    mla_sbuf_free(&out);
    return text;
}
