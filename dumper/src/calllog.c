/* The births log of the monitored calls in progress (see calllog.h). */
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
    log->ended_count = 0;
    log->overflow = 0;
    for (int i = 0; i < MLD_CALL_SLOTS; i++) {
        /* the ended calls' owners and tokens stay: their flows may still be
         * on their way out when the next call opens */
        mld_call_slot *s = &log->slots[i];
        s->owner = NULL;
        s->start = 0;
        s->alone_since = SIZE_MAX;
        s->incomplete = 0;
    }
    log->flow_cache.valid = 0;
    log->open = 0;
    log->unslotted = 0;
    log->has_pending = 0;
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
    /* open_calls_var is the monitor's: it drops the reference */
    free(log->entries);
    free(log->owners);
    free(log->ended);
    mld_bitmap_free(log->freed);
    mld_bitmap_free(log->killed);
    memset(log, 0, sizeof(*log));
}

int mld_calllog_find(const mld_calllog *log, const void *owner)
{
    for (int i = 0; owner != NULL && i < MLD_CALL_SLOTS; i++) {
        if (log->slots[i].owner == owner) {
            return i;
        }
    }
    return -1;
}

/* Which slot, if any, is now the only call open. */
static int sole_slot(const mld_calllog *log)
{
    if (log->open != 1 || log->unslotted != 0) {
        return -1;
    }
    for (int i = 0; i < MLD_CALL_SLOTS; i++) {
        if (log->slots[i].owner != NULL && log->slots[i].owner != MLD_FLOW_PENDING) {
            return i;
        }
    }
    return -1;
}

/* Called whenever the set of open calls changed. */
static void note_who_is_alone(mld_calllog *log)
{
    log->flow_cache.valid = 0; /* a flow's standing may have changed */
    int sole = sole_slot(log);
    for (int i = 0; i < MLD_CALL_SLOTS; i++) {
        if (i != sole) {
            log->slots[i].alone_since = SIZE_MAX;
        } else if (log->slots[i].alone_since == SIZE_MAX) {
            log->slots[i].alone_since = log->count;
        }
    }
}

/* The free slot whose call ended longest ago (a never used one first), so
 * that a just-ended call's owner and token stay known a while. */
static int free_slot(const mld_calllog *log)
{
    int slot = -1;
    for (int i = 0; i < MLD_CALL_SLOTS; i++) {
        if (log->slots[i].owner == NULL &&
            (slot < 0 || log->slots[i].ended_at < log->slots[slot].ended_at)) {
            slot = i;
        }
    }
    return slot;
}

int mld_calllog_open(mld_calllog *log, const void *owner, const void *token)
{
    int slot = owner != NULL ? free_slot(log) : -1;
    if (slot < 0) {
        log->unslotted++;
    } else {
        log->slots[slot].owner = owner;
        log->slots[slot].token = token;
        log->slots[slot].start = log->count;
        log->slots[slot].alone_since = SIZE_MAX;
        log->slots[slot].incomplete = 0;
        log->open++;
    }
    note_who_is_alone(log);
    return slot;
}

const void *mld_calllog_flow_of(const mld_calllog *log, const void *owner, mld_flow_mark mark,
                                const void *token)
{
    if (mld_calllog_find(log, owner) >= 0) {
        return owner;
    }
    if (mark == MLD_FLOW_BETWEEN_CALLS) {
        return MLD_FLOW_NO_CALL;
    }
    if (mark != MLD_FLOW_IN_CALL || token == NULL) {
        return owner;
    }
    for (int i = 0; i < MLD_CALL_SLOTS; i++) {
        const mld_call_slot *s = &log->slots[i];
        if (s->token != token) {
            continue;
        }
        if (s->owner != NULL && s->owner != MLD_FLOW_PENDING) {
            return s->owner; /* started inside that call: its work */
        }
        if (s->last_owner == owner) {
            return MLD_FLOW_NO_CALL; /* the ended call's own exit */
        }
    }
    return owner; /* started inside a call that has ended: a helper now */
}

void mld_calllog_end_unslotted(mld_calllog *log)
{
    log->unslotted -= log->unslotted > 0;
    note_who_is_alone(log);
}

int mld_calllog_any_open(const mld_calllog *log)
{
    return log->open > 0 || log->unslotted > 0;
}

