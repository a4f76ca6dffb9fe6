/*
 * memalot analysis library: from dump files to leak reports.
 *
 * Used by memalot-analyze and by the dumper's in-process console reports, so
 * both give the same findings for the same dumps. The library turns facts
 * recorded in images (identity links, times, call counters) into verdicts
 * under a criterion chosen at analysis time.
 *
 * Memory: only the evaluated image's graph is held whole (compact CSR arrays);
 * other images are streamed to chain identities and count growth.
 * Errors use mlt_error from the format library (code, offset, message).
 */
#ifndef MEMALOT_ANALYSIS_H
#define MEMALOT_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "memalot/format.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MLA_REPORT_SCHEMA "memalot-report/1"

/* Called with a phase name ("reading", "identity", "dominators", "paths") and
 * a fraction in [0, 1]; used for the CLI's progress bar. */
typedef void (*mla_progress_fn)(void *context, const char *phase, double fraction);

typedef struct {
    /* kind MLT_CRITERION_NONE: use the criterion recorded in the dump (the
     * evaluated image's, else the newest image that has one, else time-based
     * with lifetime 60 s). A negative warmup / zero warmup_calls with
     * warmup_defaulted set means "default" (lifetime / 1 call). */
    mlt_criterion criterion;
    int warmup_defaulted; /* 1: derive the warm-up from the criterion's default rule */
    long at_image;        /* image index to evaluate; -1 = the last */
    int each;        /* 1: one report per image, objects reported once, when they first qualify */
    int newest_only; /* 1: one report, at the evaluated image, of the objects that first
                                    qualify there (each's rule), read from only the images that
                                    verdict depends on: a console report after every image then
                                    costs the same however long the run (see criteria.c) */
    const char *const *include; /* substrings of the fully qualified type name; any match keeps */
    size_t include_count;
    const char *const *exclude; /* any match drops */
    size_t exclude_count;
    /* For the three limits, 0 means mla_options_init's default, the one
     * place the defaults are written. */
    uint32_t max_object_details; /* example budget spread across types */
    uint32_t max_paths;          /* retainer paths per example */
    uint32_t max_path_length;    /* edges per path before it is cut */
    int skip_retained;           /* 1: do not build dominators (retained sizes are 0) */
    mla_progress_fn progress;
    void *progress_context;
} mla_options;

/* Fills options with every default. */
void mla_options_init(mla_options *options);

typedef struct {
    uint32_t index; /* position in the file */
    uint64_t sequence;
    double wall_time;
    double monotonic_time;
    mlt_trigger trigger;
    uint64_t call_counter;
    const char *function; /* NULL when not a call image */
    uint64_t objects;
    uint64_t edges;
    uint64_t stored_bytes;
} mla_image_summary;

typedef enum {
    MLA_ROOT_MODULE_GLOBAL = 1, /* root text "pkg.mod.name" */
    MLA_ROOT_FRAME_LOCAL = 2,   /* "function:name (thread 1234)" */
    MLA_ROOT_EXTERNAL = 3,      /* "held outside the visible heap" */
    MLA_ROOT_OTHER = 4          /* "sys.modules", "module pkg.mod", ... */
} mla_root_kind;

typedef struct {
    mla_root_kind root_kind;
    const char *root; /* rendered root name (see mla_root_kind) */
    size_t edge_count;
    const char *const *edges; /* rendered steps: ".attr", "[3]", "['key']" (escaped, cut
                                  * after 40 characters with "…"), "[<key builtins.int>]" or
                                  * "[42]" when the key has a preview, "<cell x>", a frame
                                  * local's or other role's own text ("self", "__dict__"),
                                  * and "→ TYPE" for an unlabelled reference */
    const char *const *types; /* fully qualified type of the object each step reaches */
    int truncated;            /* 1 when cut at max_path_length: the steps nearest the
                                  * root were dropped, the last max_path_length kept */
    const char *root_type;    /* type of the root object itself (added) */
    uint64_t root_address;    /* address of the root object (added) */
} mla_path;

