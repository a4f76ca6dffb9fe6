/* Hand-made dump bytes for the hostile-input tests. The format writer
 * refuses to produce most hostile inputs (a target past the last object,
 * two objects at one address, a summary that lies), so these helpers build
 * files from docs/format.md directly: a valid header, images with correct
 * framing, lengths and checksums, and whatever records a test wants inside.
 * Everything a test does not set on purpose is well-formed, so the reader
 * gets past the framing to the rule under test. */
#ifndef MEMALOT_HOSTILE_BYTES_H
#define MEMALOT_HOSTILE_BYTES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *data;
    size_t length;
    size_t capacity;
} hbuf;

void hb_bytes(hbuf *b, const void *bytes, size_t n);
void hb_u32(hbuf *b, uint32_t v);
void hb_u64(hbuf *b, uint64_t v);
void hb_varint(hbuf *b, uint64_t v);
void hb_zigzag(hbuf *b, int64_t v);
void hb_free(hbuf *b);

/* Stream ids of docs/format.md section 5.3. */
enum {
    HS_STRINGS = 0x01,
    HS_TYPES = 0x02,
    HS_OBJ_ADDR = 0x03,
    HS_OBJ_TYPE = 0x04,
    HS_OBJ_SIZE = 0x05,
    HS_OBJ_REFCNT = 0x06,
    HS_OBJ_FLAGS = 0x07,
    HS_OBJ_EDGES = 0x08,
    HS_EDGE_TARGET = 0x09,
    HS_EDGE_LABEL = 0x0A,
    HS_ROOTS = 0x0B,
    HS_PREVIEWS = 0x80
};

/* A file header with these pid and run_id (and nothing else recorded). */
void hfile_header(hbuf *out, uint64_t pid, uint64_t run_id);

typedef struct {
    uint64_t sequence;
    int has_base;
    uint64_t base_sequence;
    uint64_t run_id;
    uint64_t pid;
    double monotonic_time; /* wall time is the same value + 1.7e9 */
    unsigned identity;     /* 0 none, 1 reftracer, 2 alloc hook */
} himage_meta;

typedef struct {
    uint64_t objects, edges, roots, types, strings, previews;
} hcounts;

/* Image framing: begin returns the image's start; blocks are appended; end
 * writes the trailer (summary from counts, image_len, checksum). */
size_t himage_begin(hbuf *out, const himage_meta *meta);
void himage_block(hbuf *out, uint8_t stream, const uint8_t *raw, size_t raw_len, int zstd);
void himage_end(hbuf *out, size_t start, const hcounts *counts);

/* A heap in plain arrays: object i has type types[i] (its name is
 * type_names[types[i]]), address addresses[i] (taken as given: equal or
 * decreasing addresses are encoded as the wrapping deltas a hostile writer
 * would produce), the NEW flag when is_new[i], size 64, and the unlabelled
 * edges targets[edge_start[i] .. edge_start[i+1]). roots[] are object
 * indices held by module globals. */
typedef struct {
    const char *const *type_names;
    size_t type_count;
    size_t object_count;
    const uint64_t *addresses;
    const uint32_t *types;
    const uint8_t *is_new;      /* NULL: none is new */
    const uint32_t *edge_start; /* object_count + 1 entries; NULL: no edges */
    const uint32_t *targets;    /* may name objects that do not exist */
    const uint32_t *roots;
    size_t root_count;
} hheap;

/* Appends one complete image holding heap; counts_override (may be NULL)
 * replaces the summary counts the heap implies. */
void himage_heap(hbuf *out, const himage_meta *meta, const hheap *heap,
                 const hcounts *counts_override);

/* Writes the bytes to a fresh file in a fresh temp directory; caller frees. */
char *hwrite_temp(const hbuf *bytes, const char *name);
void hremove_temp(char *path);

#endif
