/* Report-set ownership: one arena holds every report, string and array. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

void mla_options_init(mla_options *options)
{
    memset(options, 0, sizeof *options);
    options->criterion.kind = MLT_CRITERION_NONE;
    options->criterion.lifetime = 60.0;
    options->criterion.warmup = -1.0;
    options->warmup_defaulted = 1;
    options->at_image = -1;
    options->max_object_details = 30;
    options->max_paths = 3;
    options->max_path_length = 32;
}

void mla_options_resolve(const mla_options *options, mla_options *resolved)
{
    mla_options defaults;
    mla_options_init(&defaults);
    if (!options) {
        *resolved = defaults;
        return;
    }
    *resolved = *options;
    if (resolved->max_object_details == 0)
        resolved->max_object_details = defaults.max_object_details;
    if (resolved->max_paths == 0)
        resolved->max_paths = defaults.max_paths;
    if (resolved->max_path_length == 0)
        resolved->max_path_length = defaults.max_path_length;
}

size_t mla_report_set_count(const mla_report_set *set)
{
    return set ? set->count : 0;
}

const mla_report *mla_report_set_get(const mla_report_set *set, size_t index)
{
    return set && index < set->count ? &set->reports[index] : NULL;
}

const mla_image_summary *mla_report_image(const mla_report *report, uint32_t file_index)
{
    for (size_t i = 0; report && i < report->image_count; i++) {
        if (report->images[i].index == file_index)
            return &report->images[i];
    }
    return NULL;
}

void mla_report_set_free(mla_report_set *set)
{
    if (!set)
        return;
    mla_arena arena = set->arena; /* the set itself lives in its arena */
    mla_arena_free(&arena);
}

mlt_file_info *mla_copy_file_info(mla_arena *arena, const mlt_file_info *info)
{
    mlt_file_info *copy = mla_arena_alloc(arena, sizeof *copy);
    if (!copy || !info)
        return copy;
    *copy = *info;
    copy->producer = mla_arena_strdup(arena, info->producer);
    copy->python_version = mla_arena_strdup(arena, info->python_version);
    copy->python_implementation = mla_arena_strdup(arena, info->python_implementation);
    copy->python_build = mla_arena_strdup(arena, info->python_build);
    copy->platform = mla_arena_strdup(arena, info->platform);
    copy->argv = NULL;
    if (info->argv && info->argc) {
        const char **argv = mla_arena_alloc(arena, (info->argc + 1) * sizeof *argv);
        if (argv) {
            for (uint32_t i = 0; i < info->argc; i++)
                argv[i] = mla_arena_strdup(arena, info->argv[i]);
            copy->argv = argv;
        } else {
            copy->argc = 0;
        }
    }
    return copy;
}

void mla_progress(const mla_options *options, const char *phase, double fraction)
{
    if (options && options->progress)
        options->progress(options->progress_context, phase, fraction);
}

const char *mla_report_verdict(const mla_report *report)
{
    if (report->growing_count > 0)
        return "growing";
    if (report->undated_count > 0)
        return "undated";
    return report->suspect_count > 0 ? "stable" : "clean";
}

int mla_report_fails(const mla_report *report, mla_fail_on rule)
{
    if (rule == MLA_FAIL_ON_ANY)
        return report->suspect_count > 0;
    return report->growing_count > 0 || report->undated_count > 0;
}