typedef struct {
    uint64_t address;
    const char *type;
    uint64_t shallow_bytes;
    uint64_t retained_bytes;
    double age_seconds;       /* a lower bound: never over-reported */
    int64_t age_calls;        /* -1 when the dump has no call counter */
    int64_t created_in_call;  /* the monitored call that created it; -1 when unknown */
    int identity_approximate; /* 1: identity rests on a fingerprint, or contradicted its base */
    const char *preview;      /* NULL when the dump has none */
    int preview_truncated;
    size_t path_count;
    const mla_path *paths; /* shortest retainer paths from roots */
    uint32_t cluster;      /* index into mla_report.clusters */
    int undated;           /* 1: first seen in the image straddling the warm-up's end */
} mla_example;

typedef struct {
    const char *type; /* "mypkg.mod.Class", "builtins.str" */
    uint64_t count;
    uint64_t shallow_bytes;
    uint64_t retained_bytes; /* sum over candidates not dominated by another candidate */
    const uint64_t *growth;  /* candidates of this type at each image: image_count entries */
    size_t example_count;
    const mla_example *examples;
} mla_type_leak;

typedef struct {
    uint32_t id;
    const char *shape; /* "module global app.cache -> .items -> [*] -> app.Request" */
    /* Shape rules: the BFS-tree shortest path with list/tuple indices and
     * data-like str keys folded to [*] (keys of containers with more than 16
     * referents, keys with a digit or a non-identifier character, or longer
     * than 32 bytes), non-str keys folded to [<key TYPE>], frame-local roots
     * without their thread, and a run of one repeated step (a linked list's
     * .next) written once as "(.next)+"; an unlabelled last step (a set or
     * deque member) shows only the final type. Objects held outside the visible
     * heap or unreachable show their own type: "held outside the visible
     * heap (builtins.str)". */
    const char *type; /* type of the leaked objects in the group */
    uint64_t count;
    uint64_t shallow_bytes;
    uint64_t retained_bytes;
    uint64_t example_address;
} mla_cluster;

/* Leak suspects: the candidates grouped by where they accumulate (see
 * docs/design.md, "Leak suspects"). */
typedef enum {
    MLA_TREND_GROWING = 0, /* grew over the last span of at least the lifetime, or cannot tell */
    MLA_TREND_STABLE = 1   /* did not grow over that span: a bounded cache at its size */
} mla_trend;

typedef struct {
    uint32_t image; /* file index of a sampled image */
    double time;    /* seconds since the first analysed image (time criterion) */
    uint64_t calls; /* monitored calls completed by then (call criterion) */
    uint64_t count; /* objects made after the warm-up held at the suspect then */
    uint64_t bytes; /* their shallow bytes */
} mla_growth_point;

typedef struct {
    const char *type;
    uint64_t count;
    uint64_t shallow_bytes;
} mla_suspect_type;

typedef struct {
    uint32_t id;
    mla_trend trend;
    /* The accumulation point: the nearest object on the candidates' shortest
     * retainer paths that is not a candidate itself (it existed before), or
     * NULL when the candidates are held by a root directly, from outside the
     * visible heap, or not at all. Points of one path shape (a dict's many
     * lists) are one suspect; point_* name the one holding the most. */
    const char *point_path; /* "module global app.cache", "module global app.state -> .registry" */
    const char *point_type;
    uint64_t point_address;
    uint32_t point_count; /* accumulation points merged into this suspect */
    const char *shape;    /* the candidates' path shape when there is no point */
    uint64_t count;       /* candidates */
    uint64_t shallow_bytes;
    uint64_t retained_bytes; /* what freeing the candidates would free */
    uint64_t undated_count; /* of count: first seen in the image that straddles the warm-up's end */
    size_t type_count;
    const mla_suspect_type *types; /* most candidates first */
    size_t growth_count;
    const mla_growth_point *growth; /* sampled images, oldest first; the last is the evaluated */
    uint64_t growth_objects;        /* growth over the trend span (0 when it shrank) */
    uint64_t growth_bytes;
    double rate_count; /* per second (time criterion) or per call, over the trend span */
    double rate_bytes;
    int measured;           /* 0: no accumulation point to follow, the trend is assumed growing */
    const char *new_module; /* held by a global of a module imported after the warm-up: folded
                               into import-time state when stable; else NULL */
    size_t example_count;
    const mla_example *examples; /* at most 3, of distinct path shapes */
} mla_suspect;

