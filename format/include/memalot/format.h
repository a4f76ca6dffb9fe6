/*
 * memalot heap-image format: writer and reader.
 *
 * This header is the only public door to the bytes described in docs/format.md.
 * Everything else in memalot (the dumper, the analyzer, the tools) reads and writes
 * heap images through it.
 *
 * Model: a dump file holds a file header followed by images appended over time.
 * Each image is a sequence of blocks tagged with a stream id (objects, edges,
 * strings, ...) and ends in a trailer carrying its length and an XXH3-64
 * checksum. Writers stream: memory stays bounded by one block per stream, never
 * by the image. Readers validate every length against the real file size.
 *
 * Errors: every fallible call returns an mlt_status and fills an mlt_error
 * (code, file offset, message) when one is given. No call exits or aborts.
 * Thread safety: a writer or reader may be used by one thread at a time; there is
 * no global state.
 */
#ifndef MEMALOT_FORMAT_H
#define MEMALOT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "memalot/alloc.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLT_FORMAT_MAJOR 1
#define MLT_FORMAT_MINOR 0

/* ------------------------------------------------------------------ errors */

typedef enum {
    MLT_OK = 0,
    MLT_ERR_IO = 1,        /* open/read/write/seek failed; message holds strerror */
    MLT_ERR_NOMEM = 2,     /* an allocation failed */
    MLT_ERR_FORMAT = 3,    /* bytes do not follow the spec (bad magic, bad field, bad count) */
    MLT_ERR_VERSION = 4,   /* file written by a newer major version, or needs an unknown stream */
    MLT_ERR_CHECKSUM = 5,  /* XXH3-64 mismatch */
    MLT_ERR_TRUNCATED = 6, /* file ends inside a structure: a torn write */
    MLT_ERR_LIMIT = 7,     /* a declared size exceeds a reader limit (possible bomb) */
    MLT_ERR_USAGE = 8,     /* the caller broke an API rule (order, index out of range) */
    MLT_ERR_COMPRESS = 9   /* zstd failed or produced a size other than declared */
} mlt_status;

typedef struct {
    mlt_status code;
    uint64_t offset;   /* file offset the problem was found at (0 when not about a file) */
    char message[512]; /* names the file, the offset, the section/field and what was expected */
} mlt_error;

/* A short constant name for a status, e.g. "truncated". */
const char *mlt_status_name(mlt_status code);

#if defined(__GNUC__) || defined(__clang__)
#define MLT_PRINTF_LIKE(fmt, first) __attribute__((format(printf, fmt, first)))
#else
#define MLT_PRINTF_LIKE(fmt, first)
#endif

/* Reports a failure the way every memalot call does: when err is not NULL,
 * sets its code and offset and formats the message (printf-style, cut to
 * fit the buffer). Returns code, so a caller can `return mlt_fail(...)`.
 * Other libraries built on this one (the analyzer, the dumper) use it too,
 * so an mlt_error means the same thing whoever filled it. */
mlt_status mlt_fail(mlt_error *err, mlt_status code, uint64_t offset, const char *fmt, ...)
    MLT_PRINTF_LIKE(4, 5);

/* ------------------------------------------------------------ file metadata */

typedef enum { MLT_BYTE_ORDER_LITTLE = 0, MLT_BYTE_ORDER_BIG = 1 } mlt_byte_order;

/* Describes the process that wrote the file. Strings may be NULL (absent). */
typedef struct {
    uint32_t format_major;             /* filled by the reader; ignored by the writer */
    uint32_t format_minor;             /* filled by the reader; ignored by the writer */
    const char *producer;              /* e.g. "memalot 0.1.0" */
    const char *python_version;        /* e.g. "3.12.1" */
    uint64_t python_hexversion;        /* sys.hexversion */
    const char *python_implementation; /* e.g. "cpython" */
    const char *python_build;          /* sys.version text, ABI flags, free-threading */
    uint32_t gc_preheader_size;        /* bytes sys.getsizeof adds for GC objects (16 on 64-bit) */
    const char *platform;              /* e.g. "linux-x86_64" */
    uint32_t pointer_size;             /* 8 on 64-bit */
    mlt_byte_order byte_order;         /* of the machine that wrote it; the format is LE */
    uint64_t pid;
    uint64_t run_id;   /* random per monitored run; ties images to one run */
    int argv_withheld; /* 1 when argv was deliberately not recorded */
    uint32_t argc;
    const char *const *argv;
    double start_time; /* Unix time the monitoring started */
    /* Lineage (added within 1.0; 0 when absent): the process this one was
     * forked or started from, and the run_id of the first process of the
     * launch (its own run_id for that process), which groups one launch's
     * files. A writer that records none writes none of the three. */
    uint64_t parent_pid;
    uint64_t parent_run_id;
    uint64_t launch_id;
} mlt_file_info;

