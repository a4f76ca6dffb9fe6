/*
 * The --json report: schema memalot-report/1, described field by field in
 * docs/report-schema.md and machine-checked by docs/report-schema.json.
 * Fields are only ever added within a schema version; a rename or a change
 * of meaning needs memalot-report/2.
 */
#include "memalot/render.h"
#include "memalot/render_json.h"

#ifndef MEMALOT_VERSION /* set by the build; absent when a test compiles this file */
#define MEMALOT_VERSION "unknown"
#endif

static json_t *image_json(const mla_image_summary *image, const mlt_file_info *file)
{
    char time_text[MLR_FMT_TIME_MAX];
    double since_start = file && file->start_time > 0 ? image->wall_time - file->start_time : 0;
    return json_pack(
        "{s:I, s:I, s:s, s:o, s:o, s:o, s:s, s:I, s:o, s:I, s:I, s:I}", "index",
        (json_int_t)image->index, "sequence", (json_int_t)image->sequence, "time",
        mlr_fmt_time(image->wall_time, time_text, sizeof time_text), "wall_time",
        mlr_json_real(image->wall_time), "seconds_since_start", mlr_json_real(since_start),
        "monotonic_time", mlr_json_real(image->monotonic_time), "trigger",
        mlt_trigger_name(image->trigger), "call_counter", (json_int_t)image->call_counter,
        "function", mlr_json_string(image->function), "objects", (json_int_t)image->objects,
        "edges", (json_int_t)image->edges, "stored_bytes", (json_int_t)image->stored_bytes);
}

static const char *root_kind_name(mla_root_kind kind)
{
    switch (kind) {
    case MLA_ROOT_MODULE_GLOBAL: return "module-global";
    case MLA_ROOT_FRAME_LOCAL: return "frame-local";
    case MLA_ROOT_EXTERNAL: return "external";
    case MLA_ROOT_OTHER: break;
    }
    return "other";
}

static json_t *strings_json(const char *const *strings, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < count; i++)
        json_array_append_new(array, mlr_json_string(strings ? strings[i] : NULL));
    return array;
}

json_t *mlr_path_json(const mla_path *path)
{
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:b}", "root", mlr_json_string(path->root),
                     "root_kind", root_kind_name(path->root_kind), "root_type",
                     mlr_json_string(path->root_type), "root_address",
                     mlr_json_hex(path->root_address), "edges",
                     strings_json(path->edges, path->edge_count), "types",
                     strings_json(path->types, path->types ? path->edge_count : 0), "truncated",
                     path->truncated ? 1 : 0);
}

static json_t *optional_integer(int64_t value)
{
    return value < 0 ? json_null() : json_integer((json_int_t)value);
}

static json_t *example_json(const mla_example *example)
{
    json_t *paths = json_array();
    for (size_t i = 0; paths && i < example->path_count; i++)
        json_array_append_new(paths, mlr_path_json(&example->paths[i]));
    return json_pack(
        "{s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:b, s:o, s:b, s:I, s:o, s:b}", "address",
        mlr_json_hex(example->address), "type", mlr_json_string(example->type), "shallow_bytes",
        (json_int_t)example->shallow_bytes, "retained_bytes", (json_int_t)example->retained_bytes,
        "age_seconds", mlr_json_real(example->age_seconds), "age_calls",
        optional_integer(example->age_calls), "created_in_call",
        optional_integer(example->created_in_call), "identity_approximate",
        example->identity_approximate ? 1 : 0, "preview", mlr_json_string(example->preview),
        "preview_truncated", example->preview_truncated ? 1 : 0, "cluster",
        (json_int_t)example->cluster, "paths", paths, "undated", example->undated ? 1 : 0);
}

static json_t *leak_json(const mla_type_leak *leak, size_t image_count)
{
    json_t *growth = json_array();
    for (size_t i = 0; growth && leak->growth && i < image_count; i++)
        json_array_append_new(growth, json_integer((json_int_t)leak->growth[i]));
    json_t *examples = json_array();
    for (size_t i = 0; examples && i < leak->example_count; i++)
        json_array_append_new(examples, example_json(&leak->examples[i]));
    return json_pack("{s:o, s:I, s:I, s:I, s:o, s:o}", "type", mlr_json_string(leak->type), "count",
                     (json_int_t)leak->count, "shallow_bytes", (json_int_t)leak->shallow_bytes,
                     "retained_bytes", (json_int_t)leak->retained_bytes, "growth", growth,
                     "examples", examples);
}

static json_t *cluster_json(const mla_cluster *cluster)
{
    return json_pack("{s:I, s:o, s:o, s:I, s:I, s:I, s:o}", "id", (json_int_t)cluster->id, "shape",
                     mlr_json_string(cluster->shape), "type", mlr_json_string(cluster->type),
                     "count", (json_int_t)cluster->count, "shallow_bytes",
                     (json_int_t)cluster->shallow_bytes, "retained_bytes",
                     (json_int_t)cluster->retained_bytes, "example_address",
                     mlr_json_hex(cluster->example_address));
}

