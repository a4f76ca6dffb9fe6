/* The reader's file: header verification, the image index and accessors. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "internal.h"

int mlt_has_file_signature(const void *prefix, size_t length)
{
    return prefix && length >= MLT_FILE_SIGNATURE_LEN &&
           memcmp(prefix, MLT_FILE_MAGIC, MLT_FILE_SIGNATURE_LEN) == 0;
}

static mlt_status check_fixed(mlt_reader *r, const uint8_t *fixed, mlt_error *err)
{
    if (!mlt_has_file_signature(fixed, MLT_FILE_FIXED_LEN)) {
        int text_damage = fixed[0] == 0x89 && fixed[1] == 'M' && fixed[2] == 'L';
        return mlt_fail(err, MLT_ERR_FORMAT, 0,
                        "%s: offset 0: not a memalot heap-image file (bad magic%s)", r->path,
                        text_damage ? "; line endings look altered by a text-mode transfer" : "");
    }
    r->info.format_major = mlt_get_u16(fixed + 8);
    r->info.format_minor = mlt_get_u16(fixed + 10);
    if (r->info.format_major != MLT_FORMAT_MAJOR)
        return mlt_fail(err, MLT_ERR_VERSION, 8,
                        "%s: written by format %u.x; this reader reads %u.x%s", r->path,
                        r->info.format_major, MLT_FORMAT_MAJOR,
                        r->info.format_major > MLT_FORMAT_MAJOR ? ": upgrade memalot" : "");
    uint32_t meta_len = mlt_get_u32(fixed + 12);
    if (meta_len > MLT_FILE_META_MAX)
        return mlt_fail(err, MLT_ERR_LIMIT, 12,
                        "%s: offset 12: file metadata length %u exceeds the 1 MiB limit", r->path,
                        meta_len);
    if (MLT_FILE_FIXED_LEN + (uint64_t)meta_len + 8 > r->file_size)
        return mlt_fail(err, MLT_ERR_TRUNCATED, r->file_size,
                        "%s: offset %llu: file ends inside the header (needs %llu bytes, file "
                        "has %llu)",
                        r->path, (unsigned long long)r->file_size,
                        (unsigned long long)(MLT_FILE_FIXED_LEN + (uint64_t)meta_len + 8),
                        (unsigned long long)r->file_size);
    return MLT_OK;
}

static mlt_status read_header(mlt_reader *r, uint64_t *end, mlt_error *err)
{
    uint8_t fixed[MLT_FILE_FIXED_LEN];
    if (r->file_size < MLT_FILE_FIXED_LEN)
        return mlt_fail(err, MLT_ERR_TRUNCATED, r->file_size,
                        "%s: offset %llu: file ends inside the header (needed 16 bytes, %llu "
                        "present)",
                        r->path, (unsigned long long)r->file_size,
                        (unsigned long long)r->file_size);
    int e = mlt_pread_all(r->fd, fixed, sizeof fixed, 0);
    if (e)
        return mlt_fail(err, MLT_ERR_IO, 0, "%s: read failed: %s", r->path,
                        strerror(e > 0 ? e : EIO));
    mlt_status st = check_fixed(r, fixed, err);
    if (st != MLT_OK)
        return st;
    uint32_t meta_len = mlt_get_u32(fixed + 12);
    /* fixed + meta + checksum in one buffer so the hash is one call */
    uint8_t *all = malloc(MLT_FILE_FIXED_LEN + (size_t)meta_len + 8);
    if (!all)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", r->path);
    memcpy(all, fixed, sizeof fixed);
    uint8_t *meta = all + MLT_FILE_FIXED_LEN;
    e = mlt_pread_all(r->fd, meta, (size_t)meta_len + 8, MLT_FILE_FIXED_LEN);
    if (e) {
        free(all);
        return mlt_fail(err, MLT_ERR_IO, 16, "%s: read failed: %s", r->path,
                        strerror(e > 0 ? e : EIO));
    }
    uint64_t actual = XXH3_64bits(all, MLT_FILE_FIXED_LEN + (size_t)meta_len);
    uint64_t stated = mlt_get_u64(meta + meta_len);
    if (actual != stated && !r->options.skip_checksums) {
        free(all);
        return mlt_fail(err, MLT_ERR_CHECKSUM, 16 + (uint64_t)meta_len,
                        "%s: offset %llu: file header checksum mismatch: header says 0x%016llx, "
                        "bytes hash to 0x%016llx",
                        r->path, 16ull + meta_len, (unsigned long long)stated,
                        (unsigned long long)actual);
    }
    st = mlt_decode_file_info(meta, meta_len, &r->info, &r->owned, &r->argv, r->path, 16, err);
    free(all);
    *end = MLT_FILE_FIXED_LEN + (uint64_t)meta_len + 8;
    return st;
}

