/* mla_analyze_file: one pass over the images in file order. Every image is
 * linked to its predecessor (identity), counted for growth, and the
 * evaluated image(s) also get a full graph and a report.
 *
 * Mixed runs: images whose run_id differs from the first image's are
 * EXCLUDED with a warning (they cannot share identities or a clock with the
 * rest); image positions in the report then skip them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

typedef struct {
    const mla_options *opt;
    const char *path;
    mlt_reader *reader;
    mla_report_set *set;
    mla_arena *arena;
    size_t file_images;
    mlt_image_info *infos; /* per file image */
    size_t *included;      /* file indices of analyzed images */
    size_t count;          /* analyzed images */
    size_t evaluated;      /* position of the evaluated image (non-each mode) */
    mla_image_summary *summaries;
    mlt_criterion criterion;
    const char *criterion_source;
    mla_criteria crit;
    mla_typereg types;
    const char **warnings;
    size_t warning_count, warning_capacity;
    uint64_t *approx_candidates; /* per report */
    size_t untracked_images;     /* images recorded without identity tracking */
    size_t call_deltas;          /* clean monitored calls recorded as call deltas */
    double warmup_from;          /* newest_only: wall time the warm-up counts from, when the
                                   window dropped the run's first image (0: as usual) */
    uint8_t *chain_ok;           /* per analysed image: linked to its predecessor */
    mla_trend_jobs trend;        /* the suspects' probes (one report: not in each mode) */
} analysis;

static mlt_status warn(analysis *a, mlt_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static mlt_status warn(analysis *a, mlt_error *err, const char *fmt, ...)
{
    if (a->warning_count == a->warning_capacity) {
        size_t capacity = a->warning_capacity ? a->warning_capacity * 2 : 8;
        const char **w = realloc(a->warnings, capacity * sizeof *w);
        if (!w)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for warnings");
        a->warnings = w;
        a->warning_capacity = capacity;
    }
    char buffer[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buffer, sizeof buffer, fmt, ap);
    va_end(ap);
    const char *text = mla_arena_strdup(a->arena, buffer);
    if (!text)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for warnings");
    a->warnings[a->warning_count++] = text;
    return MLT_OK;
}

static mlt_status open_reader(analysis *a, mlt_error *err)
{
    mlt_status st = mlt_reader_open(a->path, NULL, &a->reader, err);
    if (st != MLT_OK && err && !strstr(err->message, a->path)) {
        char inner[sizeof err->message];
        memcpy(inner, err->message, sizeof inner);
        size_t used = strlen(a->path);
        if (used > sizeof err->message / 2)
            used = sizeof err->message / 2;
        memcpy(err->message, a->path, used);
        memcpy(err->message + used, ": ", 2);
        used += 2;
        size_t rest = strlen(inner);
        if (rest > sizeof err->message - used - 1)
            rest = sizeof err->message - used - 1;
        memcpy(err->message + used, inner, rest);
        err->message[used + rest] = '\0';
    }
    return st;
}

static mlt_status read_infos(analysis *a, mlt_error *err)
{
    a->file_images = mlt_reader_image_count(a->reader);
    if (a->file_images == 0) {
        const mlt_error *tail = mlt_reader_tail_error(a->reader);
        return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: the file holds no complete image%s%s", a->path,
                        tail ? ": " : "", tail ? tail->message : "");
    }
    a->infos = mla_calloc_array(a->file_images, sizeof *a->infos);
    a->included = mla_calloc_array(a->file_images, sizeof *a->included);
    if (!a->infos || !a->included)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %zu image headers",
                        a->file_images);
    for (size_t i = 0; i < a->file_images; i++) {
        mlt_status st = mlt_reader_image_info(a->reader, i, &a->infos[i], err);
        if (st != MLT_OK)
            return st;
    }
    uint64_t run = a->infos[0].run_id;
    for (size_t i = 0; i < a->file_images; i++) {
        if (a->infos[i].kind == MLT_IMAGE_CALL_DELTA && a->infos[i].run_id == run) {
            /* A clean monitored call: it changes no verdict (nothing it made
             * lived), and the next full image's base is the one before it. */
            a->call_deltas++;
            continue;
        }
        if (a->infos[i].kind != MLT_IMAGE_FULL) {
            mlt_status st = warn(a, err,
                                 "image %zu has image kind %u, unknown to this analyzer: "
                                 "excluded",
                                 i, (unsigned)a->infos[i].kind);
            if (st != MLT_OK)
                return st;
            continue;
        }
        if (a->infos[i].run_id == run) {
            a->included[a->count++] = i;
            continue;
        }
        mlt_status st = warn(a, err,
                             "image %zu belongs to run %016" PRIx64 " (pid %" PRIu64
                             "), not to run %016" PRIx64 " of the first image: excluded",
                             i, a->infos[i].run_id, a->infos[i].pid, run);
        if (st != MLT_OK)
            return st;
    }
    if (a->count == 0)
        return mlt_fail(err, MLT_ERR_FORMAT, 0,
                        "%s: the file holds %zu call delta%s but no full "
                        "image, so there is no heap to analyse",
                        a->path, a->call_deltas, a->call_deltas == 1 ? "" : "s");
    return MLT_OK;
}