static json_t *point_json(const mla_suspect *s)
{
    if (!s->point_path)
        return json_null();
    return json_pack("{s:o, s:o, s:o, s:I}", "path", mlr_json_string(s->point_path), "type",
                     mlr_json_string(s->point_type), "address", mlr_json_hex(s->point_address),
                     "merged", (json_int_t)s->point_count);
}

static json_t *growth_json(const mla_suspect *s)
{
    json_t *growth = json_array();
    for (size_t i = 0; growth && i < s->growth_count; i++) {
        const mla_growth_point *g = &s->growth[i];
        json_array_append_new(
            growth, json_pack("{s:I, s:o, s:I, s:I, s:I}", "image", (json_int_t)g->image, "time",
                              mlr_json_real(g->time), "calls", (json_int_t)g->calls, "count",
                              (json_int_t)g->count, "bytes", (json_int_t)g->bytes));
    }
    return growth;
}

static json_t *suspect_json(const mla_suspect *s, const mlt_criterion *criterion)
{
    json_t *types = json_object(), *examples = json_array();
    for (size_t i = 0; types && i < s->type_count; i++)
        json_object_set_new(types, s->types[i].type, json_integer((json_int_t)s->types[i].count));
    for (size_t i = 0; examples && i < s->example_count; i++)
        json_array_append_new(examples, example_json(&s->examples[i]));
    const char *per = criterion->kind == MLT_CRITERION_CALLS ? "call" : "second";
    return json_pack(
        "{s:I, s:s, s:b, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:{s:I, s:I}, "
        "s:{s:s, s:o, s:o}, s:o}",
        "id", (json_int_t)s->id, "trend", s->trend == MLA_TREND_STABLE ? "stable" : "growing",
        "measured", s->measured ? 1 : 0, "count", (json_int_t)s->count, "shallow_bytes",
        (json_int_t)s->shallow_bytes, "retained_bytes", (json_int_t)s->retained_bytes, "undated",
        (json_int_t)s->undated_count, "types", types, "accumulation_point", point_json(s), "shape",
        mlr_json_string(s->shape), "growth", growth_json(s), "growth_total", "count",
        (json_int_t)s->growth_objects, "bytes", (json_int_t)s->growth_bytes, "rate", "per", per,
        "count", mlr_json_real(s->rate_count), "bytes", mlr_json_real(s->rate_bytes), "examples",
        examples);
}

static json_t *import_state_json(const mla_report *report)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < report->import_state_count; i++) {
        const mla_import_state *m = &report->import_states[i];
        json_array_append_new(
            array, json_pack("{s:o, s:I, s:I}", "module", mlr_json_string(m->module), "count",
                             (json_int_t)m->count, "shallow_bytes", (json_int_t)m->shallow_bytes));
    }
    return array;
}

static json_t *suspects_json(const mla_report *report)
{
    json_t *array = json_array();
    for (size_t i = 0; array && i < report->suspect_count; i++)
        json_array_append_new(array, suspect_json(&report->suspects[i], &report->criterion));
    return array;
}

json_t *mlr_report_json(const mla_report *report)
{
    json_t *images = json_array(), *leaks = json_array(), *clusters = json_array();
    for (size_t i = 0; images && i < report->image_count; i++)
        json_array_append_new(images, image_json(&report->images[i], report->file));
    for (size_t i = 0; leaks && i < report->leak_count; i++)
        json_array_append_new(leaks, leak_json(&report->leaks[i], report->image_count));
    for (size_t i = 0; clusters && i < report->cluster_count; i++)
        json_array_append_new(clusters, cluster_json(&report->clusters[i]));
    json_t *summary = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "candidates",
        (json_int_t)report->candidate_count, "types", (json_int_t)report->leak_count,
        "shallow_bytes", (json_int_t)report->candidate_shallow_bytes, "retained_bytes",
        (json_int_t)report->candidate_retained_bytes, "suspects", (json_int_t)report->suspect_count,
        "growing", (json_int_t)report->growing_count, "stable",
        (json_int_t)(report->suspect_count - report->growing_count), "undated",
        (json_int_t)report->undated_count);
    json_t *json = json_pack(
        "{s:s, s:{s:s, s:s}, s:o, s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "schema",
        MLA_REPORT_SCHEMA, "tool", "name", "memalot-analyze", "version", MEMALOT_VERSION, "file",
        report->file ? mlr_file_info_json(report->file, report->path) : json_null(), "criterion",
        mlr_criterion_json(&report->criterion, report->criterion_source), "evaluated_image",
        (json_int_t)report->evaluated_image, "call_deltas", (json_int_t)report->call_delta_count,
        "images", images, "summary", summary, "clusters", clusters, "leaks", leaks, "warnings",
        strings_json(report->warnings, report->warning_count), "leaks_found",
        json_boolean(report->candidate_count > 0));
    if (json) {
        json_object_set_new(json, "suspects", suspects_json(report));
        json_object_set_new(json, "import_time", import_state_json(report));
        json_object_set_new(json, "verdict", json_string(mla_report_verdict(report)));
    }
    return json;
}