/* ---------------------------------------------------------- image metadata */

/* What made the dumper take an image. UNKNOWN is what a reader reports for
 * a value it does not know; a writer is told one of PERIODIC..MLT_TRIGGER_LAST. */
typedef enum {
    MLT_TRIGGER_UNKNOWN = 0,
    MLT_TRIGGER_PERIODIC = 1,
    MLT_TRIGGER_CALL_START = 2,
    MLT_TRIGGER_CALL_END = 3,
    MLT_TRIGGER_MANUAL = 4,
    MLT_TRIGGER_SIGNAL = 5,
    MLT_TRIGGER_EXIT = 6,
    /* The periodic image that ends the warm-up (added within 1.0): readers
     * date objects first seen after it as made after the warm-up */
    MLT_TRIGGER_WARMUP_END = 7
} mlt_trigger;
#define MLT_TRIGGER_LAST MLT_TRIGGER_WARMUP_END

typedef enum {
    MLT_CRITERION_NONE = 0,
    MLT_CRITERION_TIME = 1, /* lifetime / warmup in seconds */
    MLT_CRITERION_CALLS = 2 /* calls / warmup_calls */
} mlt_criterion_kind;
/* The kinds a criterion can be given as: MLT_CRITERION_TIME..MLT_CRITERION_LAST. */
#define MLT_CRITERION_LAST MLT_CRITERION_CALLS

typedef struct {
    mlt_criterion_kind kind;
    double lifetime;       /* seconds (TIME) */
    double warmup;         /* seconds (TIME) */
    uint64_t calls;        /* max_object_age_calls (CALLS) */
    uint64_t warmup_calls; /* CALLS */
} mlt_criterion;

/* What an image holds. A call delta is written at the end of a monitored call
 * that left no object it created alive (3.13+, see docs/format.md 4.1): it
 * holds no objects, edges or roots, and says the heap is its base image's
 * minus objects that died since. Readers analysing the heap skip it. */
typedef enum { MLT_IMAGE_FULL = 0, MLT_IMAGE_CALL_DELTA = 1 } mlt_image_kind;

typedef enum {
    MLT_IDENTITY_NONE = 0,      /* no tracking: every object flagged NEW is only "unknown" */
    MLT_IDENTITY_REFTRACER = 1, /* PyRefTracer CREATE events (3.13+) */
    MLT_IDENTITY_ALLOC_HOOK = 2 /* PEP 445 hook + freelist dealloc wrappers (3.10-3.12) */
} mlt_identity_source;

/* What the writer is told when an image begins; the reader fills all of it
 * plus the counts that the trailer carries. */
typedef struct {
    uint64_t sequence;      /* 0-based image number within the run */
    int has_base;           /* 1 when identity flags refer to image base_sequence */
    uint64_t base_sequence; /* normally sequence - 1 */
    uint64_t run_id;        /* equals the file's run_id for images of one run */
    uint64_t pid;
    double wall_time;      /* Unix seconds */
    double monotonic_time; /* seconds, CLOCK_MONOTONIC of the writing process */
    mlt_trigger trigger;
    uint64_t call_counter;   /* monitored calls started so far (0 if none) */
    const char *function;    /* qualified name of the monitored function, or NULL */
    mlt_criterion criterion; /* what the API was given */
    mlt_identity_source identity;
    mlt_image_kind kind; /* MLT_IMAGE_FULL unless the writer says otherwise */
    /* Filled by the reader from the trailer; ignored by the writer. */
    uint64_t object_count, edge_count, root_count, type_count, string_count, preview_count;
    uint64_t pause_ns; /* how long the program was stopped for this image (0: unknown) */
} mlt_image_info;

/* ----------------------------------------------------------------- records */

/* Object flags (one byte per object). */
#define MLT_OBJ_NEW 0x01    /* not the object the base image had at this address */
#define MLT_OBJ_APPROX 0x02 /* identity is a fingerprint guess, not proven */
#define MLT_OBJ_GC_TRACKED 0x04
#define MLT_OBJ_IMMORTAL 0x08 /* refcount is meaningless (3.12+ immortal objects) */
#define MLT_OBJ_FROZEN 0x10   /* in gc.freeze()'s permanent generation */
#define MLT_OBJ_MONITOR                                                                            \
    0x20 /* held by the monitor itself while the image was taken (its
                                   * own frames on the dumping thread): not a leak candidate in
                                   * this image. Added in 1.0 as an ignorable bit (docs/format.md) */
