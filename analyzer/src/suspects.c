/* Leak suspects: one per leak, the way Eclipse MAT's leak-suspects report
 * finds accumulation points. Every candidate climbs its shortest (BFS-tree)
 * retainer path to the first object that is not a candidate: that object
 * existed before and is where the candidates pile up (a cache dict, a
 * listeners list, a thread-local's dict). The topmost candidate below it is
 * the candidate's *head*. Candidates of every type that share a point form
 * one suspect; points of one path shape (the many lists of one dict) are
 * merged. Candidates whose head is a root itself have no point and group by
 * the head's path shape.
 *
 * A head that is a definition (a module, class, function, code object or
 * descriptor) is import-time state: a module imported after the warm-up, not
 * a leak. Those candidates are taken out and tallied per module.
 * docs/design.md, "Leak suspects", has the reasoning. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

/* Import-time state no module root leads to (classes held only by their
 * subclasses or by C code). */
#define MLA_NO_MODULE "(held by no module)"

/* ---------------------------------------------------------- climbing */

/* head[v] for every candidate v (MLA_NONE elsewhere): the topmost candidate
 * on v's BFS-tree path below the first non-candidate. Each node is climbed
 * once: O(V) for all candidates together. */
static mlt_status find_heads(const mla_graph *g, const mla_bfs *bfs, const uint8_t *candidate,
                             const uint8_t *climbable, uint32_t **out, mlt_error *err)
{
    uint32_t n = g->node_count;
    uint32_t *head = mla_malloc_array(n, sizeof *head);
    uint32_t *stack = mla_malloc_array(n, sizeof *stack);
    if (!head || !stack) {
        free(head);
        free(stack);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for accumulation points");
    }
    for (uint32_t v = 0; v < n; v++)
        head[v] = MLA_NONE;
    for (uint32_t v = 0; v < n; v++) {
        if (!candidate[v] || head[v] != MLA_NONE)
            continue;
        uint32_t top = 0, x = v, answer = v;
        for (;;) {
            stack[top++] = x;
            uint32_t up = bfs->parent[x];
            if (up == MLA_NONE || up >= n || !climbable[up]) {
                answer = x;
                break;
            }
            if (head[up] != MLA_NONE) {
                answer = head[up];
                break;
            }
            x = up;
        }
        while (top)
            head[stack[--top]] = answer;
    }
    free(stack);
    *out = head;
    return MLT_OK;
}

/* Candidates, and what was made after the warm-up without being old
 * enough yet (a Response a moment younger than the int it holds): the point
 * is the first object above them that existed before. */
static uint8_t *climbable_nodes(const mla_graph *g, const uint8_t *candidate, const uint32_t *first,
                                const mla_criteria *crit)
{
    uint8_t *climbable = mla_malloc_array(g->node_count + 1, 1);
    if (!climbable)
        return NULL;
    for (uint32_t v = 0; v < g->node_count; v++)
        climbable[v] = candidate[v] || crit->young[first[v]];
    return climbable;
}

static uint32_t point_of_head(const mla_bfs *bfs, uint32_t head)
{
    return bfs->parent[head];
}

/* ---------------------------------------------------- descending */

/* A head held straight from a root has no older object above it: the
 * program made the whole structure after the warm-up (its start-up ran past
 * it), so the head is an application object and the growth piles up further
 * down (app.state's sessions dict). As Eclipse MAT descends from a suspect
 * to its accumulation point, the walk follows the BFS child that holds most
 * of the head's candidates while it holds at least MLA_DESCENT_SHARE of
 * them. A step that repeats an earlier step's (type, label, type) is a
 * recursive structure (a linked list's next): the walk stops where the
 * repetition began, at the list's first node. */
#define MLA_DESCENT_SHARE 0.8
#define MLA_DESCENT_MAX_STEPS 64
/* Bounds on picking examples below such a point (pick_examples). */
#define MLA_EXAMPLE_LOOKS 4096
#define MLA_EXAMPLE_CLIMB 256

typedef struct {
    uint32_t *below;      /* per node: candidates of its head in its BFS subtree, itself included */
    uint32_t *main_child; /* per node: the child of the same head with the most of them */
} descent;

static void descent_free(descent *d)
{
    free(d->below);
    free(d->main_child);
    memset(d, 0, sizeof *d);
}

