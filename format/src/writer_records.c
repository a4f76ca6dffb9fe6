/* The writer's API rules: image begin/end, and each record appended to its
 * column streams after checking the order and range rules of format.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "writer_internal.h"

#define SLOT(id) (mlt_writer_stream_slot(id))

static mlt_status need_image(mlt_writer *w, const char *call, mlt_error *err)
{
    if (!w)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "%s: writer is NULL", call);
    if (!w->in_image)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "%s: %s: no image is open (call mlt_writer_begin_image first; an "
                        "earlier write error aborts the image)",
                        w->path, call);
    return MLT_OK;
}

static mlt_status usage(mlt_writer *w, mlt_error *err, const char *call, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static mlt_status usage(mlt_writer *w, mlt_error *err, const char *call, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mlt_fail(err, MLT_ERR_USAGE, 0, "%s: %s: %s", w->path, call, what);
}

/* The image header and the trailer both start as a tag, a u32 length and
 * that many bytes of TLV payload. */
static mlt_status emit_section(mlt_writer *w, const char *tag, const mlt_buf *payload,
                               mlt_error *err)
{
    uint8_t fixed[MLT_TAG_LEN + 4];
    memcpy(fixed, tag, MLT_TAG_LEN);
    mlt_put_u32(fixed + MLT_TAG_LEN, (uint32_t)payload->len);
    mlt_status st = mlt_writer_emit(w, fixed, sizeof fixed, err);
    if (st == MLT_OK)
        st = mlt_writer_emit(w, payload->data, payload->len, err);
    return st;
}

mlt_status mlt_writer_begin_image(mlt_writer *w, const mlt_image_info *info, mlt_error *err)
{
    mlt_error_clear(err);
    if (!w || !info)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_writer_begin_image: NULL argument");
    if (w->in_image)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "%s: mlt_writer_begin_image: image %llu is still open (end or abort it)",
                        w->path, (unsigned long long)w->counts.sequence);
    for (int i = 0; i < MLT_WS_COUNT; i++) {
        w->streams[i].len = 0;
        if (mlt_buf_reserve(&w->streams[i], w->block_size))
            return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory for stream buffers", w->path);
    }
    mlt_buf meta = {.alloc = w->alloc};
    if (mlt_encode_image_info(info, &meta)) {
        mlt_buf_free(&meta);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", w->path);
    }
    if (meta.len > MLT_IMAGE_META_MAX) {
        mlt_buf_free(&meta);
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "%s: image metadata is %zu bytes, over the 64 KiB limit (function name "
                        "too long?)",
                        w->path, meta.len);
    }
    memset(&w->counts, 0, sizeof w->counts);
    w->counts.sequence = info->sequence;
    w->last_address = 0;
    w->edges_left = w->edge_position = 0;
    w->max_target_plus1 = w->last_preview_plus1 = w->max_preview_plus1 = 0;
    mlt_intern_reset(&w->strings);
    w->in_image = 1;
    w->image_start = w->committed;
    w->image_bytes = 0;
    XXH3_64bits_reset(w->hash);
    mlt_status st = emit_section(w, MLT_TAG_IMAGE, &meta, err);
    mlt_buf_free(&meta);
    return st == MLT_OK ? st : mlt_writer_fail_image(w, st);
}

mlt_status mlt_writer_intern(mlt_writer *w, const char *bytes, size_t length, uint32_t *id,
                             mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_intern", err);
    if (st != MLT_OK)
        return st;
    if (!bytes && length)
        return usage(w, err, "mlt_writer_intern", "NULL bytes with length %llu",
                     (unsigned long long)(length));
    if (w->strings.count >= (size_t)UINT32_MAX - 1)
        return usage(w, err, "mlt_writer_intern",
                     "too many strings (%llu; ids must stay below %llu)",
                     (unsigned long long)(w->strings.count), (unsigned long long)(UINT32_MAX));
    int found;
    if (mlt_intern_lookup(&w->strings, bytes ? bytes : "", length, id, &found))
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory interning a string", w->path);
    if (found)
        return MLT_OK;
    w->counts.string_count++;
    st = mlt_writer_put_varint(w, SLOT(MLT_S_STRINGS), length, err);
    if (st == MLT_OK)
        st = mlt_writer_put(w, SLOT(MLT_S_STRINGS), bytes, length, err);
    return st;
}

