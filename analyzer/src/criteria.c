/* Verdicts from recorded facts: whether an object first seen at image f and
 * alive at image E meets the time- or call-based criterion, and its ages.
 * Everything per image is precomputed so the per-object test is O(1). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

void mla_criterion_defaults(mlt_criterion *c, int warmup_defaulted)
{
    if (c->kind == MLT_CRITERION_CALLS) {
        if (c->calls == 0)
            c->calls = 1;
        if (warmup_defaulted && c->warmup_calls == 0)
            c->warmup_calls = 1;
        return;
    }
    c->kind = MLT_CRITERION_TIME;
    if (!(c->lifetime >= 0.0))
        c->lifetime = 60.0;
    if (warmup_defaulted || !(c->warmup >= 0.0))
        c->warmup = c->lifetime;
}

/* Monotonic time when every image has one that never goes back; else wall. */
static int monotonic_usable(const mlt_image_info *images, size_t count)
{
    int any = 0;
    for (size_t i = 0; i < count; i++) {
        if (images[i].monotonic_time > 0.0)
            any = 1;
        else
            return 0;
        if (i && images[i].monotonic_time < images[i - 1].monotonic_time)
            return 0;
    }
    return any;
}

/* When the warm-up starts, on the clock crit->time uses. The warm-up runs
 * from the run's first image. A disk budget may have dropped it (the kept
 * image after the warm-up then comes first, and measuring from it would
 * apply the warm-up twice): then the monitoring start in the file header
 * stands in for it, since the first image is taken as monitoring starts. */
static double warmup_origin(const mla_criteria *crit, const mlt_image_info *images,
                            double run_start)
{
    if (images[0].sequence == 0 || !(run_start > 0.0) || run_start > images[0].wall_time)
        return crit->time[0];
    double before_first = images[0].wall_time - run_start;
    return crit->time[0] - before_first;
}

/* When the warm-up ends, on crit->time's clock: at the image the monitor
 * took to end it (trigger warmup-end) when the warm-up applied is the one
 * it was taken for, so the warm-up lasts until that image, a scheduling
 * delay longer, and no interval straddles its end; else at t0 + warmup. */
static double warmup_end_time(const mla_criteria *crit, const mlt_criterion *criterion,
                              const mlt_image_info *images, size_t image_count, double t0)
{
    double nominal = t0 + criterion->warmup;
    for (size_t f = 0; f < image_count; f++) {
        const mlt_criterion *recorded = &images[f].criterion;
        if (images[f].trigger != MLT_TRIGGER_WARMUP_END)
            continue;
        /* A few ms early is the clocks of the schedule and of image 0 disagreeing. */
        double early = 0.005 + 0.01 * criterion->warmup;
        if (recorded->kind == MLT_CRITERION_TIME &&
            fabs(recorded->warmup - criterion->warmup) <= 1e-9 * fmax(1.0, criterion->warmup) &&
            crit->time[f] >= nominal - early)
            return crit->time[f];
        break;
    }
    return nominal;
}

mlt_status mla_criteria_init(mla_criteria *crit, const mlt_criterion *criterion,
                             const mlt_image_info *images, size_t image_count, double run_start,
                             mlt_error *err)
{
    memset(crit, 0, sizeof *crit);
    crit->criterion = *criterion;
    crit->image_count = image_count;
    crit->time = mla_malloc_array(image_count, sizeof *crit->time);
    crit->after_warmup = mla_calloc_array(image_count, sizeof *crit->after_warmup);
    crit->undated = mla_calloc_array(image_count, sizeof *crit->undated);
    crit->young = mla_calloc_array(image_count, sizeof *crit->young);
    crit->created_call = mla_malloc_array(image_count, sizeof *crit->created_call);
    crit->completed_call = mla_malloc_array(image_count, sizeof *crit->completed_call);
    crit->call_of = mla_malloc_array(image_count, sizeof *crit->call_of);
    if (!crit->time || !crit->after_warmup || !crit->undated || !crit->young ||
        !crit->created_call || !crit->completed_call || !crit->call_of) {
        mla_criteria_free(crit);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for image times");
    }
    crit->uses_monotonic = monotonic_usable(images, image_count);
    for (size_t i = 0; i < image_count; i++)
        crit->time[i] = crit->uses_monotonic ? images[i].monotonic_time : images[i].wall_time;
    double t0 = image_count ? warmup_origin(crit, images, run_start) : 0.0;
    double warmup_end = warmup_end_time(crit, criterion, images, image_count, t0);
    int64_t completed = -1;
    for (size_t f = 0; f < image_count; f++) {
        crit->call_of[f] = images[f].trigger == MLT_TRIGGER_CALL_END
                               ? (int64_t)images[f].call_counter
                               : -1;
        /* Created in (t[f-1], t[f]]: after the warm-up only if t[f-1] is. */
        crit->after_warmup[f] = f >= 1 && crit->time[f - 1] >= warmup_end;
        /* (t[f-1], t[f]] straddles the warm-up's end: its objects may be
         * either side of it. Dropping them would hide a leak (the schedule
         * slips under load), so they count, undated. */
        crit->undated[f] = criterion->kind == MLT_CRITERION_TIME && f >= 1 &&
                           !crit->after_warmup[f] && crit->time[f] > warmup_end;
        crit->created_call[f] = -1;
        if (images[f].trigger == MLT_TRIGGER_CALL_END) {
            /* Calls that overlap end out of order: the count of calls done
             * never goes back (call 5 ending before call 4 still means five). */
            if ((int64_t)images[f].call_counter > completed)
                completed = (int64_t)images[f].call_counter;
            /* New at call-end(k) relative to an image taken inside call k. */
            if (f >= 1 && images[f - 1].trigger != MLT_TRIGGER_CALL_END &&
                images[f - 1].call_counter == images[f].call_counter && images[f].call_counter > 0)
                crit->created_call[f] = (int64_t)images[f].call_counter;
        }
        /* Calls: seen first after image f-1, so after the calls completed by then. */
        if (criterion->kind == MLT_CRITERION_CALLS)
            crit->young[f] = f >= 1 &&
                             (criterion->warmup_calls == 0 ||
                              crit->completed_call[f - 1] >= (int64_t)criterion->warmup_calls);
        else
            crit->young[f] = crit->after_warmup[f] || crit->undated[f];
        crit->completed_call[f] = completed;
    }
    return MLT_OK;
}