/* Nodes with a head, deepest first (a counting sort on BFS distance). */
static uint32_t *deepest_first(const mla_graph *g, const mla_bfs *bfs, const uint32_t *head,
                               size_t *out_count)
{
    uint32_t n = g->node_count, max_dist = 0;
    for (uint32_t v = 0; v < n; v++)
        if (head[v] != MLA_NONE && bfs->dist[v] > max_dist)
            max_dist = bfs->dist[v];
    size_t *start = mla_calloc_array((size_t)max_dist + 2, sizeof *start);
    uint32_t *order = mla_malloc_array(n + 1, sizeof *order);
    if (!start || !order) {
        free(start);
        free(order);
        return NULL;
    }
    for (uint32_t v = 0; v < n; v++)
        if (head[v] != MLA_NONE)
            start[max_dist - bfs->dist[v] + 1]++;
    for (size_t k = 1; k <= (size_t)max_dist + 1; k++)
        start[k] += start[k - 1];
    for (uint32_t v = 0; v < n; v++)
        if (head[v] != MLA_NONE)
            order[start[max_dist - bfs->dist[v]]++] = v;
    *out_count = start[max_dist];
    free(start);
    return order;
}

static mlt_status descent_build(const mla_graph *g, const mla_bfs *bfs, const uint8_t *candidate,
                                const uint32_t *head, descent *d, mlt_error *err)
{
    uint32_t n = g->node_count;
    size_t count = 0;
    uint32_t *order = deepest_first(g, bfs, head, &count);
    d->below = mla_calloc_array(n + 1, sizeof *d->below);
    d->main_child = mla_malloc_array(n + 1, sizeof *d->main_child);
    if (!order || !d->below || !d->main_child) {
        free(order);
        descent_free(d);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for accumulation points");
    }
    for (uint32_t v = 0; v < n; v++)
        d->main_child[v] = MLA_NONE;
    for (size_t i = 0; i < count; i++) {
        uint32_t v = order[i], p = bfs->parent[v];
        d->below[v] += candidate[v] != 0;
        if (v == head[v] || p == MLA_NONE || p >= n || head[p] != head[v])
            continue;
        d->below[p] += d->below[v];
        if (d->main_child[p] == MLA_NONE || d->below[v] > d->below[d->main_child[p]])
            d->main_child[p] = v;
    }
    free(order);
    return MLT_OK;
}

typedef struct {
    uint32_t from_type, kind, label, to_type;
} descent_step;

static descent_step step_into(const mla_graph *g, const mla_bfs *bfs, uint32_t child)
{
    uint32_t e = bfs->parent_edge[child];
    descent_step s = {g->type[bfs->parent[child]], g->edge_kind[e], g->edge_label[e],
                      g->type[child]};
    return s;
}

static uint32_t descend(const mla_graph *g, const mla_bfs *bfs, const descent *d, uint32_t head)
{
    descent_step steps[MLA_DESCENT_MAX_STEPS];
    uint32_t path[MLA_DESCENT_MAX_STEPS + 1];
    uint32_t x = head;
    path[0] = head;
    for (size_t k = 0; k < MLA_DESCENT_MAX_STEPS; k++) {
        uint32_t c = d->main_child[x];
        if (c == MLA_NONE || (double)d->below[c] < MLA_DESCENT_SHARE * (double)d->below[x])
            return x;
        steps[k] = step_into(g, bfs, c);
        for (size_t j = 0; j < k; j++)
            if (memcmp(&steps[j], &steps[k], sizeof steps[k]) == 0)
                return path[j];
        x = c;
        path[k + 1] = c;
    }
    return x;
}

/* ------------------------------------------------- import-time state */

static const char *const definition_types[] = {
    "builtins.module",
    "builtins.function",
    "builtins.code",
    "builtins.type",
    "builtins.classmethod",
    "builtins.staticmethod",
    "builtins.property",
    "builtins.getset_descriptor",
    "builtins.member_descriptor",
    "builtins.method_descriptor",
    "builtins.wrapper_descriptor",
    "builtins.classmethod_descriptor",
    "builtins.builtin_function_or_method",
    "builtins.cell",
    "builtins.mappingproxy",
    "functools._lru_cache_wrapper",
    "builtins.moduledef",
};

/* Values a module's import leaves in its globals besides definitions. */
static const char *const constant_types[] = {
    "builtins.str",   "builtins.bytes",     "builtins.int",     "builtins.float",
    "builtins.tuple", "builtins.frozenset", "builtins.complex", "re.Pattern",
};

static int type_in(const char *name, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(name, list[i]) == 0)
            return 1;
    return 0;
}

static const char *node_type_name(const mla_graph *g, const mla_typereg *reg, uint32_t node)
{
    uint32_t t = g->type[node];
    return t < reg->count ? reg->names[t] : "";
}

static int definition_type_name(const char *name)
{
    return type_in(name, definition_types, sizeof definition_types / sizeof definition_types[0]);
}

