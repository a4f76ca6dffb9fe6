/* An in-place sort that never allocates. glibc's qsort takes a merge buffer
 * from malloc, which the image child must not call (child_memory.h); a heap
 * sort needs no memory beyond one element's worth on the stack. */
#ifndef MEMALOT_DUMPER_SORT_H
#define MEMALOT_DUMPER_SORT_H

#include <stddef.h>

#define MLD_SORT_ELEMENT_MAX 64 /* bytes: the largest element mld_sort accepts */

/* qsort's contract (not stable); elements of at most MLD_SORT_ELEMENT_MAX bytes. */
void mld_sort(void *base, size_t count, size_t size, int (*compare)(const void *, const void *));

#endif
