/* Internal declarations shared by the format library's translation units.
 * Nothing here is public: the bytes are described in docs/format.md. */
#ifndef MEMALOT_FORMAT_INTERNAL_H
#define MEMALOT_FORMAT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "memalot/format.h"

/* ------------------------------------------------------------- constants */

#define MLT_FILE_MAGIC "\x89MLT\r\n\x1a\n" /* MLT_FILE_SIGNATURE_LEN bytes */
#define MLT_FILE_MAGIC_LEN MLT_FILE_SIGNATURE_LEN
#define MLT_FILE_FIXED_LEN 16        /* magic, major, minor, meta_len */
#define MLT_FILE_META_MAX (1u << 20) /* reader limit on the header metadata */
#define MLT_IMAGE_META_MAX (64u * 1024u)
#define MLT_SUMMARY_MAX (64u * 1024u)
#define MLT_BLOCK_HEADER_LEN 16
#define MLT_TAG_LEN 4
#define MLT_TAG_IMAGE "MIMG"   /* image header: tag, u32 metadata length, metadata */
#define MLT_TAG_BLOCK "MBLK"   /* a block of one stream */
#define MLT_TAG_TRAILER "MEND" /* trailer: tag, u32 summary length, summary, length, XXH3 */
#define MLT_EXPANSION_FLOOR (64ull * 1024u * 1024u)
#define MLT_DEFAULT_EXPANSION 512u
#define MLT_VARINT_MAX 10

#define MLT_CODEC_STORED 0
#define MLT_CODEC_ZSTD 1

/* Stream ids: below 0x80 critical, from 0x80 ancillary. */
enum {
    MLT_S_STRINGS = 0x01,
    MLT_S_TYPES = 0x02,
    MLT_S_OBJ_ADDR = 0x03,
    MLT_S_OBJ_TYPE = 0x04,
    MLT_S_OBJ_SIZE = 0x05,
    MLT_S_OBJ_REFCNT = 0x06,
    MLT_S_OBJ_FLAGS = 0x07,
    MLT_S_OBJ_EDGES = 0x08,
    MLT_S_EDGE_TARGET = 0x09,
    MLT_S_EDGE_LABEL = 0x0A,
    MLT_S_ROOTS = 0x0B,
    MLT_S_PREVIEWS = 0x80
};
#define MLT_S_CRITICAL_LIMIT 0x80
#define MLT_S_LAST_KNOWN_CRITICAL MLT_S_ROOTS

/* Name of a stream id for messages, e.g. "OBJ_SIZE" or "unknown". */
const char *mlt_stream_name(unsigned id);
int mlt_stream_known(unsigned id);

/* Field numbers of the three TLV records. */
enum {
    MLT_FM_PRODUCER = 1,
    MLT_FM_PY_VERSION = 2,
    MLT_FM_PY_HEX = 3,
    MLT_FM_PY_IMPL = 4,
    MLT_FM_PY_BUILD = 5,
    MLT_FM_GC_PRE = 6,
    MLT_FM_PLATFORM = 7,
    MLT_FM_PTR_SIZE = 8,
    MLT_FM_BYTE_ORDER = 9,
    MLT_FM_PID = 10,
    MLT_FM_RUN_ID = 11,
    MLT_FM_ARGV_WITHHELD = 12,
    MLT_FM_ARGV = 13,
    MLT_FM_START_TIME = 14,
    MLT_FM_PARENT_PID = 15,
    MLT_FM_PARENT_RUN_ID = 16,
    MLT_FM_LAUNCH_ID = 17
};
enum {
    MLT_IM_SEQUENCE = 1,
    MLT_IM_BASE = 2,
    MLT_IM_RUN_ID = 3,
    MLT_IM_PID = 4,
    MLT_IM_WALL = 5,
    MLT_IM_MONO = 6,
    MLT_IM_TRIGGER = 7,
    MLT_IM_CALLS_SO_FAR = 8,
    MLT_IM_FUNCTION = 9,
    MLT_IM_CRIT_KIND = 10,
    MLT_IM_LIFETIME = 11,
    MLT_IM_WARMUP = 12,
    MLT_IM_CALLS = 13,
    MLT_IM_WARMUP_CALLS = 14,
    MLT_IM_IDENTITY = 15,
    MLT_IM_KIND = 16
};
enum {
    MLT_SM_OBJECTS = 1,
    MLT_SM_EDGES = 2,
    MLT_SM_ROOTS = 3,
    MLT_SM_TYPES = 4,
    MLT_SM_STRINGS = 5,
    MLT_SM_PREVIEWS = 6,
    MLT_SM_PAUSE = 7
};

#define MLT_WIRE_VARINT 0
#define MLT_WIRE_FIXED64 1
#define MLT_WIRE_BYTES 2

/* ----------------------------------------------------------------- errors */

/* mlt_fail, the one error setter, is public (memalot/format.h). */
void mlt_error_clear(mlt_error *err);

/* ------------------------------------------------------------- bytes */

