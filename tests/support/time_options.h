/* The analysis options the time-criterion tests start from: lifetime and
 * warm-up both given, so no test depends on the warm-up default. Header
 * only, because the support library does not link the analysis library and
 * only the tests that analyze include this. */
#ifndef MEMALOT_TEST_TIME_OPTIONS_H
#define MEMALOT_TEST_TIME_OPTIONS_H

#include "memalot/analysis.h"

static inline mla_options ts_time_options(double lifetime, double warmup)
{
    mla_options o;
    mla_options_init(&o);
    o.criterion.kind = MLT_CRITERION_TIME;
    o.criterion.lifetime = lifetime;
    o.criterion.warmup = warmup;
    o.warmup_defaulted = 0;
    return o;
}

#endif
