/* One id per fully qualified type name across all images of an analysis.
 * Called once per type-table entry per image (hundreds to thousands of
 * entries), never per object, so a small hash table is fine here. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

void mla_typereg_init(mla_typereg *reg, mla_arena *arena, size_t growth_length)
{
    memset(reg, 0, sizeof *reg);
    reg->arena = arena;
    reg->growth_length = growth_length;
}

int mla_type_filter_keeps(const char *name, const char *const *include, size_t include_count,
                          const char *const *exclude, size_t exclude_count)
{
    for (size_t i = 0; i < exclude_count; i++)
        if (exclude[i] && strstr(name, exclude[i]))
            return 0;
    if (include_count == 0)
        return 1;
    for (size_t i = 0; i < include_count; i++)
        if (include[i] && strstr(name, include[i]))
            return 1;
    return 0;
}

static uint64_t name_hash(const char *name, size_t length)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < length; i++) {
        h ^= (unsigned char)name[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int rehash(mla_typereg *reg)
{
    uint32_t slot_count = reg->slot_count ? reg->slot_count * 2 : 256;
    uint32_t *slots = calloc(slot_count, sizeof *slots);
    if (!slots)
        return 0;
    for (uint32_t id = 0; id < reg->count; id++) {
        uint64_t h = name_hash(reg->names[id], strlen(reg->names[id]));
        uint32_t s = (uint32_t)h & (slot_count - 1);
        while (slots[s])
            s = (s + 1) & (slot_count - 1);
        slots[s] = id + 1;
    }
    free(reg->slots);
    reg->slots = slots;
    reg->slot_count = slot_count;
    return 1;
}

static int grow_entries(mla_typereg *reg)
{
    uint32_t capacity = reg->capacity ? reg->capacity * 2 : 64;
    const char **names = realloc(reg->names, capacity * sizeof *names);
    if (!names)
        return 0;
    reg->names = names;
    uint8_t *kept = realloc(reg->kept, capacity);
    if (!kept)
        return 0;
    reg->kept = kept;
    uint64_t **growth = realloc(reg->growth, capacity * sizeof *growth);
    if (!growth)
        return 0;
    reg->growth = growth;
    reg->capacity = capacity;
    return 1;
}

mlt_status mla_typereg_intern(mla_typereg *reg, const char *name, size_t length, uint32_t *id,
                              mlt_error *err)
{
    if ((reg->count + 1) * 2 > reg->slot_count && !rehash(reg))
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory interning type names");
    uint64_t h = name_hash(name, length);
    uint32_t s = (uint32_t)h & (reg->slot_count - 1);
    while (reg->slots[s]) {
        const char *known = reg->names[reg->slots[s] - 1];
        if (strncmp(known, name, length) == 0 && known[length] == '\0') {
            *id = reg->slots[s] - 1;
            return MLT_OK;
        }
        s = (s + 1) & (reg->slot_count - 1);
    }
    if (reg->count == reg->capacity && !grow_entries(reg))
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory interning type names");
    char *copy = mla_arena_strndup(reg->arena, name, length);
    uint64_t *growth = mla_arena_alloc(reg->arena, (reg->growth_length + 1) * sizeof *growth);
    if (!copy || !growth)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory interning type names");
    uint32_t new_id = reg->count++;
    reg->names[new_id] = copy;
    reg->growth[new_id] = growth;
    reg->kept[new_id] = (uint8_t)mla_type_filter_keeps(copy, reg->include, reg->include_count,
                                                       reg->exclude, reg->exclude_count);
    reg->slots[s] = new_id + 1;
    *id = new_id;
    return MLT_OK;
}

void mla_typereg_free(mla_typereg *reg)
{
    free(reg->names);
    free(reg->kept);
    free(reg->growth);
    free(reg->slots);
    reg->names = NULL;
    reg->kept = NULL;
    reg->growth = NULL;
    reg->slots = NULL;
    reg->count = reg->capacity = reg->slot_count = 0;
}
