/* Writes a snapshot as one image through the format writer. Runs without the
 * GIL (in-process mode) or in the forked child: it touches only C memory. */
#ifndef MEMALOT_DUMPER_EMIT_H
#define MEMALOT_DUMPER_EMIT_H

#include "memalot/format.h"
#include "snapshot.h"

typedef struct {
    uint64_t objects, edges, roots;
    uint64_t image_bytes; /* bytes the image added to the file */
    uint64_t file_size;
} mld_emit_stats;

mlt_status mld_emit_image(mlt_writer *writer, const mld_snapshot *snap, const mlt_image_info *info,
                          uint64_t pause_ns, mld_emit_stats *stats, mlt_error *err);

#endif
