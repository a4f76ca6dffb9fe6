/* The three TLV records: file header metadata, image metadata, image summary.
 * Field numbers are listed in internal.h and docs/format.md. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int put_string(mlt_buf *b, unsigned field, const char *s)
{
    return s ? mlt_tlv_bytes(b, field, s, strlen(s)) : 0;
}

int mlt_encode_file_info(const mlt_file_info *info, mlt_buf *out)
{
    int bad = put_string(out, MLT_FM_PRODUCER, info->producer) ||
              put_string(out, MLT_FM_PY_VERSION, info->python_version) ||
              mlt_tlv_varint(out, MLT_FM_PY_HEX, info->python_hexversion) ||
              put_string(out, MLT_FM_PY_IMPL, info->python_implementation) ||
              put_string(out, MLT_FM_PY_BUILD, info->python_build) ||
              mlt_tlv_varint(out, MLT_FM_GC_PRE, info->gc_preheader_size) ||
              put_string(out, MLT_FM_PLATFORM, info->platform) ||
              mlt_tlv_varint(out, MLT_FM_PTR_SIZE, info->pointer_size) ||
              mlt_tlv_varint(out, MLT_FM_BYTE_ORDER, (uint64_t)info->byte_order) ||
              mlt_tlv_varint(out, MLT_FM_PID, info->pid) ||
              mlt_tlv_fixed64(out, MLT_FM_RUN_ID, info->run_id) ||
              mlt_tlv_varint(out, MLT_FM_ARGV_WITHHELD, info->argv_withheld ? 1 : 0);
    for (uint32_t i = 0; !bad && info->argv && i < info->argc; i++)
        bad = mlt_tlv_bytes(out, MLT_FM_ARGV, info->argv[i] ? info->argv[i] : "",
                            info->argv[i] ? strlen(info->argv[i]) : 0);
    bad = bad || mlt_tlv_double(out, MLT_FM_START_TIME, info->start_time);
    if (!bad && info->launch_id != 0) /* lineage: written together or not at all */
        bad = mlt_tlv_varint(out, MLT_FM_PARENT_PID, info->parent_pid) ||
              mlt_tlv_fixed64(out, MLT_FM_PARENT_RUN_ID, info->parent_run_id) ||
              mlt_tlv_fixed64(out, MLT_FM_LAUNCH_ID, info->launch_id);
    return bad;
}

int mlt_encode_image_info(const mlt_image_info *info, mlt_buf *out)
{
    int bad = mlt_tlv_varint(out, MLT_IM_SEQUENCE, info->sequence);
    if (!bad && info->has_base)
        bad = mlt_tlv_varint(out, MLT_IM_BASE, info->base_sequence);
    bad = bad || mlt_tlv_fixed64(out, MLT_IM_RUN_ID, info->run_id) ||
          mlt_tlv_varint(out, MLT_IM_PID, info->pid) ||
          mlt_tlv_double(out, MLT_IM_WALL, info->wall_time) ||
          mlt_tlv_double(out, MLT_IM_MONO, info->monotonic_time) ||
          mlt_tlv_varint(out, MLT_IM_TRIGGER, (uint64_t)info->trigger) ||
          mlt_tlv_varint(out, MLT_IM_CALLS_SO_FAR, info->call_counter) ||
          put_string(out, MLT_IM_FUNCTION, info->function) ||
          mlt_tlv_varint(out, MLT_IM_CRIT_KIND, (uint64_t)info->criterion.kind) ||
          mlt_tlv_double(out, MLT_IM_LIFETIME, info->criterion.lifetime) ||
          mlt_tlv_double(out, MLT_IM_WARMUP, info->criterion.warmup) ||
          mlt_tlv_varint(out, MLT_IM_CALLS, info->criterion.calls) ||
          mlt_tlv_varint(out, MLT_IM_WARMUP_CALLS, info->criterion.warmup_calls) ||
          mlt_tlv_varint(out, MLT_IM_IDENTITY, (uint64_t)info->identity);
    /* Absent for full images, so they stay byte-identical to older writers'. */
    if (!bad && info->kind != MLT_IMAGE_FULL)
        bad = mlt_tlv_varint(out, MLT_IM_KIND, (uint64_t)info->kind);
    return bad;
}

