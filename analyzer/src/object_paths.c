/* mla_object_paths: every retainer path to one object of one image (up to a
 * cap), for `memalot-analyze paths FILE --id ADDR`. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

typedef struct {
    mla_object_info info; /* first, so the public pointer frees the whole */
    mla_arena arena;
} object_result;

typedef struct {
    mla_graph graph;
    mla_typereg types;
    mla_reverse rev;
    mla_bfs bfs;
    mla_domtree dom;
    mla_previews previews;
    mla_raw_path *raw;
    size_t raw_count;
} lookup;

static void lookup_free(lookup *l)
{
    for (size_t i = 0; i < l->raw_count; i++)
        mla_raw_path_free(&l->raw[i]);
    free(l->raw);
    mla_previews_free(&l->previews);
    mla_domtree_free(&l->dom);
    mla_bfs_free(&l->bfs);
    mla_reverse_free(&l->rev);
    mla_graph_free(&l->graph);
    mla_typereg_free(&l->types);
}

mlt_status mla_resolve_image(mlt_reader *reader, const char *path, long image_index, size_t *out,
                             mlt_error *err)
{
    size_t count = mlt_reader_image_count(reader);
    if (count == 0)
        return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: the file holds no complete image", path);
    if (image_index < 0) {
        *out = count - 1;
        return MLT_OK;
    }
    if ((size_t)image_index >= count)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "%s: image %ld requested but the file holds %zu images", path, image_index,
                        count);
    *out = (size_t)image_index;
    return MLT_OK;
}

/* Whether the BFS-tree path to `from` passes through `node` (a cycle). */
static int tree_path_contains(const mla_bfs *bfs, uint32_t from, uint32_t node)
{
    for (uint32_t v = from; v != MLA_NONE; v = bfs->parent[v])
        if (v == node)
            return 1;
    return 0;
}

static int last_edge_listed(const lookup *l, uint32_t edge)
{
    for (size_t i = 0; i < l->raw_count; i++)
        if (l->raw[i].length && l->raw[i].edges[l->raw[i].length - 1] == edge)
            return 1;
    return 0;
}

/* Shortest paths first, then one path through each other direct referrer. */
static mlt_status collect_paths(lookup *l, uint32_t node, uint32_t max_paths, int *capped,
                                mlt_error *err)
{
    l->raw = mla_calloc_array(max_paths, sizeof *l->raw);
    if (!l->raw)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for paths");
    int more = 0;
    long found = mla_shortest_paths(&l->graph, &l->rev, &l->bfs, node, max_paths, l->raw, &more);
    if (found < 0)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for paths");
    l->raw_count = (size_t)found;
    *capped = more;
    for (uint32_t r = l->rev.start[node]; r < l->rev.start[node + 1]; r++) {
        uint32_t source = l->rev.source[r], edge = l->rev.edge[r];
        if (last_edge_listed(l, edge) || tree_path_contains(&l->bfs, source, node))
            continue;
        if (l->raw_count == max_paths) {
            *capped = 1;
            break;
        }
        mla_raw_path tree;
        if (!mla_tree_path(&l->bfs, &l->graph, source, &tree))
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for paths");
        uint32_t *edges = realloc(tree.edges, (tree.length + 1) * sizeof *edges);
        if (!edges) {
            mla_raw_path_free(&tree);
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for paths");
        }
        edges[tree.length++] = edge;
        tree.edges = edges;
        l->raw[l->raw_count++] = tree;
    }
    return MLT_OK;
}

