/* The writer's file: creation or append, the file header, the output buffer
 * (the only place bytes reach the disk) and cutting off a failed image. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "writer_internal.h"

#define MLT_OUT_BUFFER (256u * 1024u)

static char *dup_string(const mlt_allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = mlt_mem_alloc(a, n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

mlt_status mlt_writer_flush_out(mlt_writer *w, mlt_error *err)
{
    if (w->out.len == 0)
        return MLT_OK;
    int e = mlt_pwrite_all(w->fd, w->out.data, w->out.len, w->out_offset);
    if (e)
        return mlt_fail(err, MLT_ERR_IO, w->out_offset, "%s: offset %llu: write failed: %s",
                        w->path, (unsigned long long)w->out_offset, strerror(e));
    w->out_offset += w->out.len;
    w->out.len = 0;
    return MLT_OK;
}

mlt_status mlt_writer_emit(mlt_writer *w, const void *bytes, size_t n, mlt_error *err)
{
    if (w->in_image) {
        XXH3_64bits_update(w->hash, bytes, n);
        w->image_bytes += n;
    }
    const uint8_t *p = bytes;
    while (n > 0) {
        size_t room = MLT_OUT_BUFFER - w->out.len;
        size_t take = n < room ? n : room;
        memcpy(w->out.data + w->out.len, p, take);
        w->out.len += take;
        p += take;
        n -= take;
        if (w->out.len == MLT_OUT_BUFFER) {
            mlt_status st = mlt_writer_flush_out(w, err);
            if (st != MLT_OK)
                return st;
        }
    }
    return MLT_OK;
}

void mlt_writer_cut_image(mlt_writer *w)
{
    w->out.len = 0;
    w->out_offset = w->committed;
    /* Best effort: if even the truncate fails, readers still stop at the torn
     * image and keep every earlier one. */
    if (ftruncate(w->fd, (off_t)w->committed) != 0) { /* nothing more we can do */
    }
    w->in_image = 0;
    for (int i = 0; i < MLT_WS_COUNT; i++)
        w->streams[i].len = 0;
    mlt_intern_reset(&w->strings);
}

mlt_status mlt_writer_fail_image(mlt_writer *w, mlt_status st)
{
    mlt_writer_cut_image(w);
    return st;
}

static mlt_status write_header(mlt_writer *w, const mlt_file_info *info, mlt_error *err)
{
    mlt_buf meta = {.alloc = w->alloc};
    if (mlt_encode_file_info(info, &meta)) {
        mlt_buf_free(&meta);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory encoding the header", w->path);
    }
    if (meta.len > MLT_FILE_META_MAX) {
        mlt_buf_free(&meta);
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "%s: file metadata is %zu bytes, more than the 1 MiB readers accept "
                        "(argv too long? set argv_withheld)",
                        w->path, meta.len);
    }
    uint8_t fixed[MLT_FILE_FIXED_LEN];
    memcpy(fixed, MLT_FILE_MAGIC, MLT_FILE_MAGIC_LEN);
    mlt_put_u16(fixed + 8, MLT_FORMAT_MAJOR);
    mlt_put_u16(fixed + 10, MLT_FORMAT_MINOR);
    mlt_put_u32(fixed + 12, (uint32_t)meta.len);
    XXH3_64bits_reset(w->hash);
    XXH3_64bits_update(w->hash, fixed, sizeof fixed);
    XXH3_64bits_update(w->hash, meta.data, meta.len);
    uint8_t sum[8];
    mlt_put_u64(sum, XXH3_64bits_digest(w->hash));
    mlt_status st = mlt_writer_emit(w, fixed, sizeof fixed, err);
    if (st == MLT_OK)
        st = mlt_writer_emit(w, meta.data, meta.len, err);
    if (st == MLT_OK)
        st = mlt_writer_emit(w, sum, sizeof sum, err);
    if (st == MLT_OK)
        st = mlt_writer_flush_out(w, err);
    if (st == MLT_OK)
        w->committed = MLT_FILE_FIXED_LEN + meta.len + 8;
    mlt_buf_free(&meta);
    return st;
}