/* Created during the monitored call this call-end image ends, as the writer's
 * allocation tracking proved. */
#define MLT_OBJ_CALL_BORN 0x40
/* Lives outside the heap (statically allocated or deep-frozen): it existed
 * before the run and never dies; readers treat it as old, never new. Added in
 * 1.0 as an ignorable bit (docs/format.md). */
#define MLT_OBJ_STATIC 0x80
#define MLT_OBJ_FLAGS_KNOWN 0xFF /* every bit now has a meaning */

typedef struct {
    uint64_t address; /* strictly increasing within an image */
    uint32_t type;    /* index into the image's type table */
    uint8_t flags;    /* MLT_OBJ_* */
    uint64_t size;    /* shallow size in bytes, as sys.getsizeof would say */
    uint64_t refcount;
    uint64_t edge_count; /* referents that follow (see mlt_image_read_edges) */
} mlt_object;

typedef enum {
    MLT_LABEL_NONE = 0,
    MLT_LABEL_ATTR = 1,    /* value: string id of an attribute or slot name */
    MLT_LABEL_INDEX = 2,   /* value: list/tuple index */
    MLT_LABEL_KEY_STR = 3, /* value: string id of a str dict key */
    MLT_LABEL_KEY_OBJ = 4, /* value: object index of a non-str dict key */
    MLT_LABEL_CELL = 5,    /* value: string id of a closure cell variable name */
    MLT_LABEL_LOCAL = 6,   /* value: string id of a frame local name */
    MLT_LABEL_OTHER = 7,   /* value: string id of a free-form role ("__dict__", "key", ...) */
    MLT_LABEL_COUNT_ = 8
} mlt_label_kind;

/* 1 when an edge label of this kind is a string id (ATTR, KEY_STR, CELL,
 * LOCAL, OTHER), so it must name an interned string and be remapped with the
 * string table; 0 for NONE, INDEX, KEY_OBJ and values outside the enum. */
static inline int mlt_label_has_string_id(uint32_t kind)
{
    return kind == MLT_LABEL_ATTR || kind == MLT_LABEL_KEY_STR || kind == MLT_LABEL_CELL ||
           kind == MLT_LABEL_LOCAL || kind == MLT_LABEL_OTHER;
}

typedef struct {
    uint32_t target;     /* object index of the referent */
    uint32_t label_kind; /* mlt_label_kind */
    uint64_t label;      /* meaning depends on label_kind */
} mlt_edge;

typedef enum {
    MLT_ROOT_MODULE_GLOBAL = 1, /* name: variable, context: module name */
    MLT_ROOT_FRAME_LOCAL = 2,   /* name: local, context: function qualname, thread, depth */
    MLT_ROOT_MODULE = 3,        /* a module object itself; name: module name */
    MLT_ROOT_THREAD = 4,        /* thread state dicts, thread objects; thread set */
    MLT_ROOT_SYS = 5,           /* sys/builtins/interpreter state; name says which */
    MLT_ROOT_EXTERNAL = 6,      /* refcount exceeds visible referrers: a hint */
    MLT_ROOT_OTHER = 7,
    MLT_ROOT_COUNT_ = 8
} mlt_root_kind;

#define MLT_NO_STRING UINT32_MAX

typedef struct {
    mlt_root_kind kind;
    uint32_t object;    /* object index */
    uint32_t name;      /* string id or MLT_NO_STRING */
    uint32_t context;   /* string id or MLT_NO_STRING */
    uint64_t thread_id; /* 0 when not about a thread */
    uint32_t depth;     /* frame depth, 0 = innermost */
} mlt_root;

typedef enum {
    MLT_PREVIEW_STR = 1, /* UTF-8 */
    MLT_PREVIEW_BYTES = 2,
    MLT_PREVIEW_INT = 3,  /* decimal text */
    MLT_PREVIEW_FLOAT = 4 /* repr text */
} mlt_preview_kind;

#define MLT_PREVIEW_MAX 4096 /* bytes; longer previews are refused by both sides */

typedef struct {
    uint32_t object; /* object index; strictly increasing within an image */
    mlt_preview_kind kind;
    int truncated;       /* 1 when the value was longer than what is stored */
    const uint8_t *data; /* reader: valid until the next preview call */
    uint32_t length;
} mlt_preview;

typedef struct {
    uint32_t name;      /* string id of the fully qualified name, "builtins.dict" */
    uint64_t address;   /* address of the type object (links to its object record) */
    uint64_t basicsize; /* tp_basicsize */
    uint64_t itemsize;  /* tp_itemsize */
} mlt_type;

/* ------------------------------------------------------------------ writer */

