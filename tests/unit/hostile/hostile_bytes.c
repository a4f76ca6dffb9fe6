/* Builds dump bytes by the spec (see hostile_bytes.h for why not the writer). */
#include "hostile_bytes.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>
#include <zstd.h>

void hb_bytes(hbuf *b, const void *bytes, size_t n)
{
    if (b->length + n > b->capacity) {
        size_t capacity = b->capacity ? b->capacity : 256;
        while (capacity < b->length + n)
            capacity *= 2;
        b->data = realloc(b->data, capacity);
        ck_assert_ptr_nonnull(b->data);
        b->capacity = capacity;
    }
    if (n)
        memcpy(b->data + b->length, bytes, n);
    b->length += n;
}

void hb_u32(hbuf *b, uint32_t v)
{
    uint8_t le[4];
    for (int i = 0; i < 4; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    hb_bytes(b, le, 4);
}

void hb_u64(hbuf *b, uint64_t v)
{
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(v >> (8 * i));
    hb_bytes(b, le, 8);
}

void hb_varint(hbuf *b, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7F);
        v >>= 7;
        if (v)
            byte |= 0x80;
        hb_bytes(b, &byte, 1);
    } while (v);
}

void hb_zigzag(hbuf *b, int64_t v)
{
    hb_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void hb_free(hbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* TLV fields (docs/format.md 2.4). */
static void tlv_varint(hbuf *b, unsigned field, uint64_t v)
{
    hb_varint(b, (uint64_t)field << 3);
    hb_varint(b, v);
}

static void tlv_fixed(hbuf *b, unsigned field, uint64_t bits)
{
    hb_varint(b, (uint64_t)field << 3 | 1);
    hb_u64(b, bits);
}

static void tlv_double(hbuf *b, unsigned field, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    tlv_fixed(b, field, bits);
}

static void tlv_string(hbuf *b, unsigned field, const char *text)
{
    hb_varint(b, (uint64_t)field << 3 | 2);
    hb_varint(b, strlen(text));
    hb_bytes(b, text, strlen(text));
}

void hfile_header(hbuf *out, uint64_t pid, uint64_t run_id)
{
    hbuf meta = {0};
    tlv_string(&meta, 1, "hostile-test");
    tlv_varint(&meta, 8, 8);
    tlv_varint(&meta, 10, pid);
    tlv_fixed(&meta, 11, run_id);
    size_t start = out->length;
    hb_bytes(out, "\x89MLT\r\n\x1a\n", 8);
    hb_bytes(out, "\x01\x00\x00\x00", 4); /* major 1, minor 0 */
    hb_u32(out, (uint32_t)meta.length);
    hb_bytes(out, meta.data, meta.length);
    hb_u64(out, XXH3_64bits(out->data + start, out->length - start));
    hb_free(&meta);
}

size_t himage_begin(hbuf *out, const himage_meta *m)
{
    hbuf meta = {0};
    tlv_varint(&meta, 1, m->sequence);
    if (m->has_base)
        tlv_varint(&meta, 2, m->base_sequence);
    tlv_fixed(&meta, 3, m->run_id);
    tlv_varint(&meta, 4, m->pid);
    tlv_double(&meta, 5, 1.7e9 + m->monotonic_time);
    tlv_double(&meta, 6, m->monotonic_time);
    tlv_varint(&meta, 7, 1); /* periodic */
    tlv_varint(&meta, 15, m->identity);
    size_t start = out->length;
    hb_bytes(out, "MIMG", 4);
    hb_u32(out, (uint32_t)meta.length);
    hb_bytes(out, meta.data, meta.length);
    hb_free(&meta);
    return start;
}

void himage_block(hbuf *out, uint8_t stream, const uint8_t *raw, size_t raw_len, int zstd)
{
    uint8_t header[8] = {'M', 'B', 'L', 'K', stream, zstd ? 1 : 0, 0, 0};
    hb_bytes(out, header, sizeof header);
    hb_u32(out, (uint32_t)raw_len);
    if (!zstd) {
        hb_u32(out, (uint32_t)raw_len);
        hb_bytes(out, raw, raw_len);
        return;
    }
    size_t bound = ZSTD_compressBound(raw_len);
    uint8_t *packed = malloc(bound);
    ck_assert_ptr_nonnull(packed);
    size_t stored = ZSTD_compress(packed, bound, raw, raw_len, 3);
    ck_assert_msg(!ZSTD_isError(stored), "zstd: %s", ZSTD_getErrorName(stored));
    hb_u32(out, (uint32_t)stored);
    hb_bytes(out, packed, stored);
    free(packed);
}

void himage_end(hbuf *out, size_t start, const hcounts *c)
{
    hbuf summary = {0};
    tlv_varint(&summary, 1, c->objects);
    tlv_varint(&summary, 2, c->edges);
    tlv_varint(&summary, 3, c->roots);
    tlv_varint(&summary, 4, c->types);
    tlv_varint(&summary, 5, c->strings);
    tlv_varint(&summary, 6, c->previews);
    hb_bytes(out, "MEND", 4);
    hb_u32(out, (uint32_t)summary.length);
    hb_bytes(out, summary.data, summary.length);
    hb_free(&summary);
    size_t image_len = out->length + 16 - start;
    hb_u64(out, image_len);
    hb_u64(out, XXH3_64bits(out->data + start, out->length - start));
}

static void stream_block(hbuf *out, uint8_t stream, const hbuf *raw)
{
    if (raw->length)
        himage_block(out, stream, raw->data, raw->length, 0);
}

void himage_heap(hbuf *out, const himage_meta *meta, const hheap *h, const hcounts *override)
{
    enum { STREAMS = 11 };
    hbuf s[STREAMS];
    memset(s, 0, sizeof s);
    hbuf *strings = &s[0], *types = &s[1], *addr = &s[2], *type = &s[3], *size = &s[4];
    hbuf *refcnt = &s[5], *flags = &s[6], *edges = &s[7], *target = &s[8], *label = &s[9];
    hbuf *roots = &s[10];
    for (size_t t = 0; t < h->type_count; t++) {
        hb_varint(strings, strlen(h->type_names[t]));
        hb_bytes(strings, h->type_names[t], strlen(h->type_names[t]));
        hb_varint(types, t);
        hb_varint(types, 0x1000 + 0x100 * t);
        hb_varint(types, 64);
        hb_varint(types, 0);
    }
    uint64_t edge_total = 0;
    for (size_t i = 0; i < h->object_count; i++) {
        hb_varint(addr, i ? h->addresses[i] - h->addresses[i - 1] : h->addresses[0]);
        hb_varint(type, h->types[i]);
        hb_varint(size, 64);
        hb_varint(refcnt, 1);
        uint8_t f = (uint8_t)(0x04 | (h->is_new && h->is_new[i] ? 0x01 : 0));
        hb_bytes(flags, &f, 1);
        uint32_t from = h->edge_start ? h->edge_start[i] : 0;
        uint32_t to = h->edge_start ? h->edge_start[i + 1] : 0;
        hb_varint(edges, to - from);
        for (uint32_t e = from; e < to; e++) {
            hb_zigzag(target, (int64_t)h->targets[e] - (int64_t)i);
            hb_varint(label, 0);
        }
        edge_total += to - from;
    }
    for (size_t r = 0; r < h->root_count; r++) {
        uint64_t fields[6] = {1, h->roots[r], 0, 0, 0, 0};
        for (int k = 0; k < 6; k++)
            hb_varint(roots, fields[k]);
    }
    size_t start = himage_begin(out, meta);
    static const uint8_t ids[STREAMS] = {HS_STRINGS,     HS_TYPES,      HS_OBJ_ADDR,  HS_OBJ_TYPE,
                                         HS_OBJ_SIZE,    HS_OBJ_REFCNT, HS_OBJ_FLAGS, HS_OBJ_EDGES,
                                         HS_EDGE_TARGET, HS_EDGE_LABEL, HS_ROOTS};
    for (int k = 0; k < STREAMS; k++) {
        stream_block(out, ids[k], &s[k]);
        hb_free(&s[k]);
    }
    hcounts counts = {h->object_count, edge_total, h->root_count, h->type_count, h->type_count, 0};
    himage_end(out, start, override ? override : &counts);
}

char *hwrite_temp(const hbuf *bytes, const char *name)
{
    const char *base = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/hostile-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    size_t length = strlen(dir) + strlen(name) + 2;
    char *path = malloc(length);
    ck_assert_ptr_nonnull(path);
    snprintf(path, length, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    if (bytes->length) /* an empty buffer has no data pointer */
        ck_assert_uint_eq(fwrite(bytes->data, 1, bytes->length, f), bytes->length);
    ck_assert_int_eq(fclose(f), 0);
    return path;
}

void hremove_temp(char *path)
{
    if (!path)
        return;
    unlink(path);
    char *slash = strrchr(path, '/');
    if (slash) {
        *slash = '\0';
        rmdir(path);
    }
    free(path);
}
