/* Prints every byte a dump holds, decompressed: the file metadata, and for
 * each image its metadata, the raw content of every block and its summary.
 * It walks the framing of docs/format.md itself, without the format
 * library, so a privacy test can grep for a secret in everything the file
 * carries, not only in what the reader chooses to expose.
 *   mlt_raw_bytes FILE > raw */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

static uint32_t u32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long length = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(length > 0 ? (size_t)length : 1);
    if (data && fread(data, 1, (size_t)length, f) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)length;
    return data;
}

/* Writes one block's raw bytes; returns the offset after it or 0. */
static size_t emit_block(const uint8_t *data, size_t size, size_t at)
{
    if (size - at < 16)
        return 0;
    uint8_t codec = data[at + 5];
    uint32_t raw_len = u32_at(data + at + 8), stored_len = u32_at(data + at + 12);
    if (stored_len > size - at - 16)
        return 0;
    const uint8_t *payload = data + at + 16;
    if (codec == 0) {
        fwrite(payload, 1, stored_len, stdout);
    } else {
        uint8_t *raw = malloc(raw_len ? raw_len : 1);
        size_t got = raw ? ZSTD_decompress(raw, raw_len, payload, stored_len) : 0;
        if (!raw || ZSTD_isError(got)) {
            free(raw);
            return 0;
        }
        fwrite(raw, 1, got, stdout);
        free(raw);
    }
    putchar('\n');
    return at + 16 + stored_len;
}

int main(int argc, char **argv)
{
    size_t size;
    uint8_t *data = argc == 2 ? slurp(argv[1], &size) : NULL;
    if (!data || size < 24) {
        fprintf(stderr, "usage: mlt_raw_bytes FILE (a readable dump)\n");
        return 2;
    }
    size_t meta = u32_at(data + 12), at = 24 + meta;
    fwrite(data + 16, 1, meta, stdout);
    putchar('\n');
    while (at + 8 <= size && memcmp(data + at, "MIMG", 4) == 0) {
        size_t image_meta = u32_at(data + at + 4);
        fwrite(data + at + 8, 1, image_meta, stdout);
        putchar('\n');
        at += 8 + image_meta;
        while (at + 4 <= size && memcmp(data + at, "MBLK", 4) == 0)
            if (!(at = emit_block(data, size, at)))
                goto bad;
        if (at + 8 > size || memcmp(data + at, "MEND", 4) != 0)
            goto bad;
        at += 8 + u32_at(data + at + 4) + 16;
    }
    free(data);
    return at == size ? 0 : 1;
bad:
    fprintf(stderr, "mlt_raw_bytes: %s: broken framing at offset %zu\n", argv[1], at);
    free(data);
    return 1;
}