mlt_status mlt_writer_add_type(mlt_writer *w, const mlt_type *type, uint32_t *index, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_add_type", err);
    if (st != MLT_OK)
        return st;
    if (type->name >= w->counts.string_count)
        return usage(w, err, "mlt_writer_add_type",
                     "type name string id %llu out of range (%llu strings interned)",
                     (unsigned long long)(type->name),
                     (unsigned long long)(w->counts.string_count));
    if (w->counts.type_count >= UINT32_MAX)
        return usage(w, err, "mlt_writer_add_type", "too many types (%llu)",
                     (unsigned long long)(w->counts.type_count));
    int slot = SLOT(MLT_S_TYPES);
    if ((st = mlt_writer_put_varint(w, slot, type->name, err)) ||
        (st = mlt_writer_put_varint(w, slot, type->address, err)) ||
        (st = mlt_writer_put_varint(w, slot, type->basicsize, err)) ||
        (st = mlt_writer_put_varint(w, slot, type->itemsize, err)))
        return st;
    if (index)
        *index = (uint32_t)w->counts.type_count;
    w->counts.type_count++;
    return MLT_OK;
}

mlt_status mlt_writer_add_object(mlt_writer *w, const mlt_object *o, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_add_object", err);
    if (st != MLT_OK)
        return st;
    uint64_t n = w->counts.object_count;
    if (w->edges_left)
        return usage(w, err, "mlt_writer_add_object", "object %llu still expects %llu more edges",
                     (unsigned long long)(n - 1), (unsigned long long)(w->edges_left));
    if (n > 0 && o->address <= w->last_address)
        return usage(w, err, "mlt_writer_add_object",
                     "address 0x%llx is not above the previous object's 0x%llx "
                     "(addresses must strictly increase)",
                     (unsigned long long)o->address, (unsigned long long)w->last_address);
    if (o->type >= w->counts.type_count)
        return usage(w, err, "mlt_writer_add_object",
                     "type index %llu out of range (%llu types added)",
                     (unsigned long long)(o->type), (unsigned long long)(w->counts.type_count));
    if (n >= (uint64_t)UINT32_MAX + 1)
        return usage(w, err, "mlt_writer_add_object", "too many objects (%llu; indices are 32-bit)",
                     (unsigned long long)(n));
    uint64_t delta = n == 0 ? o->address : o->address - w->last_address;
    if ((st = mlt_writer_put_varint(w, SLOT(MLT_S_OBJ_ADDR), delta, err)) ||
        (st = mlt_writer_put_varint(w, SLOT(MLT_S_OBJ_TYPE), o->type, err)) ||
        (st = mlt_writer_put_varint(w, SLOT(MLT_S_OBJ_SIZE), o->size, err)) ||
        (st = mlt_writer_put_varint(w, SLOT(MLT_S_OBJ_REFCNT), o->refcount, err)) ||
        (st = mlt_writer_put(w, SLOT(MLT_S_OBJ_FLAGS), &o->flags, 1, err)) ||
        (st = mlt_writer_put_varint(w, SLOT(MLT_S_OBJ_EDGES), o->edge_count, err)))
        return st;
    w->last_address = o->address;
    w->edges_left = o->edge_count;
    w->edge_position = 0;
    w->counts.object_count++;
    return MLT_OK;
}

static mlt_status check_edge(mlt_writer *w, const mlt_edge *e, mlt_error *err)
{
    if (e->label_kind >= MLT_LABEL_COUNT_)
        return usage(w, err, "mlt_writer_add_edges",
                     "label kind %llu is not an mlt_label_kind (< %llu)",
                     (unsigned long long)(e->label_kind), (unsigned long long)(MLT_LABEL_COUNT_));
    if (mlt_label_has_string_id(e->label_kind) && e->label >= w->counts.string_count)
        return usage(w, err, "mlt_writer_add_edges",
                     "label string id %llu out of range (%llu strings interned)",
                     (unsigned long long)(e->label), (unsigned long long)(w->counts.string_count));
    if (e->label_kind == MLT_LABEL_KEY_OBJ && e->label > UINT32_MAX)
        return usage(w, err, "mlt_writer_add_edges",
                     "key object index %llu is not a 32-bit object index",
                     (unsigned long long)(e->label));
    return MLT_OK;
}

