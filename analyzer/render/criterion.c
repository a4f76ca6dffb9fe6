/* The leak criterion as JSON and as a sentence for the text and HTML reports. */
#include "memalot/render.h"
#include "memalot/render_json.h"

json_t *mlr_criterion_json(const mlt_criterion *criterion, const char *source)
{
    json_t *object = json_pack("{s:s, s:o}", "kind", mlt_criterion_kind_name(criterion->kind),
                               "source", mlr_json_string(source));
    if (!object)
        return NULL;
    if (criterion->kind == MLT_CRITERION_TIME) {
        json_object_set_new(object, "lifetime_seconds", json_real(criterion->lifetime));
        json_object_set_new(object, "warmup_seconds", json_real(criterion->warmup));
    } else if (criterion->kind == MLT_CRITERION_CALLS) {
        json_object_set_new(object, "calls", json_integer((json_int_t)criterion->calls));
        json_object_set_new(object, "warmup_calls",
                            json_integer((json_int_t)criterion->warmup_calls));
    }
    return object;
}

void mlr_criterion_text(const mlt_criterion *criterion, char *out, size_t out_size)
{
    char lifetime[MLR_FMT_TIME_MAX], warmup[MLR_FMT_TIME_MAX];
    switch (criterion->kind) {
    case MLT_CRITERION_TIME:
        snprintf(out, out_size, "objects alive longer than %s, created after a %s warm-up",
                 mlr_fmt_duration(criterion->lifetime, lifetime, sizeof lifetime),
                 mlr_fmt_duration(criterion->warmup, warmup, sizeof warmup));
        return;
    case MLT_CRITERION_CALLS:
        snprintf(out, out_size,
                 "objects that outlived %llu monitored call%s, created after %llu warm-up call%s",
                 (unsigned long long)criterion->calls, criterion->calls == 1 ? "" : "s",
                 (unsigned long long)criterion->warmup_calls,
                 criterion->warmup_calls == 1 ? "" : "s");
        return;
    case MLT_CRITERION_NONE: break;
    }
    snprintf(out, out_size, "no criterion");
}
