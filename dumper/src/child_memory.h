/* Memory for the image child: an allocator on pages the child maps itself.
 *
 * The child is forked without the program's fork handlers (fork_image.h), so
 * any lock another thread held at that moment, malloc's arena locks above
 * all, stays held in the child forever. Everything the child allocates (the
 * walk's buffers, the emit scratch, the writer's buffers, zstd's context)
 * therefore comes from here: mmap'd chunks, size classes with free lists, no
 * lock (the child has one thread) and no libc allocator underneath. The pages
 * go back to the kernel when the child exits. */
#ifndef MEMALOT_DUMPER_CHILD_MEMORY_H
#define MEMALOT_DUMPER_CHILD_MEMORY_H

#include <stddef.h>

#include "memalot/alloc.h"

#define MLD_CHILD_MEMORY_CLASSES 12 /* blocks of 32 B .. 64 KiB, header included */

typedef struct {
    void *free_list[MLD_CHILD_MEMORY_CLASSES];
    char *chunk_next, *chunk_end; /* the part of the current chunk not handed out */
    size_t mapped_bytes;          /* all that is mapped now, for the child's report */
} mld_child_memory;

void mld_child_memory_init(mld_child_memory *mem);

/* An allocator drawing on mem (which must outlive it). */
mlt_allocator mld_child_memory_allocator(mld_child_memory *mem);

#endif