static mlt_status fill_summaries(analysis *a, mlt_error *err)
{
    a->summaries = mla_arena_alloc(a->arena, (a->count + 1) * sizeof *a->summaries);
    mlt_image_info *analyzed = mla_arena_alloc(a->arena, (a->count + 1) * sizeof *analyzed);
    if (!a->summaries || !analyzed)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for image summaries");
    for (size_t p = 0; p < a->count; p++) {
        size_t i = a->included[p];
        const mlt_image_info *info = &a->infos[i];
        mla_image_summary *s = &a->summaries[p];
        s->index = (uint32_t)i;
        s->sequence = info->sequence;
        s->wall_time = info->wall_time;
        s->monotonic_time = info->monotonic_time;
        s->trigger = info->trigger;
        s->call_counter = info->call_counter;
        s->function = mla_arena_strdup(a->arena, info->function);
        s->objects = info->object_count;
        s->edges = info->edge_count;
        s->stored_bytes = mlt_reader_image_length(a->reader, i);
        analyzed[p] = *info;
    }
    return mla_criteria_init(
        &a->crit, &a->criterion, analyzed, a->count,
        a->warmup_from > 0.0 ? a->warmup_from : mlt_reader_file_info(a->reader)->start_time, err);
}

static mlt_status choose_evaluated(analysis *a, mlt_error *err)
{
    long at = a->opt->at_image;
    if (at < 0) {
        a->evaluated = a->count - 1;
        return MLT_OK;
    }
    for (size_t p = 0; p < a->count; p++) {
        if (a->included[p] == (size_t)at) {
            a->evaluated = p;
            return MLT_OK;
        }
    }
    if ((size_t)at >= a->file_images)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "%s: image %ld requested but the file holds %zu images", a->path, at,
                        a->file_images);
    return mlt_fail(err, MLT_ERR_USAGE, 0, "%s: image %ld belongs to another run and was excluded",
                    a->path, at);
}

/* newest_only: drops the analysed images before the window the evaluated
 * image's new candidates depend on (and those after it). */
static mlt_status keep_newest_window(analysis *a, mlt_error *err)
{
    mlt_image_info *window = mla_malloc_array(a->evaluated + 1, sizeof *window);
    if (!window)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for image headers");
    for (size_t p = 0; p <= a->evaluated; p++)
        window[p] = a->infos[a->included[p]];
    size_t start = mla_criteria_window_start(&a->criterion, window, a->evaluated);
    /* The warm-up still counts from the run's first image, as the whole
     * file's analysis would count it. */
    if (start > 0 && window[0].sequence == 0)
        a->warmup_from = window[0].wall_time;
    free(window);
    memmove(a->included, a->included + start, (a->evaluated + 1 - start) * sizeof *a->included);
    a->count = a->evaluated + 1 - start;
    a->evaluated -= start;
    return MLT_OK;
}

/* The evaluated image's criterion, else the newest image's that has one,
 * else time-based with a 60 s lifetime. */
static void choose_criterion(analysis *a)
{
    if (a->opt->criterion.kind != MLT_CRITERION_NONE) {
        a->criterion = a->opt->criterion;
        a->criterion_source = "options";
        mla_criterion_defaults(&a->criterion, a->opt->warmup_defaulted);
        return;
    }
    const mlt_criterion *found = NULL;
    if (a->infos[a->included[a->evaluated]].criterion.kind != MLT_CRITERION_NONE)
        found = &a->infos[a->included[a->evaluated]].criterion;
    for (size_t p = a->count; !found && p > 0; p--)
        if (a->infos[a->included[p - 1]].criterion.kind != MLT_CRITERION_NONE)
            found = &a->infos[a->included[p - 1]].criterion;
    if (found) {
        a->criterion = *found;
        a->criterion_source = "dump";
        mla_criterion_defaults(&a->criterion, 0);
    } else {
        memset(&a->criterion, 0, sizeof a->criterion);
        a->criterion.kind = MLT_CRITERION_TIME;
        a->criterion.lifetime = 60.0;
        a->criterion.warmup = -1.0;
        a->criterion_source = "default";
        mla_criterion_defaults(&a->criterion, 1);
    }
}