static inline void mlt_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void mlt_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void mlt_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint16_t mlt_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t mlt_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t mlt_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static inline uint64_t mlt_zigzag(int64_t n)
{
    return ((uint64_t)n << 1) ^ (uint64_t)(n >> 63);
}
static inline int64_t mlt_unzigzag(uint64_t z)
{
    return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* Encodes v as unsigned LEB128 into out (room for MLT_VARINT_MAX); returns bytes. */
size_t mlt_varint_encode(uint64_t v, uint8_t *out);

/* Decodes a varint from p[0..len). Returns bytes used, 0 when the input ends
 * first, or -1 when it is longer than 10 bytes or overflows 64 bits. */
int mlt_varint_decode(const uint8_t *p, size_t len, uint64_t *v);

/* ------------------------------------------------------- growable buffer */

typedef struct {
    uint8_t *data;
    size_t len, cap;
    const mlt_allocator *alloc; /* NULL: libc */
} mlt_buf;

int mlt_buf_reserve(mlt_buf *b, size_t extra); /* 0 ok, -1 nomem */
int mlt_buf_append(mlt_buf *b, const void *bytes, size_t n);
void mlt_buf_free(mlt_buf *b);

/* ------------------------------------------------------------------ TLV */

int mlt_tlv_varint(mlt_buf *b, unsigned field, uint64_t v);
int mlt_tlv_fixed64(mlt_buf *b, unsigned field, uint64_t v);
int mlt_tlv_double(mlt_buf *b, unsigned field, double v);
int mlt_tlv_bytes(mlt_buf *b, unsigned field, const void *bytes, size_t n);

typedef struct {
    uint64_t field;
    unsigned wire;
    uint64_t value;       /* varint and fixed64 */
    const uint8_t *bytes; /* wire 2 */
    size_t length;
} mlt_tlv_field;

/* Next field of p[0..len) at *pos. Returns 1 with *f filled, 0 at the end, or
 * -1 (with *what describing the problem) when the bytes are malformed. */
int mlt_tlv_next(const uint8_t *p, size_t len, size_t *pos, mlt_tlv_field *f, const char **what);

double mlt_bits_to_double(uint64_t bits);
uint64_t mlt_double_to_bits(double v);

/* ------------------------------------------------------- metadata codecs */

int mlt_encode_file_info(const mlt_file_info *info, mlt_buf *out);
int mlt_encode_image_info(const mlt_image_info *info, mlt_buf *out);
int mlt_encode_summary(const mlt_image_info *counts, mlt_buf *out);

/* Decoders fill the struct; strings are heap copies owned by *owned (an array
 * of pointers to free). Return MLT_OK or a format/nomem error naming `where`. */
typedef struct {
    char **items;
    size_t count, cap;
} mlt_strlist;
void mlt_strlist_free(mlt_strlist *l);

mlt_status mlt_decode_file_info(const uint8_t *p, size_t len, mlt_file_info *info,
                                mlt_strlist *owned, const char ***argv_out, const char *path,
                                uint64_t offset, mlt_error *err);
mlt_status mlt_decode_image_info(const uint8_t *p, size_t len, mlt_image_info *info,
                                 char **function_out, const char *where, uint64_t offset,
                                 mlt_error *err);
mlt_status mlt_decode_summary(const uint8_t *p, size_t len, mlt_image_info *info, const char *where,
                              uint64_t offset, mlt_error *err);

/* --------------------------------------------------------------- file IO */

/* Writes all n bytes at offset, retrying short writes and EINTR. 0 or errno. */
int mlt_pwrite_all(int fd, const void *bytes, size_t n, uint64_t offset);
/* Reads exactly n bytes at offset. 0, errno, or -1 when the file ended first. */
int mlt_pread_all(int fd, void *bytes, size_t n, uint64_t offset);

/* ------------------------------------------------------ reader internals */

typedef struct {
    uint64_t offset; /* of the stored payload */
    uint32_t raw_len;
    uint32_t stored_len;
    uint8_t codec;
    uint8_t stream;
} mlt_block_ref;

typedef struct {
    uint64_t offset, length;
    mlt_image_info info;
    char *function;        /* owned copy behind info.function */
    mlt_block_ref *blocks; /* in file order */
    size_t block_count;
    int unknown_critical; /* first unknown critical stream id, or -1 */
} mlt_image_index;

struct mlt_reader {
    int fd;
    char *path;
    uint64_t file_size;
    uint64_t header_end;
    mlt_reader_options options;
    mlt_file_info info;
    mlt_strlist owned;
    const char **argv;
    mlt_image_index *images;
    size_t image_count, image_cap;
    int has_tail_error;
    mlt_error tail_error;
};

/* Scans images from `offset` to the end, filling r->images and the tail error. */
mlt_status mlt_reader_scan(mlt_reader *r, uint64_t offset, mlt_error *err);
/* End offset of the last good image (or of the header). */
uint64_t mlt_reader_valid_end(const mlt_reader *r);

#endif