uint32_t mla_string_id(const mla_graph *g, const char *text)
{
    size_t want = strlen(text);
    for (uint32_t id = 0; id < g->strings.count; id++) {
        size_t length;
        const char *s = mla_strtab_get(&g->strings, id, &length);
        if (s && length == want && memcmp(s, text, want) == 0)
            return id;
    }
    return MLT_NO_STRING;
}

/* A node with an edge of the "__bases__" role is a class, whatever its
 * metaclass. */
static uint32_t bases_string(const mla_graph *g)
{
    return mla_string_id(g, "__bases__");
}

static int is_class(const mla_graph *g, uint32_t node, uint32_t bases)
{
    if (bases == MLT_NO_STRING)
        return 0;
    for (uint32_t e = g->edge_start[node]; e < g->edge_start[node + 1]; e++)
        if (g->edge_kind[e] == MLT_LABEL_OTHER && g->edge_label[e] == bases)
            return 1;
    return 0;
}

int mla_is_definition(const mla_graph *g, const mla_typereg *reg, uint32_t node, uint32_t bases)
{
    uint32_t t = g->type[node];
    return (t < reg->count && definition_type_name(reg->names[t])) || is_class(g, node, bases);
}

/* A definition held by a module (a global, the module object itself, a
 * module's attribute): what importing the module made. The same definition
 * kept in a data structure (callbacks in a list) is a leak like any other. */
typedef struct {
    const mla_graph *g;
    const mla_typereg *reg;
    const mla_bfs *bfs;
    const uint8_t *candidate;
    uint32_t bases;
    uint32_t *module_node;   /* per string id: the module object of that name, or MLA_NONE */
    uint8_t *has_definition; /* per head: a definition is among its candidates */
} import_judge;

static const mlt_root *head_record(const import_judge *j, uint32_t head)
{
    if (j->bfs->super_kind[head] != MLA_SUPER_RECORD || j->bfs->root_record[head] == MLA_NONE)
        return NULL;
    return &j->g->roots[j->bfs->root_record[head]];
}

/* A global of a module that is itself new: its constants came with the
 * import (a container there may still grow: it stays a suspect). */
static int global_of_new_module(const import_judge *j, const mlt_root *root)
{
    if (!root || root->kind != MLT_ROOT_MODULE_GLOBAL || !j->module_node ||
        root->context >= j->g->strings.count)
        return 0;
    uint32_t module = j->module_node[root->context];
    return module < j->g->node_count && j->candidate[module];
}

static int string_is(const mla_graph *g, uint32_t id, const char *text)
{
    size_t length;
    const char *s = mla_strtab_get(&g->strings, id, &length);
    return s && length == strlen(text) && memcmp(s, text, length) == 0;
}

static int under_sys_modules(const import_judge *j, uint32_t head)
{
    uint32_t point = point_of_head(j->bfs, head);
    if (point == MLA_NONE || point >= j->g->node_count)
        return 0;
    const mlt_root *root = head_record(j, point);
    return root && root->kind == MLT_ROOT_MODULE_GLOBAL && string_is(j->g, root->context, "sys") &&
           string_is(j->g, root->name, "modules");
}

static int is_import_time(const import_judge *j, uint32_t head)
{
    const mla_graph *g = j->g;
    const mlt_root *root = head_record(j, head);
    if (under_sys_modules(j, head))
        return 1; /* a new module's name and entry */
    if (global_of_new_module(j, root) && type_in(node_type_name(g, j->reg, head), constant_types,
                                                 sizeof constant_types / sizeof constant_types[0]))
        return 1; /* other values of such globals: mla_order_suspects folds the stable ones */
    if (!mla_is_definition(g, j->reg, head, j->bases))
        return j->has_definition[head] && (j->bfs->super_kind[head] == MLA_SUPER_EXTERNAL ||
                                           j->bfs->super_kind[head] == MLA_SUPER_UNREACHED);
    const mla_typereg *reg = j->reg;
    const mla_bfs *bfs = j->bfs;
    uint32_t point = point_of_head(bfs, head);
    if (point != MLA_NONE && point < g->node_count) {
        uint32_t t = g->type[point];
        return t < reg->count && strcmp(reg->names[t], "builtins.module") == 0;
    }
    if (!root) /* a class or function only its subclasses or C code hold */
        return bfs->super_kind[head] == MLA_SUPER_EXTERNAL ||
               bfs->super_kind[head] == MLA_SUPER_UNREACHED;
    return root->kind == MLT_ROOT_MODULE_GLOBAL || root->kind == MLT_ROOT_MODULE ||
           root->kind == MLT_ROOT_SYS;
}

