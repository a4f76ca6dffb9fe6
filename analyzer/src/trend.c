/* Growing or stable: how much each suspect held at earlier images.
 *
 * A suspect is found at the evaluated image E, so its size at an earlier
 * image p needs p's edges: a second pass re-reads the images up to E,
 * re-links identities (so that "made after the warm-up" is known at p for
 * objects dead by E too), and at a sample of images counts what each
 * accumulation point holds: the objects reachable from it through objects
 * made after the warm-up, old enough to qualify or not. Counting every
 * object held there, not only the candidates, is what lets a bounded cache
 * read as flat: at its size it holds the same number of entries at every
 * image while each entry ages in and out of candidacy.
 *
 * A suspect is stable when it held no more at E than the most it held at or
 * before the trend base: the newest image at least a lifetime (or `calls`
 * calls) before E, and at least half the watched span (warm-up's end to E)
 * before it. Without a base (a run shorter than that) nothing can be shown
 * flat: growing. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

void mla_trend_jobs_free(mla_trend_jobs *jobs)
{
    for (size_t i = 0; i < jobs->count; i++) {
        free(jobs->jobs[i].address);
        free(jobs->jobs[i].first);
    }
    free(jobs->jobs);
    memset(jobs, 0, sizeof *jobs);
}

/* The plateau a stable verdict needs, in seconds or calls: a lifetime (or
 * `calls` calls), and at least half of what was watched since the warm-up.
 * A point that grew for most of the run and then held still for its last
 * stretch (traffic stopped, the service idled before it exited) has shown
 * no bound yet; a cache that filled and then held for the longer part of
 * the run has. */
#define MLA_PLATEAU_SHARE 0.5

static double position_of(const mla_criteria *crit, size_t image)
{
    if (crit->criterion.kind == MLT_CRITERION_CALLS)
        return (double)crit->completed_call[image];
    return crit->time[image];
}

/* The last image whose objects predate the warm-up: where watching starts. */
static size_t warmup_image(const mla_criteria *crit, size_t evaluated)
{
    size_t w = 0;
    while (w < evaluated && !crit->young[w + 1])
        w++;
    return w;
}

static double plateau_needed(const mla_criteria *crit, size_t evaluated)
{
    const mlt_criterion *c = &crit->criterion;
    double span = c->kind == MLT_CRITERION_CALLS ? (double)c->calls : c->lifetime;
    double watched = position_of(crit, evaluated) -
                     position_of(crit, warmup_image(crit, evaluated));
    return watched * MLA_PLATEAU_SHARE > span ? watched * MLA_PLATEAU_SHARE : span;
}

size_t mla_trend_samples(const mla_criteria *crit, size_t evaluated, uint8_t *sampled)
{
    size_t base = SIZE_MAX;
    double needed = plateau_needed(crit, evaluated);
    for (size_t p = evaluated; p-- > 0;) {
        if (position_of(crit, evaluated) - position_of(crit, p) >= needed) {
            base = p;
            break;
        }
    }
    if (evaluated + 1 <= MLA_TREND_SAMPLES) {
        memset(sampled, 1, evaluated + 1);
    } else {
        memset(sampled, 0, evaluated + 1);
        for (size_t k = 0; k < MLA_TREND_SAMPLES; k++)
            sampled[k * evaluated / (MLA_TREND_SAMPLES - 1)] = 1;
    }
    sampled[evaluated] = 1;
    if (base != SIZE_MAX)
        sampled[base] = 1;
    return base;
}

/* What the pass keeps per job: count and bytes at each sampled image. */
typedef struct {
    uint64_t *count;
    uint64_t *bytes;
} tally;

typedef struct {
    mlt_reader *reader;
    const size_t *included;
    const uint8_t *chain_ok;
    const mla_criteria *crit;
    mla_typereg *types;
    mla_trend_jobs *jobs;
    tally *tallies;
    uint32_t *stamp; /* per node: job + 1 that last visited it at this image */
    uint32_t *stack;
    /* string ids in the image at hand */
    uint32_t class_role, bases_role, globals_role, builtins_role;
} pass;

