/* The image child's allocator (see child_memory.h). Small requests round up
 * to a power-of-two class carved from 1 MiB chunks and come back on a free
 * list; large ones get a mapping of their own, so the walk's big growing
 * arrays grow with mremap instead of copying. */
#define _GNU_SOURCE /* mremap */
#include "child_memory.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* Every block starts with a 16-byte header, which keeps the caller's memory
 * 16-byte aligned like malloc's. */
typedef struct {
    size_t class_index; /* LARGE_BLOCK for a mapping of its own */
    size_t mapped;      /* that mapping's length */
} block_header;

#define HEADER sizeof(block_header)
#define SMALLEST_CLASS_SHIFT 5
#define LARGE_BLOCK ((size_t)-1)
#define CHUNK_BYTES ((size_t)1 << 20)
#define PAGE_ROUND(n) (((n) + 4095) & ~(size_t)4095)

static size_t class_bytes(size_t index)
{
    return (size_t)1 << (index + SMALLEST_CLASS_SHIFT);
}

static void *map_pages(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void *alloc_large(mld_child_memory *mem, size_t size)
{
    if (size > SIZE_MAX - HEADER - 4096) {
        return NULL;
    }
    size_t mapped = PAGE_ROUND(size + HEADER);
    block_header *h = map_pages(mapped);
    if (h == NULL) {
        return NULL;
    }
    h->class_index = LARGE_BLOCK;
    h->mapped = mapped;
    mem->mapped_bytes += mapped;
    return h + 1;
}

static void *carve(mld_child_memory *mem, size_t bytes)
{
    if ((size_t)(mem->chunk_end - mem->chunk_next) < bytes) {
        /* The rest of the old chunk (under 64 KiB) is abandoned. */
        char *chunk = map_pages(CHUNK_BYTES);
        if (chunk == NULL) {
            return NULL;
        }
        mem->mapped_bytes += CHUNK_BYTES;
        mem->chunk_next = chunk;
        mem->chunk_end = chunk + CHUNK_BYTES;
    }
    void *block = mem->chunk_next;
    mem->chunk_next += bytes;
    return block;
}

static void *child_alloc(void *opaque, size_t size)
{
    mld_child_memory *mem = opaque;
    size_t index = 0;
    while (index < MLD_CHILD_MEMORY_CLASSES && class_bytes(index) - HEADER < size) {
        index++;
    }
    if (index == MLD_CHILD_MEMORY_CLASSES) {
        return alloc_large(mem, size);
    }
    block_header *h = mem->free_list[index];
    if (h != NULL) {
        memcpy(&mem->free_list[index], h + 1, sizeof(void *)); /* the next free block */
    } else if ((h = carve(mem, class_bytes(index))) == NULL) {
        return NULL;
    }
    h->class_index = index;
    h->mapped = 0;
    return h + 1;
}

static void child_free(void *opaque, void *ptr)
{
    mld_child_memory *mem = opaque;
    if (ptr == NULL) {
        return;
    }
    block_header *h = (block_header *)ptr - 1;
    if (h->class_index == LARGE_BLOCK) {
        mem->mapped_bytes -= h->mapped;
        munmap(h, h->mapped);
        return;
    }
    memcpy(ptr, &mem->free_list[h->class_index], sizeof(void *));
    mem->free_list[h->class_index] = h;
}

static void *child_calloc(void *opaque, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size) {
        return NULL;
    }
    void *p = child_alloc(opaque, count * size);
    block_header *h = p != NULL ? (block_header *)p - 1 : NULL;
    if (h != NULL && h->class_index != LARGE_BLOCK) { /* fresh mappings are zero already */
        memset(p, 0, count * size);
    }
    return p;
}

static void *grow_large(mld_child_memory *mem, block_header *h, size_t size)
{
    if (size > SIZE_MAX - HEADER - 4096) {
        return NULL;
    }
    size_t mapped = PAGE_ROUND(size + HEADER);
    block_header *moved = mremap(h, h->mapped, mapped, MREMAP_MAYMOVE);
    if (moved == MAP_FAILED) {
        return NULL;
    }
    mem->mapped_bytes += mapped - moved->mapped;
    moved->mapped = mapped;
    return moved + 1;
}

static void *child_realloc(void *opaque, void *ptr, size_t size)
{
    mld_child_memory *mem = opaque;
    if (ptr == NULL) {
        return child_alloc(opaque, size);
    }
    block_header *h = (block_header *)ptr - 1;
    size_t room = h->class_index == LARGE_BLOCK ? h->mapped - HEADER
                                                : class_bytes(h->class_index) - HEADER;
    if (size <= room) {
        return ptr;
    }
    if (h->class_index == LARGE_BLOCK) {
        return grow_large(mem, h, size);
    }
    void *grown = child_alloc(opaque, size);
    if (grown != NULL) {
        memcpy(grown, ptr, room);
        child_free(opaque, ptr);
    }
    return grown;
}

void mld_child_memory_init(mld_child_memory *mem)
{
    memset(mem, 0, sizeof(*mem));
}

mlt_allocator mld_child_memory_allocator(mld_child_memory *mem)
{
    mlt_allocator a = {child_alloc, child_calloc, child_realloc, child_free, mem};
    return a;
}
