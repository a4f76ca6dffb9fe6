/* Deep copies of suspects into another arena: a fleet report keeps each
 * process's suspects after that process's report set is freed. */
#include <string.h>

#include "analysis_internal.h"

static const char **copy_strings(mla_arena *arena, const char *const *strings, size_t count)
{
    const char **copy = mla_arena_alloc(arena, (count + 1) * sizeof *copy);
    for (size_t i = 0; copy && strings && i < count; i++)
        copy[i] = mla_arena_strdup(arena, strings[i]);
    return copy;
}

static int copy_path(mla_arena *arena, const mla_path *from, mla_path *to)
{
    *to = *from;
    to->root = mla_arena_strdup(arena, from->root);
    to->root_type = mla_arena_strdup(arena, from->root_type);
    to->edges = copy_strings(arena, from->edges, from->edge_count);
    to->types = from->types ? copy_strings(arena, from->types, from->edge_count) : NULL;
    return to->edges && (!from->types || to->types) ? 0 : -1;
}

static int copy_example(mla_arena *arena, const mla_example *from, mla_example *to)
{
    *to = *from;
    to->type = mla_arena_strdup(arena, from->type);
    to->preview = mla_arena_strdup(arena, from->preview);
    mla_path *paths = mla_arena_alloc(arena, (from->path_count + 1) * sizeof *paths);
    if (!paths)
        return -1;
    for (size_t i = 0; i < from->path_count; i++)
        if (copy_path(arena, &from->paths[i], &paths[i]) != 0)
            return -1;
    to->paths = paths;
    return 0;
}

int mla_copy_suspect(mla_arena *arena, const mla_suspect *from, mla_suspect *to)
{
    *to = *from;
    to->point_path = mla_arena_strdup(arena, from->point_path);
    to->point_type = mla_arena_strdup(arena, from->point_type);
    to->shape = mla_arena_strdup(arena, from->shape);
    to->new_module = mla_arena_strdup(arena, from->new_module);
    mla_suspect_type *types = mla_arena_alloc(arena, (from->type_count + 1) * sizeof *types);
    mla_growth_point *growth = mla_arena_alloc(arena, (from->growth_count + 1) * sizeof *growth);
    mla_example *examples = mla_arena_alloc(arena, (from->example_count + 1) * sizeof *examples);
    if (!types || !growth || !examples)
        return -1;
    for (size_t i = 0; i < from->type_count; i++) {
        types[i] = from->types[i];
        types[i].type = mla_arena_strdup(arena, from->types[i].type);
    }
    if (from->growth_count)
        memcpy(growth, from->growth, from->growth_count * sizeof *growth);
    for (size_t i = 0; i < from->example_count; i++)
        if (copy_example(arena, &from->examples[i], &examples[i]) != 0)
            return -1;
    to->types = types;
    to->growth = growth;
    to->examples = examples;
    return 0;
}
