/* libFuzzer target: any bytes given as a dump file must be refused cleanly or
 * decoded fully, never crash, hang or allocate beyond what the bytes justify. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memalot/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void drain_image(mlt_reader *r, size_t index)
{
    mlt_image *img;
    mlt_error err;
    if (mlt_image_open(r, index, &img, &err) != MLT_OK)
        return;
    for (uint64_t i = 0; i < mlt_image_string_count(img); i++) {
        size_t n;
        (void)mlt_image_string(img, (uint32_t)i, &n);
    }
    mlt_object o;
    mlt_edge edges[3];
    while (mlt_image_next_object(img, &o, &err) == 1) {
        /* Read the edges of every other object only, to exercise skipping. */
        if (o.address & 16)
            continue;
        while (mlt_image_read_edges(img, edges, 3, &err) > 0) {
        }
    }
    mlt_root root;
    while (mlt_image_next_root(img, &root, &err) == 1) {
    }
    mlt_preview p;
    while (mlt_image_next_preview(img, &p, &err) == 1) {
    }
    mlt_image_close(img);
}

static void read_all(const char *path, int skip_checksums)
{
    mlt_reader_options options = {.skip_checksums = skip_checksums};
    mlt_reader *r;
    mlt_error err;
    if (mlt_reader_open(path, &options, &r, &err) != MLT_OK)
        return;
    for (size_t i = 0; i < mlt_reader_image_count(r); i++) {
        mlt_image_info info;
        (void)mlt_reader_image_info(r, i, &info, &err);
        /* Checksummed reads stop at the scan; decoding needs bytes that pass
         * validation alone, which random mutations reach far more often. */
        if (skip_checksums)
            drain_image(r, i);
    }
    mlt_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("mlt-fuzz", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    read_all(path, 0);
    read_all(path, 1);
    close(fd);
    return 0;
}
