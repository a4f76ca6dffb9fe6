/* Unsigned LEB128: 7 bits per byte, low bits first, high bit = more follows. */
#include "internal.h"

size_t mlt_varint_encode(uint64_t v, uint8_t *out)
{
    size_t n = 0;
    while (v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

int mlt_varint_decode(const uint8_t *p, size_t len, uint64_t *v)
{
    uint64_t result = 0;
    for (size_t i = 0; i < MLT_VARINT_MAX; i++) {
        if (i == len)
            return 0;
        uint8_t byte = p[i];
        /* The tenth byte carries bit 63 only; anything more overflows. */
        if (i == MLT_VARINT_MAX - 1 && byte > 1)
            return -1;
        result |= (uint64_t)(byte & 0x7F) << (7 * i);
        if (!(byte & 0x80)) {
            *v = result;
            return (int)i + 1;
        }
    }
    return -1;
}
