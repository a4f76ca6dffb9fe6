/* Assembles one mla_report for an evaluated image: per-type totals with
 * retained sizes that never double count, the example budget, clustered
 * path shapes for every candidate, and rendered retainer paths. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

typedef struct {
    uint32_t type;
    uint32_t node;
    uint64_t retained; /* the object's own retained size */
    uint64_t shape;
    uint8_t top; /* 1: no other candidate dominates it */
} cand;

typedef struct {
    const mla_report_input *in;
    uint8_t *candidate; /* the input's, less import-time state */
    mla_arena *arena;
    mla_reverse rev;
    mla_bfs bfs;
    mla_domtree dom;
    uint64_t *shape;
    uint8_t *top; /* per node, candidates only */
    cand *cands;  /* candidates in node order */
    uint32_t cand_count;
    uint32_t *cluster_of; /* per candidate (node order) */
    uint32_t *stack;      /* scratch for climbing the dominator tree */
    mla_previews previews;
} builder;

static int by_type_then_retained(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int by_shape_then_retained(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->shape != y->shape)
        return x->shape < y->shape ? -1 : 1;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    if (x->retained != y->retained)
        return x->retained > y->retained ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

static int leak_order(const void *a, const void *b)
{
    const mla_type_leak *x = a, *y = b;
    if (x->retained_bytes != y->retained_bytes)
        return x->retained_bytes > y->retained_bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->type, y->type);
}

static int cluster_order(const void *a, const void *b)
{
    const mla_cluster *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->retained_bytes != y->retained_bytes)
        return x->retained_bytes > y->retained_bytes ? -1 : 1;
    return strcmp(x->shape, y->shape);
}

/* Whether node x is a candidate or has one among its dominators. state: 0
 * unknown, 1 no, 2 yes. Climbs to the first decided node, then records the
 * answer along the way, so all queries together cost O(V) at most. */
static int candidate_at_or_above(builder *b, uint8_t *state, uint32_t x)
{
    uint32_t n = b->in->graph->node_count;
    uint32_t top = 0, y = x;
    while (y < n && !state[y] && !b->candidate[y]) {
        b->stack[top++] = y;
        y = b->dom.idom[y];
    }
    uint8_t answer = y < n && (b->candidate[y] || state[y] == 2) ? 2 : 1;
    while (top)
        state[b->stack[--top]] = answer;
    return answer == 2;
}

/* Marks candidates that no other candidate dominates. */
static mlt_status mark_top_candidates(builder *b, mlt_error *err)
{
    const mla_graph *g = b->in->graph;
    uint32_t n = g->node_count;
    b->top = mla_calloc_array(n, 1);
    uint8_t *state = b->dom.idom ? mla_calloc_array(n, 1) : NULL;
    b->stack = b->dom.idom ? mla_malloc_array(n, sizeof *b->stack) : NULL;
    if (!b->top || (b->dom.idom && (!state || !b->stack))) {
        free(state);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %u objects", n);
    }
    for (uint32_t v = 0; v < n; v++) {
        if (!b->candidate[v])
            continue;
        uint32_t d = b->dom.idom ? b->dom.idom[v] : n;
        b->top[v] = !(d < n && candidate_at_or_above(b, state, d));
    }
    free(state);
    return MLT_OK;
}

static mlt_status gather_candidates(builder *b, mlt_error *err)
{
    const mla_graph *g = b->in->graph;
    uint32_t count = 0;
    for (uint32_t v = 0; v < g->node_count; v++)
        count += b->candidate[v] != 0;
    b->cands = mla_malloc_array(count, sizeof *b->cands);
    b->cluster_of = mla_malloc_array(count, sizeof *b->cluster_of);
    if (!b->cands || !b->cluster_of)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %u candidates", count);
    uint32_t c = 0;
    for (uint32_t v = 0; v < g->node_count; v++) {
        if (!b->candidate[v])
            continue;
        cand *x = &b->cands[c++];
        x->type = g->type[v];
        x->node = v;
        x->retained = b->dom.retained ? b->dom.retained[v] : 0;
        x->shape = b->shape[v];
        x->top = b->top[v];
    }
    b->cand_count = count;
    return MLT_OK;
}