int mlt_encode_summary(const mlt_image_info *c, mlt_buf *out)
{
    return mlt_tlv_varint(out, MLT_SM_OBJECTS, c->object_count) ||
           mlt_tlv_varint(out, MLT_SM_EDGES, c->edge_count) ||
           mlt_tlv_varint(out, MLT_SM_ROOTS, c->root_count) ||
           mlt_tlv_varint(out, MLT_SM_TYPES, c->type_count) ||
           mlt_tlv_varint(out, MLT_SM_STRINGS, c->string_count) ||
           mlt_tlv_varint(out, MLT_SM_PREVIEWS, c->preview_count) ||
           mlt_tlv_varint(out, MLT_SM_PAUSE, c->pause_ns);
}

void mlt_strlist_free(mlt_strlist *l)
{
    for (size_t i = 0; i < l->count; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->count = l->cap = 0;
}

static char *copy_bytes(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static char *strlist_add(mlt_strlist *l, const uint8_t *p, size_t n)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **grown = realloc(l->items, cap * sizeof *grown);
        if (!grown)
            return NULL;
        l->items = grown;
        l->cap = cap;
    }
    char *s = copy_bytes(p, n);
    if (s)
        l->items[l->count++] = s;
    return s;
}

/* Checks the wire type a known field must have. */
static int wire_ok(const mlt_tlv_field *f, unsigned want)
{
    return f->wire == want;
}

static mlt_status bad_field(mlt_error *err, const char *where, uint64_t offset, const char *record,
                            const mlt_tlv_field *f, const char *expected)
{
    return mlt_fail(err, MLT_ERR_FORMAT, offset, "%s: %s field %llu: expected %s", where, record,
                    (unsigned long long)f->field, expected);
}

static mlt_status file_field(const mlt_tlv_field *f, mlt_file_info *info, mlt_strlist *owned,
                             mlt_buf *argv_idx, const char *where, uint64_t offset, mlt_error *err)
{
    const char **slot = NULL;
    switch (f->field) {
    case MLT_FM_PRODUCER: slot = &info->producer; break;
    case MLT_FM_PY_VERSION: slot = &info->python_version; break;
    case MLT_FM_PY_IMPL: slot = &info->python_implementation; break;
    case MLT_FM_PY_BUILD: slot = &info->python_build; break;
    case MLT_FM_PLATFORM: slot = &info->platform; break;
    case MLT_FM_ARGV: {
        if (!wire_ok(f, MLT_WIRE_BYTES))
            return bad_field(err, where, offset, "file metadata", f, "bytes (wire 2)");
        size_t index = owned->count;
        if (!strlist_add(owned, f->bytes, f->length) ||
            mlt_buf_append(argv_idx, &index, sizeof index))
            return mlt_fail(err, MLT_ERR_NOMEM, offset, "%s: out of memory reading argv", where);
        return MLT_OK;
    }
    case MLT_FM_RUN_ID:
    case MLT_FM_START_TIME:
    case MLT_FM_PARENT_RUN_ID:
    case MLT_FM_LAUNCH_ID:
        if (!wire_ok(f, MLT_WIRE_FIXED64))
            return bad_field(err, where, offset, "file metadata", f, "fixed64 (wire 1)");
        if (f->field == MLT_FM_RUN_ID)
            info->run_id = f->value;
        else if (f->field == MLT_FM_PARENT_RUN_ID)
            info->parent_run_id = f->value;
        else if (f->field == MLT_FM_LAUNCH_ID)
            info->launch_id = f->value;
        else
            info->start_time = mlt_bits_to_double(f->value);
        return MLT_OK;
    case MLT_FM_PY_HEX:
    case MLT_FM_GC_PRE:
    case MLT_FM_PTR_SIZE:
    case MLT_FM_BYTE_ORDER:
    case MLT_FM_PID:
    case MLT_FM_PARENT_PID:
    case MLT_FM_ARGV_WITHHELD:
        if (!wire_ok(f, MLT_WIRE_VARINT))
            return bad_field(err, where, offset, "file metadata", f, "varint (wire 0)");
        if ((f->field == MLT_FM_GC_PRE || f->field == MLT_FM_PTR_SIZE) && f->value > UINT32_MAX)
            return bad_field(err, where, offset, "file metadata", f, "a value below 2^32");
        if (f->field == MLT_FM_PY_HEX)
            info->python_hexversion = f->value;
        else if (f->field == MLT_FM_GC_PRE)
            info->gc_preheader_size = (uint32_t)f->value;
        else if (f->field == MLT_FM_PTR_SIZE)
            info->pointer_size = (uint32_t)f->value;
        else if (f->field == MLT_FM_BYTE_ORDER)
            info->byte_order = f->value ? MLT_BYTE_ORDER_BIG : MLT_BYTE_ORDER_LITTLE;
        else if (f->field == MLT_FM_PID)
            info->pid = f->value;
        else if (f->field == MLT_FM_PARENT_PID)
            info->parent_pid = f->value;
        else
            info->argv_withheld = f->value != 0;
        return MLT_OK;
    default: return MLT_OK; /* unknown: skipped, written by a newer minor version */
    }
    if (!wire_ok(f, MLT_WIRE_BYTES))
        return bad_field(err, where, offset, "file metadata", f, "bytes (wire 2)");
    char *s = strlist_add(owned, f->bytes, f->length);
    if (!s)
        return mlt_fail(err, MLT_ERR_NOMEM, offset, "%s: out of memory", where);
    *slot = s;
    return MLT_OK;
}