/* Appending: the existing file must have a valid header; a torn or corrupt
 * tail is cut so new images follow the last good one. */
static mlt_status prepare_append(mlt_writer *w, mlt_error *err)
{
    mlt_reader *r = NULL;
    mlt_status st = mlt_reader_open(w->path, NULL, &r, err);
    if (st != MLT_OK)
        return st;
    uint64_t end = mlt_reader_valid_end(r);
    mlt_reader_close(r);
    if (ftruncate(w->fd, (off_t)end) != 0)
        return mlt_fail(err, MLT_ERR_IO, end, "%s: cannot cut the torn tail at offset %llu: %s",
                        w->path, (unsigned long long)end, strerror(errno));
    w->committed = end;
    w->out_offset = end;
    return MLT_OK;
}

/* XXH3's state wants 64-byte alignment, more than an allocator promises. */
static XXH3_state_t *new_hash_state(const mlt_allocator *a, void **block)
{
    size_t align = 64;
    *block = mlt_mem_alloc(a, sizeof(XXH3_state_t) + align);
    if (!*block)
        return NULL;
    uintptr_t at = ((uintptr_t)*block + align - 1) & ~(uintptr_t)(align - 1);
    return (XXH3_state_t *)at;
}

static ZSTD_CCtx *new_cctx(const mlt_allocator *a)
{
    if (!a)
        return ZSTD_createCCtx();
    ZSTD_customMem mem = {a->alloc, a->free, a->opaque};
    return ZSTD_createCCtx_advanced(mem);
}

/* The working memory: hash state, compression context and buffers. */
static mlt_status make_working_memory(mlt_writer *w, mlt_error *err)
{
    w->hash = new_hash_state(w->alloc, &w->hash_block);
    w->cctx = new_cctx(w->alloc);
    /* The compression buffer waits for the first block: a parent whose images
     * are all written by fork children never needs one. */
    w->packed_cap = ZSTD_compressBound(w->block_size);
    w->packed = NULL;
    w->out = (mlt_buf){.alloc = w->alloc};
    for (int i = 0; i < MLT_WS_COUNT; i++)
        w->streams[i] = (mlt_buf){.alloc = w->alloc};
    memset(&w->strings, 0, sizeof w->strings);
    w->strings.bytes.alloc = w->alloc;
    if (!w->hash || !w->cctx || mlt_buf_reserve(&w->out, MLT_OUT_BUFFER))
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", w->path);
    size_t r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, w->level);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 0);
    if (ZSTD_isError(r))
        return mlt_fail(err, MLT_ERR_COMPRESS, 0, "%s: zstd rejected level %d: %s", w->path,
                        w->level, ZSTD_getErrorName(r));
    return MLT_OK;
}

static mlt_status setup(mlt_writer *w, const mlt_writer_options *o, mlt_error *err)
{
    w->level = o && o->compression_level ? o->compression_level : 3;
    w->store_only = o ? o->store_only : 0;
    w->block_size = o && o->block_size ? o->block_size : 1024u * 1024u;
    if (w->block_size > MLT_MAX_BLOCK_RAW)
        return mlt_fail(err, MLT_ERR_USAGE, 0, "%s: block_size %u exceeds MLT_MAX_BLOCK_RAW (%u)",
                        w->path, w->block_size, MLT_MAX_BLOCK_RAW);
    return make_working_memory(w, err);
}