/* Definitions made after the warm-up (a module imported late: its
 * functions, classes, code and constants), one line per module. */
typedef struct {
    const char *module;
    uint64_t count;
    uint64_t shallow_bytes;
} mla_import_state;

typedef struct {
    const char *path;
    const mlt_file_info *file;       /* owned by the report */
    mlt_criterion criterion;         /* the criterion applied, defaults resolved */
    const char *criterion_source;    /* "dump", "options", or "default" (the dump recorded none) */
    uint32_t evaluated_image;        /* index of the image the verdict is for */
    size_t image_count;              /* analysed images (images of another run are excluded) */
    size_t file_image_count;         /* images in the file: indexes run 0 .. file_image_count-1 */
    size_t call_delta_count;         /* clean monitored calls recorded as call deltas (3.13+):
                                    not analysed, they hold no objects */
    const mla_image_summary *images; /* growth arrays line up with this list */
    uint64_t candidate_count;        /* leak candidates at the evaluated image, after filters */
    uint64_t candidate_shallow_bytes;
    uint64_t candidate_retained_bytes;
    size_t leak_count;
    const mla_type_leak *leaks; /* sorted by retained bytes, then count, then name */
    size_t cluster_count;
    const mla_cluster *clusters; /* sorted by count desc */
    size_t warning_count;
    const char *const *warnings; /* torn tail, approximate identities, mixed runs, ... */
    size_t suspect_count;
    const mla_suspect
        *suspects;          /* growing first (by growth in bytes, then retained), then stable */
    size_t growing_count;   /* suspects[0 .. growing_count) are growing */
    uint64_t undated_count; /* candidates that may predate the warm-up's end */
    size_t import_state_count;
    const mla_import_state *import_states; /* not candidates: most objects first */
} mla_report;

typedef struct mla_report_set mla_report_set;

/* Analyzes a dump file. Without options->each the set holds one report (at the
 * evaluated image); with each, one report per image after the first.
 *
 * Rules the verdicts follow (see docs for the reasoning):
 *  - Images whose run_id differs from the first image's are excluded with a
 *    warning; at_image naming one fails with MLT_ERR_USAGE.
 *  - An image whose base is not the previous analysed image (missing image,
 *    other pid, no base, or a sequence not above the previous image's:
 *    images out of order) breaks the identity chains: its objects count as
 *    new there (ages are then lower bounds), with a warning. So do objects
 *    flagged "same as before" whose address the base image lacks; those are
 *    also marked identity_approximate.
 *  - Time: alive at E, first image f >= 1 with t[f-1] >= t0 + warmup (created
 *    after the warm-up) and t[E] - t[f] >= lifetime. Monotonic time when
 *    every image has one, else wall time.
 *  - Calls: first seen at call-end(k) right after an image taken inside call
 *    k, k > warmup_calls, and E at or after call-end(m), m >= k + calls - 1.
 *  - Objects flagged MLT_OBJ_MONITOR in image E (held by memalot's own frames
 *    while E was taken), and objects reachable only through them, are not
 *    candidates at E; an object the program also reaches (root record,
 *    hidden holder of an unflagged object) is. Images loaded without edges
 *    (growth counts only) drop just the flagged objects.
 *  - Retained bytes of a type: the sum over its candidates that no other
 *    candidate (of any type) dominates, so the types' sums never double
 *    count. The dominator tree hangs from a super-root over the root
 *    records, the objects whose refcount exceeds their visible referrers
 *    (immortal ones excepted) and whatever is still unreachable. */
