/* The hostile dumps every suite uses, so the reader, the analysis and the
 * CLI are checked on the very same bytes. */
#ifndef MEMALOT_HOSTILE_FILES_H
#define MEMALOT_HOSTILE_FILES_H

#include "hostile_bytes.h"
#include "memalot/analysis.h"

#define BOMB_BLOCK_RAW (4u * 1024u * 1024u) /* MLT_MAX_BLOCK_RAW: the largest legal block */

/* One image of `blocks` zstd blocks (stream STRINGS), each declaring 4 MiB of
 * zeros: a few hundred bytes on disk per 4 MiB claimed. */
void make_bomb(hbuf *out, unsigned blocks);

/* Like make_bomb, but the summary declares every zero as an empty string:
 * blocks x 4 Mi strings, each a byte on the stream and ~9 in memory. */
void make_string_bomb(hbuf *out, unsigned blocks);

/* `objects` objects of one type, every object stream one repeated byte (a
 * few KiB of zstd for ten million objects), no edges. */
void make_object_bomb(hbuf *out, uint64_t objects);

/* A valid two-object image whose summary claims `objects` objects. */
void make_giant_count(hbuf *out, uint64_t objects);

/* Three objects; object 0 has an edge to object 3, which does not exist. */
void make_missing_target(hbuf *out);

/* Two objects at one address (address delta 0 in OBJ_ADDR). */
void make_duplicate_address(hbuf *out);

/* Two objects whose addresses go down (the delta wraps past 2^64). */
void make_decreasing_address(hbuf *out);

/* A root record naming object 5 of 3. */
void make_missing_root(hbuf *out);

/* Two images of a self-referencing app.Self and a rootless 3-cycle of
 * app.Node (A -> B -> C -> A), all created at image 1 (t = 20), still alive
 * at image 2 (t = 30). */
void make_cycles(hbuf *out);
#define CYCLE_NODE_A 0x30000u /* address of the cycle's first node */

/* Two images of a linked list of `length` app.Link nodes held by one module
 * global (node i -> node i + 1), created at image 1 (t = 20), alive at
 * image 2 (t = 30): paths as deep as the heap is big. */
void make_chain(hbuf *out, uint32_t length);

/* Identity/age scenarios. The control is three images of run 1, pid 10, at
 * t = 10, 20, 30: app.X lives from image 0, app.Y is created at image 1, so
 * under lifetime 5 / warm-up 0 at image 2 exactly one candidate (Y, age 10)
 * qualifies. Each variant changes one thing about the last image or adds one. */
typedef enum {
    RUNS_CONTROL,
    RUNS_OTHER_RUN_INSERTED, /* before the last image: run 2, pid 77, t = 1000, claims Y old */
    RUNS_OTHER_RUN_LAST,     /* as the last image */
    RUNS_OTHER_PID,          /* last image: same run, pid 11 (a fork's child) */
    RUNS_SEQUENCE_BACKWARDS, /* last image: sequence 0, base_sequence 1 */
    RUNS_BASE_NOT_PREVIOUS,  /* last image: base_sequence 0 */
    RUNS_CLOCK_BACKWARDS     /* last image: t = 15 */
} runs_variant;
void make_runs(hbuf *out, runs_variant variant);

/* Writes `bytes` to a temporary file `name` (its path into *path, for
 * hremove_temp), frees them and analyzes the file under `options`, which
 * must succeed. */
mla_report_set *hanalyze_temp(hbuf *bytes, const char *name, const mla_options *options,
                              char **path);

#endif