/* Whether image p continues the identity chain of image p-1. */
static mlt_status check_chain(analysis *a, size_t p, int *chain_ok, mlt_error *err)
{
    *chain_ok = 0;
    if (p == 0)
        return MLT_OK;
    const mlt_image_info *cur = &a->infos[a->included[p]];
    const mlt_image_info *prev = &a->infos[a->included[p - 1]];
    if (cur->identity == MLT_IDENTITY_NONE) {
        a->untracked_images++;
        return MLT_OK;
    }
    if (!cur->has_base)
        return warn(a, err,
                    "image %zu has no base image: identity chains break there and "
                    "its objects count as new",
                    a->included[p]);
    /* A run numbers its images upwards; a sequence that does not grow means
     * images were spliced or reordered, so a base that merely matches the
     * previous number proves nothing. */
    if (cur->sequence <= prev->sequence)
        return warn(a, err,
                    "image %zu has sequence %" PRIu64 ", not after the previous image's %" PRIu64
                    ": images out of order, identity chains break there, its objects count as "
                    "new",
                    a->included[p], cur->sequence, prev->sequence);
    if (cur->base_sequence != prev->sequence || cur->pid != prev->pid)
        return warn(a, err,
                    "image %zu refers to base image sequence %" PRIu64
                    " but the previous image is sequence %" PRIu64 " (pid %" PRIu64 " vs %" PRIu64
                    "): identity chains break there, its "
                    "objects count as new",
                    a->included[p], cur->base_sequence, prev->sequence, cur->pid, prev->pid);
    *chain_ok = 1;
    return MLT_OK;
}

typedef struct {
    mla_graph graph;
    uint32_t *first;
    uint8_t *bits;
} image_state;

static void state_free(image_state *s)
{
    mla_graph_free(&s->graph);
    free(s->first);
    free(s->bits);
    memset(s, 0, sizeof *s);
}

static mlt_status report_image(analysis *a, size_t p, image_state *cur, const uint8_t *candidate,
                               mla_report *report, uint64_t *approx, mlt_error *err)
{
    report->path = mla_arena_strdup(a->arena, a->path);
    report->file = mla_copy_file_info(a->arena, mlt_reader_file_info(a->reader));
    report->criterion = a->criterion;
    report->criterion_source = a->criterion_source;
    report->evaluated_image = (uint32_t)a->included[p];
    report->image_count = a->count;
    report->call_delta_count = a->call_deltas;
    report->file_image_count = a->file_images;
    report->images = a->summaries;
    mla_report_input in = {a->opt,
                           &a->crit,
                           &a->types,
                           &cur->graph,
                           cur->first,
                           cur->bits,
                           candidate,
                           (uint32_t)p,
                           a->reader,
                           a->included[p],
                           a->opt->each ? NULL : &a->trend};
    for (uint32_t v = 0; v < cur->graph.node_count; v++)
        *approx += candidate[v] && (cur->bits[v] & MLA_ID_APPROX);
    return mla_build_report(a->arena, &in, report, err);
}