mlt_status mlt_writer_open(const char *path, const mlt_file_info *info,
                           const mlt_writer_options *options, mlt_writer **out, mlt_error *err)
{
    mlt_error_clear(err);
    *out = NULL;
    if (!path || (!info && !(options && options->append)))
        return mlt_fail(err, MLT_ERR_USAGE, 0, "mlt_writer_open: path and info are required");
    const mlt_allocator *a = options ? options->allocator : NULL;
    mlt_writer *w = mlt_mem_calloc(a, 1, sizeof *w);
    if (!w)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", path);
    w->alloc = a;
    w->fd = -1;
    w->path = dup_string(a, path);
    mlt_status st = w->path ? setup(w, options, err)
                            : mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", path);
    int append = options && options->append;
    mode_t mode = options && options->file_mode ? (mode_t)options->file_mode : 0600;
    struct stat sb;
    int existing = append && stat(path, &sb) == 0 && sb.st_size > 0;
    if (st == MLT_OK) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (existing ? 0 : O_TRUNC);
        if (existing)
            flags = O_RDWR | O_CLOEXEC;
        w->fd = open(path, flags, mode);
        if (w->fd < 0)
            st = mlt_fail(err, MLT_ERR_IO, 0, "%s: cannot open for writing: %s", path,
                          strerror(errno));
    }
    if (st == MLT_OK && existing)
        st = prepare_append(w, err);
    else if (st == MLT_OK && !info)
        st = mlt_fail(err, MLT_ERR_USAGE, 0, "%s: a new file needs info", path);
    else if (st == MLT_OK) {
        if (append && ftruncate(w->fd, 0) != 0) { /* an empty file: rewritten below */
        }
        st = write_header(w, info, err);
        if (st != MLT_OK && ftruncate(w->fd, 0) != 0) { /* header failed: leave it empty */
        }
    }
    if (st != MLT_OK) {
        mlt_writer_close(w);
        return st;
    }
    *out = w;
    return MLT_OK;
}

uint64_t mlt_writer_file_size(const mlt_writer *w)
{
    return w ? w->committed : 0;
}

/* Frees the working memory (not the path, the descriptor or the struct). */
static void free_working_memory(mlt_writer *w)
{
    mlt_mem_free(w->alloc, w->hash_block);
    ZSTD_freeCCtx(w->cctx);
    mlt_mem_free(w->alloc, w->packed);
    mlt_buf_free(&w->out);
    for (int i = 0; i < MLT_WS_COUNT; i++)
        mlt_buf_free(&w->streams[i]);
    mlt_intern_free(&w->strings);
}

mlt_status mlt_writer_rehome(mlt_writer *w, const mlt_allocator *allocator, mlt_error *err)
{
    mlt_error_clear(err);
    if (!w || w->in_image || w->out.len)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "mlt_writer_rehome: the writer must be between images");
    w->alloc = allocator;
    char *path = dup_string(allocator, w->path);
    if (!path)
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "%s: out of memory", w->path);
    w->path = path;
    return make_working_memory(w, err);
}

void mlt_writer_adopt_file_size(mlt_writer *w, uint64_t file_size)
{
    if (!w || w->in_image)
        return;
    w->committed = file_size;
    w->out_offset = file_size;
}

mlt_status mlt_writer_cut_to_known_end(mlt_writer *w, mlt_error *err)
{
    mlt_error_clear(err);
    if (!w || w->in_image)
        return mlt_fail(err, MLT_ERR_USAGE, 0,
                        "mlt_writer_cut_to_known_end: no writer between images");
    if (ftruncate(w->fd, (off_t)w->committed) != 0)
        return mlt_fail(err, MLT_ERR_IO, w->committed, "%s: cannot cut the file at offset %llu: %s",
                        w->path, (unsigned long long)w->committed, strerror(errno));
    return MLT_OK;
}

void mlt_writer_close(mlt_writer *w)
{
    if (!w)
        return;
    if (w->in_image)
        mlt_writer_abort_image(w, NULL);
    if (w->fd >= 0)
        close(w->fd);
    free_working_memory(w);
    mlt_mem_free(w->alloc, w->path);
    mlt_mem_free(w->alloc, w);
}