/* NULL (no module roots known) is fine: only the definition rule applies. */
static uint32_t *map_module_nodes(const mla_graph *g)
{
    uint32_t *map = mla_malloc_array(g->strings.count + 1, sizeof *map);
    if (!map)
        return NULL;
    for (uint32_t i = 0; i < g->strings.count; i++)
        map[i] = MLA_NONE;
    for (size_t r = 0; r < g->root_count; r++) {
        const mlt_root *root = &g->roots[r];
        uint32_t name = root->name != MLT_NO_STRING ? root->name : root->context;
        if (root->kind == MLT_ROOT_MODULE && name < g->strings.count)
            map[name] = root->object;
    }
    return map;
}

/* The module a definition belongs to, from the root record its path starts
 * at: a module global's module, or a module root's name. */
static uint32_t module_string(const mla_graph *g, const mla_bfs *bfs, uint32_t node)
{
    uint32_t n = g->node_count, steps = 0;
    while (bfs->parent[node] != MLA_NONE && bfs->parent[node] < n && steps++ < n)
        node = bfs->parent[node];
    if (bfs->super_kind[node] != MLA_SUPER_RECORD || bfs->root_record[node] == MLA_NONE)
        return MLT_NO_STRING;
    const mlt_root *root = &g->roots[bfs->root_record[node]];
    if (root->kind == MLT_ROOT_MODULE_GLOBAL)
        return root->context;
    if (root->kind == MLT_ROOT_MODULE)
        return root->name != MLT_NO_STRING ? root->name : root->context;
    return MLT_NO_STRING;
}

typedef struct {
    uint32_t module; /* string id, MLT_NO_STRING for "(unknown module)" */
    uint32_t node;
} import_member;

static int by_module(const void *a, const void *b)
{
    const import_member *x = a, *y = b;
    return x->module < y->module ? -1 : x->module > y->module;
}

static int import_order(const void *a, const void *b)
{
    const mla_import_state *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->module, y->module);
}

static mlt_status tally_modules(mla_arena *arena, const mla_graph *g, import_member *members,
                                size_t count, mla_report *report, mlt_error *err)
{
    if (count > 1)
        qsort(members, count, sizeof *members, by_module);
    size_t groups = 0;
    for (size_t i = 0; i < count; i++)
        groups += i == 0 || members[i].module != members[i - 1].module;
    mla_import_state *states = mla_arena_alloc(arena, (groups + 1) * sizeof *states);
    if (!states)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for import-time state");
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (i == 0 || members[i].module != members[i - 1].module) {
            const char *name = mla_strtab_get(&g->strings, members[i].module, NULL);
            states[k++].module = mla_arena_strdup(arena, name ? name : MLA_NO_MODULE);
            if (!states[k - 1].module)
                return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for import-time state");
        }
        states[k - 1].count++;
        states[k - 1].shallow_bytes += g->size[members[i].node];
    }
    if (groups > 1)
        qsort(states, groups, sizeof *states, import_order);
    report->import_states = states;
    report->import_state_count = groups;
    return MLT_OK;
}

mlt_status mla_split_import_state(mla_arena *arena, const struct mla_report_input_s *in,
                                  const mla_bfs *bfs, uint8_t *candidate, mla_report *report,
                                  mlt_error *err)
{
    const mla_graph *g = in->graph;
    const mla_typereg *reg = in->types;
    uint32_t *head = NULL;
    uint8_t *climbable = climbable_nodes(g, candidate, in->first, in->criteria);
    mlt_status st = climbable ? find_heads(g, bfs, candidate, climbable, &head, err)
                              : mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %u objects",
                                         g->node_count);
    free(climbable);
    if (st != MLT_OK)
        return st;
    import_judge judge = {g, reg, bfs, candidate, bases_string(g), map_module_nodes(g), NULL};
    uint32_t n = g->node_count;
    /* A class's machinery held from outside the visible heap (its dict, its
     * subclasses' table) has no module root: a definition below its head
     * tells it apart from data. */
    judge.has_definition = mla_calloc_array(n + 1, 1);
    for (uint32_t v = 0; judge.has_definition && v < n; v++)
        if (candidate[v] && mla_is_definition(g, reg, v, judge.bases))
            judge.has_definition[head[v]] = 1;
    /* 1: the head is import-time state, 2: it is not (each head judged once). */
    uint8_t *verdict = judge.has_definition ? mla_calloc_array(n, 1) : NULL;
    size_t count = 0, capacity = 0;
    import_member *members = NULL;
    for (uint32_t v = 0; st == MLT_OK && v < n; v++) {
        if (!candidate[v])
            continue;
        uint32_t h = head[v];
        if (!verdict) {
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for import-time state");
            break;
        }
        if (!verdict[h])
            verdict[h] = is_import_time(&judge, h) ? 1 : 2;
        if (verdict[h] != 1)
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 256;
            import_member *grown = realloc(members, capacity * sizeof *grown);
            if (!grown) {
                st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for import-time state");
                break;
            }
            members = grown;
        }
        members[count].module = module_string(g, bfs, h);
        members[count++].node = v;
    }
    if (st == MLT_OK) {
        for (size_t i = 0; i < count; i++)
            candidate[members[i].node] = 0;
        st = tally_modules(arena, g, members, count, report, err);
    }
    free(members);
    free(verdict);
    free(head);
    free(judge.module_node);
    free(judge.has_definition);
    return st;
}

