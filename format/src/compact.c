/* Rewrites a dump file without some of its images, re-basing identity.
 *
 * Images are processed in file order. A dropped image leaves a "carry": the
 * addresses that are still the same object since the nearest kept image on
 * its base chain (or since the run's start when the chain began there). The
 * next image intersects its own "same" addresses with the carry; if it is
 * kept, objects outside the intersection get MLT_OBJ_NEW and the image is
 * re-based. Objects are sorted by address in every image, so each step is a
 * streaming merge join and memory stays at two address sets.
 *
 * The copying itself is the shared rewrite loop (rewrite.h); this file says
 * which images it keeps and how their identity flags and bases change.
 */
#include <stdlib.h>
#include <string.h>

#include "memalot/compact.h"
#include "rewrite.h"

/* Addresses that are "the same object" along a chain, sorted ascending. */
typedef struct {
    uint64_t *addresses;
    uint8_t *approx; /* 1 when any link of the chain was a fingerprint guess */
    size_t count, capacity;
} address_set;

typedef struct {
    int valid;              /* left by a dropped image, for the image after it */
    uint64_t from_sequence; /* the dropped image that left it */
    int has_base;           /* the chain reached a kept image ... */
    uint64_t base_sequence; /* ... with this sequence; else it began at the run's start */
    address_set same;
} carry;

/* Cursor of the merge join: finds an address in the carry, moving forward only. */
typedef struct {
    const address_set *set;
    size_t position;
} set_cursor;

/* How image `index` relates to the images dropped before it. */
typedef enum {
    ORIGIN_AS_IS, /* its base is kept, absent, or it has none: flags stay as they are */
    ORIGIN_CARRY  /* its base was dropped: merge with the carry it left */
} origin;

typedef struct {
    const char *in_path;
    mlt_reader *reader;
    const uint8_t *keep;
    size_t count;
    uint64_t *sequences; /* per image index */
    uint8_t *is_delta;   /* per image index: a call delta (no objects; identity passes over it) */
    carry current, next; /* next is built while an image is read, then swapped in */
    uint32_t *string_map;
    size_t string_map_capacity;
    /* The image being read: how it relates to the carry, and where the
     * merge join and the address-order check stand. */
    origin from;
    set_cursor cursor;
    uint64_t previous_address;
    int seen_object;
} compactor;

/* ------------------------------------------------------------ address sets */

static int set_push(address_set *set, uint64_t address, uint8_t approx)
{
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 4096;
        uint64_t *addresses = realloc(set->addresses, capacity * sizeof *addresses);
        if (!addresses)
            return -1;
        set->addresses = addresses;
        uint8_t *flags = realloc(set->approx, capacity);
        if (!flags)
            return -1;
        set->approx = flags;
        set->capacity = capacity;
    }
    set->addresses[set->count] = address;
    set->approx[set->count] = approx;
    set->count++;
    return 0;
}

static void set_free(address_set *set)
{
    free(set->addresses);
    free(set->approx);
    memset(set, 0, sizeof *set);
}

