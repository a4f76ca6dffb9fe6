/* Streaming decode of objects, edges, roots and previews, validating every
 * value against the tables and the summary counts. */
#include <string.h>

#include "image_internal.h"

/* Errors are sticky: after one, every call repeats it. */
static int failed(mlt_image *img, mlt_error *err, mlt_status st)
{
    img->failed = 1;
    if (err)
        img->failure = *err;
    else
        img->failure.code = st;
    return -1;
}

static int repeat_failure(mlt_image *img, mlt_error *err)
{
    if (err)
        *err = img->failure;
    return -1;
}

static mlt_status read_edge(mlt_image *img, mlt_edge *e, mlt_error *err)
{
    mlt_cursor *t = mlt_image_cursor(img, MLT_S_EDGE_TARGET);
    mlt_cursor *l = mlt_image_cursor(img, MLT_S_EDGE_LABEL);
    t->record = l->record = img->edges_read;
    uint64_t z, kind, value = 0;
    mlt_status st;
    if ((st = mlt_cursor_varint(t, &z, err)))
        return st;
    uint64_t target = img->source + (uint64_t)mlt_unzigzag(z);
    if (target >= img->info.object_count)
        return mlt_cursor_fail(t, err,
                               "edge of object %llu targets object %lld relative, index "
                               "%llu, outside the %llu objects",
                               (unsigned long long)img->source, (long long)mlt_unzigzag(z),
                               (unsigned long long)target,
                               (unsigned long long)img->info.object_count);
    if ((st = mlt_cursor_varint(l, &kind, err)))
        return st;
    if (kind >= MLT_LABEL_COUNT_)
        return mlt_cursor_fail(l, err, "label kind %llu is not defined (0..%d)",
                               (unsigned long long)kind, MLT_LABEL_COUNT_ - 1);
    if (kind != MLT_LABEL_NONE && (st = mlt_cursor_varint(l, &value, err)))
        return st;
    switch (kind) {
    case MLT_LABEL_INDEX: value = img->edge_position + (uint64_t)mlt_unzigzag(value); break;
    case MLT_LABEL_KEY_OBJ:
        value = img->source + (uint64_t)mlt_unzigzag(value);
        if (value >= img->info.object_count)
            return mlt_cursor_fail(l, err, "key object index %llu outside the %llu objects",
                                   (unsigned long long)value,
                                   (unsigned long long)img->info.object_count);
        break;
    default: break;
    }
    if (mlt_label_has_string_id((uint32_t)kind) && value >= img->info.string_count)
        return mlt_cursor_fail(l, err, "label string id %llu out of range (%llu strings)",
                               (unsigned long long)value,
                               (unsigned long long)img->info.string_count);
    e->target = (uint32_t)target;
    e->label_kind = (uint32_t)kind;
    e->label = value;
    img->edges_read++;
    img->edge_position++;
    img->edges_left--;
    return MLT_OK;
}

long mlt_image_read_edges(mlt_image *img, mlt_edge *edges, size_t capacity, mlt_error *err)
{
    if (img->failed)
        return repeat_failure(img, err);
    size_t n = 0;
    while (n < capacity && img->edges_left > 0) {
        mlt_status st = read_edge(img, &edges[n], err);
        if (st != MLT_OK)
            return failed(img, err, st);
        n++;
    }
    return (long)n;
}

static const uint8_t object_streams[] = {MLT_S_OBJ_ADDR,    MLT_S_OBJ_TYPE,  MLT_S_OBJ_SIZE,
                                         MLT_S_OBJ_REFCNT,  MLT_S_OBJ_FLAGS, MLT_S_OBJ_EDGES,
                                         MLT_S_EDGE_TARGET, MLT_S_EDGE_LABEL};