typedef struct mlt_writer mlt_writer;

typedef struct {
    int compression_level;          /* zstd level; 0 picks the default (3); <0 are fast levels */
    uint32_t block_size;            /* raw bytes per block; 0 = 1 MiB; at most MLT_MAX_BLOCK_RAW */
    int append;                     /* 1: append to a valid existing file (torn tail cut off) */
    int file_mode;                  /* permission bits for a new file; 0 = 0600 */
    int store_only;                 /* 1: every block stored uncompressed (codec 0); for tests,
                               the spec's worked example, and debugging with xxd */
    const mlt_allocator *allocator; /* the writer's working memory; NULL = libc */
} mlt_writer_options;

#define MLT_MAX_BLOCK_RAW (4u * 1024u * 1024u)

/* Creates (or, with append, continues) a dump file. With append on a file that
 * does not exist, the file is created. */
mlt_status mlt_writer_open(const char *path, const mlt_file_info *info,
                           const mlt_writer_options *options, mlt_writer **out, mlt_error *err);

/* Starts an image. Between begin and end, strings, types, objects, edges,
 * roots and previews can be added in any interleaving, with these rules:
 * objects in strictly increasing address order; after an object with
 * edge_count n, exactly n edges before the next object or the end. */
mlt_status mlt_writer_begin_image(mlt_writer *w, const mlt_image_info *info, mlt_error *err);

/* Interns a string (any bytes, UTF-8 by convention) and returns its id. The
 * same bytes give the same id within an image. */
mlt_status mlt_writer_intern(mlt_writer *w, const char *bytes, size_t length, uint32_t *id,
                             mlt_error *err);

mlt_status mlt_writer_add_type(mlt_writer *w, const mlt_type *type, uint32_t *index,
                               mlt_error *err);

/* Appends an object; its index is the number of objects added before it. */
mlt_status mlt_writer_add_object(mlt_writer *w, const mlt_object *object, mlt_error *err);

/* Appends edges of the current object (may be called several times). A target
 * may name an object added later; end_image checks every target exists. */
mlt_status mlt_writer_add_edges(mlt_writer *w, const mlt_edge *edges, size_t count, mlt_error *err);

mlt_status mlt_writer_add_root(mlt_writer *w, const mlt_root *root, mlt_error *err);

mlt_status mlt_writer_add_preview(mlt_writer *w, const mlt_preview *preview, mlt_error *err);

/* Flushes every stream, writes the trailer. pause_ns is recorded in the trailer.
 * On failure the partial image is cut off so the file stays valid. */
mlt_status mlt_writer_end_image(mlt_writer *w, uint64_t pause_ns, mlt_error *err);

/* Drops the image under construction and cuts the file back to its start. */
mlt_status mlt_writer_abort_image(mlt_writer *w, mlt_error *err);

/* Bytes the file holds now (header + finished images). */
uint64_t mlt_writer_file_size(const mlt_writer *w);

/* For a forked copy of the process that opened the writer: moves the writer's
 * working memory (buffers, compression context, hash state) to `allocator`,
 * abandoning the old memory without freeing it, since it belongs to the
 * parent's allocator. The copy then writes images through the same file
 * descriptor; between images the writer holds no unwritten bytes, so nothing
 * is lost. Closing the copy frees only what `allocator` gave. */
mlt_status mlt_writer_rehome(mlt_writer *w, const mlt_allocator *allocator, mlt_error *err);

/* The file grew to `file_size` through another copy of this writer (a forked
 * child that wrote whole images after mlt_writer_rehome): later images follow. */
void mlt_writer_adopt_file_size(mlt_writer *w, uint64_t file_size);

/* Cuts the file back to the end of the last image this writer knows of: a
 * copy that was stopped part-way through an image leaves nothing behind. */
mlt_status mlt_writer_cut_to_known_end(mlt_writer *w, mlt_error *err);

/* Closes the file; an image still open is aborted. NULL is accepted. */
void mlt_writer_close(mlt_writer *w);

/* ------------------------------------------------------------------ reader */

/* Bytes of the signature every dump file starts with (docs/format.md, "File
 * header"): enough of a prefix for mlt_has_file_signature. */
#define MLT_FILE_SIGNATURE_LEN 8

/* 1 when the `length` bytes at `prefix` start with the file signature, so
 * the file is meant to be a memalot dump (whether it is a valid one is the
 * reader's to say); 0 otherwise, and for a prefix shorter than the signature.
 * This is how tools tell dumps from other files without opening them. */
int mlt_has_file_signature(const void *prefix, size_t length);

typedef struct mlt_reader mlt_reader;
typedef struct mlt_image mlt_image;

