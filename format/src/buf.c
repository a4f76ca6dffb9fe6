/* Growable byte buffer for metadata records and the writer's stream blocks. */
#include <string.h>

#include "internal.h"

int mlt_buf_reserve(mlt_buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return -1;
    size_t want = b->len + extra;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap *= 2;
    uint8_t *grown = mlt_mem_realloc(b->alloc, b->data, cap);
    if (!grown)
        return -1;
    b->data = grown;
    b->cap = cap;
    return 0;
}

int mlt_buf_append(mlt_buf *b, const void *bytes, size_t n)
{
    if (n == 0)
        return 0;
    if (mlt_buf_reserve(b, n))
        return -1;
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    return 0;
}

void mlt_buf_free(mlt_buf *b)
{
    mlt_mem_free(b->alloc, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
