/* See fork_quiet.h. */
#define _GNU_SOURCE /* syscall */
#include "fork_quiet.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define MLD_HAVE_UNDERSCORE_FORK 1
#else
#define MLD_HAVE_UNDERSCORE_FORK 0
#endif

pid_t mld_fork_quiet(void)
{
#if MLD_HAVE_UNDERSCORE_FORK
    return _Fork();
#else
    /* Only the flags argument is non-zero, so the architectures' different
     * argument orders for clone do not matter. The child's cached thread id
     * is stale, which only pthread calls would notice; the child makes none. */
    return (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif
}