typedef struct {
    /* An image may expand to at most max(64 MiB, expansion_limit x its stored
     * size) when decompressed. 0 = the default 512. Guards against bombs. */
    uint32_t expansion_limit;
    /* Skip checksum verification at open (faster for huge trusted files). */
    int skip_checksums;
} mlt_reader_options;

/* Opens a file: checks the header, then scans every image (lengths, block
 * framing, checksums) and indexes them. A bad or torn image stops the scan:
 * the images before it stay readable and mlt_reader_tail_error() describes
 * it. Only a bad file header fails the open. */
mlt_status mlt_reader_open(const char *path, const mlt_reader_options *options, mlt_reader **out,
                           mlt_error *err);

const mlt_file_info *mlt_reader_file_info(const mlt_reader *r);
const char *mlt_reader_path(const mlt_reader *r);
uint64_t mlt_reader_file_size(const mlt_reader *r);
size_t mlt_reader_image_count(const mlt_reader *r);

/* NULL when the file ended cleanly after its last image; else what stopped the
 * scan (a torn tail, a checksum mismatch, ...) with its offset. */
const mlt_error *mlt_reader_tail_error(const mlt_reader *r);

/* Offset and stored length of image i (header to end of trailer). */
uint64_t mlt_reader_image_offset(const mlt_reader *r, size_t index);
uint64_t mlt_reader_image_length(const mlt_reader *r, size_t index);

/* Image metadata and counts without decoding the image. */
mlt_status mlt_reader_image_info(mlt_reader *r, size_t index, mlt_image_info *info, mlt_error *err);

void mlt_reader_close(mlt_reader *r);

/* Opens image `index` for decoding. Strings and types are loaded at once
 * (they are small and every other record refers to them); objects, edges,
 * roots and previews are streamed. Memory stays bounded by one block per
 * stream plus the string and type tables. The image must be closed before
 * the reader. */
mlt_status mlt_image_open(mlt_reader *r, size_t index, mlt_image **out, mlt_error *err);

const mlt_image_info *mlt_image_get_info(const mlt_image *img);

/* String id -> bytes (not NUL-terminated in general; a NUL is appended for
 * convenience). NULL for MLT_NO_STRING or out-of-range ids. */
const char *mlt_image_string(const mlt_image *img, uint32_t id, size_t *length);
uint64_t mlt_image_string_count(const mlt_image *img);

const mlt_type *mlt_image_type(const mlt_image *img, uint32_t index);
uint64_t mlt_image_type_count(const mlt_image *img);

/* Next object: returns 1 and fills *out, 0 at the end, or -1 on error (err
 * filled). Edges of the previous object that were not read are skipped. */
int mlt_image_next_object(mlt_image *img, mlt_object *out, mlt_error *err);

/* Reads up to `capacity` edges of the current object; returns how many (0 when
 * all were read) or -1 on error. Labels are validated against the tables. */
long mlt_image_read_edges(mlt_image *img, mlt_edge *edges, size_t capacity, mlt_error *err);

/* Roots and previews stream independently of objects. Same return convention. */
int mlt_image_next_root(mlt_image *img, mlt_root *out, mlt_error *err);
int mlt_image_next_preview(mlt_image *img, mlt_preview *out, mlt_error *err);

void mlt_image_close(mlt_image *img);

/* -------------------------------------------------------------- names */

/* The one table of trigger and criterion-kind names: the dumper's Python API
 * parses them, the reports print them and the Python package reads them from
 * the extension (_memalot.TRIGGERS, CRITERION_KINDS). */
const char *mlt_trigger_name(mlt_trigger trigger); /* "periodic", "call-end", ...;
                                                            "unknown" for others */
/* 1 and *out set when `name` is the name of a trigger a writer may be told
 * (PERIODIC..MLT_TRIGGER_LAST); 0 with *out untouched otherwise ("unknown"
 * and NULL included). */
int mlt_trigger_from_name(const char *name, mlt_trigger *out);
const char *mlt_criterion_kind_name(mlt_criterion_kind kind); /* "time", "calls"; "none" for
                                                                 NONE and others */
/* 1 and *out set when `name` is "time" or "calls" (TIME..MLT_CRITERION_LAST);
 * 0 with *out untouched otherwise ("none" and NULL included). */
int mlt_criterion_kind_from_name(const char *name, mlt_criterion_kind *out);
const char *mlt_root_kind_name(mlt_root_kind kind);   /* "module-global", ... */
const char *mlt_label_kind_name(mlt_label_kind kind); /* "attr", "index", ... */
const char *mlt_identity_source_name(mlt_identity_source source);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_FORMAT_H */