/* ------------------------------------------------------------ grouping */

typedef struct {
    uint64_t key; /* point shape, or head shape when there is no point */
    uint32_t type;
    uint32_t node;
    uint32_t point; /* MLA_NONE: no point */
    uint32_t owner; /* the object the point belongs to (owner_of) */
    uint64_t retained;
} member;

static int by_key_then_retained(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* Tags keep the two kinds of key apart. */
#define KEY_POINT 0x1ull
#define KEY_HEAD 0x2ull

static const char *const container_types[] = {
    "builtins.dict",      "builtins.list",     "builtins.tuple",          "builtins.set",
    "builtins.frozenset", "collections.deque", "collections.OrderedDict", "collections.defaultdict",
};

static int is_container(const mla_graph *g, const mla_typereg *reg, uint32_t node)
{
    return type_in(node_type_name(g, reg, node), container_types,
                   sizeof container_types / sizeof container_types[0]);
}

/* The object a point belongs to: a point that is an attribute of an object
 * (an instance's __dict__ entry or slot, or a field a C object holds
 * without a label, such as an lru_cache's dict) stands for that object, so
 * the several structures one object keeps for one leak (a signal's
 * receivers and its by-receiver index) are one suspect. */
static uint32_t owner_of(const mla_graph *g, const mla_typereg *reg, const mla_bfs *bfs,
                         uint32_t point, uint32_t dict_role)
{
    uint32_t up = bfs->parent[point];
    if (up == MLA_NONE || up >= g->node_count)
        return point;
    uint8_t kind = g->edge_kind[bfs->parent_edge[point]];
    if (kind == MLT_LABEL_ATTR || (kind == MLT_LABEL_NONE && !is_container(g, reg, up)))
        return up;
    uint32_t above = bfs->parent[up];
    if (kind == MLT_LABEL_KEY_STR && above != MLA_NONE && above < g->node_count &&
        g->edge_kind[bfs->parent_edge[up]] == MLT_LABEL_OTHER &&
        g->edge_label[bfs->parent_edge[up]] == dict_role)
        return above; /* obj -> __dict__ -> ['name'] */
    return point;
}

/* owner[p] for every point p (MLA_NONE elsewhere) and the path shapes of
 * the owners, which key the suspects. */
static mlt_status point_owners(const mla_suspect_input *in, const uint32_t *head,
                               uint32_t **owner_out, uint64_t **shape_out, mlt_error *err)
{
    const mla_graph *g = in->in->graph;
    const mla_bfs *bfs = in->bfs;
    uint32_t n = g->node_count, dict_role = mla_string_id(g, "__dict__");
    uint8_t *wanted = mla_calloc_array(n + 1, 1);
    uint32_t *owner = mla_malloc_array(n + 1, sizeof *owner);
    if (!wanted || !owner) {
        free(wanted);
        free(owner);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for accumulation points");
    }
    for (uint32_t v = 0; v < n; v++)
        owner[v] = MLA_NONE;
    for (uint32_t v = 0; v < n; v++) {
        uint32_t p = in->candidate[v] ? point_of_head(bfs, head[v]) : MLA_NONE;
        if (p == MLA_NONE || p >= n || owner[p] != MLA_NONE)
            continue;
        owner[p] = owner_of(g, in->in->types, bfs, p, dict_role);
        wanted[owner[p]] = 1;
    }
    mlt_status st = mla_shape_hashes(g, bfs, wanted, shape_out, err);
    free(wanted);
    if (st != MLT_OK) {
        free(owner);
        return st;
    }
    *owner_out = owner;
    return MLT_OK;
}

static mlt_status gather_members(const mla_suspect_input *in, const uint32_t *head,
                                 const uint32_t *owner, const uint64_t *pshape, member **out,
                                 size_t *out_count, mlt_error *err)
{
    const mla_graph *g = in->in->graph;
    size_t count = 0;
    for (uint32_t v = 0; v < g->node_count; v++)
        count += in->candidate[v] != 0;
    member *m = mla_malloc_array(count + 1, sizeof *m);
    if (!m)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %zu suspects' members", count);
    size_t k = 0;
    for (uint32_t v = 0; v < g->node_count; v++) {
        if (!in->candidate[v])
            continue;
        uint32_t h = head[v], p = point_of_head(in->bfs, h);
        member *x = &m[k++];
        x->node = v;
        x->type = g->type[v];
        x->point = p < g->node_count ? p : MLA_NONE;
        x->owner = x->point != MLA_NONE ? owner[x->point] : MLA_NONE;
        x->key = x->point != MLA_NONE ? (pshape[x->owner] << 2) | KEY_POINT
                                      : (in->shape[h] << 2) | KEY_HEAD;
        x->retained = in->dom->retained ? in->dom->retained[v] : 0;
    }
    if (count > 1)
        qsort(m, count, sizeof *m, by_key_then_retained);
    *out = m;
    *out_count = count;
    return MLT_OK;
}

static int by_type_index(const void *a, const void *b)
{
    const member *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int is_builtin(const char *type)
{
    return strncmp(type, "builtins.", 9) == 0;
}

/* Most first; on a tie the program's own type before builtins (a Request
 * and its dict and str: the Request is what the user can act on). */
static int type_order(const void *a, const void *b)
{
    const mla_suspect_type *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (is_builtin(x->type) != is_builtin(y->type))
        return is_builtin(x->type) ? 1 : -1;
    return strcmp(x->type, y->type);
}

/* The per-type breakdown of one suspect (members sorted by type meanwhile,
 * on a copy). */
static mlt_status fill_types(mla_arena *arena, const mla_suspect_input *in, const member *group,
                             size_t count, mla_suspect *s, mlt_error *err)
{
    member *copy = mla_malloc_array(count, sizeof *copy);
    if (!copy)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspect types");
    memcpy(copy, group, count * sizeof *copy);
    if (count > 1)
        qsort(copy, count, sizeof *copy, by_type_index);
    size_t kinds = 0;
    for (size_t i = 0; i < count; i++)
        kinds += i == 0 || copy[i].type != copy[i - 1].type;
    mla_suspect_type *types = mla_arena_alloc(arena, (kinds + 1) * sizeof *types);
    if (!types) {
        free(copy);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspect types");
    }
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        if (i == 0 || copy[i].type != copy[i - 1].type)
            types[k++].type = in->in->types->names[copy[i].type];
        types[k - 1].count++;
        types[k - 1].shallow_bytes += in->in->graph->size[copy[i].node];
    }
    free(copy);
    if (kinds > 1)
        qsort(types, kinds, sizeof *types, type_order);
    s->types = types;
    s->type_count = kinds;
    return MLT_OK;
}

/* The root and edges of node's BFS-tree path as one line. */
static char *path_text(mla_arena *arena, const mla_suspect_input *in, uint32_t node)
{
    const mla_graph *g = in->in->graph;
    mla_raw_path raw = {node, 0, NULL};
    if (in->bfs->dist[node] > 1 && !mla_tree_path(in->bfs, g, node, &raw))
        return NULL;
    mla_path path;
    mlt_error ignored;
    mlt_status st = mla_render_path(arena, g, in->in->types, in->bfs, &raw,
                                    in->in->options->max_path_length, NULL, &path, &ignored);
    mla_raw_path_free(&raw);
    if (st != MLT_OK)
        return NULL;
    mla_sbuf out = {0};
    mla_sbuf_puts(&out, mla_root_kind_prefix(path.root_kind));
    mla_sbuf_puts(&out, path.root ? path.root : "?");
    for (size_t i = 0; i < path.edge_count; i++) {
        mla_sbuf_puts(&out, " -> ");
        mla_sbuf_puts(&out, path.edges[i]);
    }
    char *text = out.failed ? NULL : mla_arena_strdup(arena, out.data ? out.data : "");
    mla_sbuf_free(&out);
    return text;
}

static int by_node(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Probes for the trend pass: the distinct points (or, without a point, the
 * distinct heads); the face is the owner holding the most members, and
 * faces counts the distinct owners. */
static mlt_status fill_probes(const uint32_t *head, const member *group, size_t count,
                              mla_suspect_draft *d, uint32_t *face, uint32_t *faces, mlt_error *err)
{
    uint32_t *nodes = mla_malloc_array(count, sizeof *nodes);
    if (!nodes)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspect probes");
    for (size_t i = 0; i < count; i++)
        nodes[i] = group[i].point != MLA_NONE ? group[i].owner : head[group[i].node];
    if (count > 1)
        qsort(nodes, count, sizeof *nodes, by_node);
    uint32_t distinct = 0, best = MLA_NONE, best_run = 0, run = 0;
    for (size_t i = 0; i < count; i++) {
        run = i > 0 && nodes[i] == nodes[i - 1] ? run + 1 : 1;
        if (run > best_run) {
            best_run = run;
            best = nodes[i];
        }
        if (i == 0 || nodes[i] != nodes[i - 1])
            nodes[distinct++] = nodes[i];
    }
    *face = best;
    *faces = distinct;
    if (group[0].point == MLA_NONE) {
        d->probes = nodes;
        d->probe_count = distinct;
        return MLT_OK;
    }
    /* The trend follows the points themselves. */
    for (size_t i = 0; i < count; i++)
        nodes[i] = group[i].point;
    if (count > 1)
        qsort(nodes, count, sizeof *nodes, by_node);
    distinct = 0;
    for (size_t i = 0; i < count; i++)
        if (i == 0 || nodes[i] != nodes[i - 1])
            nodes[distinct++] = nodes[i];
    d->probes = nodes;
    d->probe_count = distinct;
    return MLT_OK;
}

/* The module name when head is a global of a module that is new itself. */
static const char *new_module_of(mla_arena *arena, const mla_suspect_input *in, uint32_t head)
{
    const mla_graph *g = in->in->graph;
    const mla_bfs *bfs = in->bfs;
    if (bfs->super_kind[head] != MLA_SUPER_RECORD || bfs->root_record[head] == MLA_NONE)
        return NULL;
    const mlt_root *root = &g->roots[bfs->root_record[head]];
    if (root->kind != MLT_ROOT_MODULE_GLOBAL)
        return NULL;
    for (size_t r = 0; r < g->root_count; r++) {
        const mlt_root *m = &g->roots[r];
        uint32_t name = m->name != MLT_NO_STRING ? m->name : m->context;
        if (m->kind != MLT_ROOT_MODULE || name != root->context || m->object >= g->node_count)
            continue;
        if (!in->in->criteria->young[in->in->first[m->object]])
            return NULL;
        const char *text = mla_strtab_get(&g->strings, name, NULL);
        return mla_arena_strdup(arena, text ? text : MLA_NO_MODULE);
    }
    return NULL;
}

/* Up to MLA_SUSPECT_EXAMPLES members of distinct path shapes, the largest
 * retained first (group is sorted that way). */
/* Whether v is strictly below `below` in the BFS tree, looking at most
 * MLA_EXAMPLE_CLIMB steps up. */
static int under(const mla_bfs *bfs, uint32_t v, uint32_t below)
{
    if (v == below)
        return 0;
    for (uint32_t steps = 0; v != MLA_NONE && steps <= MLA_EXAMPLE_CLIMB; steps++) {
        if (v == below)
            return 1;
        if (bfs->dist[v] <= bfs->dist[below])
            return 0;
        v = bfs->parent[v];
    }
    return 0;
}

/* Examples of distinct shapes, largest retained first; below a point the
 * walk descended to, the objects that pile up there, not the structure
 * above it (the app object that holds everything). The members looked at
 * for those are bounded: examples illustrate, a huge suspect must not make
 * them quadratic. */
static void pick_examples(const mla_suspect_input *in, const member *group, size_t count,
                          uint32_t below, mla_suspect_draft *d)
{
    d->example_count = 0;
    size_t looked = 0;
    for (size_t i = 0; i < count && d->example_count < MLA_SUSPECT_EXAMPLES; i++) {
        uint32_t v = group[i].node;
        uint64_t shape = in->shape[v];
        int seen = 0;
        for (uint32_t j = 0; j < d->example_count; j++)
            seen |= in->shape[d->examples[j]] == shape;
        if (!seen && below != MLA_NONE && looked++ < MLA_EXAMPLE_LOOKS)
            seen = !under(in->bfs, v, below);
        if (!seen)
            d->examples[d->example_count++] = v;
    }
}

static mlt_status build_one(mla_arena *arena, const mla_suspect_input *in, const uint32_t *head,
                            const descent *down, const member *group, size_t count,
                            mla_suspect_draft *d, mlt_error *err)
{
    const mla_graph *g = in->in->graph;
    mla_suspect *s = &d->pub;
    for (size_t i = 0; i < count; i++) {
        uint32_t v = group[i].node;
        s->count++;
        s->shallow_bytes += g->size[v];
        if (in->top[v])
            s->retained_bytes += group[i].retained;
        s->undated_count += in->in->criteria->undated[in->in->first[v]] != 0;
    }
    uint32_t face = MLA_NONE, faces = 0;
    mlt_status st = fill_probes(head, group, count, d, &face, &faces, err);
    if (st == MLT_OK)
        st = fill_types(arena, in, group, count, s, err);
    if (st != MLT_OK)
        return st;
    d->probes_are_heads = group[0].point == MLA_NONE;
    uint32_t below = MLA_NONE; /* a point the walk descended to */
    if (!d->probes_are_heads) {
        s->point_count = faces;
        s->point_address = g->address[face];
        s->point_type = in->in->types->names[g->type[face]];
        s->point_path = path_text(arena, in, face);
        if (!s->point_path)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory rendering a suspect's path");
    } else {
        s->shape = mla_shape_text(arena, g, in->in->types, in->bfs, head[group[0].node]);
        if (!s->shape)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory rendering a suspect's shape");
        s->new_module = new_module_of(arena, in, head[group[0].node]);
        /* One head: where its candidates pile up below it. The trend still
         * follows the head, which holds all of them. */
        below = faces == 1 ? descend(g, in->bfs, down, face) : face;
        if (below == face)
            below = MLA_NONE;
        if (below != MLA_NONE) {
            s->point_count = 1;
            s->point_address = g->address[below];
            s->point_type = in->in->types->names[g->type[below]];
            s->point_path = path_text(arena, in, below);
            if (!s->point_path)
                return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory rendering a suspect's path");
        }
    }
    pick_examples(in, group, count, below, d);
    return MLT_OK;
}

static int by_retained_desc(const void *a, const void *b)
{
    const mla_suspect_draft *const *x = a, *const *y = b;
    uint64_t p = (*x)->pub.retained_bytes, q = (*y)->pub.retained_bytes;
    return p != q ? (p > q ? -1 : 1) : 0;
}

/* max_object_details bounds the examples of all suspects together: one
 * each first, largest retained first, then a second each, and so on. */
static void share_examples(mla_suspect_draft *drafts, size_t count, uint32_t budget)
{
    mla_suspect_draft **order = mla_malloc_array(count + 1, sizeof *order);
    uint32_t *granted = mla_calloc_array(count + 1, sizeof *granted);
    if (!order || !granted) { /* keep the picks: a longer report, not a wrong one */
        free(order);
        free(granted);
        return;
    }
    for (size_t i = 0; i < count; i++)
        order[i] = &drafts[i];
    if (count > 1)
        qsort(order, count, sizeof *order, by_retained_desc);
    for (int more = 1; more && budget > 0;) {
        more = 0;
        for (size_t i = 0; i < count && budget > 0; i++) {
            size_t d = (size_t)(order[i] - drafts);
            if (granted[d] < order[i]->example_count) {
                granted[d]++;
                budget--;
                more = 1;
            }
        }
    }
    for (size_t i = 0; i < count; i++)
        drafts[i].example_count = granted[i];
    free(order);
    free(granted);
}

mlt_status mla_group_suspects(mla_arena *arena, const mla_suspect_input *in,
                              mla_suspect_draft **out, size_t *out_count, mlt_error *err)
{
    *out = NULL;
    *out_count = 0;
    const mla_graph *g = in->in->graph;
    uint32_t *head = NULL, *owner = NULL;
    uint64_t *pshape = NULL;
    member *m = NULL;
    size_t count = 0;
    uint8_t *climbable = climbable_nodes(g, in->candidate, in->in->first, in->in->criteria);
    mlt_status st = climbable ? find_heads(g, in->bfs, in->candidate, climbable, &head, err)
                              : mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %u objects",
                                         g->node_count);
    free(climbable);
    descent down = {NULL, NULL};
    if (st == MLT_OK)
        st = descent_build(g, in->bfs, in->candidate, head, &down, err);
    if (st == MLT_OK)
        st = point_owners(in, head, &owner, &pshape, err);
    if (st == MLT_OK)
        st = gather_members(in, head, owner, pshape, &m, &count, err);
    size_t groups = 0;
    for (size_t i = 0; st == MLT_OK && i < count; i++)
        groups += i == 0 || m[i].key != m[i - 1].key;
    mla_suspect_draft *drafts = st == MLT_OK ? mla_calloc_array(groups + 1, sizeof *drafts) : NULL;
    if (st == MLT_OK && !drafts)
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %zu suspects", groups);
    size_t k = 0;
    for (size_t i = 0; st == MLT_OK && i < count;) {
        size_t j = i + 1;
        while (j < count && m[j].key == m[i].key)
            j++;
        st = build_one(arena, in, head, &down, &m[i], j - i, &drafts[k++], err);
        i = j;
    }
    descent_free(&down);
    free(head);
    free(owner);
    free(pshape);
    free(m);
    if (st != MLT_OK) {
        mla_suspect_drafts_free(drafts, k);
        return st;
    }
    share_examples(drafts, groups, in->in->options->max_object_details);
    *out = drafts;
    *out_count = groups;
    return MLT_OK;
}

void mla_suspect_drafts_free(mla_suspect_draft *drafts, size_t count)
{
    for (size_t i = 0; drafts && i < count; i++)
        free(drafts[i].probes);
    free(drafts);
}
