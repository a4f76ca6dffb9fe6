/*
 * Text for people: human sizes and times, shared by the text renderers of
 * every subcommand so that "1.5 MiB" and timestamps look the same everywhere.
 */
#ifndef MEMALOT_CLI_FMT_H
#define MEMALOT_CLI_FMT_H

#include <stddef.h>
#include <stdint.h>

#define CLI_FMT_SIZE_MAX 32
#define CLI_FMT_TIME_MAX 40

/* "512 B", "1.5 KiB", "12.0 MiB", ... into out (CLI_FMT_SIZE_MAX bytes). */
const char *cli_fmt_size(uint64_t bytes, char *out, size_t out_size);

/* "2026-11-24T01:02:03.456Z" from Unix seconds; "(unknown)" for 0 or non-finite. */
const char *cli_fmt_time(double unix_seconds, char *out, size_t out_size);

/* "12.3 s", "4 min 5 s", "2 h 3 min" for a duration. */
const char *cli_fmt_duration(double seconds, char *out, size_t out_size);

#endif /* MEMALOT_CLI_FMT_H */