static uint32_t cand_position(const builder *b, uint32_t node)
{
    uint32_t lo = 0, hi = b->cand_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (b->cands[mid].node < node)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static mlt_status build_clusters(builder *b, mla_report *report, mlt_error *err)
{
    const mla_graph *g = b->in->graph;
    cand *sorted = mla_malloc_array(b->cand_count, sizeof *sorted);
    if (!sorted)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory clustering candidates");
    memcpy(sorted, b->cands, (size_t)b->cand_count * sizeof *sorted);
    qsort(sorted, b->cand_count, sizeof *sorted, by_shape_then_retained);
    size_t groups = 0;
    for (uint32_t i = 0; i < b->cand_count; i++)
        groups += i == 0 || sorted[i].shape != sorted[i - 1].shape ||
                  sorted[i].type != sorted[i - 1].type;
    mla_cluster *clusters = mla_arena_alloc(b->arena, (groups + 1) * sizeof *clusters);
    uint32_t *group_of = mla_malloc_array(b->cand_count, sizeof *group_of);
    if (!clusters || !group_of) {
        free(sorted);
        free(group_of);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory clustering candidates");
    }
    size_t k = 0;
    for (uint32_t i = 0; i < b->cand_count; i++) {
        if (i == 0 || sorted[i].shape != sorted[i - 1].shape ||
            sorted[i].type != sorted[i - 1].type) {
            mla_cluster *c = &clusters[k++];
            c->type = b->in->types->names[sorted[i].type];
            c->example_address = g->address[sorted[i].node];
            c->id = (uint32_t)(k - 1);
            /* The shape is rendered from the member with the longest path,
             * which shows folded repetitions as "(step)+". */
            uint32_t deepest = sorted[i].node;
            for (uint32_t j = i + 1; j < b->cand_count && sorted[j].shape == sorted[i].shape &&
                                     sorted[j].type == sorted[i].type;
                 j++)
                if (b->bfs.dist[sorted[j].node] > b->bfs.dist[deepest])
                    deepest = sorted[j].node;
            c->shape = mla_shape_text(b->arena, g, b->in->types, &b->bfs, deepest);
            if (!c->shape) {
                free(sorted);
                free(group_of);
                return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory rendering path shapes");
            }
        }
        mla_cluster *c = &clusters[k - 1];
        c->count++;
        c->shallow_bytes += g->size[sorted[i].node];
        if (sorted[i].top)
            c->retained_bytes += sorted[i].retained;
        group_of[i] = (uint32_t)(k - 1);
    }
    /* Sort, then renumber: id is the final position. */
    qsort(clusters, groups, sizeof *clusters, cluster_order);
    uint32_t *final_id = mla_malloc_array(groups, sizeof *final_id);
    if (!final_id) {
        free(sorted);
        free(group_of);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory clustering candidates");
    }
    for (size_t i = 0; i < groups; i++) {
        final_id[clusters[i].id] = (uint32_t)i;
        clusters[i].id = (uint32_t)i;
    }
    for (uint32_t i = 0; i < b->cand_count; i++)
        b->cluster_of[cand_position(b, sorted[i].node)] = final_id[group_of[i]];
    free(final_id);
    free(group_of);
    free(sorted);
    report->clusters = clusters;
    report->cluster_count = groups;
    return MLT_OK;
}

typedef struct {
    mla_type_leak leak;
    uint32_t start; /* first candidate of the type in the by-type order */
    uint32_t quota; /* examples granted */
} leak_slot;

static int leak_slot_order(const void *a, const void *b)
{
    return leak_order(&((const leak_slot *)a)->leak, &((const leak_slot *)b)->leak);
}

/* Round-robin over the types in report order: every type gets one example
 * before any gets a second, until the budget runs out. */
static void grant_examples(leak_slot *slots, size_t count, uint32_t budget)
{
    for (uint32_t round = 0; budget > 0; round++) {
        int granted = 0;
        for (size_t i = 0; i < count && budget > 0; i++) {
            if (round < slots[i].leak.count) {
                slots[i].quota++;
                budget--;
                granted = 1;
            }
        }
        if (!granted)
            break;
    }
}

static mlt_status collect_leaks(builder *b, cand *by_type, leak_slot **out_slots, size_t *out_count,
                                mlt_error *err)
{
    const mla_graph *g = b->in->graph;
    size_t count = 0;
    for (uint32_t i = 0; i < b->cand_count; i++)
        count += i == 0 || by_type[i].type != by_type[i - 1].type;
    leak_slot *slots = mla_calloc_array(count, sizeof *slots);
    if (!slots)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for leak types");
    size_t k = 0;
    for (uint32_t i = 0; i < b->cand_count; i++) {
        if (i == 0 || by_type[i].type != by_type[i - 1].type) {
            slots[k].start = i;
            slots[k].leak.type = b->in->types->names[by_type[i].type];
            slots[k].leak.growth = b->in->types->growth[by_type[i].type];
            k++;
        }
        mla_type_leak *leak = &slots[k - 1].leak;
        leak->count++;
        leak->shallow_bytes += g->size[by_type[i].node];
        if (by_type[i].top)
            leak->retained_bytes += by_type[i].retained;
    }
    qsort(slots, count, sizeof *slots, leak_slot_order);
    grant_examples(slots, count, b->in->options->max_object_details);
    *out_slots = slots;
    *out_count = count;
    return MLT_OK;
}

/* Key objects named by KEY_OBJ steps and the examples themselves: the only
 * objects whose previews a report shows. */
static mlt_status load_wanted_previews(builder *b, const uint32_t *examples, size_t example_count,
                                       mla_raw_path *raw, const long *raw_count,
                                       uint32_t per_example, mlt_error *err)
{
    const mla_graph *g = b->in->graph;
    size_t cap = example_count;
    for (size_t i = 0; i < example_count; i++)
        for (long p = 0; p < raw_count[i]; p++)
            cap += raw[i * per_example + (size_t)p].length;
    uint32_t *want = mla_malloc_array(cap, sizeof *want);
    if (!want)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for previews");
    size_t w = 0;
    for (size_t i = 0; i < example_count; i++) {
        want[w++] = examples[i];
        for (long p = 0; p < raw_count[i]; p++) {
            const mla_raw_path *path = &raw[i * per_example + (size_t)p];
            for (uint32_t s = 0; s < path->length; s++) {
                uint32_t e = path->edges[s];
                if (g->edge_kind[e] == MLT_LABEL_KEY_OBJ && g->edge_label[e] < g->node_count)
                    want[w++] = g->edge_label[e];
            }
        }
    }
    /* Sort and deduplicate (small: examples times path lengths). */
    for (size_t i = 1; i < w; i++) {
        uint32_t x = want[i];
        size_t j = i;
        while (j > 0 && want[j - 1] > x) {
            want[j] = want[j - 1];
            j--;
        }
        want[j] = x;
    }
    size_t unique = 0;
    for (size_t i = 0; i < w; i++)
        if (unique == 0 || want[unique - 1] != want[i])
            want[unique++] = want[i];
    mlt_status st = mla_load_previews(b->in->reader, b->in->file_index, want, (uint32_t)unique,
                                      &b->previews, err);
    free(want);
    return st;
}

static mlt_status render_example(builder *b, uint32_t node, const mla_raw_path *raw, long raw_count,
                                 mla_example *ex, mlt_error *err)
{
    const mla_report_input *in = b->in;
    const mla_graph *g = in->graph;
    uint32_t f = in->first[node];
    ex->address = g->address[node];
    ex->type = in->types->names[g->type[node]];
    ex->shallow_bytes = g->size[node];
    ex->retained_bytes = b->dom.retained ? b->dom.retained[node] : 0;
    ex->age_seconds = mla_criteria_age_seconds(in->criteria, f, in->evaluated);
    ex->age_calls = mla_criteria_age_calls(in->criteria, f, in->evaluated, in->bits[node]);
    ex->created_in_call = mla_criteria_created_call(in->criteria, f, in->bits[node]);
    ex->identity_approximate = (in->bits[node] & MLA_ID_APPROX) != 0;
    ex->undated = in->criteria->undated[f] != 0;
    int truncated = 0;
    const char *preview = mla_previews_find(&b->previews, node, &truncated);
    ex->preview = preview ? mla_arena_strdup(b->arena, preview) : NULL;
    ex->preview_truncated = truncated;
    ex->cluster = b->cluster_of[cand_position(b, node)];
    mla_path *paths = mla_arena_alloc(b->arena, ((size_t)raw_count + 1) * sizeof *paths);
    if (!paths)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for example paths");
    uint32_t max_length = in->options->max_path_length;
    for (long p = 0; p < raw_count; p++) {
        mlt_status st = mla_render_path(b->arena, g, in->types, &b->bfs, &raw[p], max_length,
                                        &b->previews, &paths[p], err);
        if (st != MLT_OK)
            return st;
    }
    ex->paths = paths;
    ex->path_count = (size_t)raw_count;
    return MLT_OK;
}

/* Renders the examples of the types (slots) and of the suspects (drafts)
 * in one batch, so previews are read once. */
static mlt_status build_examples(builder *b, leak_slot *slots, size_t count, const cand *by_type,
                                 mla_suspect_draft *drafts, size_t draft_count, mlt_error *err)
{
    size_t type_total = 0, total;
    for (size_t i = 0; i < count; i++)
        type_total += slots[i].quota;
    total = type_total;
    for (size_t i = 0; i < draft_count; i++)
        total += drafts[i].example_count;
    uint32_t per = b->in->options->max_paths;
    uint32_t *nodes = mla_malloc_array(total, sizeof *nodes);
    mla_raw_path *raw = mla_calloc_array(total * per, sizeof *raw);
    long *raw_count = mla_calloc_array(total, sizeof *raw_count);
    mlt_status st = MLT_OK;
    if (!nodes || !raw || !raw_count) {
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for examples");
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
        for (uint32_t q = 0; q < slots[i].quota; q++)
            nodes[k++] = by_type[slots[i].start + q].node;
    for (size_t i = 0; i < draft_count; i++)
        for (uint32_t q = 0; q < drafts[i].example_count; q++)
            nodes[k++] = drafts[i].examples[q];
    mla_progress(b->in->options, "paths", 0.0);
    for (size_t i = 0; i < total; i++) {
        int more;
        raw_count[i] = mla_shortest_paths(b->in->graph, &b->rev, &b->bfs, nodes[i], per,
                                          &raw[i * per], &more);
        if (raw_count[i] < 0) {
            raw_count[i] = 0;
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for retainer paths");
            goto out;
        }
    }
    st = load_wanted_previews(b, nodes, total, raw, raw_count, per, err);
    k = 0;
    for (size_t i = 0; st == MLT_OK && i < count; i++) {
        mla_example *examples = mla_arena_alloc(b->arena, (slots[i].quota + 1) * sizeof *examples);
        if (!examples) {
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for examples");
            break;
        }
        for (uint32_t q = 0; st == MLT_OK && q < slots[i].quota; q++, k++)
            st = render_example(b, nodes[k], &raw[k * per], raw_count[k], &examples[q], err);
        slots[i].leak.examples = examples;
        slots[i].leak.example_count = slots[i].quota;
    }
    for (size_t i = 0; st == MLT_OK && i < draft_count; i++) {
        uint32_t n = drafts[i].example_count;
        mla_example *examples = mla_arena_alloc(b->arena, (n + 1) * sizeof *examples);
        if (!examples) {
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for examples");
            break;
        }
        for (uint32_t q = 0; st == MLT_OK && q < n; q++, k++)
            st = render_example(b, nodes[k], &raw[k * per], raw_count[k], &examples[q], err);
        drafts[i].pub.examples = examples;
        drafts[i].pub.example_count = n;
    }
out:
    if (raw && raw_count)
        for (size_t i = 0; i < total; i++)
            for (long p = 0; p < raw_count[i]; p++)
                mla_raw_path_free(&raw[i * per + (size_t)p]);
    free(nodes);
    free(raw);
    free(raw_count);
    return st;
}

static mlt_status build_leaks(builder *b, mla_report *report, mla_suspect_draft *drafts,
                              size_t draft_count, mlt_error *err)
{
    cand *by_type = mla_malloc_array(b->cand_count, sizeof *by_type);
    if (!by_type)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory sorting candidates");
    memcpy(by_type, b->cands, (size_t)b->cand_count * sizeof *by_type);
    qsort(by_type, b->cand_count, sizeof *by_type, by_type_then_retained);
    leak_slot *slots = NULL;
    size_t count = 0;
    mlt_status st = collect_leaks(b, by_type, &slots, &count, err);
    if (st == MLT_OK)
        st = build_examples(b, slots, count, by_type, drafts, draft_count, err);
    if (st == MLT_OK) {
        mla_type_leak *leaks = mla_arena_alloc(b->arena, (count + 1) * sizeof *leaks);
        if (!leaks) {
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for leak types");
        } else {
            for (size_t i = 0; i < count; i++)
                leaks[i] = slots[i].leak;
            report->leaks = leaks;
            report->leak_count = count;
        }
    }
    free(slots);
    free(by_type);
    return st;
}

int mla_suspect_compare(const mla_suspect *x, const mla_suspect *y)
{
    if (x->trend != y->trend)
        return x->trend == MLA_TREND_GROWING ? -1 : 1;
    if (x->growth_bytes != y->growth_bytes)
        return x->growth_bytes > y->growth_bytes ? -1 : 1;
    if (x->retained_bytes != y->retained_bytes)
        return x->retained_bytes > y->retained_bytes ? -1 : 1;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->point_address < y->point_address ? -1 : x->point_address > y->point_address;
}

static int suspect_order(const void *a, const void *b)
{
    return mla_suspect_compare(a, b);
}

static int import_state_order(const void *a, const void *b)
{
    const mla_import_state *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->module, y->module);
}

/* A stable suspect held by a global of a module imported after the warm-up
 * is that module's state (its tables, __all__, __spec__): one line per
 * module with the rest of it. A growing one stays a suspect. */
static int fold_import_state(mla_arena *arena, mla_report *report)
{
    mla_suspect *suspects = (mla_suspect *)report->suspects;
    size_t folded = 0;
    for (size_t i = 0; i < report->suspect_count; i++)
        folded += suspects[i].new_module && suspects[i].trend == MLA_TREND_STABLE;
    if (folded == 0)
        return 0;
    size_t capacity = report->import_state_count + folded;
    mla_import_state *states = mla_arena_alloc(arena, (capacity + 1) * sizeof *states);
    if (!states)
        return -1;
    if (report->import_state_count)
        memcpy(states, report->import_states, report->import_state_count * sizeof *states);
    size_t count = report->import_state_count, kept = 0;
    for (size_t i = 0; i < report->suspect_count; i++) {
        mla_suspect *s = &suspects[i];
        if (!(s->new_module && s->trend == MLA_TREND_STABLE)) {
            suspects[kept++] = *s;
            continue;
        }
        size_t m = 0;
        while (m < count && strcmp(states[m].module, s->new_module) != 0)
            m++;
        if (m == count)
            states[count++] = (mla_import_state){s->new_module, 0, 0};
        states[m].count += s->count;
        states[m].shallow_bytes += s->shallow_bytes;
        report->candidate_count -= s->count;
        report->candidate_shallow_bytes -= s->shallow_bytes;
        report->undated_count -= s->undated_count;
    }
    report->suspect_count = kept;
    if (count > 1)
        qsort(states, count, sizeof *states, import_state_order);
    report->import_states = states;
    report->import_state_count = count;
    return 0;
}

int mla_order_suspects(mla_arena *arena, mla_report *report)
{
    if (fold_import_state(arena, report) != 0)
        return -1;
    mla_suspect *suspects = (mla_suspect *)report->suspects;
    if (report->suspect_count > 1)
        qsort(suspects, report->suspect_count, sizeof *suspects, suspect_order);
    report->growing_count = 0;
    for (size_t i = 0; i < report->suspect_count; i++) {
        suspects[i].id = (uint32_t)i;
        report->growing_count += suspects[i].trend == MLA_TREND_GROWING;
    }
    return 0;
}

/* Heads held from outside the visible heap (or by nothing) have no holder
 * to follow into earlier images: their type is followed instead. */
static int followed_by_type(const builder *b, const mla_suspect_draft *d)
{
    return d->probes_are_heads && d->probe_count > 0 &&
           b->bfs.super_kind[d->probes[0]] != MLA_SUPER_RECORD;
}

static mlt_status add_trend_job(builder *b, mla_suspect *suspect, const mla_suspect_draft *d,
                                mlt_error *err)
{
    mla_trend_jobs *jobs = b->in->trend;
    if (jobs->count == jobs->capacity) {
        size_t capacity = jobs->capacity ? jobs->capacity * 2 : 16;
        mla_trend_job *grown = realloc(jobs->jobs, capacity * sizeof *grown);
        if (!grown)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspect trends");
        jobs->jobs = grown;
        jobs->capacity = capacity;
    }
    mla_trend_job *job = &jobs->jobs[jobs->count];
    memset(job, 0, sizeof *job);
    job->suspect = suspect;
    job->inclusive = d->probes_are_heads;
    job->address = mla_malloc_array(d->probe_count + 1, sizeof *job->address);
    job->first = mla_malloc_array(d->probe_count + 1, sizeof *job->first);
    if (!job->address || !job->first) {
        free(job->address);
        free(job->first);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspect trends");
    }
    for (uint32_t i = 0; i < d->probe_count; i++) {
        job->address[i] = b->in->graph->address[d->probes[i]];
        job->first[i] = b->in->first[d->probes[i]];
    }
    job->count = d->probe_count;
    job->by_type = followed_by_type(b, d);
    job->type = d->probe_count > 0 ? b->in->graph->type[d->probes[0]] : 0;
    jobs->count++;
    return MLT_OK;
}


static mlt_status publish_suspects(builder *b, mla_report *report, mla_suspect_draft *drafts,
                                   size_t count, mlt_error *err)
{
    mla_suspect *suspects = mla_arena_alloc(b->arena, (count + 1) * sizeof *suspects);
    if (!suspects)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspects");
    mlt_status st = MLT_OK;
    for (size_t i = 0; i < count; i++) {
        suspects[i] = drafts[i].pub;
        suspects[i].trend = MLA_TREND_GROWING;
        if (st == MLT_OK && b->in->trend)
            st = add_trend_job(b, &suspects[i], &drafts[i], err);
    }
    report->suspects = suspects;
    report->suspect_count = count;
    for (size_t i = 0; i < count; i++)
        report->undated_count += suspects[i].undated_count;
    /* Without a trend pass nothing reads stable: nothing is folded. */
    if (st == MLT_OK && !b->in->trend && mla_order_suspects(b->arena, report) != 0)
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspects");
    return st;
}

static void builder_free(builder *b)
{
    mla_reverse_free(&b->rev);
    mla_bfs_free(&b->bfs);
    mla_domtree_free(&b->dom);
    mla_previews_free(&b->previews);
    free(b->shape);
    free(b->top);
    free(b->cands);
    free(b->cluster_of);
    free(b->stack);
    free(b->candidate);
}

mlt_status mla_build_report(mla_arena *arena, const mla_report_input *input, mla_report *report,
                            mlt_error *err)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.in = input;
    b.arena = arena;
    const mla_graph *g = input->graph;
    mla_progress(input->options, "graph", 0.0);
    mlt_status st = mla_reverse_build(g, &b.rev, err);
    if (st == MLT_OK)
        st = mla_bfs_build(g, &b.rev, &b.bfs, err);
    if (st == MLT_OK && !input->options->skip_retained) {
        mla_progress(input->options, "dominators", 0.0);
        st = mla_dominators(g, &b.rev, &b.bfs, &b.dom, err);
    }
    mla_progress(input->options, "clusters", 0.0);
    if (st == MLT_OK) {
        b.candidate = mla_malloc_array(g->node_count + 1, 1);
        if (!b.candidate)
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %u objects", g->node_count);
        else
            memcpy(b.candidate, input->candidate, g->node_count);
    }
    if (st == MLT_OK)
        st = mla_split_import_state(arena, input, &b.bfs, b.candidate, report, err);
    if (st == MLT_OK)
        st = mark_top_candidates(&b, err);
    if (st == MLT_OK)
        st = mla_shape_hashes(g, &b.bfs, b.candidate, &b.shape, err);
    if (st == MLT_OK)
        st = gather_candidates(&b, err);
    if (st == MLT_OK)
        st = build_clusters(&b, report, err);
    mla_suspect_draft *drafts = NULL;
    size_t draft_count = 0;
    if (st == MLT_OK) {
        mla_suspect_input sin = {input, b.candidate, &b.bfs, &b.dom, b.top, b.shape};
        st = mla_group_suspects(arena, &sin, &drafts, &draft_count, err);
    }
    if (st == MLT_OK)
        st = build_leaks(&b, report, drafts, draft_count, err);
    if (st == MLT_OK)
        st = publish_suspects(&b, report, drafts, draft_count, err);
    mla_suspect_drafts_free(drafts, draft_count);
    if (st == MLT_OK) {
        report->candidate_count = b.cand_count;
        for (uint32_t i = 0; i < b.cand_count; i++) {
            report->candidate_shallow_bytes += g->size[b.cands[i].node];
            if (b.cands[i].top)
                report->candidate_retained_bytes += b.cands[i].retained;
        }
    }
    builder_free(&b);
    return st;
}
