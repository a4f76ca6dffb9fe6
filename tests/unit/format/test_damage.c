/* Damaged files: torn tails, flipped bits, lying lengths, other versions,
 * unknown streams. The reader must report each clearly and never crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "format_test_util.h"
#include "internal.h"
#include "check_suite.h"

Suite *damage_suite(void);

static mlt_status open_status(const char *path, const mlt_reader_options *o, mlt_reader **r,
                              mlt_error *err)
{
    *r = NULL;
    return mlt_reader_open(path, o, r, err);
}

START_TEST(truncated_at_every_byte)
{
    char *path = write_small_file(3, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    mlt_reader *full;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &full, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(full), 3);
    uint64_t starts[3], ends[3];
    for (int i = 0; i < 3; i++) {
        starts[i] = mlt_reader_image_offset(full, (size_t)i);
        ends[i] = starts[i] + mlt_reader_image_length(full, (size_t)i);
    }
    ck_assert_uint_eq(ends[2], size);
    mlt_reader_close(full);
    char *cut = tmp_path("cut.mlt");
    for (size_t length = 0; length < size; length++) {
        write_whole(cut, bytes, length);
        mlt_reader *r;
        mlt_status st = open_status(cut, NULL, &r, &err);
        if (length < starts[0]) {
            EXPECT_EQ(st, MLT_ERR_TRUNCATED);
            EXPECT_MSG(strstr(err.message, "header") != NULL, "at %zu: %s", length, err.message);
            continue;
        }
        EXPECT_MSG(st == MLT_OK, "at %zu: %s", length, err.message);
        size_t whole = 0;
        while (whole < 3 && ends[whole] <= length)
            whole++;
        EXPECT_EQ(mlt_reader_image_count(r), whole);
        const mlt_error *tail = mlt_reader_tail_error(r);
        int at_boundary = length == starts[0] || (whole > 0 && length == ends[whole - 1]);
        if (at_boundary) {
            EXPECT_MSG(tail == NULL, "at %zu: unexpected %s", length, tail->message);
        } else {
            EXPECT_MSG(tail != NULL, "at %zu: no tail error", length);
            EXPECT_EQ(tail->code, MLT_ERR_TRUNCATED);
            EXPECT_MSG(tail->offset >= starts[whole] && tail->offset <= length,
                       "at %zu: offset %llu outside the torn image", length,
                       (unsigned long long)tail->offset);
            char expect[64];
            snprintf(expect, sizeof expect, "image %zu (started at %llu) is torn", whole,
                     (unsigned long long)starts[whole]);
            EXPECT_MSG(strstr(tail->message, expect) != NULL, "at %zu: %s", length, tail->message);
        }
        mlt_status first;
        EXPECT_EQ(decode_everything(r, &first), whole);
        mlt_reader_close(r);
    }
    free(bytes);
    free(cut);
    free(path);
}
END_TEST

static void flip_every_bit(int store_only)
{
    char *path = write_small_file(2, store_only);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    char *flipped = tmp_path("flip.mlt");
    write_whole(flipped, bytes, size);
    FILE *f = fopen(flipped, "r+b");
    mlt_reader_options trusting = {.skip_checksums = 1};
    size_t undetected_without_checksums = 0;
    for (size_t at = 0; at < size; at++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t changed = (uint8_t)(bytes[at] ^ (1u << bit));
            fseek(f, (long)at, SEEK_SET);
            fputc(changed, f);
            fflush(f);
            mlt_reader *r;
            mlt_error err;
            mlt_status first = MLT_OK;
            mlt_status st = open_status(flipped, NULL, &r, &err);
            int detected = st != MLT_OK;
            if (!detected) {
                size_t good = decode_everything(r, &first);
                detected = mlt_reader_image_count(r) < 2 || mlt_reader_tail_error(r) || good < 2;
                mlt_reader_close(r);
            }
            EXPECT_MSG(detected, "flip of bit %d at byte %zu went unnoticed", bit, at);
            /* Without checksums only validation stands between the flip and
             * the caller: it must not crash, whatever it decides. */
            if (open_status(flipped, &trusting, &r, &err) == MLT_OK) {
                size_t good = decode_everything(r, &first);
                if (good == 2 && !mlt_reader_tail_error(r))
                    undetected_without_checksums++;
                mlt_reader_close(r);
            }
            fseek(f, (long)at, SEEK_SET);
            fputc(bytes[at], f);
            fflush(f);
        }
    }
    fclose(f);
    fprintf(stderr, "format: %zu-byte file (%s): %zu of %zu bit flips pass validation alone\n",
            size, store_only ? "stored" : "zstd", undetected_without_checksums, size * 8);
    free(bytes);
    free(flipped);
    free(path);
}