static mlt_status process_image(analysis *a, size_t p, image_state *prev, image_state *cur,
                                size_t *next_report, mlt_error *err)
{
    int full = a->opt->each ? p >= 1 : p == a->evaluated;
    int once = a->opt->each || a->opt->newest_only; /* objects reported where they first qualify */
    size_t fi = a->included[p];
    mlt_status st = mla_load_image(a->reader, fi, &a->types, full, &cur->graph, err);
    if (st != MLT_OK)
        return st;
    uint32_t n = cur->graph.node_count;
    cur->first = mla_malloc_array(n, sizeof *cur->first);
    cur->bits = mla_malloc_array(n, sizeof *cur->bits);
    uint8_t *candidate = full ? mla_calloc_array(n, 1) : NULL;
    if (!cur->first || !cur->bits || (full && !candidate)) {
        free(candidate);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for identities of image %zu", fi);
    }
    /* A compact graph has no edges: there the monitor's own objects are the
     * flagged ones, without what only they reach. */
    uint8_t *monitor_only = NULL;
    if (full && (st = mla_monitor_only(&cur->graph, &monitor_only, err)) != MLT_OK) {
        free(candidate);
        return st;
    }
    int chain_ok;
    st = check_chain(a, p, &chain_ok, err);
    a->chain_ok[p] = (uint8_t)chain_ok;
    mla_link_stats stats = {0};
    mla_identity_link(&prev->graph, prev->first, prev->bits, &cur->graph, (uint32_t)p, chain_ok,
                      cur->first, cur->bits, &stats);
    state_free(prev); /* linked: the previous image is no longer needed */
    if (st == MLT_OK && stats.contradictions)
        st = warn(a, err,
                  "image %zu: %" PRIu64 " objects existed at the previous image but were "
                  "not in it (nothing the walk could see held them then): their ages count from "
                  "this image, identity approximate",
                  fi, stats.contradictions);
    for (uint32_t v = 0; st == MLT_OK && v < n; v++) {
        uint32_t t = cur->graph.type[v];
        if (!a->types.kept[t] ||
            !mla_criteria_qualifies(&a->crit, cur->first[v], (uint32_t)p, cur->bits[v]))
            continue;
        if (monitor_only ? monitor_only[v] : (cur->graph.flags[v] & MLT_OBJ_MONITOR))
            continue;
        a->types.growth[t][p]++;
        if (full)
            candidate[v] = once ? !(cur->bits[v] & MLA_ID_REPORTED) : 1;
        cur->bits[v] |= MLA_ID_REPORTED;
    }
    if (st == MLT_OK && full) {
        size_t r = (*next_report)++;
        st = report_image(a, p, cur, candidate, &a->set->reports[r], &a->approx_candidates[r], err);
    }
    free(candidate);
    free(monitor_only);
    return st;
}

static mlt_status stream_images(analysis *a, mlt_error *err)
{
    image_state prev, cur;
    memset(&prev, 0, sizeof prev);
    memset(&cur, 0, sizeof cur);
    size_t next_report = 0;
    mlt_status st = MLT_OK;
    for (size_t p = 0; p < a->count && st == MLT_OK; p++) {
        mla_progress(a->opt, "reading", (double)p / (double)a->count);
        st = process_image(a, p, &prev, &cur, &next_report, err);
        state_free(&prev);
        prev = cur;
        memset(&cur, 0, sizeof cur);
        if (!a->opt->each && p == a->evaluated) {
            /* Later images only count growth: drop the heavy arrays now. */
            image_state light;
            memset(&light, 0, sizeof light);
            light.first = prev.first;
            light.bits = prev.bits;
            light.graph.node_count = prev.graph.node_count;
            light.graph.address = prev.graph.address;
            prev.graph.address = NULL;
            prev.first = NULL;
            prev.bits = NULL;
            state_free(&prev);
            prev = light;
        }
    }
    state_free(&prev);
    state_free(&cur);
    mla_progress(a->opt, "reading", 1.0);
    return st;
}

/* One report: its suspects' trends need a second look at the images before
 * it (trend.c). Each mode judges no trend: every suspect reads growing. */
static mlt_status measure_trends(analysis *a, mlt_error *err)
{
    if (a->opt->each || a->set->count != 1)
        return MLT_OK;
    mla_progress(a->opt, "trends", 0.0);
    mla_trend_input in = {a->reader, a->included,  a->chain_ok, &a->crit,
                          &a->types, a->evaluated, a->arena};
    mlt_status st = mla_trend_measure(&in, &a->trend, err);
    if (st == MLT_OK && mla_order_suspects(a->arena, &a->set->reports[0]) != 0)
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for suspects");
    return st;
}

/* Which image straddles the warm-up's end, for the undated warning. */
static const char *undated_warning(analysis *a, const mla_report *report)
{
    size_t f = 1;
    while (f < a->count && !a->crit.undated[f])
        f++;
    if (f >= a->count)
        f = 1;
    return mla_arena_printf(
        a->arena,
        "%" PRIu64 " candidates are undated: first seen in image %zu, taken %.3g s after the "
        "previous image, whose interval contains the warm-up's end (the schedule slipped, or "
        "no image was taken there), so they may have been made during the warm-up; they "
        "count, and fail the report",
        report->undated_count, a->included[f], a->crit.time[f] - a->crit.time[f - 1]);
}

