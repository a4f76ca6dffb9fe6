/* The pieces every synthetic dump of the tests and benchmarks is made of,
 * once: the run's file and image metadata, and the writer calls that go
 * together (a type with its name, an object with its edges, a preview from
 * text). Each builder (analysis, CLI, format, compaction, bench) lays out
 * its own heap with them; the bytes stay the format writer's.
 *
 * Errors travel as the writer's: an mlt_status, with err filled. */
#ifndef MEMALOT_TEST_SYNTH_DUMP_H
#define MEMALOT_TEST_SYNTH_DUMP_H

#include <stdint.h>

#include "memalot/format.h"

/* Who wrote the dump: the facts file and image headers share. */
typedef struct {
    const char *producer;
    uint64_t run_id;
    uint64_t pid;
    double start_time;
} sd_run;

/* A CPython 3.12.1 run with 8-byte pointers; every other field zero. */
void sd_file_info(mlt_file_info *info, const sd_run *run);

/* Image `sequence` of the run, based on the one before it (none for the
 * first), periodic, reference-tracer identity; times and criterion zero. */
void sd_image_info(mlt_image_info *info, const sd_run *run, uint64_t sequence);

mlt_status sd_intern(mlt_writer *w, const char *text, uint32_t *id, mlt_error *err);

/* Interns name and adds the type record; *index gets the type's index. */
mlt_status sd_type(mlt_writer *w, const char *name, uint64_t address, uint64_t basicsize,
                   uint32_t *index, mlt_error *err);

/* Adds the object and its object->edge_count edges. */
mlt_status sd_object(mlt_writer *w, const mlt_object *object, const mlt_edge *edges,
                     mlt_error *err);

/* A preview of object (an index in the image) holding text, not truncated. */
mlt_status sd_preview_text(mlt_writer *w, uint32_t object, mlt_preview_kind kind, const char *text,
                           mlt_error *err);

/* A path named `name` in a fresh directory under $TMPDIR (or /tmp), which
 * is removed with its contents when the process exits (Check runs each test
 * in a child, so each child removes its own). NULL when no directory could
 * be made; the caller frees the path. */
char *sd_temp_path(const char *name);

#endif
