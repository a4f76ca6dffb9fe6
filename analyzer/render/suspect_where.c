/* Where a leak suspect accumulates, in words (suspect_where.h). */
#include <string.h>

#include "memalot/render.h"
#include "suspect_where.h"

static void put_merged(FILE *out, const mla_suspect *suspect)
{
    if (suspect->point_count > 1)
        fprintf(out, " and %u more of that shape", suspect->point_count - 1);
}

void mlr_internal_put_where(FILE *out, const mla_suspect *suspect,
                            void (*put_name)(FILE *out, const char *text))
{
    if (suspect->point_path && strncmp(suspect->point_path, "held ", 5) == 0) {
        fputs("at a ", out); /* "at a builtins.dict held outside the visible heap" */
        put_name(out, suspect->point_type);
        fputc(' ', out);
        put_name(out, suspect->point_path);
        put_merged(out, suspect);
    } else if (suspect->point_path) {
        fputs("at ", out);
        put_name(out, suspect->point_path);
        fputs(" (", out);
        put_name(out, suspect->point_type);
        fputc(')', out);
        put_merged(out, suspect);
    } else {
        const char *shape = suspect->shape ? suspect->shape : "?";
        /* "held outside the visible heap (T)", "unreachable ...": already a verb */
        if (strncmp(shape, "held ", 5) != 0 && strncmp(shape, "unreachable", 11) != 0)
            fputs("held by ", out);
        put_name(out, shape);
    }
}

void mlr_internal_put_holds(FILE *out, const mla_suspect *suspect, const char *suffix)
{
    fputs("    holds:    ", out);
    size_t shown = suspect->type_count < 4 ? suspect->type_count : 4;
    for (size_t i = 0; i < shown; i++) {
        fprintf(out, "%s%llu ", i ? ", " : "", (unsigned long long)suspect->types[i].count);
        mlr_put_terminal(out, suspect->types[i].type);
    }
    if (shown < suspect->type_count)
        fprintf(out, ", and %zu more types", suspect->type_count - shown);
    fputs(suffix, out);
    fputc('\n', out);
}