void mld_calllog_mark_incomplete(mld_calllog *log)
{
    for (int i = 0; i < MLD_CALL_SLOTS; i++) {
        log->slots[i].incomplete |= log->slots[i].owner != NULL;
    }
}

static int is_alive(const mld_calllog *log, uintptr_t entry)
{
    return !mld_bitmap_test(log->freed, ENTRY_BLOCK(entry)) &&
           !mld_bitmap_test(log->killed, ENTRY_ADDRESS(entry));
}

/* Each open slot's positions (start, alone_since) move down with the
 * entries dropped before them: sorted, met in order as the entries are
 * walked. */
typedef struct {
    size_t *at[2 * MLD_CALL_SLOTS];
    int n, next;
} position_cursor;

static void cursor_add(position_cursor *c, size_t *position)
{
    int at = c->n++;
    while (at > 0 && *c->at[at - 1] > *position) {
        c->at[at] = c->at[at - 1];
        at--;
    }
    c->at[at] = position;
}

static void cursor_init(position_cursor *c, mld_calllog *log)
{
    c->n = c->next = 0;
    for (int s = 0; s < MLD_CALL_SLOTS; s++) {
        if (log->slots[s].owner == NULL) {
            continue;
        }
        cursor_add(c, &log->slots[s].start);
        if (log->slots[s].alone_since != SIZE_MAX) {
            cursor_add(c, &log->slots[s].alone_since);
        }
    }
}

/* Before entry old_index is kept or dropped: positions there become
 * new_index. At old_index == count, every position left. */
static void cursor_pass(position_cursor *c, size_t old_index, size_t new_index)
{
    while (c->next < c->n && *c->at[c->next] <= old_index) {
        *c->at[c->next++] = new_index;
    }
}

/* The oldest entry an open call can still claim. */
static size_t first_wanted(const mld_calllog *log)
{
    size_t first = SIZE_MAX;
    for (int s = 0; s < MLD_CALL_SLOTS; s++) {
        if (log->slots[s].owner != NULL && log->slots[s].start < first) {
            first = log->slots[s].start;
        }
    }
    return first;
}

/* Newest first, the first entry of each address is tagged SEEN; its mark
 * is cleared meanwhile so older entries of that address find none (a mark
 * that was already clear means an image since found the object dead). Then
 * the marks come back and only tagged, live entries stay, in birth order,
 * each slot's start following them. Entries older than every open call's
 * start are no call's any more (a call claims only births after it opened)
 * and go too, so a server whose calls always overlap keeps a log as long
 * as its oldest open call, not one since the first. O(entries + slots). */
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
    size_t wanted = first_wanted(log);
    position_cursor positions;
    cursor_init(&positions, log);
    for (size_t i = 0; i < log->count; i++) {
        cursor_pass(&positions, i, kept);
        uintptr_t entry = log->entries[i];
        if (!(entry & ENTRY_SEEN)) {
            continue;
        }
        entry &= ~(uintptr_t)ENTRY_SEEN;
        mld_bitmap_set(marks, ENTRY_ADDRESS(entry));
        if (i >= wanted && is_alive(log, entry)) {
            log->owners[kept] = log->owners[i];
            log->entries[kept++] = entry;
        }
    }
    cursor_pass(&positions, log->count, kept);
    log->count = kept;
}

