/* Whole-buffer positional IO: short transfers and EINTR are retried so callers
 * only see success, an errno, or end of file. */
#include <errno.h>
#include <unistd.h>

#include "internal.h"

int mlt_pwrite_all(int fd, const void *bytes, size_t n, uint64_t offset)
{
    const uint8_t *p = bytes;
    while (n > 0) {
        ssize_t done = pwrite(fd, p, n, (off_t)offset);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (done == 0)
            return ENOSPC;
        p += done;
        n -= (size_t)done;
        offset += (uint64_t)done;
    }
    return 0;
}

int mlt_pread_all(int fd, void *bytes, size_t n, uint64_t offset)
{
    uint8_t *p = bytes;
    while (n > 0) {
        ssize_t done = pread(fd, p, n, (off_t)offset);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (done == 0)
            return -1;
        p += done;
        n -= (size_t)done;
        offset += (uint64_t)done;
    }
    return 0;
}