static mlt_status finish_objects(mlt_image *img, mlt_error *err)
{
    if (img->edges_read != img->info.edge_count) {
        mlt_cursor *c = mlt_image_cursor(img, MLT_S_OBJ_EDGES);
        return mlt_cursor_fail(c, err, "objects declare %llu edges in all, the summary says %llu",
                               (unsigned long long)img->edges_read,
                               (unsigned long long)img->info.edge_count);
    }
    for (size_t i = 0; i < sizeof object_streams; i++) {
        mlt_cursor *c = mlt_image_cursor(img, object_streams[i]);
        c->record = i < 6 ? img->objects_read : img->edges_read;
        mlt_status st = mlt_cursor_finish(c, err);
        if (st != MLT_OK)
            return st;
    }
    img->objects_finished = 1;
    return MLT_OK;
}

static mlt_status read_object(mlt_image *img, mlt_object *o, mlt_error *err)
{
    mlt_cursor *c[6];
    for (int i = 0; i < 6; i++) {
        c[i] = mlt_image_cursor(img, object_streams[i]);
        c[i]->record = img->objects_read;
    }
    uint64_t delta, type, edges;
    mlt_status st;
    if ((st = mlt_cursor_varint(c[0], &delta, err)))
        return st;
    if (img->objects_read > 0 && (delta == 0 || delta > UINT64_MAX - img->last_address))
        return mlt_cursor_fail(c[0], err,
                               "address delta %llu after 0x%llx: addresses must "
                               "strictly increase within 64 bits",
                               (unsigned long long)delta, (unsigned long long)img->last_address);
    o->address = img->objects_read == 0 ? delta : img->last_address + delta;
    if ((st = mlt_cursor_varint(c[1], &type, err)))
        return st;
    if (type >= img->info.type_count)
        return mlt_cursor_fail(c[1], err, "type index %llu out of range (%llu types)",
                               (unsigned long long)type, (unsigned long long)img->info.type_count);
    if ((st = mlt_cursor_varint(c[2], &o->size, err)) ||
        (st = mlt_cursor_varint(c[3], &o->refcount, err)) ||
        (st = mlt_cursor_byte(c[4], &o->flags, err)) || (st = mlt_cursor_varint(c[5], &edges, err)))
        return st;
    if (edges > img->info.edge_count - img->edges_read)
        return mlt_cursor_fail(c[5], err,
                               "object declares %llu edges but only %llu of the "
                               "summary's %llu remain",
                               (unsigned long long)edges,
                               (unsigned long long)(img->info.edge_count - img->edges_read),
                               (unsigned long long)img->info.edge_count);
    o->type = (uint32_t)type;
    o->edge_count = edges;
    img->last_address = o->address;
    img->source = img->objects_read++;
    img->edges_left = edges;
    img->edge_position = 0;
    return MLT_OK;
}

int mlt_image_next_object(mlt_image *img, mlt_object *out, mlt_error *err)
{
    if (img->failed)
        return repeat_failure(img, err);
    mlt_status st;
    mlt_edge skipped;
    while (img->edges_left > 0)
        if ((st = read_edge(img, &skipped, err)))
            return failed(img, err, st);
    if (img->objects_read == img->info.object_count) {
        if (!img->objects_finished && (st = finish_objects(img, err)))
            return failed(img, err, st);
        return 0;
    }
    if ((st = read_object(img, out, err)))
        return failed(img, err, st);
    return 1;
}