static int grow(mld_calllog *log)
{
    size_t capacity = log->capacity ? log->capacity * 2 : INITIAL_ENTRIES;
    if (capacity > MLD_CALLLOG_MAX_ENTRIES) {
        return -1;
    }
    uintptr_t *entries = realloc(log->entries, capacity * sizeof(*entries));
    if (entries == NULL) {
        return -1;
    }
    log->entries = entries;
    const void **owners = realloc(log->owners, capacity * sizeof(*owners));
    if (owners == NULL) {
        return -1; /* entries grew alone: capacity stays, the next birth retries */
    }
    log->owners = owners;
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

void mld_calllog_birth(mld_calllog *log, mld_bitmap *marks, uintptr_t address, size_t preheader,
                       const void *flow)
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
    log->owners[log->count] = flow;
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

static int ended_room(mld_calllog *log, size_t needed)
{
    if (needed <= log->ended_capacity) {
        return 0;
    }
    uintptr_t *grown = realloc(log->ended, needed * sizeof(*grown));
    if (grown == NULL) {
        return -1;
    }
    log->ended = grown;
    log->ended_capacity = needed;
    return 0;
}

static int by_address(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* A call being closed, as the log stood before any entry moved. */
typedef struct {
    int slot;
    const void *owner;
    size_t alone_since;
    size_t start[MLD_CALL_SLOTS]; /* every slot's */
} closing_call;

/* Compacts the log and takes the view of slot's call before it closes. */
static void begin_closing(mld_calllog *log, int slot, mld_bitmap *marks, closing_call *c)
{
    compact(log, marks);
    c->slot = slot;
    c->owner = log->slots[slot].owner;
    c->alone_since = log->slots[slot].alone_since;
    for (int s = 0; s < MLD_CALL_SLOTS; s++) {
        c->start[s] = log->slots[s].start;
    }
}

/* Entry i (its index before any move) is the closing call's: logged under
 * its flow since it opened, or a helper's (not MLD_FLOW_NO_CALL, no call of
 * its own then or now) made while the closing call was the only one open. */
static int of_closing_call(const mld_calllog *log, size_t i, const closing_call *c)
{
    if (i < c->start[c->slot]) {
        return 0;
    }
    if (log->owners[i] == c->owner) {
        return 1;
    }
    if (log->owners[i] == MLD_FLOW_NO_CALL) {
        return 0;
    }
    int s = mld_calllog_find(log, log->owners[i]);
    int another_calls = s >= 0 && i >= c->start[s];
    return !another_calls && i >= c->alone_since;
}

size_t mld_calllog_close(mld_calllog *log, int slot, mld_bitmap *marks)
{
    closing_call c;
    begin_closing(log, slot, marks, &c);
    const void *closing = c.owner;
    log->slots[slot].owner = NULL;
    if (closing == MLD_FLOW_PENDING) {
        log->has_pending = 0; /* its call ended already: owner and order were kept then */
    } else {
        log->slots[slot].last_owner = closing;
        log->slots[slot].ended_at = ++log->ends;
        log->open--;
    }
    log->ended_count = 0;
    if (ended_room(log, log->count) != 0) {
        log->overflow = 1; /* no room to list them: a full image, nothing flagged */
    }
    position_cursor positions;
    cursor_init(&positions, log);
    size_t kept = 0;
    for (size_t i = 0; i < log->count; i++) {
        cursor_pass(&positions, i, kept);
        if (log->ended_count < log->ended_capacity && of_closing_call(log, i, &c)) {
            log->ended[log->ended_count++] = ENTRY_ADDRESS(log->entries[i]);
            continue;
        }
        log->owners[kept] = log->owners[i];
        log->entries[kept++] = log->entries[i];
    }
    cursor_pass(&positions, log->count, kept);
    log->count = kept;
    note_who_is_alone(log);
    if (log->ended_count > 1) {
        qsort(log->ended, log->ended_count, sizeof(*log->ended), by_address);
    }
    return log->ended_count;
}

size_t mld_calllog_end_later(mld_calllog *log, int slot, mld_bitmap *marks)
{
    if (log->has_pending) {
        return mld_calllog_close(log, slot, marks); /* one waiting verdict at a time */
    }
    closing_call c;
    begin_closing(log, slot, marks, &c);
    size_t claimed = 0;
    /* Re-owning entry i cannot change the verdict on a later entry: each is
     * judged by its own owner. With nothing claimed, nothing was re-owned. */
    for (size_t i = c.start[slot]; i < log->count; i++) {
        if (of_closing_call(log, i, &c)) {
            log->owners[i] = MLD_FLOW_PENDING;
            claimed++;
        }
    }
    if (claimed == 0) {
        return mld_calllog_close(log, slot, marks);
    }
    log->slots[slot].owner = MLD_FLOW_PENDING;
    log->slots[slot].last_owner = c.owner;
    log->slots[slot].ended_at = ++log->ends;
    log->open--;
    log->has_pending = 1;
    log->pending_slot = slot;
    note_who_is_alone(log);
    return claimed;
}

void mld_calllog_remark(const mld_calllog *log, mld_bitmap *marks)
{
    for (size_t i = 0; i < log->count; i++) {
        mld_bitmap_set(marks, ENTRY_ADDRESS(log->entries[i]));
    }
}