START_TEST(bit_flips_in_compressed_file)
{
    flip_every_bit(0);
}
END_TEST

START_TEST(bit_flips_in_stored_file)
{
    flip_every_bit(1);
}
END_TEST

/* Byte offset of the trailer tag of the image at [start, start+len). */
static size_t find_trailer(const uint8_t *bytes, uint64_t start, uint64_t len)
{
    for (uint64_t at = start + len - 24; at > start; at--)
        if (memcmp(bytes + at, "MEND", 4) == 0 &&
            at + 8 + mlt_get_u32(bytes + at + 4) + 16 == start + len)
            return (size_t)at;
    ck_abort_msg("no trailer found");
    return 0;
}

/* Rebuilds the image at [start, start+len), which must be the file's last,
 * with `insert` placed before its trailer and, when summary is not NULL, a new
 * summary. Returns the new file size. */
static size_t rebuild_last_image(uint8_t **bytes, size_t size, uint64_t start,
                                 const uint8_t *insert, size_t insert_len, const mlt_buf *summary)
{
    uint64_t len = size - start;
    size_t trailer = find_trailer(*bytes, start, len);
    uint32_t old_summary = mlt_get_u32(*bytes + trailer + 4);
    const uint8_t *summary_bytes = summary ? summary->data : *bytes + trailer + 8;
    size_t summary_len = summary ? summary->len : old_summary;
    size_t new_size = trailer + insert_len + 8 + summary_len + 16;
    uint8_t *out = malloc(new_size);
    memcpy(out, *bytes, trailer);
    if (insert_len)
        memcpy(out + trailer, insert, insert_len);
    memcpy(out + trailer + insert_len, "MEND", 4);
    mlt_put_u32(out + trailer + insert_len + 4, (uint32_t)summary_len);
    memcpy(out + trailer + insert_len + 8, summary_bytes, summary_len);
    reseal_image(out, start, new_size - start);
    free(*bytes);
    *bytes = out;
    return new_size;
}

static size_t block_bytes(uint8_t *out, uint8_t stream, const char *payload)
{
    size_t n = strlen(payload);
    memcpy(out, "MBLK", 4);
    out[4] = stream;
    out[5] = 0;
    mlt_put_u16(out + 6, 0);
    mlt_put_u32(out + 8, (uint32_t)n);
    mlt_put_u32(out + 12, (uint32_t)n);
    memcpy(out + 16, payload, n);
    return 16 + n;
}

