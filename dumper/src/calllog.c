/* The births log of the monitored call in progress (see calllog.h). */
#include "calllog.h"
#include "bitmap_inline.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_ENTRIES ((size_t)8192)
#define ENTRY_PREHEADER 0x3u /* pre-header size / 16 */
#define ENTRY_SEEN 0x8u      /* scratch bit of the dedup pass */
#define ENTRY_ADDRESS(e) ((e) & ~(uintptr_t)0xF)
#define ENTRY_BLOCK(e) (ENTRY_ADDRESS(e) - (((e)&ENTRY_PREHEADER) << 4))

void mld_calllog_reset(mld_calllog *log)
{
    log->count = 0;
    log->overlapped = 0;
    log->overflow = 0;
}

int mld_calllog_ready(mld_calllog *log)
{
    if (log->freed == NULL) {
        log->freed = mld_bitmap_new(NULL);
    }
    if (log->killed == NULL) {
        log->killed = mld_bitmap_new(NULL);
    }
    return log->freed != NULL && log->killed != NULL ? 0 : -1;
}

void mld_calllog_free(mld_calllog *log)
{
    free(log->entries);
    mld_bitmap_free(log->freed);
    mld_bitmap_free(log->killed);
    memset(log, 0, sizeof(*log));
}

static int is_alive(const mld_calllog *log, uintptr_t entry)
{
    return !mld_bitmap_test(log->freed, ENTRY_BLOCK(entry)) &&
           !mld_bitmap_test(log->killed, ENTRY_ADDRESS(entry));
}

/* Newest first, the first entry of each address is tagged SEEN; its mark
 * is cleared meanwhile so older entries of that address find none (a mark
 * that was already clear means an image since found the object dead). Then
 * the marks come back and only tagged, live entries stay. O(entries). */
static void compact(mld_calllog *log, mld_bitmap *marks)
{
    for (size_t i = log->count; i-- > 0;) {
        uintptr_t address = ENTRY_ADDRESS(log->entries[i]);
        if (mld_bitmap_test(marks, address)) {
            mld_bitmap_unset(marks, address);
            log->entries[i] |= ENTRY_SEEN;
        }
    }
    size_t kept = 0;
    for (size_t i = 0; i < log->count; i++) {
        uintptr_t entry = log->entries[i];
        if (!(entry & ENTRY_SEEN)) {
            continue;
        }
        entry &= ~(uintptr_t)ENTRY_SEEN;
        mld_bitmap_set(marks, ENTRY_ADDRESS(entry));
        if (is_alive(log, entry)) {
            log->entries[kept++] = entry;
        }
    }
    log->count = kept;
}

static int grow(mld_calllog *log)
{
    size_t capacity = log->capacity ? log->capacity * 2 : INITIAL_ENTRIES;
    if (capacity > MLD_CALLLOG_MAX_ENTRIES) {
        return -1;
    }
    uintptr_t *grown = realloc(log->entries, capacity * sizeof(*grown));
    if (grown == NULL) {
        return -1;
    }
    log->entries = grown;
    log->capacity = capacity;
    return 0;
}

/* Room for one more entry: compact first, grow only if that freed under half. */
static int make_room(mld_calllog *log, mld_bitmap *marks)
{
    if (log->count < log->capacity) {
        return 0;
    }
    if (log->capacity > 0) {
        compact(log, marks);
        if (log->count * 2 <= log->capacity) {
            return 0;
        }
    }
    return grow(log);
}

void mld_calllog_birth(mld_calllog *log, mld_bitmap *marks, uintptr_t address, size_t preheader)
{
    if (log->overflow || log->freed == NULL || log->killed == NULL) {
        return;
    }
    if ((address & 0xF) != 0 || preheader > 32 || (preheader & 0xF) != 0 ||
        make_room(log, marks) != 0) {
        log->overflow = 1;
        return;
    }
    /* A free of this block start was an earlier object's; older objects
     * that started inside this pre-header are gone (their memory is this
     * block now); this address starts clean. Older objects at this very
     * address are settled by "the newest birth decides". */
    uintptr_t block = address - preheader;
    mld_bitmap_unmark(log->freed, block);
    for (uintptr_t granule = block; granule < address; granule += 16) {
        mld_bitmap_mark_run(log->killed, granule, 1);
    }
    mld_bitmap_unmark(log->killed, address);
    log->entries[log->count++] = address | (preheader >> 4);
}

void mld_calllog_freed(mld_calllog *log, uintptr_t block)
{
    if (log->freed != NULL) {
        mld_bitmap_mark_run(log->freed, block, 1);
    }
}

size_t mld_calllog_survivors(mld_calllog *log, mld_bitmap *marks)
{
    compact(log, marks);
    return log->count;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

void mld_calllog_sort_addresses(mld_calllog *log)
{
    for (size_t i = 0; i < log->count; i++) {
        log->entries[i] = ENTRY_ADDRESS(log->entries[i]);
    }
    qsort(log->entries, log->count, sizeof(*log->entries), by_address);
}

void mld_calllog_remark(const mld_calllog *log, mld_bitmap *marks)
{
    for (size_t i = 0; i < log->count; i++) {
        mld_bitmap_set(marks, ENTRY_ADDRESS(log->entries[i]));
    }
}
