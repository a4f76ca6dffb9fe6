/* Helpers for the analysis-library tests: a builder that writes synthetic
 * dumps through the format writer (objects, labelled edges, roots, previews)
 * and a builder of in-memory graphs for the algorithm tests. */
#ifndef MEMALOT_ANALYSIS_TEST_UTIL_H
#define MEMALOT_ANALYSIS_TEST_UTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis_internal.h"
#include "memalot/analysis.h"
#include "memalot/format.h"

/* ------------------------------------------------------- dump builder */

typedef struct at_dump at_dump;

/* A fresh temp path (in $TMPDIR); caller frees. */
char *at_tmp_path(const char *name);

/* Opens a dump for writing; run_id 77, pid 1234. */
at_dump *at_dump_open(const char *path);

/* One process of a fleet: its ids and lineage (launch_id 0: none written). */
typedef struct {
    uint64_t run_id, pid, parent_pid, parent_run_id, launch_id;
} at_process;
at_dump *at_dump_open_process(const char *path, const at_process *process);
/* Image metadata defaults: sequence = images written so far, base = sequence-1
 * (no base for the first), wall = mono = time, trigger periodic, identity
 * reftracer. The caller may patch the returned info before adding objects. */
mlt_image_info *at_image_begin(at_dump *d, double time);
/* Objects in increasing address order; returns the object index. */
uint32_t at_obj(at_dump *d, uint64_t address, const char *type, uint8_t flags, uint64_t size);
/* Overrides the refcount of object i (default: its in-degree, so no object
 * looks held from outside unless a test says so). */
void at_refcount(at_dump *d, uint32_t object, uint64_t refcount);
void at_edge(at_dump *d, uint32_t from, uint32_t to, mlt_label_kind kind, const char *text,
             uint64_t value);
void at_root(at_dump *d, uint32_t object, mlt_root_kind kind, const char *name, const char *context,
             uint64_t thread);
void at_preview(at_dump *d, uint32_t object, mlt_preview_kind kind, const char *text,
                int truncated);
void at_image_end(at_dump *d);
void at_dump_close(at_dump *d);

/* Analyses path with options (NULL = defaults); fails the test on error. */
mla_report_set *at_analyze(const char *path, const mla_options *options);
/* The leak entry of a type, or NULL. */
const mla_type_leak *at_leak(const mla_report *report, const char *type);
/* 1 when some warning contains text. */
int at_has_warning(const mla_report *report, const char *text);

/* ------------------------------------------------------ in-memory graph */

/* A graph of n objects (addresses 0x1000 + 16 i, type 0, size sizes[i] or
 * 1) with the given edges (pairs), unlabelled; refcount = in-degree. */
void at_graph(mla_graph *g, uint32_t n, const uint32_t (*edges)[2], uint32_t m,
              const uint64_t *sizes);
void at_graph_root(mla_graph *g, uint32_t object);

#endif
