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
 * Only the public reader and writer are used: kept images are decoded and
 * re-encoded record by record, with string and type ids remapped because the
 * writer assigns its own.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "memalot/compact.h"

#define EDGE_CHUNK 512

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

typedef struct {
    const char *in_path;
    const char *out_path;
    mlt_reader *reader;
    mlt_writer *writer;
    const uint8_t *keep;
    size_t count;
    uint64_t *sequences; /* per image index */
    uint8_t *is_delta;   /* per image index: a call delta (no objects; identity passes over it) */
    carry current, next; /* next is built while an image is read, then swapped in */
    uint32_t *string_map;
    size_t string_map_capacity;
    uint32_t *type_map;
    size_t type_map_capacity;
    mlt_edge edges[EDGE_CHUNK];
} compactor;

/* ------------------------------------------------------------ address sets */

static int set_push(address_set *set, uint64_t address, uint8_t approx) {
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 4096;
        uint64_t *addresses = realloc(set->addresses, capacity * sizeof *addresses);
        if (!addresses) return -1;
        set->addresses = addresses;
        uint8_t *flags = realloc(set->approx, capacity);
        if (!flags) return -1;
        set->approx = flags;
        set->capacity = capacity;
    }
    set->addresses[set->count] = address;
    set->approx[set->count] = approx;
    set->count++;
    return 0;
}

static void set_free(address_set *set) {
    free(set->addresses);
    free(set->approx);
    memset(set, 0, sizeof *set);
}

/* Cursor of the merge join: finds an address in the carry, moving forward only. */
typedef struct {
    const address_set *set;
    size_t position;
} set_cursor;

