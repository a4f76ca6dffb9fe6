/* Per-call delta images (3.10-3.12 and 3.13+): what a monitored call's start and end cost
 * when the monitor can log the call's births (see calllog.h and
 * docs/design-dumper.md, "Per-call delta images"). */
#ifndef MEMALOT_DUMPER_CALLS_H
#define MEMALOT_DUMPER_CALLS_H

#include "monitor.h"

/* Call-start: arms the births log instead of taking an image. O(1). */
void mld_calls_start(mld_monitor *m);

typedef struct {
    int deferred;          /* 1: no image now; the verdict waits (mld_calls_settle_pending) */
    int full;              /* 1: take a full image; 0: a call delta suffices */
    const uintptr_t *born; /* sorted survivors to flag MLT_OBJ_CALL_BORN (full only) */
    size_t born_count;
} mld_call_end_plan;

/* Call-end: decides, in O(births of the call), whether the image can be a
 * delta, and disarms the log when no call is left open and no verdict
 * waits. A call that left births alive, where a delta could otherwise do,
 * waits for its verdict (plan->deferred): what is alive at the end of a
 * call is often on its way out (the value it returns, the asyncio handle
 * that resumed its task), so the monitor keeps watching them and decides
 * at its next image or call (mld_calls_settle_pending). */
void mld_calls_end(mld_monitor *m, const mld_dump_args *a, int marks_lost, mld_call_end_plan *plan);

/* A call-end whose verdict waits: fills *a with its arguments (a->function
 * owned by the monitor) and *plan with the image to write for it now, a
 * delta when all its survivors died since, else a full image flagging
 * those still alive; returns 1. 0 when none waits. Called before anything
 * else at each image or call of the monitor, and at close. */
int mld_calls_settle_pending(mld_monitor *m, mld_dump_args *a, mld_call_end_plan *plan);

/* After a full image at call-end: survivors come of age calls - 1 calls later. */
void mld_calls_after_full_image(mld_monitor *m, const mld_dump_args *a, size_t born_count);

/* Clears the identity marks for the next image and re-marks what must stay
 * marked: freelisted objects (3.10-3.12) and the surviving births of a call
 * still open; the log of a call that ended is emptied. */
void mld_calls_restart_marks(mld_monitor *m);

#endif
