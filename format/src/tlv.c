/* Protobuf-like tag/length/value records used by the three metadata blocks:
 * tag = (field << 3) | wire; unknown fields are skipped by readers. */
#include <string.h>

#include "internal.h"

static int put_varint(mlt_buf *b, uint64_t v)
{
    uint8_t tmp[MLT_VARINT_MAX];
    return mlt_buf_append(b, tmp, mlt_varint_encode(v, tmp));
}

int mlt_tlv_varint(mlt_buf *b, unsigned field, uint64_t v)
{
    return put_varint(b, ((uint64_t)field << 3) | MLT_WIRE_VARINT) || put_varint(b, v);
}

int mlt_tlv_fixed64(mlt_buf *b, unsigned field, uint64_t v)
{
    uint8_t tmp[8];
    mlt_put_u64(tmp, v);
    return put_varint(b, ((uint64_t)field << 3) | MLT_WIRE_FIXED64) || mlt_buf_append(b, tmp, 8);
}

double mlt_bits_to_double(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

uint64_t mlt_double_to_bits(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

int mlt_tlv_double(mlt_buf *b, unsigned field, double v)
{
    return mlt_tlv_fixed64(b, field, mlt_double_to_bits(v));
}

int mlt_tlv_bytes(mlt_buf *b, unsigned field, const void *bytes, size_t n)
{
    return put_varint(b, ((uint64_t)field << 3) | MLT_WIRE_BYTES) || put_varint(b, n) ||
           mlt_buf_append(b, bytes, n);
}

int mlt_tlv_next(const uint8_t *p, size_t len, size_t *pos, mlt_tlv_field *f, const char **what)
{
    if (*pos >= len)
        return 0;
    uint64_t tag;
    int used = mlt_varint_decode(p + *pos, len - *pos, &tag);
    if (used <= 0) {
        *what = used == 0 ? "tag runs past the end of the record" : "tag varint is malformed";
        return -1;
    }
    *pos += (size_t)used;
    f->field = tag >> 3;
    f->wire = (unsigned)(tag & 7);
    f->bytes = NULL;
    f->length = 0;
    f->value = 0;
    if (f->field == 0) {
        *what = "field number 0 is reserved";
        return -1;
    }
    switch (f->wire) {
    case MLT_WIRE_VARINT:
        used = mlt_varint_decode(p + *pos, len - *pos, &f->value);
        if (used <= 0) {
            *what = used == 0 ? "varint value runs past the end of the record"
                              : "varint value is malformed";
            return -1;
        }
        *pos += (size_t)used;
        return 1;
    case MLT_WIRE_FIXED64:
        if (len - *pos < 8) {
            *what = "fixed64 value runs past the end of the record";
            return -1;
        }
        f->value = mlt_get_u64(p + *pos);
        *pos += 8;
        return 1;
    case MLT_WIRE_BYTES:
        used = mlt_varint_decode(p + *pos, len - *pos, &f->value);
        if (used <= 0) {
            *what = used == 0 ? "length runs past the end of the record" : "length is malformed";
            return -1;
        }
        *pos += (size_t)used;
        if (f->value > len - *pos) {
            *what = "bytes value is longer than the rest of the record";
            return -1;
        }
        f->bytes = p + *pos;
        f->length = (size_t)f->value;
        *pos += f->length;
        return 1;
    default: *what = "wire type 3-7 is not defined"; return -1;
    }
}