static char *file_with_extra_block(uint8_t stream)
{
    char *path = write_small_file(1, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    uint64_t start = mlt_reader_image_offset(r, 0);
    mlt_reader_close(r);
    uint8_t block[64];
    size_t n = block_bytes(block, stream, "from the future");
    size = rebuild_last_image(&bytes, size, start, block, n, NULL);
    write_whole(path, bytes, size);
    free(bytes);
    return path;
}

START_TEST(unknown_ancillary_stream_is_skipped)
{
    char *path = file_with_extra_block(0xC3);
    check_reads_clean(path, 1);
    free(path);
}
END_TEST

START_TEST(unknown_critical_stream_is_refused)
{
    char *path = file_with_extra_block(0x42);
    mlt_reader *r;
    mlt_error err;
    ck_assert_msg(mlt_reader_open(path, NULL, &r, &err) == MLT_OK, "%s", err.message);
    ck_assert_ptr_null(mlt_reader_tail_error(r));
    ck_assert_uint_eq(mlt_reader_image_count(r), 1); /* listed ... */
    mlt_image_info info;
    ck_assert_int_eq(mlt_reader_image_info(r, 0, &info, &err), MLT_OK);
    ck_assert_uint_eq(info.object_count, 20);
    mlt_image *img;
    ck_assert_int_eq(mlt_image_open(r, 0, &img, &err), MLT_ERR_VERSION); /* ... not decoded */
    ck_assert_msg(strstr(err.message, "0x42") && strstr(err.message, "newer reader"), "%s",
                  err.message);
    mlt_reader_close(r);
    free(path);
}
END_TEST

static char *file_with_summary(const mlt_image_info *counts, int unknown_field)
{
    char *path = write_small_file(1, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    uint64_t start = mlt_reader_image_offset(r, 0);
    mlt_reader_close(r);
    mlt_buf summary = {0};
    ck_assert_int_eq(mlt_encode_summary(counts, &summary), 0);
    if (unknown_field) {
        ck_assert_int_eq(mlt_tlv_bytes(&summary, 60, "later", 5), 0);
        ck_assert_int_eq(mlt_tlv_varint(&summary, 61, 7), 0);
    }
    size = rebuild_last_image(&bytes, size, start, NULL, 0, &summary);
    write_whole(path, bytes, size);
    mlt_buf_free(&summary);
    free(bytes);
    return path;
}

static mlt_image_info small_counts(void)
{
    mlt_reader *r;
    mlt_error err;
    char *path = write_small_file(1, 0);
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    mlt_image_info info;
    ck_assert_int_eq(mlt_reader_image_info(r, 0, &info, &err), MLT_OK);
    mlt_reader_close(r);
    free(path);
    return info;
}

START_TEST(unknown_summary_fields_are_skipped)
{
    mlt_image_info counts = small_counts();
    char *path = file_with_summary(&counts, 1);
    check_reads_clean(path, 1);
    free(path);
}
END_TEST

START_TEST(lying_summary_counts_are_refused)
{
    const mlt_image_info base = small_counts();
    for (int field = 0; field < 6; field++) {
        for (int huge = 0; huge < 2; huge++) {
            mlt_image_info counts = base;
            uint64_t *slot = field == 0   ? &counts.object_count
                             : field == 1 ? &counts.edge_count
                             : field == 2 ? &counts.root_count
                             : field == 3 ? &counts.type_count
                             : field == 4 ? &counts.string_count
                                          : &counts.preview_count;
            *slot = huge ? (1ull << 60) : *slot + 1;
            char *path = file_with_summary(&counts, 0);
            mlt_reader *r;
            mlt_error err;
            ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
            ck_assert_ptr_null(mlt_reader_tail_error(r)); /* checksums match: it is resealed */
            mlt_status first;
            ck_assert_msg(decode_everything(r, &first) == 0, "field %d huge %d accepted", field,
                          huge);
            ck_assert_msg(first == MLT_ERR_FORMAT || first == MLT_ERR_LIMIT, "field %d: %s", field,
                          mlt_status_name(first));
            mlt_reader_close(r);
            free(path);
        }
    }
}
END_TEST

static mlt_status open_patched(const uint8_t *bytes, size_t size, mlt_reader **r, mlt_error *err)
{
    char *path = tmp_path("patched.mlt");
    write_whole(path, bytes, size);
    mlt_status st = mlt_reader_open(path, NULL, r, err);
    free(path);
    return st;
}

START_TEST(declared_sizes_larger_than_the_file)
{
    char *path = write_small_file(1, 1);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    uint32_t meta_len = mlt_get_u32(bytes + 12);
    uint64_t image = 16 + meta_len + 8;
    uint64_t block = image + 8 + mlt_get_u32(bytes + image + 4);
    ck_assert(memcmp(bytes + block, "MBLK", 4) == 0);
    uint8_t *copy = malloc(size);
    mlt_reader *r;
    mlt_error err;
    struct {
        uint64_t at;
        uint32_t value;
        int resealed;
        mlt_status header, tail;
    } cases[] = {
        {12, UINT32_MAX, 0, MLT_ERR_LIMIT, MLT_OK},        /* header meta_len */
        {12, 1u << 20, 1, MLT_ERR_TRUNCATED, MLT_OK},      /* within the limit, past EOF */
        {image + 4, UINT32_MAX, 0, MLT_OK, MLT_ERR_LIMIT}, /* image meta_len */
        {image + 4, 60000, 0, MLT_OK, MLT_ERR_TRUNCATED},
        {block + 8, UINT32_MAX, 0, MLT_OK, MLT_ERR_LIMIT},          /* raw_len */
        {block + 12, MLT_MAX_BLOCK_RAW, 0, MLT_OK, MLT_ERR_FORMAT}, /* stored != raw */
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        memcpy(copy, bytes, size);
        mlt_put_u32(copy + cases[k].at, cases[k].value);
        if (cases[k].resealed && size > 16 + (size_t)cases[k].value + 8)
            reseal_header(copy);
        mlt_status st = open_patched(copy, size, &r, &err);
        ck_assert_msg(st == cases[k].header, "case %zu: %s", k, err.message);
        if (st != MLT_OK)
            continue;
        const mlt_error *tail = mlt_reader_tail_error(r);
        ck_assert_ptr_nonnull(tail);
        ck_assert_msg(tail->code == cases[k].tail, "case %zu: %s", k, tail->message);
        ck_assert_uint_eq(mlt_reader_image_count(r), 0);
        mlt_reader_close(r);
    }
    /* Both lengths lie together: the payload would run past the end. */
    memcpy(copy, bytes, size);
    mlt_put_u32(copy + block + 8, MLT_MAX_BLOCK_RAW);
    mlt_put_u32(copy + block + 12, MLT_MAX_BLOCK_RAW);
    ck_assert_int_eq(open_patched(copy, size, &r, &err), MLT_OK);
    ck_assert_int_eq(mlt_reader_tail_error(r)->code, MLT_ERR_TRUNCATED);
    ck_assert_msg(strstr(mlt_reader_tail_error(r)->message, "block payload"), "%s",
                  mlt_reader_tail_error(r)->message);
    mlt_reader_close(r);
    free(copy);
    free(bytes);
    free(path);
}
END_TEST

START_TEST(newer_major_refused_newer_minor_read)
{
    char *path = write_small_file(1, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    mlt_reader *r;
    mlt_error err;
    mlt_put_u16(bytes + 8, 2);
    reseal_header(bytes);
    ck_assert_int_eq(open_patched(bytes, size, &r, &err), MLT_ERR_VERSION);
    ck_assert_msg(strstr(err.message, "written by format 2.x; this reader reads 1.x: upgrade "
                                      "memalot"),
                  "%s", err.message);
    mlt_put_u16(bytes + 8, 1);
    mlt_put_u16(bytes + 10, 9);
    reseal_header(bytes);
    ck_assert_int_eq(open_patched(bytes, size, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_file_info(r)->format_minor, 9);
    mlt_status first;
    ck_assert_uint_eq(decode_everything(r, &first), 1);
    mlt_reader_close(r);
    free(bytes);
    free(path);
}
END_TEST

START_TEST(bad_magic_and_text_mode_damage)
{
    char *path = write_small_file(1, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    mlt_reader *r;
    mlt_error err;
    /* A text-mode transfer turns \r\n into \n. */
    memmove(bytes + 4, bytes + 5, size - 5);
    ck_assert_int_eq(open_patched(bytes, size - 1, &r, &err), MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, "text-mode"), "%s", err.message);
    ck_assert_int_eq(open_patched((const uint8_t *)"hello world, not a dump", 23, &r, &err),
                     MLT_ERR_FORMAT);
    ck_assert_msg(strstr(err.message, "not a memalot heap-image file"), "%s", err.message);
    free(bytes);
    free(path);
}
END_TEST

START_TEST(garbage_after_the_last_image)
{
    char *path = write_small_file(2, 0);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    bytes = realloc(bytes, size + 10);
    memcpy(bytes + size, "0123456789", 10);
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(open_patched(bytes, size + 10, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 2);
    const mlt_error *tail = mlt_reader_tail_error(r);
    ck_assert_ptr_nonnull(tail);
    ck_assert_int_eq(tail->code, MLT_ERR_FORMAT);
    ck_assert_uint_eq(tail->offset, size);
    ck_assert_msg(strstr(tail->message, "MIMG"), "%s", tail->message);
    mlt_reader_close(r);
    free(bytes);
    free(path);
}
END_TEST

START_TEST(decompression_bomb_is_refused)
{
    char *path = tmp_path("bomb.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(path, &info, NULL, &w, &err), MLT_OK);
    mlt_image_info image;
    fill_image_info(&image, 0);
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, &err), MLT_OK);
    size_t big = 70u << 20;
    char *zeros = calloc(1, big);
    uint32_t id;
    ck_assert_int_eq(mlt_writer_intern(w, zeros, big, &id, &err), MLT_OK);
    free(zeros);
    ck_assert_int_eq(mlt_writer_end_image(w, 0, &err), MLT_OK);
    mlt_writer_close(w);
    mlt_reader *r;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 0);
    ck_assert_int_eq(mlt_reader_tail_error(r)->code, MLT_ERR_LIMIT);
    mlt_reader_close(r);
    mlt_reader_options generous = {.expansion_limit = 1000000};
    ck_assert_int_eq(mlt_reader_open(path, &generous, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 1);
    mlt_reader_close(r);
    free(path);
}
END_TEST

/* An empty image whose STRINGS stream is replaced by one zstd block built by
 * hand, with the summary announcing one string "abc". */
static mlt_status open_with_strings_block(const uint8_t *payload, size_t stored, uint32_t raw_len,
                                          mlt_error *err)
{
    char *path = tmp_path("zstd.mlt");
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_image_info image;
    fill_image_info(&image, 0);
    ck_assert_int_eq(mlt_writer_open(path, &info, NULL, &w, err), MLT_OK);
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, err), MLT_OK);
    ck_assert_int_eq(mlt_writer_end_image(w, 0, err), MLT_OK);
    mlt_writer_close(w);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    mlt_reader *r;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, err), MLT_OK);
    uint64_t start = mlt_reader_image_offset(r, 0);
    mlt_reader_close(r);
    uint8_t block[256];
    memcpy(block, "MBLK", 4);
    block[4] = 0x01;
    block[5] = 1;
    mlt_put_u16(block + 6, 0);
    mlt_put_u32(block + 8, raw_len);
    mlt_put_u32(block + 12, (uint32_t)stored);
    memcpy(block + 16, payload, stored);
    mlt_image_info counts = {.string_count = 1};
    mlt_buf summary = {0};
    ck_assert_int_eq(mlt_encode_summary(&counts, &summary), 0);
    size = rebuild_last_image(&bytes, size, start, block, 16 + stored, &summary);
    mlt_buf_free(&summary);
    write_whole(path, bytes, size);
    free(bytes);
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, err), MLT_OK);
    ck_assert_msg(mlt_reader_tail_error(r) == NULL, "%s", mlt_reader_tail_error(r)->message);
    mlt_image *img = NULL;
    mlt_status st = mlt_image_open(r, 0, &img, err);
    if (st == MLT_OK) {
        size_t n;
        const char *text = mlt_image_string(img, 0, &n);
        ck_assert_uint_eq(n, 3);
        ck_assert_str_eq(text, "abc");
        mlt_image_close(img);
    }
    mlt_reader_close(r);
    free(path);
    return st;
}