static mlt_status finish_warnings(analysis *a, mlt_error *err)
{
    const mlt_error *tail = mlt_reader_tail_error(a->reader);
    mlt_status st = MLT_OK;
    if (tail)
        st = warn(a, err,
                  "the file ends in a damaged or torn image at offset %" PRIu64
                  " (ignored, earlier images analysed): %s",
                  tail->offset, tail->message);
    for (size_t p = 1; st == MLT_OK && p < a->count; p++) {
        if (a->crit.time[p] < a->crit.time[p - 1])
            st = warn(a, err,
                      "image %zu was taken before image %zu (clock went back): ages "
                      "around it are unreliable",
                      a->included[p], a->included[p - 1]);
    }
    if (st == MLT_OK && a->untracked_images)
        st = warn(a, err,
                  "%zu images recorded no identity tracking: their objects count as new, "
                  "so nothing created before them can qualify",
                  a->untracked_images);
    size_t shared = a->warning_count;
    for (size_t r = 0; st == MLT_OK && r < a->set->count; r++) {
        mla_report *report = &a->set->reports[r];
        const char **list = mla_arena_alloc(a->arena, (shared + 3) * sizeof *list);
        if (!list)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for warnings");
        if (shared)
            memcpy(list, a->warnings, shared * sizeof *list);
        size_t count = shared;
        if (report->undated_count) {
            list[count] = undated_warning(a, report);
            if (!list[count])
                return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for warnings");
            count++;
        }
        if (a->approx_candidates[r]) {
            list[count] = mla_arena_printf(a->arena,
                                           "%" PRIu64 " of %" PRIu64 " candidates rest "
                                           "on approximate identities (value fingerprints)",
                                           a->approx_candidates[r], report->candidate_count);
            if (!list[count])
                return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for warnings");
            count++;
        }
        report->warnings = list;
        report->warning_count = count;
    }
    return st;
}

static mlt_status run(analysis *a, mlt_error *err)
{
    mlt_status st = open_reader(a, err);
    if (st == MLT_OK)
        st = read_infos(a, err);
    if (st == MLT_OK)
        st = choose_evaluated(a, err);
    if (st != MLT_OK)
        return st;
    choose_criterion(a);
    if (a->opt->newest_only && !a->opt->each)
        st = keep_newest_window(a, err);
    if (st == MLT_OK)
        st = fill_summaries(a, err);
    if (st != MLT_OK)
        return st;
    mla_typereg_init(&a->types, a->arena, a->count);
    a->types.include = a->opt->include;
    a->types.include_count = a->opt->include_count;
    a->types.exclude = a->opt->exclude;
    a->types.exclude_count = a->opt->exclude_count;
    a->set->count = a->opt->each ? a->count - 1 : 1;
    a->set->reports = mla_arena_alloc(a->arena, (a->set->count + 1) * sizeof *a->set->reports);
    a->approx_candidates = mla_calloc_array(a->set->count, sizeof *a->approx_candidates);
    a->chain_ok = mla_calloc_array(a->count + 1, 1);
    if (!a->set->reports || !a->approx_candidates || !a->chain_ok)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for reports");
    st = stream_images(a, err);
    if (st == MLT_OK)
        st = measure_trends(a, err);
    if (st == MLT_OK)
        st = finish_warnings(a, err);
    return st;
}

mlt_status mla_analyze_file(const char *path, const mla_options *options, mla_report_set **out,
                            mlt_error *err)
{
    mla_options resolved;
    mla_options_resolve(options, &resolved);
    options = &resolved;
    *out = NULL;
    if (!path)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "no dump file given");
    mla_arena arena = {0};
    mla_report_set *set = mla_arena_alloc(&arena, sizeof *set);
    if (!set)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    analysis a;
    memset(&a, 0, sizeof a);
    a.opt = options;
    a.path = path;
    a.set = set;
    a.arena = &arena;
    mlt_status st = run(&a, err);
    mlt_reader_close(a.reader);
    mla_criteria_free(&a.crit);
    mla_typereg_free(&a.types);
    free(a.infos);
    free(a.included);
    free(a.warnings);
    free(a.approx_candidates);
    free(a.chain_ok);
    mla_trend_jobs_free(&a.trend);
    set->arena = arena;
    if (st != MLT_OK) {
        mla_report_set_free(set);
        return st;
    }
    *out = set;
    return MLT_OK;
}