mlt_status mlt_decode_file_info(const uint8_t *p, size_t len, mlt_file_info *info,
                                mlt_strlist *owned, const char ***argv_out, const char *where,
                                uint64_t offset, mlt_error *err)
{
    mlt_buf argv_idx = {0};
    size_t pos = 0;
    mlt_tlv_field f;
    const char *what = NULL;
    int more;
    mlt_status st = MLT_OK;
    while (st == MLT_OK && (more = mlt_tlv_next(p, len, &pos, &f, &what)) == 1)
        st = file_field(&f, info, owned, &argv_idx, where, offset, err);
    if (st == MLT_OK && more < 0)
        st = mlt_fail(err, MLT_ERR_FORMAT, offset + pos, "%s: offset %llu: file metadata: %s",
                      where, (unsigned long long)(offset + pos), what);
    size_t argc = argv_idx.len / sizeof(size_t);
    if (st == MLT_OK && argc > 0) {
        const char **argv = calloc(argc + 1, sizeof *argv);
        if (!argv) {
            st = mlt_fail(err, MLT_ERR_NOMEM, offset, "%s: out of memory", where);
        } else {
            for (size_t i = 0; i < argc; i++) {
                size_t index;
                memcpy(&index, argv_idx.data + i * sizeof index, sizeof index);
                argv[i] = owned->items[index];
            }
            info->argc = (uint32_t)argc;
            info->argv = argv;
            *argv_out = argv;
        }
    }
    mlt_buf_free(&argv_idx);
    return st;
}

