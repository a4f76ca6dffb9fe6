/*
 * ANSI colors for the text renderer, decided once per run.
 * Rule (documented in docs/cli.md): --no-color wins, then --color, then
 * NO_COLOR (set and non-empty, per no-color.org) disables, else colors only
 * when the stream is a terminal.
 */
#ifndef MEMALOT_CLI_COLOR_H
#define MEMALOT_CLI_COLOR_H

#include <stdio.h>

typedef enum {
    CLI_COLOR_AUTO = 0,
    CLI_COLOR_ALWAYS = 1, /* --color */
    CLI_COLOR_NEVER = 2   /* --no-color */
} cli_color_mode;

typedef enum {
    CLI_STYLE_BOLD,
    CLI_STYLE_DIM,
    CLI_STYLE_RED,
    CLI_STYLE_YELLOW,
    CLI_STYLE_GREEN,
    CLI_STYLE_CYAN
} cli_style;

/* 1 when output to `stream` should carry ANSI escapes. */
int cli_color_enabled(cli_color_mode mode, FILE *stream);

/* Escape sequences; "" when colors are off, so callers print unconditionally. */
const char *cli_color_on(int enabled, cli_style style);
const char *cli_color_off(int enabled);

#endif /* MEMALOT_CLI_COLOR_H */