/* Returns 1 when address is in the set (and *approx says how sure), else 0. */
static int cursor_find(set_cursor *cursor, uint64_t address, uint8_t *approx)
{
    const address_set *set = cursor->set;
    while (cursor->position < set->count && set->addresses[cursor->position] < address)
        cursor->position++;
    if (cursor->position < set->count && set->addresses[cursor->position] == address) {
        *approx = set->approx[cursor->position];
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- origins */

static mlt_status find_origin(const compactor *c, size_t index, const mlt_image_info *info,
                              origin *out, mlt_error *err)
{
    *out = ORIGIN_AS_IS;
    if (!info->has_base)
        return MLT_OK;
    size_t base = SIZE_MAX;
    for (size_t i = index; i-- > 0;) {
        if (c->sequences[i] == info->base_sequence) {
            base = i;
            break;
        }
    }
    if (base == SIZE_MAX || c->keep[base])
        return MLT_OK;
    size_t previous_full = index - 1; /* call deltas between them hold no objects */
    while (previous_full > 0 && c->is_delta[previous_full])
        previous_full--;
    if (base != previous_full || !c->current.valid ||
        c->current.from_sequence != info->base_sequence)
        return mlt_fail(err, MLT_ERR_FORMAT, mlt_reader_image_offset(c->reader, index),
                        "%s: image %zu (sequence %llu) has base sequence %llu, which is not the "
                        "image before it; compaction can only drop bases that precede their "
                        "image directly",
                        c->in_path, index, (unsigned long long)info->sequence,
                        (unsigned long long)info->base_sequence);
    *out = ORIGIN_CARRY;
    return MLT_OK;
}

/* ------------------------------------------------------------ identity merge */

/* The flags object `o` gets in the rewritten image, given the carry cursor. */
static uint8_t merged_flags(const mlt_object *o, origin from, set_cursor *cursor)
{
    uint8_t flags = o->flags;
    if (from != ORIGIN_CARRY || (flags & MLT_OBJ_NEW))
        return flags;
    uint8_t approx = 0;
    if (!cursor_find(cursor, o->address, &approx))
        return (uint8_t)(flags | MLT_OBJ_NEW);
    return approx ? (uint8_t)(flags | MLT_OBJ_APPROX) : flags;
}

/* Records in c->next that the object is the same one since the chain's origin. */
static int note_same(compactor *c, const mlt_object *o, uint8_t flags)
{
    if (flags & MLT_OBJ_NEW)
        return 0;
    return set_push(&c->next.same, o->address, (uint8_t)((flags & MLT_OBJ_APPROX) != 0));
}

static void start_next_carry(compactor *c, size_t index, const mlt_image_info *info, origin from)
{
    c->next.same.count = 0;
    c->next.valid = 1;
    c->next.from_sequence = c->sequences[index];
    c->next.has_base = from == ORIGIN_CARRY ? c->current.has_base : info->has_base;
    c->next.base_sequence = from == ORIGIN_CARRY ? c->current.base_sequence : info->base_sequence;
}

static void swap_carries(compactor *c, int keep_next)
{
    if (keep_next) {
        carry previous = c->current;
        c->current = c->next;
        c->next = previous;
    } else {
        c->current.valid = 0;
    }
    c->next.valid = 0;
}


/* Every object of an image passes here in file order, kept or dropped: its
 * address must be above the previous one (the merge join relies on it), and
 * its flags become those of the re-based image. */
static mlt_status take_object(compactor *c, size_t index, mlt_object *o, mlt_error *err)
{
    if (c->seen_object && o->address <= c->previous_address)
        return mlt_fail(err, MLT_ERR_FORMAT, mlt_reader_image_offset(c->reader, index),
                        "%s: image %zu lists object 0x%llx after 0x%llx; addresses must increase",
                        c->in_path, index, (unsigned long long)o->address,
                        (unsigned long long)c->previous_address);
    c->previous_address = o->address;
    c->seen_object = 1;
    o->flags = merged_flags(o, c->from, &c->cursor);
    return MLT_OK;
}

/* A dropped image only contributes its "same" addresses to the carry. */
static mlt_status scan_dropped(compactor *c, size_t index, mlt_image *img, mlt_error *err)
{
    mlt_object o;
    int rc;
    while ((rc = mlt_image_next_object(img, &o, err)) == 1) {
        mlt_status st = take_object(c, index, &o, err);
        if (st != MLT_OK)
            return st;
        if (note_same(c, &o, o.flags) != 0)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory merging identities of %s",
                            c->in_path);
    }
    return rc < 0 ? err->code : MLT_OK;
}

/* ------------------------------------------------------------ rewrite hooks */

static mlt_status read_sequences(compactor *c, mlt_error *err)
{
    c->sequences = calloc(c->count ? c->count : 1, sizeof *c->sequences);
    c->is_delta = calloc(c->count ? c->count : 1, 1);
    if (!c->sequences || !c->is_delta)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < c->count; i++) {
        mlt_image_info info;
        mlt_status st = mlt_reader_image_info(c->reader, i, &info, err);
        if (st != MLT_OK)
            return st;
        c->sequences[i] = info.sequence;
        c->is_delta[i] = info.kind == MLT_IMAGE_CALL_DELTA;
    }
    return MLT_OK;
}

static mlt_status check_input(void *self, mlt_reader *reader, mlt_error *err)
{
    compactor *c = self;
    c->reader = reader;
    size_t readable = mlt_reader_image_count(reader);
    if (readable != c->count)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "mlt_compact: %s has %zu readable images but keep[] describes %zu",
                        c->in_path, readable, c->count);
    return read_sequences(c, err);
}