/* Returns 1 when address is in the set (and *approx says how sure), else 0. */
static int cursor_find(set_cursor *cursor, uint64_t address, uint8_t *approx) {
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

/* How image `index` relates to the images dropped before it. */
typedef enum {
    ORIGIN_AS_IS, /* its base is kept, absent, or it has none: flags stay as they are */
    ORIGIN_CARRY  /* its base was dropped: merge with the carry it left */
} origin;

static mlt_status find_origin(const compactor *c, size_t index, const mlt_image_info *info,
                              origin *out, mlt_error *err) {
    *out = ORIGIN_AS_IS;
    if (!info->has_base) return MLT_OK;
    size_t base = SIZE_MAX;
    for (size_t i = index; i-- > 0;) {
        if (c->sequences[i] == info->base_sequence) {
            base = i;
            break;
        }
    }
    if (base == SIZE_MAX || c->keep[base]) return MLT_OK;
    size_t previous_full = index - 1; /* call deltas between them hold no objects */
    while (previous_full > 0 && c->is_delta[previous_full]) previous_full--;
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
static uint8_t merged_flags(const mlt_object *o, origin from, set_cursor *cursor) {
    uint8_t flags = o->flags;
    if (from != ORIGIN_CARRY || (flags & MLT_OBJ_NEW)) return flags;
    uint8_t approx = 0;
    if (!cursor_find(cursor, o->address, &approx)) return (uint8_t)(flags | MLT_OBJ_NEW);
    return approx ? (uint8_t)(flags | MLT_OBJ_APPROX) : flags;
}

/* Records in c->next that the object is the same one since the chain's origin. */
static int note_same(compactor *c, const mlt_object *o, uint8_t flags) {
    if (flags & MLT_OBJ_NEW) return 0;
    return set_push(&c->next.same, o->address, (uint8_t)((flags & MLT_OBJ_APPROX) != 0));
}

static void start_next_carry(compactor *c, size_t index, const mlt_image_info *info,
                             origin from) {
    c->next.same.count = 0;
    c->next.valid = 1;
    c->next.from_sequence = c->sequences[index];
    c->next.has_base = from == ORIGIN_CARRY ? c->current.has_base : info->has_base;
    c->next.base_sequence =
        from == ORIGIN_CARRY ? c->current.base_sequence : info->base_sequence;
}

static void swap_carries(compactor *c, int keep_next) {
    if (keep_next) {
        carry previous = c->current;
        c->current = c->next;
        c->next = previous;
    } else {
        c->current.valid = 0;
    }
    c->next.valid = 0;
}

static mlt_status check_order(const compactor *c, size_t index, uint64_t previous,
                              uint64_t address, int first, mlt_error *err) {
    if (first || address > previous) return MLT_OK;
    return mlt_fail(err, MLT_ERR_FORMAT, mlt_reader_image_offset(c->reader, index),
                    "%s: image %zu lists object 0x%llx after 0x%llx; addresses must increase",
                    c->in_path, index, (unsigned long long)address,
                    (unsigned long long)previous);
}

/* A dropped image only contributes its "same" addresses to the carry. */
static mlt_status scan_dropped(compactor *c, size_t index, mlt_image *img, origin from,
                               mlt_error *err) {
    set_cursor cursor = {&c->current.same, 0};
    mlt_object o;
    uint64_t previous = 0;
    int rc, first = 1;
    while ((rc = mlt_image_next_object(img, &o, err)) == 1) {
        mlt_status st = check_order(c, index, previous, o.address, first, err);
        if (st != MLT_OK) return st;
        previous = o.address;
        first = 0;
        if (note_same(c, &o, merged_flags(&o, from, &cursor)) != 0)
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory merging identities of %s",
                            c->in_path);
    }
    return rc < 0 ? err->code : MLT_OK;
}

/* ------------------------------------------------------------- re-encoding */

static int grow_map(uint32_t **map, size_t *capacity, uint64_t needed) {
    if (needed <= *capacity) return 0;
    if (needed > SIZE_MAX / sizeof **map) return -1;
    uint32_t *grown = realloc(*map, (size_t)needed * sizeof **map);
    if (!grown) return -1;
    *map = grown;
    *capacity = (size_t)needed;
    return 0;
}

static mlt_status copy_strings(compactor *c, mlt_image *img, mlt_error *err) {
    uint64_t count = mlt_image_string_count(img);
    if (grow_map(&c->string_map, &c->string_map_capacity, count) != 0)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %llu strings",
                        (unsigned long long)count);
    for (uint64_t id = 0; id < count; id++) {
        size_t length = 0;
        const char *bytes = mlt_image_string(img, (uint32_t)id, &length);
        if (!bytes)
            return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: string %llu of %llu is missing",
                            c->in_path, (unsigned long long)id, (unsigned long long)count);
        mlt_status st = mlt_writer_intern(c->writer, bytes, length, &c->string_map[id], err);
        if (st != MLT_OK) return st;
    }
    return MLT_OK;
}

static mlt_status map_string(const compactor *c, const mlt_image *img, uint64_t id,
                             uint32_t *out, const char *what, mlt_error *err) {
    if (id == MLT_NO_STRING) {
        *out = MLT_NO_STRING;
        return MLT_OK;
    }
    if (id >= mlt_image_string_count(img))
        return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: %s names string %llu, past the table",
                        c->in_path, what, (unsigned long long)id);
    *out = c->string_map[id];
    return MLT_OK;
}

static mlt_status copy_types(compactor *c, mlt_image *img, mlt_error *err) {
    uint64_t count = mlt_image_type_count(img);
    if (grow_map(&c->type_map, &c->type_map_capacity, count) != 0)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for %llu types",
                        (unsigned long long)count);
    for (uint64_t index = 0; index < count; index++) {
        const mlt_type *source = mlt_image_type(img, (uint32_t)index);
        if (!source)
            return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: type %llu is missing", c->in_path,
                            (unsigned long long)index);
        mlt_type copy = *source;
        mlt_status st = map_string(c, img, source->name, &copy.name, "a type", err);
        if (st == MLT_OK) st = mlt_writer_add_type(c->writer, &copy, &c->type_map[index], err);
        if (st != MLT_OK) return st;
    }
    return MLT_OK;
}

