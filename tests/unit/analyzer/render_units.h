/*
 * Shared helpers of the renderer tests, which link the memalot_render
 * library that memalot-analyze and the console reports print with.
 */
#ifndef MEMALOT_TEST_RENDER_UNITS_H
#define MEMALOT_TEST_RENDER_UNITS_H

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "memalot/render.h"
#include "memalot/render_json.h"

#include <stdlib.h>

#include <check.h>

/* Everything written to a temporary file, as a string (caller frees). */
static inline char *read_back(FILE *file)
{
    long size = ftell(file);
    char *text = calloc((size_t)(size > 0 ? size : 0) + 1, 1);
    rewind(file);
    if (text && size > 0 && fread(text, 1, (size_t)size, file) != (size_t)size)
        text[0] = '\0';
    return text;
}

/* Output of a renderer as a string (caller frees); `out` names the stream. */
#define CAPTURE(text_var, call_with_out)                                                           \
    do {                                                                                           \
        FILE *out = tmpfile();                                                                     \
        call_with_out;                                                                             \
        (text_var) = read_back(out);                                                               \
        fclose(out);                                                                               \
    } while (0)

static inline size_t count_occurrences(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        count++;
    return count;
}

/* Each of needles[0..count) occurs in text (present) or none does (absent).
 * A macro, so that a failure points at the test's line; the text goes to
 * stderr, since a Check message cannot hold a whole report. */
#define EXPECT_IN(text, present, needles)                                                          \
    do {                                                                                           \
        for (size_t n_ = 0; n_ < sizeof(needles) / sizeof((needles)[0]); n_++) {                   \
            int found_ = strstr((text), (needles)[n_]) != NULL;                                    \
            if (found_ != (present))                                                               \
                fprintf(stderr, "in:\n%s\n", (text));                                              \
            ck_assert_msg(found_ == (present), "%s \"%s\"", (present) ? "no" : "unwanted",         \
                          (needles)[n_]);                                                          \
        }                                                                                          \
    } while (0)

#endif /* MEMALOT_TEST_RENDER_UNITS_H */
