/* One heap image held in compact C buffers between the walk (GIL held) and
 * the encoding (GIL released). Addresses only: nothing here points into the
 * Python heap once the walk is over. Strings are interned into a local table
 * whose ids are translated to the writer's ids at emit time. */
#ifndef MEMALOT_DUMPER_SNAPSHOT_H
#define MEMALOT_DUMPER_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "memalot/format.h"
#include "ptrmap.h"

/* Records are kept small: they are written inside the pause, and a big heap
 * has millions of them (40 bytes per object, 16 per edge). An object's edges
 * follow each other in walk order, so where they start is a prefix sum that
 * emit computes after the pause. */
typedef struct {
    uint64_t address;
    uint64_t size;
    uint64_t refcount;
    uint32_t edge_count;
    uint32_t type; /* index into mld_snapshot.types */
    uint8_t flags; /* MLT_OBJ_* */
} mld_snap_object;

typedef struct {
    uint64_t target; /* address of the referent */
    uint64_t packed; /* label kind in the top 8 bits, label below (see below) */
} mld_snap_edge;

/* Labels are string ids, indexes or (KEY_OBJ) the key's address: all far
 * below 2^56 on 64-bit platforms whose user addresses have 48 bits. */
#define MLD_SNAP_LABEL_BITS 56
#define MLD_SNAP_LABEL_MAX ((UINT64_C(1) << MLD_SNAP_LABEL_BITS) - 1)

static inline uint64_t mld_snap_edge_pack(uint32_t kind, uint64_t label)
{
    if (label > MLD_SNAP_LABEL_MAX) { /* cannot be represented: keep the edge, drop the label */
        kind = 0;
        label = 0;
    }
    return ((uint64_t)kind << MLD_SNAP_LABEL_BITS) | label;
}

static inline uint32_t mld_snap_edge_kind(const mld_snap_edge *e)
{
    return (uint32_t)(e->packed >> MLD_SNAP_LABEL_BITS);
}

static inline uint64_t mld_snap_edge_label(const mld_snap_edge *e)
{
    return e->packed & MLD_SNAP_LABEL_MAX;
}

typedef struct {
    uint64_t object; /* address */
    uint64_t thread_id;
    uint32_t kind, name, context, depth;
} mld_snap_root;

typedef struct {
    uint64_t object; /* address */
    uint64_t offset; /* into the preview arena */
    uint32_t length;
    uint32_t kind;
    uint32_t truncated;
} mld_snap_preview;

typedef struct {
    uint64_t address, basicsize, itemsize;
    uint32_t name; /* string id */
} mld_snap_type;

typedef struct {
    char *bytes;
    size_t length, capacity;
    uint64_t *offsets; /* string id -> offset in bytes */
    uint32_t *lengths;
    size_t count, capacity_ids;
    uint32_t *index; /* open addressing: string id + 1, 0 = empty */
    size_t index_capacity;
} mld_strtab;

#define MLD_GROWING_ARRAY(T)                                                                       \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t count, capacity;                                                                    \
    }

typedef struct {
    MLD_GROWING_ARRAY(mld_snap_object) objects;
    MLD_GROWING_ARRAY(mld_snap_edge) edges;
    MLD_GROWING_ARRAY(mld_snap_root) roots;
    MLD_GROWING_ARRAY(mld_snap_preview) previews;
    MLD_GROWING_ARRAY(mld_snap_type) types;
    MLD_GROWING_ARRAY(char) preview_bytes;
    mld_strtab strings;
    int out_of_memory;          /* sticky: a buffer could not grow */
    const mlt_allocator *alloc; /* of every buffer above; NULL: libc */
} mld_snapshot;

/* Empty, drawing memory from alloc (NULL: libc). On a snapshot that holds
 * buffers it abandons them: the image child does that with the parent's. */
void mld_snapshot_init(mld_snapshot *s, const mlt_allocator *alloc);
void mld_snapshot_free(mld_snapshot *s);
void mld_snapshot_reset(mld_snapshot *s); /* empties, keeps memory */

/* Frees the buffers when they hold more than max_bytes (a long-running
 * program should not keep a big heap's image buffers between images). */
void mld_snapshot_trim(mld_snapshot *s, size_t max_bytes);

/* Appends one zeroed element and returns it (NULL and out_of_memory on failure). */
mld_snap_object *mld_snapshot_add_object(mld_snapshot *s);
mld_snap_edge *mld_snapshot_add_edge(mld_snapshot *s);
mld_snap_root *mld_snapshot_add_root(mld_snapshot *s);
mld_snap_preview *mld_snapshot_add_preview(mld_snapshot *s, const void *data, size_t length);
mld_snap_type *mld_snapshot_add_type(mld_snapshot *s);

/* Interns bytes, returns the local string id (MLT_NO_STRING on out of memory). */
uint32_t mld_snapshot_intern(mld_snapshot *s, const char *bytes, size_t length);
const char *mld_snapshot_string(const mld_snapshot *s, uint32_t id, size_t *length);

/* Grows a generic array (memory from alloc) to hold `needed` elements. */
int mld_grow_array(const mlt_allocator *alloc, void **items, size_t *capacity, size_t needed,
                   size_t elem_size);

#endif
