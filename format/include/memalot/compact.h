/*
 * memalot dump-file compaction: keeps a dump file under a disk budget.
 *
 * A long run writes images forever; a budget means old images must go. Two
 * things make that more than deleting bytes:
 *
 *  - Identity flags are relative to an image's base (normally the previous
 *    image). Dropping images re-bases the kept ones onto the nearest kept
 *    image of their base chain, so an object is "the same" as in the new
 *    base only if it was present and not MLT_OBJ_NEW in every dropped image
 *    in between. mlt_compact() does that merge (addresses are sorted, so it
 *    is a streaming merge join) and rewrites the file through the public
 *    reader and writer.
 *  - Ages need a reference: the first image after the warm-up is protected,
 *    and the newest image is the base of the next image the dumper writes, so
 *    it stays too. mlt_compact_plan() picks the oldest other images, about
 *    half of them at a time, so each image is rewritten O(1) times on
 *    average however long the run.
 *
 * Sequence numbers are kept as they were: a gap tells the reader that
 * images were dropped. The rewritten file has the same file header.
 */
#ifndef MEMALOT_COMPACT_H
#define MEMALOT_COMPACT_H

#include <stddef.h>
#include <stdint.h>

#include "memalot/format.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes out_path holding the images i of in_path with keep[i] != 0, with
 * identity flags and base_sequence re-based as described above. image_count
 * must equal the number of readable images of in_path (a torn tail is left
 * out). out_path must differ from in_path; it is created (mode 0600) or
 * truncated; on error it is removed again. Fails with MLT_ERR_USAGE when nothing is kept or the counts differ,
 * and MLT_ERR_FORMAT when a dropped image is the base of an image that is
 * not the next one in the file (a layout our dumper never writes). */
mlt_status mlt_compact(const char *in_path, const char *out_path, const uint8_t *keep,
                       size_t image_count, mlt_error *err);

/* As mlt_compact, with writer options for the output (compression level,
 * block size; append and file_mode are ignored). NULL = defaults. */
mlt_status mlt_compact_with(const char *in_path, const char *out_path, const uint8_t *keep,
                            size_t image_count, const mlt_writer_options *options, mlt_error *err);

#define MLT_COMPACT_NO_PROTECTED SIZE_MAX

/* Chooses which images to keep so that fixed_bytes (file header) plus the
 * lengths of the kept images fit in budget_bytes. Never drops the image at
 * protected_index (MLT_COMPACT_NO_PROTECTED: none) nor the newest
 * keep_newest images (at least 1). Drops the oldest of the others: as many
 * as the budget needs, and at least half of them (rounded up). Fills keep[]
 * (image_count entries). MLT_ERR_LIMIT when even dropping every droppable
 * image does not fit; keep[] then marks that best effort. */
mlt_status mlt_compact_plan(const uint64_t *image_lengths, size_t image_count, uint64_t fixed_bytes,
                            uint64_t budget_bytes, size_t protected_index, size_t keep_newest,
                            uint8_t *keep, mlt_error *err);

/* Plans and compacts a file in one call: reads the image lengths of
 * in_path, protects the image whose sequence is protected_sequence (when
 * has_protected) and the newest image, and writes out_path. *dropped gets
 * the number of images left out (may be NULL). out_path ends within
 * budget_bytes: an image re-based onto an older one can grow when rewritten,
 * so the output is measured and compacted again while it is over; a budget
 * that cannot hold the protected and newest images as rewritten gives
 * MLT_ERR_LIMIT (out_path may then exist). The caller renames out_path
 * over in_path once it is satisfied, which keeps the original intact if
 * anything fails. */
mlt_status mlt_compact_to_budget(const char *in_path, const char *out_path, uint64_t budget_bytes,
                                 int has_protected, uint64_t protected_sequence,
                                 const mlt_writer_options *options, size_t *dropped,
                                 mlt_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_COMPACT_H */