/* Held there: made after the warm-up and not the monitor's. */
static int counts(const pass *ps, const mla_graph *g, const uint32_t *first, uint32_t v)
{
    return ps->crit->young[first[v]] && !(g->flags[v] & MLT_OBJ_MONITOR);
}

/* Modules, classes and code count but are not looked into: their
 * namespaces are their module's state, not what the point holds. A
 * function or a bound method is (its closure, its __self__), but not
 * through its globals (followed() skips those). */
static int expands(const pass *ps, const mla_graph *g, uint32_t v)
{
    const char *type = g->type[v] < ps->types->count ? ps->types->names[g->type[v]] : "";
    if (strcmp(type, "builtins.module") == 0 || strcmp(type, "builtins.code") == 0)
        return 0;
    for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++)
        if (g->edge_kind[e] == MLT_LABEL_OTHER && g->edge_label[e] == ps->bases_role)
            return 0; /* a class */
    return 1;
}

/* An instance's class, a function's globals and builtins lead out of what
 * the point holds into module state. */
static int followed(const pass *ps, const mla_graph *g, uint32_t e)
{
    uint8_t kind = g->edge_kind[e];
    uint32_t label = g->edge_label[e];
    if (kind != MLT_LABEL_OTHER && kind != MLT_LABEL_ATTR)
        return 1;
    return label != ps->class_role && label != ps->globals_role && label != ps->builtins_role;
}

/* Objects reachable from node through objects made after the warm-up. */
static void hold(pass *ps, const mla_graph *g, const uint32_t *first, uint32_t node, int inclusive,
                 uint32_t mark, uint64_t *count, uint64_t *bytes)
{
    uint32_t top = 0;
    if (inclusive) {
        if (ps->stamp[node] == mark || !counts(ps, g, first, node))
            return;
        ps->stamp[node] = mark;
        *count += 1;
        *bytes += g->size[node];
    }
    ps->stack[top++] = node;
    while (top) {
        uint32_t v = ps->stack[--top];
        if (v != node && !expands(ps, g, v))
            continue;
        for (uint32_t e = g->edge_start[v]; e < g->edge_start[v + 1]; e++) {
            uint32_t u = g->edge_target[e];
            if (u >= g->node_count || ps->stamp[u] == mark || !followed(ps, g, e) ||
                !counts(ps, g, first, u))
                continue;
            ps->stamp[u] = mark;
            *count += 1;
            *bytes += g->size[u];
            ps->stack[top++] = u; /* each node pushed once per mark: top < node_count + 1 */
        }
    }
}

/* Visible referrers per node, for the jobs followed by type. */
static uint32_t *referrer_counts(const mla_graph *g)
{
    uint32_t *count = mla_calloc_array(g->node_count + 1, sizeof *count);
    for (uint32_t e = 0; count && e < g->edge_count; e++)
        if (g->edge_target[e] < g->node_count && count[g->edge_target[e]] < UINT32_MAX)
            count[g->edge_target[e]]++;
    return count;
}

/* Held by something the walk cannot see, as the BFS seeds its external
 * roots; an object nothing refers to stands in for an unreached one. */
static void hold_by_type(pass *ps, const mla_graph *g, const uint32_t *first,
                         const uint32_t *referrers, const mla_trend_job *job, uint32_t mark,
                         tally *t, size_t slot)
{
    for (uint32_t v = 0; referrers && v < g->node_count; v++) {
        if (g->type[v] != job->type || (g->flags[v] & MLT_OBJ_IMMORTAL))
            continue;
        if (g->refcount[v] > referrers[v] || referrers[v] == 0)
            hold(ps, g, first, v, 1, mark, &t->count[slot], &t->bytes[slot]);
    }
}

