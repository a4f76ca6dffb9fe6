/* mla_analyze_fleet: one report over several processes' dumps (see
 * memalot/fleet.h). */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"
#include "memalot/fleet.h"

typedef struct {
    mla_arena arena; /* first: the fleet lives in its own arena */
    mla_fleet pub;
} fleet_box;

typedef struct {
    fleet_box *box;
    mla_process *processes;
    size_t count;
    const char **warnings;
    size_t warning_count;
    int have_criterion;
} builder;

static int add_warning(builder *b, const char *path, const mlt_error *err)
{
    const char *text = mla_arena_printf(&b->box->arena, "%s: not analysed: %s", path,
                                        err->message[0] ? err->message : "unknown error");
    if (!text)
        return -1;
    b->warnings[b->warning_count++] = text;
    return 0;
}

/* Keeps what the fleet needs of one file's report: its identity, verdict
 * and suspects (deep copies); the report set is freed by the caller. */
static int keep_process(builder *b, const char *path, const mla_report *report)
{
    mla_arena *arena = &b->box->arena;
    mla_process *p = &b->processes[b->count];
    const mlt_file_info *file = report->file;
    p->path = mla_arena_strdup(arena, path);
    if (file) {
        p->pid = file->pid;
        p->parent_pid = file->parent_pid;
        p->run_id = file->run_id;
        p->parent_run_id = file->parent_run_id;
        p->launch_id = file->launch_id;
    }
    p->verdict = mla_report_verdict(report);
    p->candidates = report->candidate_count;
    mla_suspect *suspects = mla_arena_alloc(arena, (report->suspect_count + 1) * sizeof *suspects);
    if (!p->path || !suspects)
        return -1;
    for (size_t i = 0; i < report->suspect_count; i++)
        if (mla_copy_suspect(arena, &report->suspects[i], &suspects[i]) != 0)
            return -1;
    p->suspects = suspects;
    p->suspect_count = report->suspect_count;
    if (!b->have_criterion) {
        b->box->pub.criterion = report->criterion;
        b->have_criterion = 1;
    }
    b->count++;
    return 0;
}

static mlt_status analyze_one(builder *b, const char *path, const mla_options *options,
                              mlt_error *err)
{
    mla_report_set *set = NULL;
    mlt_error one;
    memset(&one, 0, sizeof one);
    mlt_status st = mla_analyze_file(path, options, &set, &one);
    if (st == MLT_ERR_NOMEM) {
        *err = one;
        return st;
    }
    if (st != MLT_OK) /* a worker killed before its first image: say so, go on */
        return add_warning(b, path, &one) == 0
                   ? MLT_OK
                   : mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for warnings");
    int kept = keep_process(b, path, mla_report_set_get(set, 0));
    mla_report_set_free(set);
    return kept == 0 ? MLT_OK
                     : mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory keeping %s's suspects", path);
}

/* ------------------------------------------------------------ roles */

static int has_run(const builder *b, uint64_t run_id)
{
    for (size_t i = 0; run_id && i < b->count; i++)
        if (b->processes[i].run_id == run_id)
            return 1;
    return 0;
}

static int is_parent(const builder *b, uint64_t run_id)
{
    for (size_t i = 0; run_id && i < b->count; i++)
        if (b->processes[i].parent_run_id == run_id)
            return 1;
    return 0;
}

static void assign_roles(builder *b)
{
    for (size_t i = 0; i < b->count; i++) {
        mla_process *p = &b->processes[i];
        p->role = has_run(b, p->parent_run_id) ? MLA_ROLE_WORKER
                  : is_parent(b, p->run_id)    ? MLA_ROLE_MASTER
                                               : MLA_ROLE_PROCESS;
        if (p->role == MLA_ROLE_MASTER && !b->box->pub.master)
            b->box->pub.master = p;
    }
}

/* ------------------------------------------------------------ merging */

typedef struct {
    const char *key; /* where it accumulates, then its leading type */
    const mla_process *process;
    const mla_suspect *suspect;
} entry;

