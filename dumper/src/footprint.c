/* The monitor's own memory (see footprint.h). */
#include "footprint.h"

#include <string.h>

static size_t map_bytes(const mld_ptrmap *map)
{
    return map->capacity * sizeof(mld_ptrmap_slot);
}

static size_t bitmap_bytes(const mld_bitmap *bm)
{
    return bm != NULL ? mld_bitmap_bytes(bm) : 0;
}

#define ARRAY_BYTES(a) ((a).capacity * sizeof(*(a).items))

static size_t snapshot_bytes(const mld_snapshot *s)
{
    const mld_strtab *t = &s->strings;
    return ARRAY_BYTES(s->objects) + ARRAY_BYTES(s->edges) + ARRAY_BYTES(s->roots) +
           ARRAY_BYTES(s->previews) + ARRAY_BYTES(s->types) + ARRAY_BYTES(s->preview_bytes) +
           t->capacity + t->capacity_ids * (sizeof(*t->offsets) + sizeof(*t->lengths)) +
           t->index_capacity * sizeof(*t->index);
}

void mld_monitor_footprint(const mld_monitor *m, mld_footprint *out)
{
    memset(out, 0, sizeof(*out));
    const mld_walker *w = &m->walker;
    out->marks = bitmap_bytes(m->bitmap);
    out->visited = bitmap_bytes(w->visited);
    out->maps = map_bytes(&w->str_ids) + map_bytes(&w->type_ids) + map_bytes(&w->labelled) +
                ARRAY_BYTES(w->types) + ARRAY_BYTES(w->members) + w->text_capacity +
                ARRAY_BYTES(m->statics);
    out->snapshot = snapshot_bytes(&m->snap);
    out->calllog = m->calllog.capacity *
                       (sizeof(*m->calllog.entries) + sizeof(*m->calllog.owners)) +
                   m->calllog.ended_capacity * sizeof(*m->calllog.ended) +
                   bitmap_bytes(m->calllog.freed) + bitmap_bytes(m->calllog.killed);
    out->total = sizeof(*m) + out->marks + out->visited + out->maps + out->snapshot + out->calllog;
}