static mlt_status describe(lookup *l, mlt_reader *reader, size_t index, uint32_t node,
                           uint32_t max_path_length, object_result *res, mlt_error *err)
{
    mla_object_info *info = &res->info;
    const mla_graph *g = &l->graph;
    info->type = l->types.names[g->type[node]];
    info->shallow_bytes = g->size[node];
    info->retained_bytes = l->dom.retained[node];
    info->refcount = g->refcount[node];
    info->flags = g->flags[node];
    info->referrer_count = l->rev.start[node + 1] - l->rev.start[node];
    info->is_root = l->bfs.root_record[node] != MLA_NONE;
    uint32_t want[1] = {node};
    mlt_status st = mla_load_previews(reader, index, want, 1, &l->previews, err);
    if (st != MLT_OK)
        return st;
    int truncated = 0;
    const char *preview = mla_previews_find(&l->previews, node, &truncated);
    info->preview = preview ? mla_arena_strdup(&res->arena, preview) : NULL;
    info->preview_truncated = truncated;
    mla_path *paths = mla_arena_alloc(&res->arena, (l->raw_count + 1) * sizeof *paths);
    if (!paths)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for paths");
    for (size_t i = 0; i < l->raw_count; i++) {
        st = mla_render_path(&res->arena, g, &l->types, &l->bfs, &l->raw[i], max_path_length,
                             &l->previews, &paths[i], err);
        if (st != MLT_OK)
            return st;
    }
    info->paths = paths;
    info->path_count = l->raw_count;
    return MLT_OK;
}

static mlt_status run_lookup(const char *path, long image_index, uint64_t address,
                             uint32_t max_paths, uint32_t max_path_length, object_result *res,
                             mlt_error *err)
{
    mlt_reader *reader = NULL;
    lookup l;
    memset(&l, 0, sizeof l);
    mla_typereg_init(&l.types, &res->arena, 0);
    mlt_status st = mlt_reader_open(path, NULL, &reader, err);
    size_t index = 0;
    if (st == MLT_OK)
        st = mla_resolve_image(reader, path, image_index, &index, err);
    if (st == MLT_OK)
        st = mla_load_image(reader, index, &l.types, 1, &l.graph, err);
    uint32_t node = MLA_NONE;
    if (st == MLT_OK) {
        node = mla_graph_find(&l.graph, address);
        if (node == MLA_NONE)
            st = mlt_fail(err, MLT_ERR_USAGE, 0,
                          "%s: image %zu has no object at address 0x%" PRIx64, path, index,
                          address);
    }
    if (st == MLT_OK)
        st = mla_reverse_build(&l.graph, &l.rev, err);
    if (st == MLT_OK)
        st = mla_bfs_build(&l.graph, &l.rev, &l.bfs, err);
    if (st == MLT_OK)
        st = mla_dominators(&l.graph, &l.rev, &l.bfs, &l.dom, err);
    int capped = 0;
    if (st == MLT_OK)
        st = collect_paths(&l, node, max_paths, &capped, err);
    if (st == MLT_OK) {
        res->info.path = mla_arena_strdup(&res->arena, path);
        res->info.image = (uint32_t)index;
        res->info.address = address;
        res->info.paths_capped = capped;
        st = describe(&l, reader, index, node, max_path_length, res, err);
    }
    lookup_free(&l);
    mlt_reader_close(reader);
    return st;
}

mlt_status mla_object_paths(const char *path, long image_index, uint64_t address,
                            uint32_t max_paths, uint32_t max_path_length, mla_object_info **out,
                            mlt_error *err)
{
    *out = NULL;
    if (!path)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "no dump file given");
    object_result *res = calloc(1, sizeof *res);
    if (!res)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    mla_options defaults;
    mla_options_init(&defaults);
    mlt_status st = run_lookup(
        path, image_index, address, max_paths ? max_paths : MLA_OBJECT_PATHS_DEFAULT_MAX,
        max_path_length ? max_path_length : defaults.max_path_length, res, err);
    if (st != MLT_OK) {
        mla_object_info_free(&res->info);
        return st;
    }
    *out = &res->info;
    return MLT_OK;
}

void mla_object_info_free(mla_object_info *info)
{
    if (!info)
        return;
    object_result *res = (object_result *)info;
    mla_arena_free(&res->arena);
    free(res);
}