/* Kept images are re-based onto the base the carry reached. */
static mlt_status begin_image(void *self, size_t index, mlt_image *img, mlt_image_info *info,
                              int *copy, mlt_error *err)
{
    compactor *c = self;
    (void)img;
    c->from = ORIGIN_AS_IS;
    c->cursor = (set_cursor){&c->current.same, 0};
    c->seen_object = 0;
    c->previous_address = 0;
    mlt_status st = find_origin(c, index, info, &c->from, err);
    if (st != MLT_OK)
        return st;
    if (c->from == ORIGIN_CARRY) {
        info->has_base = c->current.has_base;
        info->base_sequence = c->current.has_base ? c->current.base_sequence : 0;
    }
    *copy = c->keep[index] != 0;
    return MLT_OK;
}

/* The writer assigns its own string ids: intern the whole table up front. */
static mlt_status image_started(void *self, mlt_writer *writer, mlt_image *img, mlt_error *err)
{
    compactor *c = self;
    uint64_t count = mlt_image_string_count(img);
    if (mlt_rewrite_grow_map(&c->string_map, &c->string_map_capacity, count) != 0)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %llu strings",
                        (unsigned long long)count);
    for (uint64_t id = 0; id < count; id++) {
        size_t length = 0;
        const char *bytes = mlt_image_string(img, (uint32_t)id, &length);
        if (!bytes)
            return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: string %llu of %llu is missing",
                            c->in_path, (unsigned long long)id, (unsigned long long)count);
        mlt_status st = mlt_writer_intern(writer, bytes, length, &c->string_map[id], err);
        if (st != MLT_OK)
            return st;
    }
    return MLT_OK;
}

static mlt_status map_string(void *self, mlt_writer *writer, mlt_image *img, uint32_t id,
                             mlt_string_use use, uint32_t *out, mlt_error *err)
{
    const compactor *c = self;
    (void)writer, (void)img, (void)use, (void)err;
    *out = c->string_map[id];
    return MLT_OK;
}

static mlt_status map_object(void *self, size_t index, mlt_object *object, mlt_error *err)
{
    return take_object(self, index, object, err);
}

/* A call delta holds no objects: the carry passes on untouched to the next
 * full image. A kept full image ends the carry; a dropped one leaves one. */
static mlt_status end_image(void *self, size_t index, mlt_image *img, int copied, mlt_error *err)
{
    compactor *c = self;
    if (c->is_delta[index])
        return MLT_OK;
    if (copied) {
        swap_carries(c, 0);
        return MLT_OK;
    }
    start_next_carry(c, index, mlt_image_get_info(img), c->from);
    mlt_status st = scan_dropped(c, index, img, err);
    swap_carries(c, 1);
    return st;
}

static const mlt_rewrite_hooks COMPACT_HOOKS = {
    .verb = "compact",
    .copy_previews = 1,
    .check_input = check_input,
    .begin_image = begin_image,
    .image_started = image_started,
    .map_string = map_string,
    .map_object = map_object,
    .end_image = end_image,
};

/* ------------------------------------------------------------------ driver */

static mlt_status check_arguments(const char *in_path, const char *out_path, const uint8_t *keep,
                                  size_t image_count, mlt_error *err)
{
    if (!in_path || !out_path || (!keep && image_count))
        return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_compact: a path or the keep array is NULL");
    if (strcmp(in_path, out_path) == 0)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "mlt_compact: %s is both input and output; write a new file and "
                        "rename it over the old one",
                        in_path);
    for (size_t i = 0; i < image_count; i++)
        if (keep[i])
            return MLT_OK;
    return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_compact: every image of %s would be dropped",
                    in_path);
}

mlt_status mlt_compact_with(const char *in_path, const char *out_path, const uint8_t *keep,
                            size_t image_count, const mlt_writer_options *options, mlt_error *err)
{
    mlt_error local;
    if (!err)
        err = &local;
    mlt_error_clear(err);
    mlt_status st = check_arguments(in_path, out_path, keep, image_count, err);
    if (st != MLT_OK)
        return st;
    compactor *c = calloc(1, sizeof *c);
    if (!c)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    c->in_path = in_path;
    c->keep = keep;
    c->count = image_count;
    st = mlt_rewrite(in_path, out_path, options, &COMPACT_HOOKS, c, err);
    free(c->sequences);
    free(c->is_delta);
    free(c->string_map);
    set_free(&c->current.same);
    set_free(&c->next.same);
    free(c);
    return st;
}

mlt_status mlt_compact(const char *in_path, const char *out_path, const uint8_t *keep,
                       size_t image_count, mlt_error *err)
{
    return mlt_compact_with(in_path, out_path, keep, image_count, NULL, err);
}
