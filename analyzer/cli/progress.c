/* Throttled progress bar on a terminal (see progress.h). */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_DELAY_SECONDS 1.0
#define PROGRESS_REDRAW_SECONDS 0.1
#define PROGRESS_WIDTH 30

static double monotonic_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *progress, FILE *stream, int enabled)
{
    progress->stream = stream;
    progress->enabled = enabled && isatty(fileno(stream));
    progress->started = monotonic_seconds();
    progress->last_draw = 0;
    progress->drawn = 0;
    progress->phase[0] = '\0';
}

void cli_progress_update(void *context, const char *phase, double fraction)
{
    cli_progress *progress = context;
    if (!progress || !progress->enabled)
        return;
    double now = monotonic_seconds();
    if (now - progress->started < PROGRESS_DELAY_SECONDS)
        return;
    if (!phase)
        phase = "";
    int same_phase = strncmp(progress->phase, phase, sizeof progress->phase - 1) == 0;
    if (progress->drawn && same_phase && now - progress->last_draw < PROGRESS_REDRAW_SECONDS &&
        fraction < 1.0)
        return;
    snprintf(progress->phase, sizeof progress->phase, "%s", phase);
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int filled = (int)(fraction * PROGRESS_WIDTH + 0.5);
    char bar[PROGRESS_WIDTH + 1];
    for (int i = 0; i < PROGRESS_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[PROGRESS_WIDTH] = '\0';
    fprintf(progress->stream, "\r\033[K%-11s [%s] %3d%%", phase, bar,
            (int)(fraction * 100.0 + 0.5));
    fflush(progress->stream);
    progress->last_draw = now;
    progress->drawn = 1;
}

void cli_progress_finish(cli_progress *progress)
{
    if (progress->drawn) {
        fputs("\r\033[K", progress->stream);
        fflush(progress->stream);
        progress->drawn = 0;
    }
}
