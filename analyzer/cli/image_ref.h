/*
 * "FILE" or "FILE@N": how `diff` names an image. FILE alone is the last
 * image. A path that itself ends in "@digits" and exists is taken whole.
 */
#ifndef MEMALOT_CLI_IMAGE_REF_H
#define MEMALOT_CLI_IMAGE_REF_H

#include <stddef.h>

typedef struct {
    char *path; /* malloc'd */
    long image; /* -1: the last image */
} cli_image_ref;

/* Returns 0, or -1 with message filled. */
int cli_image_ref_parse(const char *text, cli_image_ref *out, char *message, size_t message_size);
void cli_image_ref_free(cli_image_ref *ref);

#endif /* MEMALOT_CLI_IMAGE_REF_H */
