/*
 * Where the format library's working memory comes from.
 *
 * NULL wherever an allocator is taken means libc's malloc family. A process
 * that must not touch malloc passes its own: the dumper's image child is
 * forked without running the program's fork handlers, so a lock another
 * thread held in malloc at that moment stays held in the child for good
 * (docs/design-dumper.md, "The image child"). The four functions follow libc's
 * contracts (realloc(NULL, n) allocates, free(NULL) does nothing) and are
 * called from one thread at a time.
 */
#ifndef MEMALOT_ALLOC_H
#define MEMALOT_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mlt_allocator {
    void *(*alloc)(void *opaque, size_t size);
    void *(*calloc)(void *opaque, size_t count, size_t size); /* zeroed */
    void *(*realloc)(void *opaque, void *ptr, size_t size);
    void (*free)(void *opaque, void *ptr);
    void *opaque;
} mlt_allocator;

/* The same calls through `a`, or through libc when a is NULL. */
void *mlt_mem_alloc(const mlt_allocator *a, size_t size);
void *mlt_mem_calloc(const mlt_allocator *a, size_t count, size_t size);
void *mlt_mem_realloc(const mlt_allocator *a, void *ptr, size_t size);
void mlt_mem_free(const mlt_allocator *a, void *ptr);

#ifdef __cplusplus
}
#endif

#endif
