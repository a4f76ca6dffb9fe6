/*
 * The renderer tests compile the CLI's renderer sources into the test
 * program itself (the CLI is an executable, not a library); this header is
 * the one place that lists them.
 */
#ifndef MEMALOT_TEST_RENDER_UNITS_H
#define MEMALOT_TEST_RENDER_UNITS_H

#define _POSIX_C_SOURCE 200809L

#include "../../../analyzer/cli/color.c"
#include "../../../analyzer/cli/criterion.c"
#include "../../../analyzer/cli/fmt.c"
#include "../../../analyzer/cli/json_util.c"
#include "../../../analyzer/cli/render_html.c"
#include "../../../analyzer/cli/render_json.c"
#include "../../../analyzer/cli/render_text.c"
#include "../../../analyzer/cli/safe_text.c"

#include <stdlib.h>

/* Output of a renderer as a string (caller frees). */
#define CAPTURE(text_var, call_with_out)                                                         \
    do {                                                                                         \
        size_t capture_size_ = 0;                                                                \
        FILE *out = open_memstream(&(text_var), &capture_size_);                                 \
        call_with_out;                                                                           \
        fclose(out);                                                                             \
    } while (0)

static inline size_t count_occurrences(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        count++;
    return count;
}

#endif /* MEMALOT_TEST_RENDER_UNITS_H */