static mlt_status put_label(mlt_writer *w, const mlt_edge *e, uint64_t source, mlt_error *err)
{
    int slot = SLOT(MLT_S_EDGE_LABEL);
    mlt_status st = mlt_writer_put_varint(w, slot, e->label_kind, err);
    if (st != MLT_OK)
        return st;
    switch (e->label_kind) {
    case MLT_LABEL_NONE: return MLT_OK;
    case MLT_LABEL_INDEX:
        return mlt_writer_put_varint(w, slot, mlt_zigzag((int64_t)(e->label - w->edge_position)),
                                     err);
    case MLT_LABEL_KEY_OBJ:
        if (e->label + 1 > w->max_target_plus1)
            w->max_target_plus1 = e->label + 1;
        return mlt_writer_put_varint(w, slot, mlt_zigzag((int64_t)e->label - (int64_t)source), err);
    default: return mlt_writer_put_varint(w, slot, e->label, err);
    }
}

mlt_status mlt_writer_add_edges(mlt_writer *w, const mlt_edge *edges, size_t count, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_add_edges", err);
    if (st != MLT_OK)
        return st;
    if (count > w->edges_left)
        return usage(w, err, "mlt_writer_add_edges",
                     "%llu edges given but the current object expects %llu more",
                     (unsigned long long)(count), (unsigned long long)(w->edges_left));
    uint64_t source = w->counts.object_count - 1;
    for (size_t i = 0; i < count; i++) {
        const mlt_edge *e = &edges[i];
        if ((st = check_edge(w, e, err)))
            return st;
        int64_t delta = (int64_t)e->target - (int64_t)source;
        if ((st = mlt_writer_put_varint(w, SLOT(MLT_S_EDGE_TARGET), mlt_zigzag(delta), err)) ||
            (st = put_label(w, e, source, err)))
            return st;
        if ((uint64_t)e->target + 1 > w->max_target_plus1)
            w->max_target_plus1 = e->target + 1ull;
        w->edge_position++;
        w->edges_left--;
        w->counts.edge_count++;
    }
    return MLT_OK;
}

mlt_status mlt_writer_add_root(mlt_writer *w, const mlt_root *r, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_add_root", err);
    if (st != MLT_OK)
        return st;
    if (r->kind < MLT_ROOT_MODULE_GLOBAL || r->kind >= MLT_ROOT_COUNT_)
        return usage(w, err, "mlt_writer_add_root",
                     "root kind %llu is not an mlt_root_kind (1..%llu)",
                     (unsigned long long)((unsigned long long)r->kind),
                     (unsigned long long)(MLT_ROOT_COUNT_ - 1));
    if ((r->name != MLT_NO_STRING && r->name >= w->counts.string_count) ||
        (r->context != MLT_NO_STRING && r->context >= w->counts.string_count))
        return usage(w, err, "mlt_writer_add_root",
                     "root name %lld / context %lld: string id out of range (%llu strings "
                     "interned; -1 = none)",
                     r->name == MLT_NO_STRING ? -1ll : (long long)r->name,
                     r->context == MLT_NO_STRING ? -1ll : (long long)r->context,
                     (unsigned long long)w->counts.string_count);
    uint64_t name = r->name == MLT_NO_STRING ? 0 : (uint64_t)r->name + 1;
    uint64_t context = r->context == MLT_NO_STRING ? 0 : (uint64_t)r->context + 1;
    int slot = SLOT(MLT_S_ROOTS);
    if ((st = mlt_writer_put_varint(w, slot, (uint64_t)r->kind, err)) ||
        (st = mlt_writer_put_varint(w, slot, r->object, err)) ||
        (st = mlt_writer_put_varint(w, slot, name, err)) ||
        (st = mlt_writer_put_varint(w, slot, context, err)) ||
        (st = mlt_writer_put_varint(w, slot, r->thread_id, err)) ||
        (st = mlt_writer_put_varint(w, slot, r->depth, err)))
        return st;
    if ((uint64_t)r->object + 1 > w->max_target_plus1)
        w->max_target_plus1 = r->object + 1ull;
    w->counts.root_count++;
    return MLT_OK;
}