static mlt_status image_field(const mlt_tlv_field *f, mlt_image_info *info, char **function_out,
                              const char *where, uint64_t offset, mlt_error *err)
{
    unsigned want;
    switch (f->field) {
    case MLT_IM_RUN_ID:
    case MLT_IM_WALL:
    case MLT_IM_MONO:
    case MLT_IM_LIFETIME:
    case MLT_IM_WARMUP: want = MLT_WIRE_FIXED64; break;
    case MLT_IM_FUNCTION: want = MLT_WIRE_BYTES; break;
    default:
        if (f->field > MLT_IM_KIND)
            return MLT_OK; /* unknown: skipped */
        want = MLT_WIRE_VARINT;
    }
    if (f->wire != want)
        return bad_field(err, where, offset, "image metadata", f,
                         want == MLT_WIRE_VARINT  ? "varint (wire 0)"
                         : want == MLT_WIRE_BYTES ? "bytes (wire 2)"
                                                  : "fixed64 (wire 1)");
    double d = mlt_bits_to_double(f->value);
    switch (f->field) {
    case MLT_IM_SEQUENCE: info->sequence = f->value; break;
    case MLT_IM_BASE:
        info->has_base = 1;
        info->base_sequence = f->value;
        break;
    case MLT_IM_RUN_ID: info->run_id = f->value; break;
    case MLT_IM_PID: info->pid = f->value; break;
    case MLT_IM_WALL: info->wall_time = d; break;
    case MLT_IM_MONO: info->monotonic_time = d; break;
    case MLT_IM_TRIGGER: info->trigger = (mlt_trigger)(f->value > 255 ? 0 : f->value); break;
    case MLT_IM_CALLS_SO_FAR: info->call_counter = f->value; break;
    case MLT_IM_CRIT_KIND:
        info->criterion.kind = (mlt_criterion_kind)(f->value > 255 ? 0 : f->value);
        break;
    case MLT_IM_LIFETIME: info->criterion.lifetime = d; break;
    case MLT_IM_WARMUP: info->criterion.warmup = d; break;
    case MLT_IM_CALLS: info->criterion.calls = f->value; break;
    case MLT_IM_WARMUP_CALLS: info->criterion.warmup_calls = f->value; break;
    case MLT_IM_IDENTITY:
        info->identity = (mlt_identity_source)(f->value > 255 ? 0 : f->value);
        break;
    case MLT_IM_KIND:
        /* An unknown kind must not pass for a full image: decoding refuses it. */
        info->kind = (mlt_image_kind)(f->value > 255 ? 255 : f->value);
        break;
    case MLT_IM_FUNCTION: {
        char *s = copy_bytes(f->bytes, f->length);
        if (!s)
            return mlt_fail(err, MLT_ERR_NOMEM, offset, "%s: out of memory", where);
        free(*function_out);
        *function_out = s;
        info->function = s;
        break;
    }
    }
    return MLT_OK;
}

mlt_status mlt_decode_image_info(const uint8_t *p, size_t len, mlt_image_info *info,
                                 char **function_out, const char *where, uint64_t offset,
                                 mlt_error *err)
{
    size_t pos = 0;
    mlt_tlv_field f;
    const char *what = NULL;
    int more;
    while ((more = mlt_tlv_next(p, len, &pos, &f, &what)) == 1) {
        mlt_status st = image_field(&f, info, function_out, where, offset, err);
        if (st != MLT_OK)
            return st;
    }
    if (more < 0)
        return mlt_fail(err, MLT_ERR_FORMAT, offset + pos, "%s: offset %llu: image metadata: %s",
                        where, (unsigned long long)(offset + pos), what);
    return MLT_OK;
}

mlt_status mlt_decode_summary(const uint8_t *p, size_t len, mlt_image_info *info, const char *where,
                              uint64_t offset, mlt_error *err)
{
    size_t pos = 0;
    mlt_tlv_field f;
    const char *what = NULL;
    int more;
    while ((more = mlt_tlv_next(p, len, &pos, &f, &what)) == 1) {
        if (f.field > MLT_SM_PAUSE)
            continue;
        if (f.wire != MLT_WIRE_VARINT)
            return bad_field(err, where, offset, "image summary", &f, "varint (wire 0)");
        switch (f.field) {
        case MLT_SM_OBJECTS: info->object_count = f.value; break;
        case MLT_SM_EDGES: info->edge_count = f.value; break;
        case MLT_SM_ROOTS: info->root_count = f.value; break;
        case MLT_SM_TYPES: info->type_count = f.value; break;
        case MLT_SM_STRINGS: info->string_count = f.value; break;
        case MLT_SM_PREVIEWS: info->preview_count = f.value; break;
        case MLT_SM_PAUSE: info->pause_ns = f.value; break;
        }
    }
    if (more < 0)
        return mlt_fail(err, MLT_ERR_FORMAT, offset + pos, "%s: offset %llu: image summary: %s",
                        where, (unsigned long long)(offset + pos), what);
    return MLT_OK;
}
