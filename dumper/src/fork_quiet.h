/* fork() without anyone's fork handlers.
 *
 * fork() runs every pthread_atfork handler in the process: OpenBLAS's shuts
 * its thread pool down in the parent, which hangs a BLAS call that another
 * thread is in the middle of; gRPC, OpenMP runtimes and some allocators do
 * similar things. An image child is invisible to the program only if none of
 * them runs, so it is created with glibc's _Fork() (2.34+), or a bare clone
 * system call where that is missing. The price: the child starts with every
 * lock in the state another thread left it, so it must take none of them
 * (child_memory.h, and docs/design-dumper.md, "The image child"). */
#ifndef MEMALOT_DUMPER_FORK_QUIET_H
#define MEMALOT_DUMPER_FORK_QUIET_H

#include <sys/types.h>

/* fork()'s return values, no handlers run in parent or child. */
pid_t mld_fork_quiet(void);

/* waitpid() for a child of mld_fork_quiet(). */
pid_t mld_wait_quiet(pid_t pid, int *status, int options);

#endif