mlt_status mlt_writer_add_preview(mlt_writer *w, const mlt_preview *p, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_add_preview", err);
    if (st != MLT_OK)
        return st;
    if (p->kind < MLT_PREVIEW_STR || p->kind > MLT_PREVIEW_FLOAT)
        return usage(w, err, "mlt_writer_add_preview",
                     "preview kind %llu is not an mlt_preview_kind (1..%llu)",
                     (unsigned long long)((unsigned long long)p->kind),
                     (unsigned long long)(MLT_PREVIEW_FLOAT));
    if (p->length > MLT_PREVIEW_MAX || (!p->data && p->length))
        return usage(w, err, "mlt_writer_add_preview",
                     "preview length %llu is over MLT_PREVIEW_MAX (%llu) or data is NULL",
                     (unsigned long long)(p->length), (unsigned long long)(MLT_PREVIEW_MAX));
    uint64_t index = p->object;
    if (w->counts.preview_count > 0 && index + 1 <= w->last_preview_plus1)
        return usage(w, err, "mlt_writer_add_preview",
                     "preview object %llu is not above the previous preview's %llu",
                     (unsigned long long)(index), (unsigned long long)(w->last_preview_plus1 - 1));
    uint64_t delta = w->counts.preview_count == 0 ? index : index + 1 - w->last_preview_plus1;
    uint8_t kind = (uint8_t)(p->kind | (p->truncated ? 0x80 : 0));
    int slot = SLOT(MLT_S_PREVIEWS);
    if ((st = mlt_writer_put_varint(w, slot, delta, err)) ||
        (st = mlt_writer_put(w, slot, &kind, 1, err)) ||
        (st = mlt_writer_put_varint(w, slot, p->length, err)) ||
        (st = mlt_writer_put(w, slot, p->data, p->length, err)))
        return st;
    w->last_preview_plus1 = index + 1;
    if (index + 1 > w->max_target_plus1)
        w->max_target_plus1 = index + 1;
    w->counts.preview_count++;
    return MLT_OK;
}

static mlt_status write_trailer(mlt_writer *w, uint64_t pause_ns, mlt_error *err)
{
    w->counts.pause_ns = pause_ns;
    mlt_buf summary = {.alloc = w->alloc};
    if (mlt_encode_summary(&w->counts, &summary)) {
        mlt_buf_free(&summary);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", w->path);
    }
    mlt_status st = emit_section(w, MLT_TAG_TRAILER, &summary, err);
    mlt_buf_free(&summary);
    if (st != MLT_OK)
        return st;
    uint8_t length[8];
    mlt_put_u64(length, w->image_bytes + 16);
    st = mlt_writer_emit(w, length, 8, err);
    if (st != MLT_OK)
        return st;
    uint8_t sum[8];
    mlt_put_u64(sum, XXH3_64bits_digest(w->hash));
    w->in_image = 0; /* the checksum itself is not hashed */
    st = mlt_writer_emit(w, sum, 8, err);
    w->in_image = 1;
    return st;
}

mlt_status mlt_writer_end_image(mlt_writer *w, uint64_t pause_ns, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_end_image", err);
    if (st != MLT_OK)
        return st;
    if (w->edges_left)
        return usage(
            w, err, "mlt_writer_end_image", "the last object (%llu) still expects %llu edges",
            (unsigned long long)(w->counts.object_count - 1), (unsigned long long)(w->edges_left));
    if (w->max_target_plus1 > w->counts.object_count)
        return usage(w, err, "mlt_writer_end_image",
                     "an edge, key, root or preview refers to object %llu but the image "
                     "has %llu objects",
                     (unsigned long long)(w->max_target_plus1 - 1),
                     (unsigned long long)w->counts.object_count);
    if ((st = mlt_writer_flush_streams(w, err)))
        return st;
    if ((st = write_trailer(w, pause_ns, err)) || (st = mlt_writer_flush_out(w, err)))
        return mlt_writer_fail_image(w, st);
    w->committed += w->image_bytes + 8;
    w->in_image = 0;
    mlt_intern_reset(&w->strings);
    return MLT_OK;
}

mlt_status mlt_writer_abort_image(mlt_writer *w, mlt_error *err)
{
    mlt_status st = need_image(w, "mlt_writer_abort_image", err);
    if (st != MLT_OK)
        return st;
    mlt_writer_cut_image(w);
    return MLT_OK;
}
