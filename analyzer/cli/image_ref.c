/* Parsing "FILE[@N]" image references (see image_ref.h). */
#define _POSIX_C_SOURCE 200809L

#include "image_ref.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *copy_prefix(const char *text, size_t length)
{
    char *copy = malloc(length + 1);
    if (copy) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

int cli_image_ref_parse(const char *text, cli_image_ref *out, char *message, size_t message_size)
{
    out->path = NULL;
    out->image = -1;
    const char *at = strrchr(text, '@');
    struct stat info;
    if (!at || stat(text, &info) == 0) {
        out->path = copy_prefix(text, strlen(text));
    } else {
        const char *digits = at + 1;
        char *end = NULL;
        errno = 0;
        unsigned long long index = strtoull(digits, &end, 10);
        if (digits[0] < '0' || digits[0] > '9' || *end != '\0' || errno != 0 ||
            index > (unsigned long long)LONG_MAX) {
            snprintf(message, message_size,
                     "'%s': expected FILE or FILE@N with N an image index (0, 1, ...)", text);
            return -1;
        }
        out->path = copy_prefix(text, (size_t)(at - text));
        out->image = (long)index;
    }
    if (!out->path) {
        snprintf(message, message_size, "out of memory");
        return -1;
    }
    return 0;
}

void cli_image_ref_free(cli_image_ref *ref)
{
    free(ref->path);
    ref->path = NULL;
}
