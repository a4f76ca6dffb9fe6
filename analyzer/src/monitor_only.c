/* Objects that only the monitor holds while an image is taken.
 *
 * The dumper flags MLT_OBJ_MONITOR on what memalot's own frames hold at the
 * top of the dumping thread's stack (locals, frame objects on 3.10) and
 * records no roots for those frames. Such objects, and whatever is reachable
 * only through them, are memalot's for the duration of the image, not the
 * program's: they are never leak candidates there. An object the program
 * also reaches (a root record, a hidden holder of an unflagged object, a
 * path from either) stays the program's, flagged or not. */
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

static void expand(const mla_graph *g, uint8_t *mark, uint8_t value, uint32_t *queue,
                   uint32_t *head, uint32_t *tail)
{
    while (*head < *tail) {
        uint32_t u = queue[(*head)++];
        for (uint32_t e = g->edge_start[u]; e < g->edge_start[u + 1]; e++) {
            uint32_t t = g->edge_target[e];
            if (mark[t] == 0) {
                mark[t] = value;
                queue[(*tail)++] = t;
            }
        }
    }
}

enum { UNSEEN = 0, PROGRAM = 1, MONITOR = 2 };

mlt_status mla_monitor_only(const mla_graph *g, uint8_t **out, mlt_error *err)
{
    *out = NULL;
    uint32_t n = g->node_count;
    uint32_t flagged = 0;
    for (uint32_t v = 0; v < n; v++)
        flagged += (g->flags[v] & MLT_OBJ_MONITOR) != 0;
    if (flagged == 0)
        return MLT_OK;
    uint32_t *referrers = mla_calloc_array(n, sizeof *referrers);
    uint32_t *queue = mla_malloc_array(n, sizeof *queue);
    uint8_t *mark = mla_calloc_array(n, 1);
    if (!referrers || !queue || !mark) {
        free(referrers);
        free(queue);
        free(mark);
        return mlt_fail(err, MLT_ERR_NOMEM, 0, "out of memory for the monitor's objects of %u", n);
    }
    for (uint32_t e = 0; e < g->edge_count; e++)
        referrers[g->edge_target[e]]++;
    uint32_t head = 0, tail = 0;
    /* What the program holds: root records, and unflagged objects whose
     * refcount exceeds their visible referrers (a hidden holder that is not
     * the monitor's frames). */
    for (size_t r = 0; r < g->root_count; r++) {
        uint32_t v = g->roots[r].object;
        if (v < n && mark[v] == UNSEEN) {
            mark[v] = PROGRAM;
            queue[tail++] = v;
        }
    }
    for (uint32_t v = 0; v < n; v++) {
        if (mark[v] == UNSEEN && !(g->flags[v] & (MLT_OBJ_MONITOR | MLT_OBJ_IMMORTAL)) &&
            g->refcount[v] > referrers[v]) {
            mark[v] = PROGRAM;
            queue[tail++] = v;
        }
    }
    expand(g, mark, PROGRAM, queue, &head, &tail);
    for (uint32_t v = 0; v < n; v++) {
        if (mark[v] == UNSEEN && (g->flags[v] & MLT_OBJ_MONITOR)) {
            mark[v] = MONITOR;
            queue[tail++] = v;
        }
    }
    expand(g, mark, MONITOR, queue, &head, &tail);
    for (uint32_t v = 0; v < n; v++)
        mark[v] = mark[v] == MONITOR;
    free(referrers);
    free(queue);
    *out = mark;
    return MLT_OK;
}
