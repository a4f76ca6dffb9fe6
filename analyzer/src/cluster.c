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
 * The hash is built incrementally in BFS order: O(V) for all objects. */
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
    case MLT_LABEL_INDEX:
        return FOLDED;
    case MLT_LABEL_KEY_STR:
        return key_looks_like_data(graph, source, label, class_cache) ? FOLDED : label;
    case MLT_LABEL_KEY_OBJ:
        return label < graph->node_count ? graph->type[label] : FOLDED;
    case MLT_LABEL_NONE:
        return 0;
    default:
        return label;
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

mlt_status mla_shape_hashes(const mla_graph *graph, const mla_bfs *bfs, uint64_t **out,
                            mlt_error *err)
{
    uint32_t n = graph->node_count;
    uint64_t *shape = mla_malloc_array(n, sizeof *shape);
    uint64_t *step = mla_malloc_array(n, sizeof *step);
    uint8_t *class_cache = mla_calloc_array(graph->strings.count, 1);
    if (!shape || !step || !class_cache) {
        free(shape);
        free(step);
        free(class_cache);
        return mla_fail(err, MLT_ERR_NOMEM, "out of memory for path shapes of %u objects", n);
    }
    /* BFS order: a parent's shape and step are known before its children. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t v = bfs->order[i];
        if (bfs->dist[v] == 1) {
            shape[v] = root_key(graph, bfs, v);
            step[v] = 0;
            continue;
        }
        uint32_t u = bfs->parent[v];
        step[v] = step_key(graph, bfs, v, class_cache);
        if (bfs->dist[u] > 1 && step[u] == step[v])
            shape[v] = shape[u];
        else
            shape[v] = mix(shape[u], step[v]);
    }
    free(step);
    free(class_cache);
    *out = shape;
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
    case MLT_LABEL_INDEX:
        mla_sbuf_puts(out, "[*]");
        break;
    case MLT_LABEL_KEY_STR:
        if (folded == FOLDED)
            mla_sbuf_puts(out, "[*]");
        else
            mla_render_edge(out, graph, reg, edge, NULL);
        break;
    case MLT_LABEL_KEY_OBJ:
        mla_sbuf_printf(out, "[<key %s>]",
                        folded < reg->count ? reg->names[folded] : "?");
        break;
    default:
        mla_render_edge(out, graph, reg, edge, NULL);
        break;
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