json_t *mlr_render_json(const mla_report *const *reports, size_t count, int each)
{
    if (!each)
        return count > 0 ? mlr_report_json(reports[0]) : NULL;
    json_t *array = json_array();
    for (size_t i = 0; array && i < count; i++)
        json_array_append_new(array, mlr_report_json(reports[i]));
    return json_pack("{s:s, s:b, s:o}", "schema", MLA_REPORT_SCHEMA, "each", 1, "reports", array);
}

/* ------------------------------------------------------------- fleets */

static const char *role_name(mla_process_role role)
{
    switch (role) {
    case MLA_ROLE_MASTER: return "master";
    case MLA_ROLE_WORKER: return "worker";
    case MLA_ROLE_PROCESS: break;
    }
    return "process";
}

static json_t *process_json(const mla_process *p)
{
    return json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:s, s:s, s:I, s:I}", "path",
                     mlr_json_string(p->path), "pid", (json_int_t)p->pid, "parent_pid",
                     (json_int_t)p->parent_pid, "run_id", mlr_json_hex(p->run_id), "parent_run_id",
                     mlr_json_hex(p->parent_run_id), "launch_id", mlr_json_hex(p->launch_id),
                     "role", role_name(p->role), "verdict", p->verdict, "candidates",
                     (json_int_t)p->candidates, "suspects", (json_int_t)p->suspect_count);
}

static json_t *types_json(const mla_suspect_type *types, size_t count)
{
    json_t *object = json_object();
    for (size_t i = 0; object && i < count; i++)
        json_object_set_new(object, types[i].type, json_integer((json_int_t)types[i].count));
    return object;
}

static json_t *fleet_suspect_json(const mla_fleet_suspect *s, const mlt_criterion *criterion)
{
    json_t *json = suspect_json(&s->merged, criterion);
    json_t *shares = json_array();
    for (size_t i = 0; shares && i < s->share_count; i++)
        json_array_append_new(shares,
                              json_pack("{s:I, s:o, s:I, s:o}", "pid", (json_int_t)s->shares[i].pid,
                                        "path", mlr_json_string(s->shares[i].path), "count",
                                        (json_int_t)s->shares[i].count, "types",
                                        types_json(s->shares[i].types, s->shares[i].type_count)));
    if (json) {
        json_object_set_new(json, "processes", json_integer((json_int_t)s->processes));
        json_object_set_new(json, "per_process", shares);
    }
    return json;
}

static json_t *master_json(const mla_process *m, const mlt_criterion *criterion)
{
    if (!m)
        return json_null();
    json_t *suspects = json_array();
    for (size_t i = 0; suspects && i < m->suspect_count; i++)
        json_array_append_new(suspects, suspect_json(&m->suspects[i], criterion));
    return json_pack("{s:I, s:o, s:s, s:o}", "pid", (json_int_t)m->pid, "path",
                     mlr_json_string(m->path), "verdict", m->verdict, "suspects", suspects);
}

static const char *fleet_verdict(const mla_fleet *f)
{
    if (mla_fleet_fails(f, MLA_FAIL_ON_GROWING))
        return f->growing_count > 0 ? "growing" : "undated";
    return mla_fleet_fails(f, MLA_FAIL_ON_ANY) ? "stable" : "clean";
}

json_t *mlr_fleet_json(const mla_fleet *fleet)
{
    json_t *processes = json_array(), *suspects = json_array();
    for (size_t i = 0; processes && i < fleet->process_count; i++)
        json_array_append_new(processes, process_json(&fleet->processes[i]));
    for (size_t i = 0; suspects && i < fleet->suspect_count; i++)
        json_array_append_new(suspects, fleet_suspect_json(&fleet->suspects[i], &fleet->criterion));
    return json_pack(
        "{s:s, s:{s:s, s:s}, s:b, s:o, s:o, s:o, s:o, s:s, s:o}", "schema", MLA_REPORT_SCHEMA,
        "tool", "name", "memalot-analyze", "version", MEMALOT_VERSION, "fleet", 1, "criterion",
        mlr_criterion_json(&fleet->criterion, "dump"), "processes", processes, "suspects", suspects,
        "master", master_json(fleet->master, &fleet->criterion), "verdict", fleet_verdict(fleet),
        "warnings", strings_json(fleet->warnings, fleet->warning_count));
}
