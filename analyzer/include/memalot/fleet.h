/*
 * Fleet reports: one analysis over the dump files of several processes (a
 * prefork server's master and workers, a multiprocessing pool), as
 * `memalot-analyze report DIR` gives it.
 *
 * Each file is analysed alone (mla_analyze_file) and only its suspects are
 * kept, so memory grows with the largest process, not with the sum. The
 * lineage fields of the file headers (parent_run_id) tell the roles: a
 * process whose parent is in the set is a worker, one that is only a parent
 * is the master. The same leak in several workers (the same accumulation
 * path, or path shape, and the same leading type) is one merged suspect that
 * says in how many processes it appears, with each one's count; the
 * master's suspects are reported apart.
 */
#ifndef MEMALOT_FLEET_H
#define MEMALOT_FLEET_H

#include "memalot/analysis.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MLA_ROLE_PROCESS = 0, /* no parent and no child in the set (or no lineage recorded) */
    MLA_ROLE_MASTER = 1,  /* parent of another process in the set, child of none */
    MLA_ROLE_WORKER = 2   /* its parent is in the set */
} mla_process_role;

typedef struct {
    const char *path;
    uint64_t pid, parent_pid, run_id, parent_run_id, launch_id;
    mla_process_role role;
    const char *verdict; /* mla_report_verdict of its own report */
    uint64_t candidates;
    size_t suspect_count;
    const mla_suspect *suspects; /* its own, as its report had them */
} mla_process;

typedef struct {
    uint64_t pid;
    const char *path;
    uint64_t count;
    size_t type_count;
    const mla_suspect_type *types;
} mla_process_share;

typedef struct {
    mla_suspect merged; /* totals over the processes; examples and growth of the worst one */
    uint32_t processes;
    size_t share_count;
    const mla_process_share *shares; /* one per process showing it, most first */
} mla_fleet_suspect;

typedef struct {
    mlt_criterion criterion; /* the first analysed file's, defaults resolved */
    size_t process_count;
    const mla_process *processes; /* in the order the paths were given */
    size_t suspect_count;
    const mla_fleet_suspect *suspects; /* over workers and lone processes: growing first */
    size_t growing_count;
    uint64_t undated_count;
    const mla_process *master; /* NULL when the set has none */
    size_t warning_count;
    const char *const *warnings; /* files that could not be analysed, ... */
} mla_fleet;

/* Analyses every path (dump files; at least one must analyse). */
mlt_status mla_analyze_fleet(const char *const *paths, size_t count, const mla_options *options,
                             mla_fleet **out, mlt_error *err);
void mla_fleet_free(mla_fleet *fleet);

/* Fails like mla_report_fails: on a merged suspect, or the master's. */
int mla_fleet_fails(const mla_fleet *fleet, mla_fail_on rule);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_FLEET_H */