static size_t compress_text(uint8_t *out, size_t cap, const char *text, size_t n, int pledge)
{
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, pledge);
    size_t got = ZSTD_compress2(cctx, out, cap, text, n);
    ZSTD_freeCCtx(cctx);
    ck_assert(!ZSTD_isError(got));
    return got;
}

START_TEST(zstd_framing_rules)
{
    const char record[] = "\003abc";
    uint8_t payload[200];
    mlt_error err;
    size_t n = compress_text(payload, sizeof payload, record, 4, 1);
    ck_assert_int_eq(open_with_strings_block(payload, n, 4, &err), MLT_OK); /* the control */
    /* Frame content size differs from raw_len. */
    ck_assert_int_eq(open_with_strings_block(payload, n, 5, &err), MLT_ERR_COMPRESS);
    ck_assert_msg(strstr(err.message, "content size differs"), "%s", err.message);
    ck_assert_msg(strstr(err.message, "stream STRINGS"), "%s", err.message);
    /* Frame content size absent. */
    n = compress_text(payload, sizeof payload, record, 4, 0);
    ck_assert_int_eq(open_with_strings_block(payload, n, 4, &err), MLT_ERR_COMPRESS);
    ck_assert_msg(strstr(err.message, "is absent"), "%s", err.message);
    /* A second frame after the first. */
    n = compress_text(payload, sizeof payload, record, 4, 1);
    n += compress_text(payload + n, sizeof payload - n, "x", 1, 1);
    ck_assert_int_eq(open_with_strings_block(payload, n, 4, &err), MLT_ERR_COMPRESS);
    ck_assert_msg(strstr(err.message, "exactly one zstd frame"), "%s", err.message);
}
END_TEST

