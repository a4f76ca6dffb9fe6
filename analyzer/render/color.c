/* The color decision (see mlr_color_mode in memalot/render.h). */
#define _POSIX_C_SOURCE 200809L

#include "memalot/render.h"

#include <stdlib.h>
#include <unistd.h>

int mlr_color_enabled(mlr_color_mode mode, FILE *stream)
{
    if (mode == MLR_COLOR_NEVER)
        return 0;
    if (mode == MLR_COLOR_ALWAYS)
        return 1;
    const char *no_color = getenv("NO_COLOR");
    if (no_color && no_color[0] != '\0')
        return 0;
    return isatty(fileno(stream)) ? 1 : 0;
}