static int by_key_then_count(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->suspect->count != y->suspect->count)
        return x->suspect->count > y->suspect->count ? -1 : 1;
    return x->process->pid < y->process->pid ? -1 : x->process->pid > y->process->pid;
}

static const char *suspect_key(mla_arena *arena, const mla_suspect *s)
{
    const char *where = s->point_path ? s->point_path : s->shape ? s->shape : "?";
    const char *type = s->type_count ? s->types[0].type : "?";
    return mla_arena_printf(arena, "%s\n%s", where, type);
}

static int add_types(mla_arena *arena, mla_suspect *into, const mla_suspect *from)
{
    size_t cap = into->type_count + from->type_count;
    mla_suspect_type *types = mla_arena_alloc(arena, (cap + 1) * sizeof *types);
    if (!types)
        return -1;
    if (into->type_count)
        memcpy(types, into->types, into->type_count * sizeof *types);
    size_t n = into->type_count;
    for (size_t i = 0; i < from->type_count; i++) {
        size_t k = 0;
        while (k < n && strcmp(types[k].type, from->types[i].type) != 0)
            k++;
        if (k == n)
            types[n++] = (mla_suspect_type){from->types[i].type, 0, 0};
        types[k].count += from->types[i].count;
        types[k].shallow_bytes += from->types[i].shallow_bytes;
    }
    into->types = types;
    into->type_count = n;
    return 0;
}

static int type_order(const void *a, const void *b)
{
    const mla_suspect_type *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return strcmp(x->type, y->type);
}

/* entries[0..n) share a key, the largest first: its examples and growth
 * stand for all; counts, bytes and rates add up. */
static int merge_group(mla_arena *arena, const entry *group, size_t n, mla_fleet_suspect *out)
{
    mla_process_share *shares = mla_arena_alloc(arena, (n + 1) * sizeof *shares);
    if (!shares)
        return -1;
    out->merged = *group[0].suspect;
    out->merged.types = NULL;
    out->merged.type_count = 0;
    mla_suspect *m = &out->merged;
    m->count = m->shallow_bytes = m->retained_bytes = m->undated_count = 0;
    m->growth_objects = m->growth_bytes = 0;
    m->rate_count = m->rate_bytes = 0.0;
    for (size_t i = 0; i < n; i++) {
        const mla_suspect *s = group[i].suspect;
        m->count += s->count;
        m->shallow_bytes += s->shallow_bytes;
        m->retained_bytes += s->retained_bytes;
        m->undated_count += s->undated_count;
        m->growth_objects += s->growth_objects;
        m->growth_bytes += s->growth_bytes;
        m->rate_count += s->rate_count;
        m->rate_bytes += s->rate_bytes;
        if (s->trend == MLA_TREND_GROWING)
            m->trend = MLA_TREND_GROWING;
        if (add_types(arena, m, s) != 0)
            return -1;
        shares[i] = (mla_process_share){group[i].process->pid, group[i].process->path, s->count,
                                        s->type_count, s->types};
    }
    if (m->type_count > 1)
        qsort((mla_suspect_type *)m->types, m->type_count, sizeof *m->types, type_order);
    out->processes = (uint32_t)n;
    out->shares = shares;
    out->share_count = n;
    return 0;
}

static int fleet_order(const void *a, const void *b)
{
    return mla_suspect_compare(&((const mla_fleet_suspect *)a)->merged,
                               &((const mla_fleet_suspect *)b)->merged);
}

