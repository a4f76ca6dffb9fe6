/*
 * A retainer path's steps after its root, for every output: one place for
 * the rule that a cut path keeps the steps nearest the object, so the gap
 * is shown right after the root.
 */
#include "memalot/render.h"
#include "safe_text.h"

void mlr_internal_put_steps(FILE *out, const mla_path *path, const char *arrow, const char *gap,
                            void (*put)(FILE *out, const char *text))
{
    if (path->truncated)
        fprintf(out, "%s%s", arrow, gap);
    for (size_t i = 0; i < path->edge_count; i++) {
        fputs(arrow, out);
        put(out, path->edges[i]);
    }
}

void mlr_put_path_steps(FILE *out, const mla_path *path)
{
    mlr_internal_put_steps(out, path, " -> ", "...", mlr_put_terminal);
}
