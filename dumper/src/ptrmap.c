/* Linear-probing map keyed by address (see ptrmap.h). Load factor at most 1/2;
 * key and value share a slot so a lookup touches one cache line. */
#include "ptrmap.h"

#include <string.h>

void mld_ptrmap_init(mld_ptrmap *map, const mlt_allocator *alloc)
{
    memset(map, 0, sizeof(*map));
    map->alloc = alloc;
}

void mld_ptrmap_free(mld_ptrmap *map)
{
    mlt_mem_free(map->alloc, map->slots);
    mld_ptrmap_init(map, map->alloc);
}

void mld_ptrmap_reset(mld_ptrmap *map)
{
    if (map->slots != NULL) {
        memset(map->slots, 0, map->capacity * sizeof(mld_ptrmap_slot));
    }
    map->count = 0;
}

static size_t slot_of(uint64_t key, size_t capacity)
{
    /* Addresses are 16-byte aligned: drop the zero bits, then mix. */
    uint64_t h = (key >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h ^ (h >> 29)) & (capacity - 1);
}

static size_t find_slot(const mld_ptrmap_slot *slots, size_t capacity, uint64_t key)
{
    size_t i = slot_of(key, capacity);
    while (slots[i].key != 0 && slots[i].key != key) {
        i = (i + 1) & (capacity - 1);
    }
    return i;
}

static int grow_to(mld_ptrmap *map, size_t cap)
{
    mld_ptrmap_slot *slots = mlt_mem_calloc(map->alloc, cap, sizeof(mld_ptrmap_slot));
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

static int grow(mld_ptrmap *map)
{
    return grow_to(map, map->capacity ? map->capacity * 2 : 1024);
}

int mld_ptrmap_reserve(mld_ptrmap *map, size_t n)
{
    size_t cap = map->capacity ? map->capacity : 1024;
    while (cap < 2 * (n + 1)) {
        cap *= 2;
    }
    return cap > map->capacity ? grow_to(map, cap) : 0;
}

int mld_ptrmap_get(const mld_ptrmap *map, uint64_t key, uint32_t *value)
{
    if (map->capacity == 0) {
        return 0;
    }
    const mld_ptrmap_slot *slot = &map->slots[find_slot(map->slots, map->capacity, key)];
    if (slot->key == 0) {
        return 0;
    }
    *value = (uint32_t)slot->value;
    return 1;
}

int mld_ptrmap_get_or_put(mld_ptrmap *map, uint64_t key, uint32_t value, uint32_t *found)
{
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0) {
        return -1;
    }
    mld_ptrmap_slot *slot = &map->slots[find_slot(map->slots, map->capacity, key)];
    if (slot->key != 0) {
        *found = (uint32_t)slot->value;
        return 1;
    }
    slot->key = key;
    slot->value = value;
    map->count++;
    return 0;
}

int mld_ptrmap_put(mld_ptrmap *map, uint64_t key, uint32_t value)
{
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0) {
        return -1;
    }
    mld_ptrmap_slot *slot = &map->slots[find_slot(map->slots, map->capacity, key)];
    if (slot->key == 0) {
        slot->key = key;
        map->count++;
    }
    slot->value = value;
    return 0;
}