static void measure_image(pass *ps, const mla_graph *g, const uint32_t *first, size_t slot)
{
    ps->class_role = mla_string_id(g, "__class__");
    ps->bases_role = mla_string_id(g, "__bases__");
    ps->globals_role = mla_string_id(g, "__globals__");
    ps->builtins_role = mla_string_id(g, "__builtins__");
    uint32_t *referrers = NULL;
    for (size_t j = 0; j < ps->jobs->count; j++)
        if (ps->jobs->jobs[j].by_type && !referrers)
            referrers = referrer_counts(g);
    for (size_t j = 0; j < ps->jobs->count; j++) {
        const mla_trend_job *job = &ps->jobs->jobs[j];
        uint32_t mark = (uint32_t)j + 1;
        if (job->by_type) {
            hold_by_type(ps, g, first, referrers, job, mark, &ps->tallies[j], slot);
            continue;
        }
        for (uint32_t i = 0; i < job->count; i++) {
            uint32_t node = mla_graph_find(g, job->address[i]);
            if (node == MLA_NONE || first[node] != job->first[i])
                continue; /* not born yet, or another object at that address */
            hold(ps, g, first, node, job->inclusive, mark, &ps->tallies[j].count[slot],
                 &ps->tallies[j].bytes[slot]);
        }
    }
    free(referrers);
}

typedef struct {
    mla_graph graph;
    uint32_t *first;
    uint8_t *bits;
} linked;

static void linked_free(linked *l)
{
    mla_graph_free(&l->graph);
    free(l->first);
    free(l->bits);
    memset(l, 0, sizeof *l);
}

static mlt_status scratch_for(pass *ps, uint32_t nodes, mlt_error *err)
{
    free(ps->stamp);
    free(ps->stack);
    ps->stamp = mla_calloc_array(nodes + 1, sizeof *ps->stamp);
    ps->stack = mla_malloc_array(nodes + 1, sizeof *ps->stack);
    if (!ps->stamp || !ps->stack)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory measuring suspects' trends");
    return MLT_OK;
}

static mlt_status stream(pass *ps, size_t evaluated, const uint8_t *sampled, mlt_error *err)
{
    linked prev, cur;
    memset(&prev, 0, sizeof prev);
    memset(&cur, 0, sizeof cur);
    mlt_status st = MLT_OK;
    size_t slot = 0;
    for (size_t p = 0; p <= evaluated && st == MLT_OK; p++) {
        st = mla_load_image(ps->reader, ps->included[p], ps->types, sampled[p], &cur.graph, err);
        if (st != MLT_OK)
            break;
        uint32_t n = cur.graph.node_count;
        cur.first = mla_malloc_array(n + 1, sizeof *cur.first);
        cur.bits = mla_malloc_array(n + 1, sizeof *cur.bits);
        if (!cur.first || !cur.bits) {
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for identities");
            break;
        }
        mla_link_stats stats = {0};
        mla_identity_link(&prev.graph, prev.first, prev.bits, &cur.graph, (uint32_t)p,
                          ps->chain_ok[p], cur.first, cur.bits, &stats);
        linked_free(&prev);
        if (sampled[p]) {
            st = scratch_for(ps, n, err);
            if (st == MLT_OK)
                measure_image(ps, &cur.graph, cur.first, slot++);
        }
        prev = cur;
        memset(&cur, 0, sizeof cur);
    }
    linked_free(&prev);
    linked_free(&cur);
    return st;
}

static double span_of(const mla_criteria *crit, size_t from, size_t to)
{
    if (crit->criterion.kind == MLT_CRITERION_CALLS)
        return (double)(crit->completed_call[to] - crit->completed_call[from]);
    return crit->time[to] - crit->time[from];
}

/* Growth over the trend span: from the base, or from the first sample
 * when the run is shorter than the span. */
