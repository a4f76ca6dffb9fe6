/* The loaded ELF objects' segments (see static_ranges.h). */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include "static_ranges.h"

#include <stdlib.h>
#include <string.h>

#if defined(__linux__)
#include <link.h>
#define MLD_HAVE_PHDR 1
#else
#define MLD_HAVE_PHDR 0
#endif

void mld_static_ranges_init(mld_static_ranges *r)
{
    memset(r, 0, sizeof(*r));
}

void mld_static_ranges_free(mld_static_ranges *r)
{
    free(r->items);
    mld_static_ranges_init(r);
}

static int by_start(const void *a, const void *b)
{
    const mld_address_range *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorted and merged, so one binary search answers "inside any of them". */
static size_t sort_and_merge(mld_address_range *items, size_t count)
{
    qsort(items, count, sizeof(*items), by_start);
    size_t kept = 0;
    for (size_t i = 0; i < count; i++) {
        if (items[i].end <= items[i].start) {
            continue;
        }
        if (kept > 0 && items[i].start <= items[kept - 1].end) {
            if (items[i].end > items[kept - 1].end) {
                items[kept - 1].end = items[i].end;
            }
            continue;
        }
        items[kept++] = items[i];
    }
    return kept;
}

static int reserve(mld_static_ranges *r, size_t count)
{
    if (count <= r->capacity) {
        return 0;
    }
    size_t capacity = r->capacity ? r->capacity : 64;
    while (capacity < count) {
        capacity *= 2;
    }
    mld_address_range *grown = realloc(r->items, capacity * sizeof(*grown));
    if (grown == NULL) {
        return -1;
    }
    r->items = grown;
    r->capacity = capacity;
    return 0;
}

int mld_static_ranges_set(mld_static_ranges *r, const mld_address_range *ranges, size_t count)
{
    r->count = 0;
    if (reserve(r, count) != 0) {
        return -1;
    }
    if (count > 0) {
        memcpy(r->items, ranges, count * sizeof(*ranges));
    }
    r->count = sort_and_merge(r->items, count);
    return 0;
}

#if MLD_HAVE_PHDR

typedef struct {
    mld_static_ranges *r;
    int changed; /* the first callback decides whether to read on */
    int out_of_memory;
} phdr_pass;

static int counts_known(size_t size)
{
    return size >=
           offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(((struct dl_phdr_info *)0)->dlpi_subs);
}

static int add_segments(const struct dl_phdr_info *info, mld_static_ranges *r)
{
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0) {
            continue;
        }
        if (reserve(r, r->count + 1) != 0) {
            return -1;
        }
        uintptr_t start = (uintptr_t)(info->dlpi_addr + ph->p_vaddr);
        r->items[r->count].start = start;
        r->items[r->count].end = start + (uintptr_t)ph->p_memsz;
        r->count++;
    }
    return 0;
}

static int on_object(struct dl_phdr_info *info, size_t size, void *arg)
{
    phdr_pass *pass = arg;
    mld_static_ranges *r = pass->r;
    if (pass->changed < 0) { /* the first object: have the counts moved? */
        unsigned long long adds = counts_known(size) ? info->dlpi_adds : 0;
        unsigned long long subs = counts_known(size) ? info->dlpi_subs : 0;
        pass->changed = !r->read_once || !counts_known(size) || adds != r->adds || subs != r->subs;
        if (!pass->changed) {
            return 1; /* stop: nothing was loaded or unloaded */
        }
        r->adds = adds;
        r->subs = subs;
        r->count = 0;
    }
    if (add_segments(info, r) != 0) {
        pass->out_of_memory = 1;
        return 1;
    }
    return 0;
}

void mld_static_ranges_refresh(mld_static_ranges *r)
{
    phdr_pass pass = {r, -1, 0};
    dl_iterate_phdr(on_object, &pass);
    if (pass.changed <= 0) {
        return;
    }
    if (pass.out_of_memory) {
        r->count = 0;
        r->read_once = 0; /* try again next time */
        return;
    }
    r->count = sort_and_merge(r->items, r->count);
    r->read_once = 1;
}

#else

void mld_static_ranges_refresh(mld_static_ranges *r)
{
    (void)r;
}

#endif
