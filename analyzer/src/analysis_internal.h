/* Internal declarations shared by the analysis library's translation units.
 * Nothing here is public; tests include it to check the algorithms on graphs
 * built in memory. */
#ifndef MEMALOT_ANALYSIS_INTERNAL_H
#define MEMALOT_ANALYSIS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "memalot/analysis.h"

#define MLA_NONE UINT32_MAX

/* ------------------------------------------------------------------ arena */

/* Bump allocator: every string and array of a report lives in one arena so a
 * report set is freed in one sweep. */
typedef struct mla_arena_chunk mla_arena_chunk;
typedef struct {
    mla_arena_chunk *head;
} mla_arena;

void *mla_arena_alloc(mla_arena *arena, size_t size); /* zeroed; NULL on OOM */
char *mla_arena_strndup(mla_arena *arena, const char *text, size_t length);
char *mla_arena_strdup(mla_arena *arena, const char *text); /* NULL stays NULL */
char *mla_arena_printf(mla_arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void mla_arena_free(mla_arena *arena);

/* Growable text; `failed` is sticky so callers check once at the end. */
typedef struct {
    char *data;
    size_t length;
    size_t capacity;
    int failed;
} mla_sbuf;

void mla_sbuf_append(mla_sbuf *buf, const char *text, size_t length);
void mla_sbuf_puts(mla_sbuf *buf, const char *text);
void mla_sbuf_printf(mla_sbuf *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mla_sbuf_free(mla_sbuf *buf);

/* Saturating size arithmetic helper for array allocations. */
void *mla_calloc_array(size_t count, size_t size);
void *mla_malloc_array(size_t count, size_t size);

/* ----------------------------------------------------------- string table */

/* A copy of one image's string table (attribute names, keys, type names),
 * so a graph outlives the reader's image handle. */
typedef struct {
    char *blob;       /* every string followed by a NUL */
    uint64_t *offset; /* count + 1 entries into blob */
    uint32_t count;
} mla_strtab;

const char *mla_strtab_get(const mla_strtab *table, uint32_t id, size_t *length);
void mla_strtab_free(mla_strtab *table);

/* ---------------------------------------------------------- type registry */

/* Type names are per-image tables in the file; the registry gives every
 * fully qualified name one id for the whole analysis, decides the
 * include/exclude filters once per name, and owns the growth arrays. */
typedef struct {
    mla_arena *arena; /* names and growth arrays live here */
    const char **names;
    uint8_t *kept;     /* 1 when the filters keep the type */
    uint64_t **growth; /* growth_length entries per type */
    uint32_t count;
    uint32_t capacity;
    uint32_t *slots;     /* open addressing: id + 1, 0 = empty */
    uint32_t slot_count; /* power of two */
    size_t growth_length;
    const char *const *include;
    size_t include_count;
    const char *const *exclude;
    size_t exclude_count;
} mla_typereg;

void mla_typereg_init(mla_typereg *reg, mla_arena *arena, size_t growth_length);
mlt_status mla_typereg_intern(mla_typereg *reg, const char *name, size_t length, uint32_t *id,
                              mlt_error *err);
void mla_typereg_free(mla_typereg *reg);
int mla_type_filter_keeps(const char *name, const char *const *include, size_t include_count,
                          const char *const *exclude, size_t exclude_count);

/* ------------------------------------------------------------------ graph */

/* One image in compact arrays. A compact load fills address, type and flags
 * only; a full load adds sizes, refcounts, CSR edges, roots and strings. */
typedef struct {
    uint32_t node_count;
    uint32_t edge_count;
    uint64_t *address; /* strictly increasing */
    uint32_t *type;    /* registry id */
    uint8_t *flags;    /* MLT_OBJ_* */
    uint64_t *size;
    uint32_t *refcount;   /* saturated at UINT32_MAX */
    uint32_t *edge_start; /* node_count + 1 entries */
    uint32_t *edge_target;
    uint32_t *edge_label; /* INDEX values above UINT32_MAX are saturated */
    uint8_t *edge_kind;
    mlt_root *roots;
    size_t root_count;
    mla_strtab strings;
} mla_graph;

/* Allocates the arrays (full: all of them). Returns MLT_OK or MLT_ERR_NOMEM. */
mlt_status mla_graph_alloc(mla_graph *graph, uint32_t nodes, uint32_t edges, size_t roots, int full,
                           mlt_error *err);
void mla_graph_free(mla_graph *graph);
/* Index of the object at address, or MLA_NONE. */
uint32_t mla_graph_find(const mla_graph *graph, uint64_t address);

/* Streams image `index` into graph; type names are interned in reg. */
mlt_status mla_load_image(mlt_reader *reader, size_t index, mla_typereg *reg, int full,
                          mla_graph *graph, mlt_error *err);

/* Previews of selected objects of one image (object indices sorted, unique). */
typedef struct {
    uint32_t count;
    uint32_t *object;
    char **text; /* rendered as Python would show the value */
    uint8_t *truncated;
    uint8_t *kind; /* mlt_preview_kind */
    mla_arena arena;
} mla_previews;

mlt_status mla_load_previews(mlt_reader *reader, size_t index, const uint32_t *objects,
                             uint32_t count, mla_previews *out, mlt_error *err);
const char *mla_previews_find(const mla_previews *previews, uint32_t object, int *truncated);
void mla_previews_free(mla_previews *previews);

/* ------------------------------------------------------- reverse edges */

typedef struct {
    uint32_t *start;  /* node_count + 1 */
    uint32_t *source; /* referrer of each reverse entry */
    uint32_t *edge;   /* forward edge index of each reverse entry */
} mla_reverse;

mlt_status mla_reverse_build(const mla_graph *graph, mla_reverse *rev, mlt_error *err);
void mla_reverse_free(mla_reverse *rev);

/* ------------------------------------------------ roots and reachability */

/* For a full graph: *out = 1 per node that only the monitor held while the
 * image was taken (flagged MLT_OBJ_MONITOR, or reachable only through such
 * objects), never a leak candidate there; NULL when the image flags nothing.
 * The caller frees *out. */
mlt_status mla_monitor_only(const mla_graph *graph, uint8_t **out, mlt_error *err);


enum {
    MLA_SUPER_NONE = 0,
    MLA_SUPER_RECORD = 1,   /* a root record names the object */
    MLA_SUPER_EXTERNAL = 2, /* refcount exceeds the visible referrers */
    MLA_SUPER_UNREACHED = 3 /* nothing visible reaches it */
};

/* Breadth-first search from the virtual super-root. Super children: root
 * records first (module globals, then frame locals, then the rest), then
 * objects held outside the visible heap, then, one by one, objects still
 * unreached (lowest index first). */
typedef struct {
    uint32_t super_count;
    uint32_t *super_children;
    uint8_t *super_kind;   /* MLA_SUPER_* per node */
    uint32_t *root_record; /* best root record per node, or MLA_NONE */
    uint32_t *dist;        /* 1 for super children */
    uint32_t *parent;      /* BFS parent node, MLA_NONE for super children */
    uint32_t *parent_edge; /* forward edge index from parent, MLA_NONE for super children */
    uint32_t *order;       /* the queue while searching; NULL afterwards */
} mla_bfs;

mlt_status mla_bfs_build(const mla_graph *graph, const mla_reverse *rev, mla_bfs *bfs,
                         mlt_error *err);
void mla_bfs_free(mla_bfs *bfs);

/* ------------------------------------------------------------ dominators */

typedef struct {
    uint32_t *idom;     /* immediate dominator node; node_count = the super-root */
    uint64_t *retained; /* shallow sum of the dominator subtree */
} mla_domtree;

mlt_status mla_dominators(const mla_graph *graph, const mla_reverse *rev, const mla_bfs *bfs,
                          mla_domtree *dom, mlt_error *err);
void mla_domtree_free(mla_domtree *dom);

/* -------------------------------------------------------------- identity */

#define MLA_ID_APPROX 0x01   /* identity rests on a guess somewhere in the chain */
#define MLA_ID_REPORTED 0x02 /* each-mode: already met the criterion earlier */
#define MLA_ID_CALL_BORN                                                                           \
    0x04 /* flagged MLT_OBJ_CALL_BORN where first seen: created by the
                                 monitored call that its first image ends */

typedef struct {
    uint64_t contradictions; /* not-NEW objects whose address the base lacks */
} mla_link_stats;

/* Links image `image` to its predecessor by a merge join over addresses.
 * chain_ok 0 (first image, or a broken chain) makes every object start here. */
void mla_identity_link(const mla_graph *prev, const uint32_t *prev_first, const uint8_t *prev_bits,
                       const mla_graph *cur, uint32_t image, int chain_ok, uint32_t *first,
                       uint8_t *bits, mla_link_stats *stats);

/* -------------------------------------------------------------- criteria */

typedef struct {
    mlt_criterion criterion; /* resolved: defaults applied */
    size_t image_count;
    double *time;            /* per image: monotonic (or wall) seconds */
    uint8_t *after_warmup;   /* per image f: objects first seen at f were created after warm-up */
    uint8_t *undated;        /* per image f: f's interval straddles the warm-up's end, so its
                                objects may predate it; they still count (time criterion) */
    uint8_t *young;          /* per image f: objects first seen at f may postdate the warm-up
                                (what a suspect's growth counts) */
    int64_t *created_call;   /* per image f: call that created objects first seen at f, or -1 */
    int64_t *completed_call; /* per image E: last call ended at or before E, or -1 */
    int64_t *call_of;        /* per image f: the call a call-end image ends, or -1 */
    int uses_monotonic;
} mla_criteria;

/* images: the analyzed images' infos in file order. run_start: the file
 * header's start_time (Unix seconds, 0 when absent), where the warm-up is
 * measured from once the run's first image has been dropped. */
mlt_status mla_criteria_init(mla_criteria *crit, const mlt_criterion *criterion,
                             const mlt_image_info *images, size_t image_count, double run_start,
                             mlt_error *err);
void mla_criteria_free(mla_criteria *crit);
/* id_bits: the object's MLA_ID_* bits (MLA_ID_CALL_BORN attributes it to a call). */
int mla_criteria_qualifies(const mla_criteria *crit, uint32_t first, uint32_t evaluated,
                           uint8_t id_bits);
double mla_criteria_age_seconds(const mla_criteria *crit, uint32_t first, uint32_t evaluated);
int64_t mla_criteria_age_calls(const mla_criteria *crit, uint32_t first, uint32_t evaluated,
                               uint8_t id_bits);
/* The first of images[0..evaluated] that the objects first qualifying at
 * `evaluated` depend on: an object that qualifies there but not at the image
 * before was first seen after it, and that image's predecessor (a warm-up or
 * call-start) is the most the rules look back. c has its defaults resolved. */
size_t mla_criteria_window_start(const mlt_criterion *c, const mlt_image_info *images,
                                 size_t evaluated);

/* The monitored call that created the object, or -1 when unknown. */
int64_t mla_criteria_created_call(const mla_criteria *crit, uint32_t first, uint8_t id_bits);
/* Fills defaults into a criterion: calls N=0 -> 1, negative warmup -> lifetime, ... */
void mla_criterion_defaults(mlt_criterion *criterion, int warmup_defaulted);

/* ---------------------------------------------------------------- labels */

/* Renders step text for forward edge `edge` (".attr", "[3]", ...). */
void mla_render_edge(mla_sbuf *out, const mla_graph *graph, const mla_typereg *reg, uint32_t edge,
                     const mla_previews *previews);
/* Renders a root's name and classifies it. */
mla_root_kind mla_render_root(mla_sbuf *out, const mla_graph *graph, const mla_bfs *bfs,
                              uint32_t node);
/* Short prefix for shapes: "module global ", "frame local ", "". */
const char *mla_root_kind_prefix(mla_root_kind kind);
void mla_render_quoted(mla_sbuf *out, const char *text, size_t length, size_t max_chars);

/* ----------------------------------------------------------------- paths */

typedef struct {
    uint32_t root;   /* root node */
    uint32_t length; /* edges */
    uint32_t *edges; /* forward edge indices, root side first */
} mla_raw_path;

/* Up to max_paths distinct shortest paths from the super-root to node, the
 * BFS tree path first. Returns the number found (or -1 on OOM); *more is set
 * when further shortest paths exist. */
long mla_shortest_paths(const mla_graph *graph, const mla_reverse *rev, const mla_bfs *bfs,
                        uint32_t node, uint32_t max_paths, mla_raw_path *paths, int *more);
/* The BFS-tree path to node followed by nothing (helper for referrer paths). */
int mla_tree_path(const mla_bfs *bfs, const mla_graph *graph, uint32_t node, mla_raw_path *path);
void mla_raw_path_free(mla_raw_path *path);

/* Renders a raw path into the public struct (strings in arena). */
mlt_status mla_render_path(mla_arena *arena, const mla_graph *graph, const mla_typereg *reg,
                           const mla_bfs *bfs, const mla_raw_path *raw, uint32_t max_path_length,
                           const mla_previews *previews, mla_path *out, mlt_error *err);

/* -------------------------------------------------------------- clusters */

/* Shape hash (0 = not computed) of every wanted node's (NULL: every node's) BFS-tree path: labels folded ([*], [<key T>],
 * data-like str keys), runs of one repeated step collapsed. */
mlt_status mla_shape_hashes(const mla_graph *graph, const mla_bfs *bfs, const uint8_t *wanted,
                            uint64_t **out, mlt_error *err);
/* Text of node's shape, e.g. "module global app.cache -> .items -> [*] -> app.Request". */
char *mla_shape_text(mla_arena *arena, const mla_graph *graph, const mla_typereg *reg,
                     const mla_bfs *bfs, uint32_t node);

/* -------------------------------------------------------------- suspects */

/* Takes import-time state out of candidate (suspects.c): candidates whose
 * topmost candidate ancestor is a definition held by a module, or anything
 * under a global of a module that is new itself; tallies them per module
 * into report->import_states. */
struct mla_report_input_s;
mlt_status mla_split_import_state(mla_arena *arena, const struct mla_report_input_s *in,
                                  const mla_bfs *bfs, uint8_t *candidate, mla_report *report,
                                  mlt_error *err);

/* The id of text in the image's string table, or MLT_NO_STRING (a scan). */
uint32_t mla_string_id(const mla_graph *g, const char *text);
/* A module, class, function, code object or descriptor; bases is
 * mla_string_id(g, "__bases__"). */
int mla_is_definition(const mla_graph *g, const mla_typereg *reg, uint32_t node, uint32_t bases);

#define MLA_SUSPECT_EXAMPLES 3

/* A suspect being built: the public part, its example objects, and the
 * nodes whose holdings the trend pass follows through the earlier images. */
typedef struct {
    mla_suspect pub;
    uint32_t examples[MLA_SUSPECT_EXAMPLES];
    uint32_t example_count;
    uint32_t *probes; /* accumulation points, or heads when there is none (sorted) */
    uint32_t probe_count;
    int probes_are_heads; /* a head is a candidate: it counts itself */
} mla_suspect_draft;

typedef struct {
    const struct mla_report_input_s *in;
    const uint8_t *candidate; /* after import-time state was taken out */
    const mla_bfs *bfs;
    const mla_domtree *dom; /* retained NULL when skipped */
    const uint8_t *top;     /* per node: a candidate no other candidate dominates */
    const uint64_t *shape;  /* per candidate node: path shape hash */
} mla_suspect_input;

mlt_status mla_group_suspects(mla_arena *arena, const mla_suspect_input *in,
                              mla_suspect_draft **out, size_t *count, mlt_error *err);
void mla_suspect_drafts_free(mla_suspect_draft *drafts, size_t count);

/* ----------------------------------------------------------------- trend */

/* One suspect's probes as the trend pass meets them in earlier images: an
 * object is the probe when its address matches and its identity chain
 * started at the same image. */
typedef struct {
    mla_suspect *suspect; /* in the report's arena: growth and trend are filled in */
    uint64_t *address;    /* sorted */
    uint32_t *first;
    uint32_t count;
    int inclusive; /* probes are heads: they count themselves */
    /* No visible holder to follow (heads held from outside the visible heap,
     * or by nothing): the job counts, at each image, the young objects of
     * this registry type that something invisible holds, and what they hold. */
    int by_type;
    uint32_t type;
} mla_trend_job;

typedef struct {
    mla_trend_job *jobs;
    size_t count, capacity;
} mla_trend_jobs;

void mla_trend_jobs_free(mla_trend_jobs *jobs);

/* Which analysed images the trend pass samples for evaluated image E: all
 * of 0..E when few, else MLA_TREND_SAMPLES spread evenly, always with E and
 * the trend base (the newest image at least a lifetime, or `calls` calls,
 * and at least half the span watched since the warm-up, before E). sampled has E + 1 entries; returns the base, or SIZE_MAX. */
#define MLA_TREND_SAMPLES 32
size_t mla_trend_samples(const mla_criteria *crit, size_t evaluated, uint8_t *sampled);

typedef struct {
    mlt_reader *reader;
    const size_t *included;  /* file index of each analysed image */
    const uint8_t *chain_ok; /* per analysed image: it continues its predecessor's identities */
    const mla_criteria *criteria;
    mla_typereg *types;
    size_t evaluated; /* position of E among the analysed images */
    mla_arena *arena; /* the report's: growth arrays go there */
} mla_trend_input;

/* Re-reads images 0..E, fills each job's suspect's growth, trend and rates. */
mlt_status mla_trend_measure(const mla_trend_input *in, mla_trend_jobs *jobs, mlt_error *err);

/* ---------------------------------------------------------------- report */

/* What the driver hands the report builder for one evaluated image. */
typedef struct mla_report_input_s {
    const mla_options *options;
    const mla_criteria *criteria;
    mla_typereg *types;
    const mla_graph *graph;   /* full graph of the evaluated image */
    const uint32_t *first;    /* first image per object */
    const uint8_t *bits;      /* MLA_ID_* per object */
    const uint8_t *candidate; /* 1 per object reported at this image */
    uint32_t evaluated;       /* position among analyzed images */
    mlt_reader *reader;       /* for previews; may be NULL */
    size_t file_index;        /* file index of the evaluated image */
    mla_trend_jobs *trend;    /* where the suspects' trend probes go; NULL: not measured */
} mla_report_input;

/* Fills leaks, clusters and candidate totals of report (strings in arena). */
mlt_status mla_build_report(mla_arena *arena, const mla_report_input *input, mla_report *report,
                            mlt_error *err);

/* The order suspects are listed in: growing first, then by growth in
 * bytes, retained bytes, count (qsort-style result). */
int mla_suspect_compare(const mla_suspect *x, const mla_suspect *y);

/* Deep copy of a suspect (strings, types, growth, examples) into arena
 * (suspect_copy.c); -1 when out of memory. */
int mla_copy_suspect(mla_arena *arena, const mla_suspect *from, mla_suspect *to);

/* Folds stable suspects of late-imported modules into import-time state,
 * then orders the rest growing first (by growth in bytes, then retained),
 * then stable; ids renumbered to the final positions. -1: out of memory. */
int mla_order_suspects(mla_arena *arena, mla_report *report);

/* Report sets (report_set.c). */
struct mla_report_set {
    mla_arena arena;
    size_t count;
    mla_report *reports;
};

/* image_index -1 -> the last image; otherwise checked against the count. */
mlt_status mla_resolve_image(mlt_reader *reader, const char *path, long image_index, size_t *out,
                             mlt_error *err);

/* Deep copy of file info into the arena. */
mlt_file_info *mla_copy_file_info(mla_arena *arena, const mlt_file_info *info);
void mla_progress(const mla_options *options, const char *phase, double fraction);

/* options (NULL: every default) with each 0 limit, which means "the default",
 * replaced by mla_options_init's value: the defaults have that one owner. */
void mla_options_resolve(const mla_options *options, mla_options *resolved);

#endif /* MEMALOT_ANALYSIS_INTERNAL_H */
