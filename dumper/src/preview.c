/* Value previews (opt-in, bounded by value_cap): the text of str, the bytes of
 * bytes, the decimal of int and the repr of float, computed into C buffers. */
#include "walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ints wider than this many bits are not converted (the quadratic base
 * conversion below would cost too much inside the pause). */
#define BIG_INT_MAX_BITS 8192

static void store(mld_walker *w, PyObject *op, mlt_preview_kind kind, const char *data,
                  size_t length, int truncated)
{
    mld_snap_preview *p = mld_snapshot_add_preview(w->snap, data, length);
    if (p != NULL) {
        p->object = (uint64_t)(uintptr_t)op;
        p->kind = (uint32_t)kind;
        p->truncated = (uint32_t)truncated;
    }
}

static int as_byte_array(PyObject *op, unsigned char *buf, size_t n)
{
#if MLD_PY_AT_LEAST(3, 13)
    return _PyLong_AsByteArray((PyLongObject *)op, buf, n, 1, 1, 0);
#else
    return _PyLong_AsByteArray((PyLongObject *)op, buf, n, 1, 1);
#endif
}

/* Decimal digits of a little-endian two's complement number, most significant
 * first; returns the length written into out (capacity cap). */
static size_t big_decimal(const mlt_allocator *a, unsigned char *bytes, size_t n, char *out,
                          size_t cap, int *truncated)
{
    int negative = n > 0 && (bytes[n - 1] & 0x80);
    if (negative) { /* magnitude = two's complement */
        int carry = 1;
        for (size_t i = 0; i < n; i++) {
            unsigned v = (unsigned)(unsigned char)~bytes[i] + (unsigned)carry;
            bytes[i] = (unsigned char)v;
            carry = v >> 8;
        }
    }
    size_t nwords = (n + 3) / 4;
    uint32_t *words = mlt_mem_calloc(a, nwords ? nwords : 1, sizeof(uint32_t));
    char *digits = mlt_mem_alloc(a, n * 3 + 16);
    if (words == NULL || digits == NULL) {
        mlt_mem_free(a, words);
        mlt_mem_free(a, digits);
        *truncated = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        words[i / 4] |= (uint32_t)bytes[i] << (8 * (i % 4));
    }
    size_t ndigits = 0, live = nwords;
    while (live > 0) { /* divide by 10^9, collecting 9 digits at a time */
        uint64_t rem = 0;
        for (size_t i = live; i-- > 0;) {
            uint64_t cur = (rem << 32) | words[i];
            words[i] = (uint32_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        while (live > 0 && words[live - 1] == 0) {
            live--;
        }
        for (int k = 0; k < 9 && (live > 0 || rem > 0); k++) {
            digits[ndigits++] = (char)('0' + rem % 10);
            rem /= 10;
        }
    }
    size_t used = 0;
    if (negative && used < cap) {
        out[used++] = '-';
    }
    for (size_t i = ndigits; i-- > 0 && used < cap;) {
        out[used++] = digits[i];
    }
    *truncated = used < ndigits + (size_t)negative;
    mlt_mem_free(a, words);
    mlt_mem_free(a, digits);
    return used;
}

static void int_preview(mld_walker *w, PyObject *op, size_t cap)
{
    char buf[MLT_PREVIEW_MAX];
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(op, &overflow);
    if (!overflow) {
        int n = snprintf(buf, sizeof(buf), "%lld", v);
        size_t len = (size_t)n;
        store(w, op, MLT_PREVIEW_INT, buf, len > cap ? cap : len, len > cap);
        return;
    }
    PyErr_Clear();
    size_t bits = _PyLong_NumBits(op);
    if (bits == (size_t)-1 || bits > BIG_INT_MAX_BITS) {
        PyErr_Clear();
        return;
    }
    size_t nbytes = bits / 8 + 1;
    unsigned char *bytes = mlt_mem_alloc(w->alloc, nbytes);
    if (bytes == NULL) {
        return;
    }
    if (as_byte_array(op, bytes, nbytes) == 0) {
        int truncated = 0;
        size_t len = big_decimal(w->alloc, bytes, nbytes, buf, cap, &truncated);
        store(w, op, MLT_PREVIEW_INT, buf, len, truncated);
    } else {
        PyErr_Clear();
    }
    mlt_mem_free(w->alloc, bytes);
}

static void float_preview(mld_walker *w, PyObject *op, size_t cap)
{
    char *text = PyOS_double_to_string(PyFloat_AS_DOUBLE(op), 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (text == NULL) {
        PyErr_Clear();
        return;
    }
    size_t len = strlen(text);
    store(w, op, MLT_PREVIEW_FLOAT, text, len > cap ? cap : len, len > cap);
    PyMem_Free(text);
}

void mld_walk_preview(mld_walker *w, PyObject *op)
{
    size_t cap = w->value_cap < MLT_PREVIEW_MAX ? w->value_cap : MLT_PREVIEW_MAX;
    if (cap == 0) {
        return;
    }
    if (PyUnicode_CheckExact(op)) {
        char buf[MLT_PREVIEW_MAX];
        int truncated;
        size_t len = mld_text_utf8(op, buf, cap, &truncated);
        store(w, op, MLT_PREVIEW_STR, buf, len, truncated);
    } else if (PyBytes_CheckExact(op)) {
        size_t len = (size_t)PyBytes_GET_SIZE(op);
        store(w, op, MLT_PREVIEW_BYTES, PyBytes_AS_STRING(op), len > cap ? cap : len, len > cap);
    } else if (PyLong_CheckExact(op)) {
        int_preview(w, op, cap);
    } else if (PyFloat_CheckExact(op)) {
        float_preview(w, op, cap);
    }
}
