/* Helpers shared by the format tests: a deterministic synthetic heap that can
 * be written and then checked record by record, temp files, and byte patching. */
#ifndef MEMALOT_FORMAT_TEST_UTIL_H
#define MEMALOT_FORMAT_TEST_UTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

#include "memalot/format.h"

/* Check records every passing ck_assert through a pipe; in loops over a
 * million records that dominates the run time, so hot checks report only
 * failures. */
#define EXPECT_EQ(a, b)                                                                            \
    do {                                                                                           \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);             \
        if (a_ != b_)                                                                              \
            ck_abort_msg("%s:%d: %s is %llu, expected %s = %llu", __FILE__, __LINE__, #a, a_, #b,  \
                         b_);                                                                      \
    } while (0)
#define EXPECT_MSG(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

typedef struct {
    uint64_t objects;
    uint32_t types;
    uint32_t strings;
    uint64_t seed;
    uint64_t addr_base;
    int roots;    /* one root every 1000 objects (and object 0) */
    int previews; /* one preview every 10 objects */
    int edges;    /* edges per object vary 0..3 */
} heap_spec;

/* A fresh path in a fresh temp directory; caller frees. */
char *tmp_path(const char *name);
void fill_file_info(mlt_file_info *info);
void fill_image_info(mlt_image_info *info, uint64_t sequence);

/* Writes one image described by spec through w. */
void write_heap(mlt_writer *w, const heap_spec *spec, uint64_t sequence);
/* Decodes image `index` and checks every record against spec. */
void check_heap(mlt_reader *r, size_t index, const heap_spec *spec, uint64_t sequence);
/* Writes a file of `images` small images with the given options; returns its path. */
char *write_small_file(int images, int store_only);

/* Decodes every image fully: returns the number that decoded without error;
 * *first_error gets the first error code (MLT_OK if none). */
size_t decode_everything(mlt_reader *r, mlt_status *first_error);

/* Checks that the file at path opens, holds exactly `images` images, has
 * no tail error and decodes in full. */
void check_reads_clean(const char *path, size_t images);

uint8_t *read_whole(const char *path, size_t *size);
void write_whole(const char *path, const uint8_t *bytes, size_t size);
/* Re-computes the checksum of the image at [start, start+len) in place. */
void reseal_image(uint8_t *bytes, uint64_t start, uint64_t len);
void reseal_header(uint8_t *bytes);

#endif