static int merge_suspects(builder *b)
{
    mla_arena *arena = &b->box->arena;
    size_t total = 0;
    for (size_t i = 0; i < b->count; i++)
        if (b->processes[i].role != MLA_ROLE_MASTER)
            total += b->processes[i].suspect_count;
    entry *entries = mla_malloc_array(total + 1, sizeof *entries);
    mla_fleet_suspect *merged = mla_arena_alloc(arena, (total + 1) * sizeof *merged);
    if (!entries || !merged) {
        free(entries);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < b->count; i++) {
        const mla_process *p = &b->processes[i];
        for (size_t j = 0; p->role != MLA_ROLE_MASTER && j < p->suspect_count; j++) {
            entries[k] = (entry){suspect_key(arena, &p->suspects[j]), p, &p->suspects[j]};
            if (!entries[k++].key) {
                free(entries);
                return -1;
            }
        }
    }
    if (total > 1)
        qsort(entries, total, sizeof *entries, by_key_then_count);
    size_t groups = 0;
    int failed = 0;
    for (size_t i = 0; i < total && !failed;) {
        size_t j = i + 1;
        while (j < total && strcmp(entries[j].key, entries[i].key) == 0)
            j++;
        failed = merge_group(arena, &entries[i], j - i, &merged[groups++]);
        i = j;
    }
    free(entries);
    if (failed)
        return -1;
    if (groups > 1)
        qsort(merged, groups, sizeof *merged, fleet_order);
    mla_fleet *f = &b->box->pub;
    for (size_t i = 0; i < groups; i++) {
        merged[i].merged.id = (uint32_t)i;
        f->growing_count += merged[i].merged.trend == MLA_TREND_GROWING;
        f->undated_count += merged[i].merged.undated_count;
    }
    f->suspects = merged;
    f->suspect_count = groups;
    return 0;
}

/* --------------------------------------------------------------- entry */

mlt_status mla_analyze_fleet(const char *const *paths, size_t count, const mla_options *options,
                             mla_fleet **out, mlt_error *err)
{
    *out = NULL;
    if (count == 0)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "no dump files given");
    mla_arena arena = {0};
    fleet_box *box = mla_arena_alloc(&arena, sizeof *box);
    builder b = {box, NULL, 0, NULL, 0, 0};
    if (box) {
        box->arena = arena; /* from here on, the box owns the arena */
        b.processes = mla_arena_alloc(&box->arena, (count + 1) * sizeof *b.processes);
        b.warnings = mla_arena_alloc(&box->arena, (count + 1) * sizeof *b.warnings);
    }
    if (!box || !b.processes || !b.warnings) {
        if (box)
            arena = box->arena;
        mla_arena_free(&arena);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %zu processes", count);
    }
    mlt_status st = MLT_OK;
    for (size_t i = 0; st == MLT_OK && i < count; i++)
        st = analyze_one(&b, paths[i], options, err);
    if (st == MLT_OK && b.count == 0)
        st = mlt_fail(err, MLT_ERR_FORMAT, 0, "none of the %zu dump files could be analysed: %s",
                      count, b.warning_count ? b.warnings[0] : "");
    if (st == MLT_OK) {
        box->pub.processes = b.processes;
        box->pub.process_count = b.count;
        box->pub.warnings = b.warnings;
        box->pub.warning_count = b.warning_count;
        assign_roles(&b);
        if (merge_suspects(&b) != 0)
            st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory merging suspects");
    }
    if (st != MLT_OK) {
        mla_fleet_free(&box->pub);
        return st;
    }
    *out = &box->pub;
    return MLT_OK;
}

void mla_fleet_free(mla_fleet *fleet)
{
    if (!fleet)
        return;
    fleet_box *box = (fleet_box *)((char *)fleet - offsetof(fleet_box, pub));
    mla_arena arena = box->arena;
    mla_arena_free(&arena);
}

int mla_fleet_fails(const mla_fleet *fleet, mla_fail_on rule)
{
    const mla_process *m = fleet->master;
    int master_fails = m && (rule == MLA_FAIL_ON_ANY ? m->suspect_count > 0
                                                     : strcmp(m->verdict, "growing") == 0 ||
                                                           strcmp(m->verdict, "undated") == 0);
    if (rule == MLA_FAIL_ON_ANY)
        return fleet->suspect_count > 0 || master_fails;
    return fleet->growing_count > 0 || fleet->undated_count > 0 || master_fails;
}
