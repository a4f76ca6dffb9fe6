/* Linear-probing map keyed by address (see ptrmap.h). Load factor at most 1/2. */
#include "ptrmap.h"

#include <stdlib.h>
#include <string.h>

void mlt_ptrmap_init(mlt_ptrmap *map)
{
    memset(map, 0, sizeof(*map));
}

void mlt_ptrmap_free(mlt_ptrmap *map)
{
    free(map->keys);
    free(map->values);
    memset(map, 0, sizeof(*map));
}

void mlt_ptrmap_reset(mlt_ptrmap *map)
{
    if (map->keys != NULL) {
        memset(map->keys, 0, map->capacity * sizeof(uint64_t));
    }
    map->count = 0;
}

static size_t slot_of(uint64_t key, size_t capacity)
{
    /* Addresses are 16-byte aligned: drop the zero bits, then mix. */
    uint64_t h = (key >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h ^ (h >> 29)) & (capacity - 1);
}

static size_t find_slot(const uint64_t *keys, size_t capacity, uint64_t key)
{
    size_t i = slot_of(key, capacity);
    while (keys[i] != 0 && keys[i] != key) {
        i = (i + 1) & (capacity - 1);
    }
    return i;
}

static int grow_to(mlt_ptrmap *map, size_t cap)
{
    uint64_t *keys = calloc(cap, sizeof(uint64_t));
    uint32_t *values = malloc(cap * sizeof(uint32_t));
    if (keys == NULL || values == NULL) {
        free(keys);
        free(values);
        return -1;
    }
    for (size_t i = 0; i < map->capacity; i++) {
        if (map->keys[i] != 0) {
            size_t j = find_slot(keys, cap, map->keys[i]);
            keys[j] = map->keys[i];
            values[j] = map->values[i];
        }
    }
    free(map->keys);
    free(map->values);
    map->keys = keys;
    map->values = values;
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
    size_t i = find_slot(map->keys, map->capacity, key);
    if (map->keys[i] == 0) {
        return 0;
    }
    *value = map->values[i];
    return 1;
}

int mlt_ptrmap_get_or_put(mlt_ptrmap *map, uint64_t key, uint32_t value, uint32_t *found)
{
    if ((map->count + 1) * 2 > map->capacity && grow(map) != 0) {
        return -1;
    }
    size_t i = find_slot(map->keys, map->capacity, key);
    if (map->keys[i] != 0) {
        *found = map->values[i];
        return 1;
    }
    map->keys[i] = key;
    map->values[i] = value;
    map->count++;
    return 0;
}

int mlt_ptrmap_put(mlt_ptrmap *map, uint64_t key, uint32_t value)
{
    uint32_t old;
    int rc = mlt_ptrmap_get_or_put(map, key, value, &old);
    if (rc == 1) {
        map->values[find_slot(map->keys, map->capacity, key)] = value;
        return 0;
    }
    return rc;
}
