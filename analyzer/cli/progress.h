/*
 * The progress bar memalot-analyze draws on stderr during a long analysis.
 * It stays silent for the first second (short runs should not flicker) and
 * when stderr is not a terminal (logs should not fill with \r lines).
 */
#ifndef MEMALOT_CLI_PROGRESS_H
#define MEMALOT_CLI_PROGRESS_H

#include <stdio.h>

typedef struct {
    FILE *stream;
    int enabled;      /* 0: never draw */
    double started;   /* monotonic seconds */
    double last_draw; /* monotonic seconds of the last redraw */
    int drawn;        /* 1 once something is on the line (finish clears it) */
    char phase[24];   /* last phase drawn: a new phase is drawn at once */
} cli_progress;

/* enabled: the caller's wish (e.g. 0 with --json to a pipe); the terminal
 * check is made here. */
void cli_progress_init(cli_progress *progress, FILE *stream, int enabled);

/* Matches mla_progress_fn: context is a cli_progress. */
void cli_progress_update(void *context, const char *phase, double fraction);

/* Clears the bar so the next output starts on a clean line. */
void cli_progress_finish(cli_progress *progress);

#endif /* MEMALOT_CLI_PROGRESS_H */