mlt_status mlt_reader_open(const char *path, const mlt_reader_options *options, mlt_reader **out,
                           mlt_error *err)
{
    mlt_error_clear(err);
    *out = NULL;
    mlt_reader *r = calloc(1, sizeof *r);
    if (!r)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", path);
    r->fd = -1;
    if (options)
        r->options = *options;
    if (!r->options.expansion_limit)
        r->options.expansion_limit = MLT_DEFAULT_EXPANSION;
    size_t n = strlen(path) + 1;
    r->path = malloc(n);
    mlt_status st = MLT_OK;
    if (!r->path)
        st = mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", path);
    else
        memcpy(r->path, path, n);
    struct stat sb;
    if (st == MLT_OK && ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(r->fd, &sb)))
        st = mlt_fail(err, MLT_ERR_IO, 0, "%s: cannot open: %s", path, strerror(errno));
    if (st == MLT_OK)
        r->file_size = (uint64_t)sb.st_size;
    uint64_t end = 0;
    if (st == MLT_OK)
        st = read_header(r, &end, err);
    r->header_end = end;
    if (st == MLT_OK)
        st = mlt_reader_scan(r, end, err);
    if (st != MLT_OK) {
        mlt_reader_close(r);
        return st;
    }
    *out = r;
    return MLT_OK;
}

const mlt_file_info *mlt_reader_file_info(const mlt_reader *r)
{
    return &r->info;
}
const char *mlt_reader_path(const mlt_reader *r)
{
    return r->path;
}
uint64_t mlt_reader_file_size(const mlt_reader *r)
{
    return r->file_size;
}
size_t mlt_reader_image_count(const mlt_reader *r)
{
    return r->image_count;
}

const mlt_error *mlt_reader_tail_error(const mlt_reader *r)
{
    return r->has_tail_error ? &r->tail_error : NULL;
}

uint64_t mlt_reader_image_offset(const mlt_reader *r, size_t index)
{
    return index < r->image_count ? r->images[index].offset : 0;
}

uint64_t mlt_reader_image_length(const mlt_reader *r, size_t index)
{
    return index < r->image_count ? r->images[index].length : 0;
}

uint64_t mlt_reader_valid_end(const mlt_reader *r)
{
    if (r->image_count == 0)
        return r->header_end;
    const mlt_image_index *last = &r->images[r->image_count - 1];
    return last->offset + last->length;
}

mlt_status mlt_reader_image_info(mlt_reader *r, size_t index, mlt_image_info *info, mlt_error *err)
{
    mlt_error_clear(err);
    if (!r || index >= r->image_count)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "%s: image %zu does not exist (%zu images)",
                        r ? r->path : "?", index, r ? r->image_count : 0);
    *info = r->images[index].info;
    return MLT_OK;
}

void mlt_reader_close(mlt_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    for (size_t i = 0; i < r->image_count; i++) {
        free(r->images[i].function);
        free(r->images[i].blocks);
    }
    free(r->images);
    free(r->argv);
    mlt_strlist_free(&r->owned);
    free(r->path);
    free(r);
}
