/* Human-readable sizes, times and durations (see memalot/render.h). */
#define _POSIX_C_SOURCE 200809L

#include "memalot/render.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

const char *mlr_fmt_size(uint64_t bytes, char *out, size_t out_size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) {
        snprintf(out, out_size, "%llu B", (unsigned long long)bytes);
        return out;
    }
    double value = (double)bytes;
    size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1024.0;
        unit++;
    }
    snprintf(out, out_size,
             value < 10.0    ? "%.2f %s"
             : value < 100.0 ? "%.1f %s"
                             : "%.0f %s",
             value, units[unit]);
    return out;
}

const char *mlr_fmt_time(double unix_seconds, char *out, size_t out_size)
{
    if (!isfinite(unix_seconds) || unix_seconds <= 0 || unix_seconds > 253402300799.0) {
        snprintf(out, out_size, "(unknown)");
        return out;
    }
    time_t whole = (time_t)floor(unix_seconds);
    int millis = (int)((unix_seconds - floor(unix_seconds)) * 1000.0);
    if (millis > 999)
        millis = 999;
    struct tm utc;
    if (!gmtime_r(&whole, &utc)) {
        snprintf(out, out_size, "(unknown)");
        return out;
    }
    char date[24];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
    snprintf(out, out_size, "%s.%03dZ", date, millis);
    return out;
}

const char *mlr_fmt_duration(double seconds, char *out, size_t out_size)
{
    if (!isfinite(seconds) || seconds < 0)
        snprintf(out, out_size, "?");
    else if (seconds < 60)
        snprintf(out, out_size, "%.1f s", seconds);
    else if (seconds < 3600)
        snprintf(out, out_size, "%d min %d s", (int)(seconds / 60), (int)fmod(seconds, 60));
    else
        snprintf(out, out_size, "%d h %d min", (int)(seconds / 3600), (int)fmod(seconds / 60, 60));
    return out;
}