static mlt_status copy_edges(compactor *c, mlt_image *img, mlt_error *err) {
    long n;
    while ((n = mlt_image_read_edges(img, c->edges, EDGE_CHUNK, err)) > 0) {
        for (long i = 0; i < n; i++) {
            mlt_edge *edge = &c->edges[i];
            if (!mlt_label_has_string_id(edge->label_kind)) continue;
            uint32_t mapped = MLT_NO_STRING;
            mlt_status st = map_string(c, img, edge->label, &mapped, "an edge label", err);
            if (st != MLT_OK) return st;
            edge->label = mapped;
        }
        mlt_status st = mlt_writer_add_edges(c->writer, c->edges, (size_t)n, err);
        if (st != MLT_OK) return st;
    }
    return n < 0 ? err->code : MLT_OK;
}

static mlt_status copy_objects(compactor *c, size_t index, mlt_image *img, origin from,
                               mlt_error *err) {
    set_cursor cursor = {&c->current.same, 0};
    uint64_t type_count = mlt_image_type_count(img), previous = 0;
    mlt_object o;
    int rc, first = 1;
    while ((rc = mlt_image_next_object(img, &o, err)) == 1) {
        mlt_status st = check_order(c, index, previous, o.address, first, err);
        if (st != MLT_OK) return st;
        previous = o.address;
        first = 0;
        if (o.type >= type_count)
            return mlt_fail(err, MLT_ERR_FORMAT, 0, "%s: object 0x%llx has type %u of %llu",
                            c->in_path, (unsigned long long)o.address, o.type,
                            (unsigned long long)type_count);
        o.type = c->type_map[o.type];
        o.flags = merged_flags(&o, from, &cursor);
        st = mlt_writer_add_object(c->writer, &o, err);
        if (st == MLT_OK) st = copy_edges(c, img, err);
        if (st != MLT_OK) return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status copy_roots(compactor *c, mlt_image *img, mlt_error *err) {
    mlt_root root;
    int rc;
    while ((rc = mlt_image_next_root(img, &root, err)) == 1) {
        mlt_status st = map_string(c, img, root.name, &root.name, "a root name", err);
        if (st == MLT_OK) st = map_string(c, img, root.context, &root.context, "a root", err);
        if (st == MLT_OK) st = mlt_writer_add_root(c->writer, &root, err);
        if (st != MLT_OK) return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status copy_previews(compactor *c, mlt_image *img, mlt_error *err) {
    mlt_preview preview;
    int rc;
    while ((rc = mlt_image_next_preview(img, &preview, err)) == 1) {
        mlt_status st = mlt_writer_add_preview(c->writer, &preview, err);
        if (st != MLT_OK) return st;
    }
    return rc < 0 ? err->code : MLT_OK;
}

static mlt_status rewrite_kept(compactor *c, size_t index, mlt_image *img, origin from,
                               mlt_error *err) {
    mlt_image_info info = *mlt_image_get_info(img);
    if (from == ORIGIN_CARRY) {
        info.has_base = c->current.has_base;
        info.base_sequence = c->current.has_base ? c->current.base_sequence : 0;
    }
    mlt_status st = mlt_writer_begin_image(c->writer, &info, err);
    if (st == MLT_OK) st = copy_strings(c, img, err);
    if (st == MLT_OK) st = copy_types(c, img, err);
    if (st == MLT_OK) st = copy_objects(c, index, img, from, err);
    if (st == MLT_OK) st = copy_roots(c, img, err);
    if (st == MLT_OK) st = copy_previews(c, img, err);
    if (st == MLT_OK) st = mlt_writer_end_image(c->writer, info.pause_ns, err);
    return st;
}

/* ------------------------------------------------------------------ driver */

static mlt_status process_image(compactor *c, size_t index, mlt_error *err) {
    mlt_image *img = NULL;
    mlt_status st = mlt_image_open(c->reader, index, &img, err);
    if (st != MLT_OK) return st;
    const mlt_image_info *info = mlt_image_get_info(img);
    origin from = ORIGIN_AS_IS;
    st = find_origin(c, index, info, &from, err);
    if (st == MLT_OK && c->is_delta[index]) {
        /* No objects: the carry passes on untouched to the next full image. */
        if (c->keep[index]) st = rewrite_kept(c, index, img, from, err);
    } else if (st == MLT_OK && c->keep[index]) {
        st = rewrite_kept(c, index, img, from, err);
        swap_carries(c, 0);
    } else if (st == MLT_OK) {
        start_next_carry(c, index, info, from);
        st = scan_dropped(c, index, img, from, err);
        swap_carries(c, 1);
    }
    mlt_image_close(img);
    return st;
}

static mlt_status read_sequences(compactor *c, mlt_error *err) {
    c->sequences = calloc(c->count ? c->count : 1, sizeof *c->sequences);
    c->is_delta = calloc(c->count ? c->count : 1, 1);
    if (!c->sequences || !c->is_delta) return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    for (size_t i = 0; i < c->count; i++) {
        mlt_image_info info;
        mlt_status st = mlt_reader_image_info(c->reader, i, &info, err);
        if (st != MLT_OK) return st;
        c->sequences[i] = info.sequence;
        c->is_delta[i] = info.kind == MLT_IMAGE_CALL_DELTA;
    }
    return MLT_OK;
}

static mlt_status check_arguments(const char *in_path, const char *out_path,
                                  const uint8_t *keep, size_t image_count, mlt_error *err) {
    if (!in_path || !out_path || (!keep && image_count))
        return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_compact: a path or the keep array is NULL");
    if (strcmp(in_path, out_path) == 0)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "mlt_compact: %s is both input and output; write a new file and "
                        "rename it over the old one",
                        in_path);
    for (size_t i = 0; i < image_count; i++)
        if (keep[i]) return MLT_OK;
    return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_compact: every image of %s would be dropped",
                    in_path);
}

static mlt_status open_files(compactor *c, const mlt_writer_options *options, mlt_error *err) {
    mlt_status st = mlt_reader_open(c->in_path, NULL, &c->reader, err);
    if (st != MLT_OK) return st;
    size_t readable = mlt_reader_image_count(c->reader);
    if (readable != c->count)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "mlt_compact: %s has %zu readable images but keep[] describes %zu",
                        c->in_path, readable, c->count);
    mlt_writer_options opts = {0};
    if (options) opts = *options;
    opts.append = 0;
    opts.file_mode = 0600; /* images may hold values and argv */
    unlink(c->out_path);   /* a stale partial output must not be appended to or kept */
    return mlt_writer_open(c->out_path, mlt_reader_file_info(c->reader), &opts, &c->writer,
                           err);
}

static void release(compactor *c) {
    mlt_writer_close(c->writer);
    mlt_reader_close(c->reader);
    free(c->sequences);
    free(c->is_delta);
    free(c->string_map);
    free(c->type_map);
    set_free(&c->current.same);
    set_free(&c->next.same);
}

mlt_status mlt_compact_with(const char *in_path, const char *out_path, const uint8_t *keep,
                            size_t image_count, const mlt_writer_options *options,
                            mlt_error *err) {
    mlt_error local;
    if (!err) err = &local;
    mlt_error_clear(err);
    mlt_status st = check_arguments(in_path, out_path, keep, image_count, err);
    if (st != MLT_OK) return st;
    compactor *c = calloc(1, sizeof *c);
    if (!c) return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory");
    c->in_path = in_path;
    c->out_path = out_path;
    c->keep = keep;
    c->count = image_count;
    st = open_files(c, options, err);
    if (st == MLT_OK) st = read_sequences(c, err);
    for (size_t i = 0; st == MLT_OK && i < image_count; i++) st = process_image(c, i, err);
    int opened_output = c->writer != NULL;
    release(c);
    free(c);
    if (st != MLT_OK && opened_output) unlink(out_path);
    return st;
}

mlt_status mlt_compact(const char *in_path, const char *out_path, const uint8_t *keep,
                       size_t image_count, mlt_error *err) {
    return mlt_compact_with(in_path, out_path, keep, image_count, NULL, err);
}