mlt_status mla_analyze_file(const char *path, const mla_options *options, mla_report_set **out,
                            mlt_error *err);

/* What fails a job (exit status 1): by default growing suspects and undated
 * candidates, which may be a leak the schedule could not date; ANY adds the
 * stable suspects (bounded caches). */
typedef enum { MLA_FAIL_ON_GROWING = 0, MLA_FAIL_ON_ANY = 1 } mla_fail_on;

/* 1 when report fails under rule. */
int mla_report_fails(const mla_report *report, mla_fail_on rule);

/* "growing", "undated" (no growing suspect, undated candidates), "stable"
 * (stable suspects only) or "clean": the verdict word the JSON carries. */
const char *mla_report_verdict(const mla_report *report);

size_t mla_report_set_count(const mla_report_set *set);
const mla_report *mla_report_set_get(const mla_report_set *set, size_t index);

/* The summary of the analysed image whose index in the file is file_index,
 * or NULL (an excluded image, a call delta, or out of range). */
const mla_image_summary *mla_report_image(const mla_report *report, uint32_t file_index);
void mla_report_set_free(mla_report_set *set);

/* ------------------------------------------------- one object's retainers */

/* Everything known about one object of one image, for `memalot-analyze paths`.
 * Paths: first every shortest retainer path from the roots (the same root
 * model as the reports: root records, objects held outside the visible heap,
 * and otherwise unreachable objects), then, for each direct referrer not yet
 * the last step of a listed path, the shortest path through that referrer;
 * at most max_paths in all (paths_capped says more existed). */
typedef struct {
    const char *path; /* the dump file */
    uint32_t image;   /* file index of the image looked at */
    uint64_t address;
    const char *type;
    uint64_t shallow_bytes;
    uint64_t retained_bytes; /* through the dominator tree of the image */
    uint64_t refcount;
    uint8_t flags;           /* MLT_OBJ_* as recorded */
    uint64_t referrer_count; /* edges in the image that point at the object */
    int is_root;             /* 1 when a root record names it */
    const char *preview;     /* NULL when the dump has none */
    int preview_truncated;
    size_t path_count;
    const mla_path *paths;
    int paths_capped; /* 1 when more paths existed than max_paths */
} mla_object_info;

/* The paths of mla_object_paths when its max_paths is 0. */
#define MLA_OBJECT_PATHS_DEFAULT_MAX 20

/* image_index -1 means the last image; max_paths 0 means
 * MLA_OBJECT_PATHS_DEFAULT_MAX; max_path_length 0 means mla_options_init's
 * max_path_length. An address that is not an object of the image fails with
 * MLT_ERR_USAGE and a message naming the address and the image. */
mlt_status mla_object_paths(const char *path, long image_index, uint64_t address,
                            uint32_t max_paths, uint32_t max_path_length, mla_object_info **out,
                            mlt_error *err);
void mla_object_info_free(mla_object_info *info);

/* ---------------------------------------------------- per-type census */

/* Objects of one type in one image, for `memalot-analyze diff A B` (which
 * matches two censuses by type name) and quick summaries. */
typedef struct {
    const char *type; /* fully qualified name */
    uint64_t count;
    uint64_t shallow_bytes;
    uint64_t new_count; /* objects flagged MLT_OBJ_NEW in this image */
    uint64_t new_bytes;
} mla_type_count;

typedef struct {
    const char *path;
    const mlt_file_info *file; /* owned by the census */
    mla_image_summary image;   /* the image counted */
    uint64_t object_count;
    uint64_t shallow_bytes;
    size_t type_count;
    const mla_type_count *types; /* sorted by shallow bytes desc, then count desc, then name */
    const char *torn_tail;       /* mlt_reader_tail_error's message, or NULL */
} mla_census;

/* Counts image image_index (-1 = the last) of a dump by type; streams the
 * objects, holds no graph. */
mlt_status mla_type_census(const char *path, long image_index, mla_census **out, mlt_error *err);
void mla_census_free(mla_census *census);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_ANALYSIS_H */
