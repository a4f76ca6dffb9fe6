/* Identity where the dumper does not know CPython's internals (compat.h):
 * no hooks, nothing marked, and every image says its marks are lost.
 * open_monitor refuses on such a version before installing anything; these
 * exist so that the module still imports. One of identity.h's three
 * backends, compiled whole when !MLD_SUPPORTED. */
#include "identity.h"

#if !MLD_SUPPORTED

mlt_identity_source mld_identity_install(mld_bitmap *bm MLD_UNUSED)
{
    return MLT_IDENTITY_NONE;
}

void mld_identity_uninstall(void)
{
}

int mld_identity_check_lost(void)
{
    return 1;
}

int mld_identity_trashcan_always(void)
{
    return 0;
}

uint64_t mld_identity_replaced_count(void)
{
    return 0;
}

int mld_identity_floats_unseen(void)
{
    return 0;
}

int mld_identity_call_deltas_supported(void)
{
    return 0;
}

void mld_identity_arm_call(mld_calllog *log MLD_UNUSED)
{
}

int mld_identity_call_hooks_intact(void)
{
    return 0;
}

void mld_identity_settle_call_end(mld_calllog *log MLD_UNUSED)
{
}

int mld_identity_disarm_call(void)
{
    return -1;
}

void mld_identity_forget_after_fork(void)
{
}

#endif /* !MLD_SUPPORTED */
