/* Which images to drop to keep a dump file under its disk budget.
 *
 * Dropping the oldest half of the droppable images at once (not just enough
 * to fit) means the file grows back for about half the budget before the
 * next compaction, so rewriting costs O(1) per image written however long
 * the run: each compaction rewrites at most the budget.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"
#include "memalot/compact.h"

static uint64_t kept_bytes(const uint64_t *lengths, const uint8_t *keep, size_t count,
                           uint64_t fixed_bytes)
{
    uint64_t total = fixed_bytes;
    for (size_t i = 0; i < count; i++)
        if (keep[i])
            total += lengths[i];
    return total;
}

static int is_droppable(size_t index, size_t count, size_t protected_index, size_t newest)
{
    return index != protected_index && index + newest < count;
}

mlt_status mlt_compact_plan(const uint64_t *image_lengths, size_t image_count, uint64_t fixed_bytes,
                            uint64_t budget_bytes, size_t protected_index, size_t keep_newest,
                            uint8_t *keep, mlt_error *err)
{
    if (image_count && (!image_lengths || !keep))
        return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_compact_plan: lengths or keep is NULL");
    size_t newest = keep_newest ? keep_newest : 1; /* the next image's base must stay */
    size_t droppable = 0;
    for (size_t i = 0; i < image_count; i++) {
        keep[i] = 1;
        droppable += (size_t)is_droppable(i, image_count, protected_index, newest);
    }
    size_t at_least = (droppable + 1) / 2, dropped = 0;
    uint64_t total = kept_bytes(image_lengths, keep, image_count, fixed_bytes);
    for (size_t i = 0; i < image_count; i++) {
        if (dropped >= at_least && total <= budget_bytes)
            break;
        if (!is_droppable(i, image_count, protected_index, newest))
            continue;
        keep[i] = 0;
        total -= image_lengths[i];
        dropped++;
    }
    if (total > budget_bytes)
        return mlt_fail(err, MLT_ERR_LIMIT, 0,
                        "a budget of %llu bytes cannot hold the protected and newest images "
                        "(%llu bytes with the file header)",
                        (unsigned long long)budget_bytes, (unsigned long long)total);
    return MLT_OK;
}

static mlt_status plan_file(const char *path, uint64_t budget_bytes, int has_protected,
                            uint64_t protected_sequence, uint8_t **keep_out, size_t *count_out,
                            mlt_error *err)
{
    mlt_reader *reader = NULL;
    mlt_status st = mlt_reader_open(path, NULL, &reader, err);
    if (st != MLT_OK)
        return st;
    size_t count = mlt_reader_image_count(reader);
    uint64_t *lengths = calloc(count ? count : 1, sizeof *lengths);
    uint8_t *keep = calloc(count ? count : 1, 1);
    size_t protected_index = MLT_COMPACT_NO_PROTECTED;
    size_t newest_full = 0; /* the base of the dumper's next full image */
    if (!lengths || !keep)
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory planning %s", path);
    for (size_t i = 0; st == MLT_OK && i < count; i++) {
        mlt_image_info info;
        st = mlt_reader_image_info(reader, i, &info, err);
        lengths[i] = mlt_reader_image_length(reader, i);
        if (st == MLT_OK && has_protected && info.sequence == protected_sequence)
            protected_index = i;
        if (st == MLT_OK && info.kind == MLT_IMAGE_FULL)
            newest_full = i;
    }
    uint64_t fixed = count ? mlt_reader_image_offset(reader, 0) : mlt_reader_file_size(reader);
    if (st == MLT_OK)
        st = mlt_compact_plan(lengths, count, fixed, budget_bytes, protected_index,
                              count - newest_full, keep, err);
    mlt_reader_close(reader);
    free(lengths);
    if (st != MLT_OK) {
        free(keep);
        return st;
    }
    *keep_out = keep;
    *count_out = count;
    return MLT_OK;
}

static mlt_status plan_and_compact(const char *in_path, const char *out_path, uint64_t budget_bytes,
                                   int has_protected, uint64_t protected_sequence,
                                   const mlt_writer_options *options, size_t *dropped,
                                   mlt_error *err)
{
    uint8_t *keep = NULL;
    size_t count = 0;
    mlt_status st = plan_file(in_path, budget_bytes, has_protected, protected_sequence, &keep,
                              &count, err);
    if (st != MLT_OK)
        return st;
    size_t left_out = 0;
    for (size_t i = 0; i < count; i++)
        left_out += keep[i] == 0;
    st = mlt_compact_with(in_path, out_path, keep, count, options, err);
    free(keep);
    *dropped += left_out;
    return st;
}

static mlt_status file_size(const char *path, uint64_t *size, mlt_error *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return mlt_fail(err, MLT_ERR_IO, 0, "cannot stat %s: %s", path, strerror(errno));
    *size = (uint64_t)sb.st_size;
    return MLT_OK;
}

/* The plan counts the kept images at their current lengths, but the image
 * after a dropped one is re-based and rewritten, and can come out a few bytes
 * longer (seen: 5 bytes over a 1.5 MB budget). So the output is measured and,
 * while it is over, compacted again: each pass drops at least one image or
 * fails with MLT_ERR_LIMIT, so this ends. */
mlt_status mlt_compact_to_budget(const char *in_path, const char *out_path, uint64_t budget_bytes,
                                 int has_protected, uint64_t protected_sequence,
                                 const mlt_writer_options *options, size_t *dropped, mlt_error *err)
{
    size_t left_out = 0;
    mlt_status st = plan_and_compact(in_path, out_path, budget_bytes, has_protected,
                                     protected_sequence, options, &left_out, err);
    uint64_t size = 0;
    while (st == MLT_OK && (st = file_size(out_path, &size, err)) == MLT_OK &&
           size > budget_bytes) {
        size_t len = strlen(out_path);
        char *again = malloc(len + sizeof(".again"));
        if (!again)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory compacting %s", in_path);
        memcpy(again, out_path, len);
        memcpy(again + len, ".again", sizeof(".again"));
        st = plan_and_compact(out_path, again, budget_bytes, has_protected, protected_sequence,
                              options, &left_out, err);
        if (st == MLT_OK && rename(again, out_path) != 0)
            st = mlt_fail(err, MLT_ERR_IO, 0, "cannot rename %s to %s: %s", again, out_path,
                          strerror(errno));
        if (st != MLT_OK)
            remove(again);
        free(again);
    }
    if (st == MLT_OK && dropped)
        *dropped = left_out;
    return st;
}
