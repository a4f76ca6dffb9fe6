/* Linear-probing map keyed by address (see ptrmap.h). Load factor at most 1/2;
 * key and value share a slot so a lookup touches one cache line. */
#include "ptrmap.h"

#include <string.h>

void mlt_ptrmap_init(mlt_ptrmap *map, const mlt_allocator *alloc)
{
    memset(map, 0, sizeof(*map));
    map->alloc = alloc;
}

void mlt_ptrmap_free(mlt_ptrmap *map)
{
    mlt_mem_free(map->alloc, map->slots);
    mlt_ptrmap_init(map, map->alloc);
}

void mlt_ptrmap_reset(mlt_ptrmap *map)
{
    if (map->slots != NULL) {
        memset(map->slots, 0, map->capacity * sizeof(mlt_ptrmap_slot));
    }
    map->count = 0;
}

static size_t slot_of(uint64_t key, size_t capacity)
{
    /* Addresses are 16-byte aligned: drop the zero bits, then mix. */
    uint64_t h = (key >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h ^ (h >> 29)) & (capacity - 1);
}

static size_t find_slot(const mlt_ptrmap_slot *slots, size_t capacity, uint64_t key)
{
    size_t i = slot_of(key, capacity);
    while (slots[i].key != 0 && slots[i].key != key) {
        i = (i + 1) & (capacity - 1);
    }
    return i;
}

static int grow_to(mlt_ptrmap *map, size_t cap)
{
    mlt_ptrmap_slot *slots = mlt_mem_calloc(map->alloc, cap, sizeof(mlt_ptrmap_slot));
    if (slots == NULL) {
        return -1;
    }
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->slots[i].key != 0) {
            slots[find_slot(slots, cap, map->slots[i].key)] = map->slots[i];
        }
    }
    mlt_mem_free(map->alloc, map->slots);
    map->slots = slots;
    map->capacity = cap;
    return 0;
}

static int grow(mlt_ptrmap *map)
{
    return grow_to(map, map->capacity ? map->capacity * 2 : 1024);
}

int mlt_ptrmap_reserve(mlt_ptrmap *map, size_t n)
{
    size_t cap = map->capacity ? map->capacity : 1024;
    while (cap < 2 * (n + 1)) {
        cap *= 2;
    }
    return cap > map->capacity ? grow_to(map, cap) : 0;
}

int mlt_ptrmap_get(const mlt_ptrmap *map, uint64_t key, uint32_t *value)
{
    if (map->capacity == 0) {
        return 0;
    }
    const mlt_ptrmap_slot *slot = &map->slots[find_slot(map->slots, map->capacity, key)];
    if (slot->key == 0) {
        return 0;
    }
    *value = (uint32_t)slot->value;
    return 1;
}

int mlt_ptrmap_get_or_put(mlt_ptrmap *map, uint64_t key, uint32_t value, uint32_t *found)
{
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0) {
        return -1;
    }
    mlt_ptrmap_slot *slot = &map->slots[find_slot(map->slots, map->capacity, key)];
    if (slot->key != 0) {
        *found = (uint32_t)slot->value;
        return 1;
    }
    slot->key = key;
    slot->value = value;
    map->count++;
    return 0;
}

int mlt_ptrmap_put(mlt_ptrmap *map, uint64_t key, uint32_t value)
{
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0) {
        return -1;
    }
    mlt_ptrmap_slot *slot = &map->slots[find_slot(map->slots, map->capacity, key)];
    if (slot->key == 0) {
        slot->key = key;
        map->count++;
    }
    slot->value = value;
    return 0;
}