void mla_criteria_free(mla_criteria *crit)
{
    free(crit->time);
    free(crit->after_warmup);
    free(crit->undated);
    free(crit->young);
    free(crit->created_call);
    free(crit->completed_call);
    free(crit->call_of);
    memset(crit, 0, sizeof *crit);
}

/* a - b >= limit, forgiving the rounding of subtracting two large doubles so
 * that an age of exactly the lifetime qualifies. */
static int at_least(double a, double b, double limit)
{
    double scale = fmax(fabs(a), fmax(fabs(b), 1.0));
    return a - b >= limit - 8.0 * DBL_EPSILON * scale;
}

/* Two ways to know the creating call: the dumper flagged the object CALL_BORN
 * in the call-end image where it first appears (3.13+ births log), or that
 * image directly follows the same call's call-start image and the object is
 * new there (pairs of full images). */
int64_t mla_criteria_created_call(const mla_criteria *crit, uint32_t first, uint8_t id_bits)
{
    if (first >= crit->image_count)
        return -1;
    if ((id_bits & MLA_ID_CALL_BORN) && crit->call_of[first] > 0)
        return crit->call_of[first];
    return crit->created_call[first];
}

int mla_criteria_qualifies(const mla_criteria *crit, uint32_t first, uint32_t evaluated,
                           uint8_t id_bits)
{
    if (first < 1 || first > evaluated || evaluated >= crit->image_count)
        return 0;
    const mlt_criterion *c = &crit->criterion;
    if (c->kind == MLT_CRITERION_CALLS) {
        int64_t k = mla_criteria_created_call(crit, first, id_bits);
        int64_t m = crit->completed_call[evaluated];
        if (k < 0 || m < 0 || (uint64_t)k <= c->warmup_calls)
            return 0;
        return m >= k + (int64_t)c->calls - 1;
    }
    if (!crit->after_warmup[first] && !crit->undated[first])
        return 0;
    return at_least(crit->time[evaluated], crit->time[first], c->lifetime);
}

double mla_criteria_age_seconds(const mla_criteria *crit, uint32_t first, uint32_t evaluated)
{
    double age = crit->time[evaluated] - crit->time[first];
    return age > 0.0 ? age : 0.0;
}

int64_t mla_criteria_age_calls(const mla_criteria *crit, uint32_t first, uint32_t evaluated,
                               uint8_t id_bits)
{
    int64_t k = mla_criteria_created_call(crit, first, id_bits);
    int64_t m = crit->completed_call[evaluated];
    if (k < 0 || m < k)
        return -1;
    return m - k + 1;
}

/* Newly qualifying at E (time): t[E] - t[f] >= lifetime > t[E-1] - t[f], so
 * t[f] > t[E-1] - lifetime. (calls): k + calls - 1 > m[E-1], so k >= m[E-1] -
 * calls + 2, and f and its call-start carry counter k. The window starts at
 * the last image ruled out, one more for its predecessor. */
size_t mla_criteria_window_start(const mlt_criterion *c, const mlt_image_info *images,
                                 size_t evaluated)
{
    if (evaluated < 2)
        return 0;
    size_t last_ruled_out = SIZE_MAX;
    if (c->kind == MLT_CRITERION_CALLS) {
        int64_t completed = -1;
        for (size_t p = 0; p < evaluated; p++)
            if (images[p].trigger == MLT_TRIGGER_CALL_END)
                completed = (int64_t)images[p].call_counter;
        if (completed < 0)
            return 0;
        int64_t k_min = completed - (int64_t)c->calls + 2;
        for (size_t p = 0; p < evaluated; p++)
            if ((int64_t)images[p].call_counter < k_min)
                last_ruled_out = p;
    } else {
        int mono = monotonic_usable(images, evaluated + 1);
        double limit = (mono ? images[evaluated - 1].monotonic_time
                             : images[evaluated - 1].wall_time) -
                       c->lifetime;
        for (size_t p = 0; p < evaluated; p++)
            if ((mono ? images[p].monotonic_time : images[p].wall_time) <= limit)
                last_ruled_out = p;
    }
    if (last_ruled_out == SIZE_MAX)
        return 0;
    return last_ruled_out > 0 ? last_ruled_out - 1 : 0;
}