START_TEST(checksum_mismatch_names_the_image)
{
    char *path = write_small_file(2, 1);
    mlt_reader *r;
    mlt_error err;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    uint64_t second = mlt_reader_image_offset(r, 1);
    uint64_t length = mlt_reader_image_length(r, 1);
    mlt_reader_close(r);
    size_t size;
    uint8_t *bytes = read_whole(path, &size);
    bytes[second + length / 2] ^= 0x40; /* inside a stored payload: only the checksum sees it */
    write_whole(path, bytes, size);
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 1);
    const mlt_error *tail = mlt_reader_tail_error(r);
    ck_assert_ptr_nonnull(tail);
    ck_assert_int_eq(tail->code, MLT_ERR_CHECKSUM);
    ck_assert_uint_eq(tail->offset, second + length - 8);
    char expect[96];
    snprintf(expect, sizeof expect, "image 1 (started at %llu): checksum mismatch: trailer says 0x",
             (unsigned long long)second);
    ck_assert_msg(strstr(tail->message, expect), "%s", tail->message);
    ck_assert_msg(strstr(tail->message, ", bytes hash to 0x"), "%s", tail->message);
    mlt_reader_close(r);
    free(bytes);
    free(path);
}
END_TEST

Suite *damage_suite(void)
{
    const TTest *tests[] = {truncated_at_every_byte,
                            bit_flips_in_compressed_file,
                            bit_flips_in_stored_file,
                            unknown_ancillary_stream_is_skipped,
                            unknown_critical_stream_is_refused,
                            unknown_summary_fields_are_skipped,
                            lying_summary_counts_are_refused,
                            declared_sizes_larger_than_the_file,
                            newer_major_refused_newer_minor_read,
                            bad_magic_and_text_mode_damage,
                            garbage_after_the_last_image,
                            decompression_bomb_is_refused,
                            zstd_framing_rules,
                            checksum_mismatch_names_the_image};
    return ts_suite("damage", "damage", 120, tests, TS_COUNT(tests));
}
