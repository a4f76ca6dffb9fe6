/* Chains "same object as the base image had at this address" links into each
 * object's first image, by a merge join over the two sorted address arrays.
 *
 * A STATIC object (outside the heap: static types, runtime-static strs and
 * ints, deep-frozen code) is the same object for the whole process, born
 * before the run: it is dated at the first image whatever the flags and the
 * chain say, so it is never new and never a leak candidate. It may be missing
 * from the previous image (unreachable then), which is no contradiction. */
#include <string.h>

#include "analysis_internal.h"

void mla_identity_link(const mla_graph *prev, const uint32_t *prev_first, const uint8_t *prev_bits,
                       const mla_graph *cur, uint32_t image, int chain_ok, uint32_t *first,
                       uint8_t *bits, mla_link_stats *stats)
{
    uint32_t j = 0;
    for (uint32_t i = 0; i < cur->node_count; i++) {
        uint8_t flags = cur->flags[i];
        uint8_t approx = (flags & MLT_OBJ_APPROX) ? MLA_ID_APPROX : 0;
        if (flags & MLT_OBJ_STATIC) {
            first[i] = 0;
            bits[i] = 0;
            continue;
        }
        first[i] = image;
        bits[i] = (uint8_t)(approx | ((flags & MLT_OBJ_CALL_BORN) ? MLA_ID_CALL_BORN : 0));
        if (!chain_ok || (flags & MLT_OBJ_NEW))
            continue;
        uint64_t address = cur->address[i];
        while (j < prev->node_count && prev->address[j] < address)
            j++;
        if (j < prev->node_count && prev->address[j] == address) {
            first[i] = prev_first[j];
            /* Birth attribution belongs to the first image only. */
            bits[i] = (uint8_t)(approx | prev_bits[j]);
        } else {
            /* The dumper says "same object" but the base had none there: it
             * counts as new (its age stays a lower bound) and its identity
             * as a guess, so reports flag it. */
            bits[i] |= MLA_ID_APPROX;
            if (stats)
                stats->contradictions++;
        }
    }
}