static mlt_status read_root(mlt_image *img, mlt_root *out, mlt_error *err)
{
    mlt_cursor *c = mlt_image_cursor(img, MLT_S_ROOTS);
    c->record = img->roots_read;
    uint64_t kind, object, name, context, depth;
    mlt_status st;
    if ((st = mlt_cursor_varint(c, &kind, err)) || (st = mlt_cursor_varint(c, &object, err)) ||
        (st = mlt_cursor_varint(c, &name, err)) || (st = mlt_cursor_varint(c, &context, err)) ||
        (st = mlt_cursor_varint(c, &out->thread_id, err)) ||
        (st = mlt_cursor_varint(c, &depth, err)))
        return st;
    if (kind < MLT_ROOT_MODULE_GLOBAL || kind >= MLT_ROOT_COUNT_)
        return mlt_cursor_fail(c, err, "root kind %llu is not defined (1..%d)",
                               (unsigned long long)kind, MLT_ROOT_COUNT_ - 1);
    if (object >= img->info.object_count)
        return mlt_cursor_fail(c, err, "root object %llu outside the %llu objects",
                               (unsigned long long)object,
                               (unsigned long long)img->info.object_count);
    if (name > img->info.string_count || context > img->info.string_count)
        return mlt_cursor_fail(c, err,
                               "root name/context string id+1 %llu out of range (%llu "
                               "strings)",
                               (unsigned long long)(name > context ? name : context),
                               (unsigned long long)img->info.string_count);
    if (depth > UINT32_MAX)
        return mlt_cursor_fail(c, err, "root depth %llu over 2^32", (unsigned long long)depth);
    out->kind = (mlt_root_kind)kind;
    out->object = (uint32_t)object;
    out->name = name ? (uint32_t)(name - 1) : MLT_NO_STRING;
    out->context = context ? (uint32_t)(context - 1) : MLT_NO_STRING;
    out->depth = (uint32_t)depth;
    img->roots_read++;
    return MLT_OK;
}

int mlt_image_next_root(mlt_image *img, mlt_root *out, mlt_error *err)
{
    if (img->failed)
        return repeat_failure(img, err);
    mlt_status st;
    if (img->roots_read == img->info.root_count) {
        mlt_cursor *c = mlt_image_cursor(img, MLT_S_ROOTS);
        c->record = img->roots_read;
        if ((st = mlt_cursor_finish(c, err)))
            return failed(img, err, st);
        return 0;
    }
    if ((st = read_root(img, out, err)))
        return failed(img, err, st);
    return 1;
}

static mlt_status read_preview(mlt_image *img, mlt_preview *out, mlt_error *err)
{
    mlt_cursor *c = mlt_image_cursor(img, MLT_S_PREVIEWS);
    c->record = img->previews_read;
    uint64_t delta, length;
    uint8_t kind;
    mlt_status st;
    if ((st = mlt_cursor_varint(c, &delta, err)))
        return st;
    int first = img->previews_read == 0;
    if (!first && delta == 0)
        return mlt_cursor_fail(c, err, "preview object delta 0: objects must strictly increase");
    uint64_t count = img->info.object_count;
    if (delta >= count || (!first && img->last_preview + delta >= count))
        return mlt_cursor_fail(c, err, "preview object outside the %llu objects",
                               (unsigned long long)img->info.object_count);
    uint64_t object = first ? delta : img->last_preview + delta;
    if ((st = mlt_cursor_byte(c, &kind, err)) || (st = mlt_cursor_varint(c, &length, err)))
        return st;
    unsigned base = kind & 0x7F;
    if (base < MLT_PREVIEW_STR || base > MLT_PREVIEW_FLOAT)
        return mlt_cursor_fail(c, err, "preview kind %u is not defined (1..4)", base);
    if (length > MLT_PREVIEW_MAX)
        return mlt_cursor_fail(c, err, "preview length %llu over MLT_PREVIEW_MAX (%d)",
                               (unsigned long long)length, MLT_PREVIEW_MAX);
    if ((st = mlt_cursor_bytes(c, img->preview_data, (size_t)length, err)))
        return st;
    out->object = (uint32_t)object;
    out->kind = (mlt_preview_kind)base;
    out->truncated = (kind & 0x80) != 0;
    out->data = img->preview_data;
    out->length = (uint32_t)length;
    img->last_preview = object;
    img->previews_read++;
    return MLT_OK;
}

int mlt_image_next_preview(mlt_image *img, mlt_preview *out, mlt_error *err)
{
    if (img->failed)
        return repeat_failure(img, err);
    mlt_status st;
    if (img->previews_read == img->info.preview_count) {
        mlt_cursor *c = mlt_image_cursor(img, MLT_S_PREVIEWS);
        c->record = img->previews_read;
        if ((st = mlt_cursor_finish(c, err)))
            return failed(img, err, st);
        return 0;
    }
    if ((st = read_preview(img, out, err)))
        return failed(img, err, st);
    return 1;
}
