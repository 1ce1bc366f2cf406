/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

/**
 * clone3 with CLONE_VM | CLONE_VFORK and the given extra flags (and cgroup
 * fd, for CLONE_INTO_CGROUP): a child that runs fn(arg) in our memory, on our
 * stack below our frame, while we wait. We go on once it has exited or
 * exec'd: no copy of our page tables is made, which is the dearest part of a
 * fork (over a millisecond on some virtual machines, more than the rest of
 * an exec's set-up).
 *
 * fn must never return: it ends with _exit() or a successful exec (returning
 * is answered with exit status 127). Until then it shares our heap, our
 * thread's TLS (errno, glibc's cached tid) and our mm-wide settings (such as
 * PR_SET_DUMPABLE), but has its own fd table, credentials, namespaces,
 * cgroups and signal handlers; it must not raise() or abort() (glibc would
 * signal us), and the caller is single-threaded (a raw clone skips glibc's
 * fork handlers).
 *
 * Returns the child's pid, or -1 with errno set: ENOSYS where this is not
 * built (only x86-64 is), or whatever clone3 says (ENOSYS before Linux 5.3,
 * a seccomp filter, …); the caller forks then.
 */
pid_t berth_vfork_call(unsigned long long flags, int cgroup_fd, void (*fn)(void *), void *arg);

/** fn(arg) in a child: berth_vfork_call() where it can be had, else a fork whose child calls fn
 * (fn follows the rules above either way). The child's pid, or -1 with errno set. */
pid_t berth_vfork_or_fork(void (*fn)(void *), void *arg);
