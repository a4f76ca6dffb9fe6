/*
 * Axis scales for the HTML charts (html_internal.h): ticks at round numbers
 * so a reader can read a value off the chart, and byte axes in binary units
 * so the labels match the sizes written elsewhere in the report.
 */
#include <math.h>

#include "html_internal.h"

static const double nice_factors[] = {1.0, 2.0, 2.5, 5.0, 10.0};
#define NICE_FACTOR_COUNT (sizeof nice_factors / sizeof nice_factors[0])

/* Digits after the point that show every multiple of step exactly. */
static int decimals_for(double step)
{
    int decimals = 0;
    double scaled = step;
    while (decimals < 6 && fabs(scaled - round(scaled)) > 1e-9 * (scaled > 1 ? scaled : 1)) {
        scaled *= 10;
        decimals++;
    }
    return decimals;
}

static double nice_step(double highest, int max_ticks, int integral)
{
    double raw = highest / max_ticks;
    double magnitude = pow(10.0, floor(log10(raw)));
    for (size_t i = 0; i < NICE_FACTOR_COUNT; i++) {
        double step = nice_factors[i] * magnitude;
        if (integral && step != floor(step))
            continue;
        if (step * max_ticks >= highest * (1 - 1e-12))
            return integral && step < 1 ? 1 : step;
    }
    return 10.0 * magnitude;
}

mlr_axis mlr_internal_axis_linear(double highest, int max_ticks, int integral)
{
    mlr_axis axis = {1.0, integral ? 1.0 : 0.5, integral ? 0 : 1, 1.0, ""};
    if (!(highest > 0) || !isfinite(highest) || max_ticks < 1)
        return axis;
    axis.step = nice_step(highest, max_ticks, integral);
    axis.top = ceil(highest / axis.step - 1e-9) * axis.step;
    axis.decimals = decimals_for(axis.step);
    return axis;
}

mlr_axis mlr_internal_axis_bytes(uint64_t highest, int max_ticks)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    size_t unit = 0;
    double value = (double)highest;
    while (value >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1024.0;
        unit++;
    }
    mlr_axis axis = mlr_internal_axis_linear(value, max_ticks, unit == 0);
    axis.unit = pow(1024.0, (double)unit);
    axis.unit_name = units[unit];
    axis.top *= axis.unit;
    axis.step *= axis.unit;
    return axis;
}

void mlr_internal_axis_label(FILE *out, const mlr_axis *axis, double value)
{
    if (value == 0) { /* the origin needs no unit or decimals: "0", not "0.0 MiB" */
        fputc('0', out);
        return;
    }
    fprintf(out, "%.*f%s%s", axis->decimals, value / axis->unit, axis->unit_name[0] ? " " : "",
            axis->unit_name);
}
