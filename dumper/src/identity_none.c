/* Identity where the dumper does not know CPython's internals (compat.h):
 * no hooks, nothing marked, and every image says its marks are lost.
 * open_monitor refuses on such a version before installing anything; these
 * exist so that the module still imports. One of identity.h's three
 * backends, compiled whole when !MLT_SUPPORTED. */
#include "identity.h"

#if !MLT_SUPPORTED

mlt_identity_source mlt_identity_install(mlt_bitmap *bm MLT_UNUSED)
{
    return MLT_IDENTITY_NONE;
}

void mlt_identity_uninstall(void)
{
}

int mlt_identity_check_lost(void)
{
    return 1;
}

int mlt_identity_trashcan_always(void)
{
    return 0;
}

uint64_t mlt_identity_replaced_count(void)
{
    return 0;
}

int mlt_identity_floats_unseen(void)
{
    return 0;
}

int mlt_identity_call_deltas_supported(void)
{
    return 0;
}

void mlt_identity_arm_call(mlt_calllog *log MLT_UNUSED)
{
}

int mlt_identity_disarm_call(void)
{
    return -1;
}

void mlt_identity_forget_after_fork(void)
{
}

#endif /* !MLT_SUPPORTED */
