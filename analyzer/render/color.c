/* Color decision and ANSI escapes (see color.h). */
#define _POSIX_C_SOURCE 200809L

#include "color.h"

#include <stdlib.h>
#include <unistd.h>

int cli_color_enabled(cli_color_mode mode, FILE *stream)
{
    if (mode == CLI_COLOR_NEVER)
        return 0;
    if (mode == CLI_COLOR_ALWAYS)
        return 1;
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0] != '\0')
        return 0;
    return isatty(fileno(stream)) ? 1 : 0;
}

const char *cli_color_on(int enabled, cli_style style)
{
    if (!enabled)
        return "";
    switch (style) {
    case CLI_STYLE_BOLD: return "\033[1m";
    case CLI_STYLE_DIM: return "\033[2m";
    case CLI_STYLE_RED: return "\033[1;31m";
    case CLI_STYLE_YELLOW: return "\033[33m";
    case CLI_STYLE_GREEN: return "\033[32m";
    case CLI_STYLE_CYAN: return "\033[36m";
    }
    return "";
}

const char *cli_color_off(int enabled)
{
    return enabled ? "\033[0m" : "";
}
