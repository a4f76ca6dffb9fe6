/* UTF-8 text of str objects without PyUnicode_AsUTF8 (which caches a UTF-8
 * copy inside the object and may allocate): encodes from the canonical
 * 1/2/4-byte representation into a caller's C buffer. */
#include "walk.h"

#include <string.h>

static size_t encode_point(Py_UCS4 ch, char *out)
{
    if (ch < 0x80) {
        out[0] = (char)ch;
        return 1;
    }
    if (ch < 0x800) {
        out[0] = (char)(0xC0 | (ch >> 6));
        out[1] = (char)(0x80 | (ch & 0x3F));
        return 2;
    }
    if (ch < 0x10000) {
        /* Lone surrogates are kept as their 3-byte form, as "surrogatepass" does. */
        out[0] = (char)(0xE0 | (ch >> 12));
        out[1] = (char)(0x80 | ((ch >> 6) & 0x3F));
        out[2] = (char)(0x80 | (ch & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (ch >> 18));
    out[1] = (char)(0x80 | ((ch >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((ch >> 6) & 0x3F));
    out[3] = (char)(0x80 | (ch & 0x3F));
    return 4;
}

static int str_is_readable(PyObject *str)
{
#if !MLD_PY_AT_LEAST(3, 12)
    /* Legacy (wstr-only) strings need PyUnicode_READY, which allocates. */
    return PyUnicode_IS_READY(str);
#else
    (void)str;
    return 1;
#endif
}

size_t mld_text_utf8(PyObject *str, char *buf, size_t cap, int *truncated)
{
    *truncated = 0;
    if (!PyUnicode_Check(str) || !str_is_readable(str)) {
        *truncated = 1;
        return 0;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (PyUnicode_IS_ASCII(str)) {
        size_t len = (size_t)n;
        if (len > cap) {
            len = cap;
            *truncated = 1;
        }
        memcpy(buf, PyUnicode_DATA(str), len);
        return len;
    }
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    size_t used = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char point[4];
        size_t width = encode_point(PyUnicode_READ(kind, data, i), point);
        if (used + width > cap) {
            *truncated = 1;
            break;
        }
        memcpy(buf + used, point, width);
        used += width;
    }
    return used;
}
