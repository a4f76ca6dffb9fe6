/* The allocator indirection (see memalot/alloc.h). */
#include <stdlib.h>

#include "memalot/alloc.h"

void *mlt_mem_alloc(const mlt_allocator *a, size_t size)
{
    return a ? a->alloc(a->opaque, size) : malloc(size);
}

void *mlt_mem_calloc(const mlt_allocator *a, size_t count, size_t size)
{
    return a ? a->calloc(a->opaque, count, size) : calloc(count, size);
}

void *mlt_mem_realloc(const mlt_allocator *a, void *ptr, size_t size)
{
    return a ? a->realloc(a->opaque, ptr, size) : realloc(ptr, size);
}

void mlt_mem_free(const mlt_allocator *a, void *ptr)
{
    if (a)
        a->free(a->opaque, ptr);
    else
        free(ptr);
}