static void judge(mla_suspect *s, const mla_criteria *crit, const size_t *positions,
                  size_t base_slot, size_t samples)
{
    size_t last = samples - 1, from = base_slot != SIZE_MAX ? base_slot : 0;
    const mla_growth_point *g = s->growth;
    s->measured = 1;
    /* Against the most held at or before the base: a bounded cache whose
     * entries vary in size (more strs in one than another) wobbles around
     * its size, and one object more than at the base alone is not growth. */
    uint64_t high = 0;
    for (size_t k = 0; base_slot != SIZE_MAX && k <= base_slot; k++)
        high = g[k].count > high ? g[k].count : high;
    s->trend = base_slot != SIZE_MAX && g[last].count <= high ? MLA_TREND_STABLE
                                                              : MLA_TREND_GROWING;
    s->growth_objects = g[last].count > g[from].count ? g[last].count - g[from].count : 0;
    s->growth_bytes = g[last].bytes > g[from].bytes ? g[last].bytes - g[from].bytes : 0;
    double span = span_of(crit, positions[from], positions[last]);
    s->rate_count = span > 0 ? (double)s->growth_objects / span : 0.0;
    s->rate_bytes = span > 0 ? (double)s->growth_bytes / span : 0.0;
}

static mlt_status publish(pass *ps, mla_arena *arena, const uint8_t *sampled, size_t evaluated,
                          size_t base, size_t samples, mlt_error *err)
{
    size_t *positions = mla_malloc_array(samples, sizeof *positions);
    if (!positions)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspects' trends");
    size_t slot = 0, base_slot = SIZE_MAX;
    for (size_t p = 0; p <= evaluated; p++) {
        if (!sampled[p])
            continue;
        if (p == base)
            base_slot = slot;
        positions[slot++] = p;
    }
    const mla_criteria *crit = ps->crit;
    for (size_t j = 0; j < ps->jobs->count; j++) {
        mla_suspect *s = ps->jobs->jobs[j].suspect;
        mla_growth_point *growth = mla_arena_alloc(arena, samples * sizeof *growth);
        if (!growth) {
            free(positions);
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspects' trends");
        }
        for (size_t k = 0; k < samples; k++) {
            size_t p = positions[k];
            growth[k].image = (uint32_t)ps->included[p];
            growth[k].time = crit->time[p] - crit->time[0];
            growth[k].calls = crit->completed_call[p] > 0 ? (uint64_t)crit->completed_call[p] : 0;
            growth[k].count = ps->tallies[j].count[k];
            growth[k].bytes = ps->tallies[j].bytes[k];
        }
        s->growth = growth;
        s->growth_count = samples;
        judge(s, crit, positions, base_slot, samples);
    }
    free(positions);
    return MLT_OK;
}

static void tallies_free(tally *tallies, size_t count)
{
    for (size_t i = 0; tallies && i < count; i++) {
        free(tallies[i].count);
        free(tallies[i].bytes);
    }
    free(tallies);
}

mlt_status mla_trend_measure(const mla_trend_input *in, mla_trend_jobs *jobs, mlt_error *err)
{
    if (jobs->count == 0)
        return MLT_OK;
    size_t evaluated = in->evaluated;
    uint8_t *sampled = mla_malloc_array(evaluated + 1, 1);
    if (!sampled)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspects' trends");
    size_t base = mla_trend_samples(in->criteria, evaluated, sampled), samples = 0;
    for (size_t p = 0; p <= evaluated; p++)
        samples += sampled[p];
    pass ps = {in->reader,
               in->included,
               in->chain_ok,
               in->criteria,
               in->types,
               jobs,
               mla_calloc_array(jobs->count, sizeof(tally)),
               NULL,
               NULL,
               MLT_NO_STRING,
               MLT_NO_STRING,
               MLT_NO_STRING,
               MLT_NO_STRING};
    mlt_status st = ps.tallies ? MLT_OK
                               : mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for trends");
    for (size_t j = 0; st == MLT_OK && j < jobs->count; j++) {
        ps.tallies[j].count = mla_calloc_array(samples, sizeof(uint64_t));
        ps.tallies[j].bytes = mla_calloc_array(samples, sizeof(uint64_t));
        if (!ps.tallies[j].count || !ps.tallies[j].bytes)
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for trends");
    }
    if (st == MLT_OK)
        st = stream(&ps, evaluated, sampled, err);
    if (st == MLT_OK)
        st = publish(&ps, in->arena, sampled, evaluated, base, samples, err);
    tallies_free(ps.tallies, jobs->count);
    free(ps.stamp);
    free(ps.stack);
    free(sampled);
    return st;
}
