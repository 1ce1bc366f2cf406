/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * Start path (argv) as a process that is nobody's child but init's (or the nearest subreaper's):
 * spawned through an intermediate child that makes a session of its own and exits, so it
 * outlives the caller and no terminal signal reaches it. It starts with every signal default
 * and unblocked, stdin, stdout and stderr on /dev/null, fd3 (>= 0) as fd 3 and fd4 (>= 0) as
 * fd 4, every other fd closed, and the cwd "/" (the caller's signals are blocked meanwhile, so
 * that none of its handlers runs in a child that shares its memory). If it cannot be exec'd,
 * "error: cannot run PATH: REASON\n" goes to fd 3. Both children are vforks where base/vfork.h has
 * them (no copy of the caller's page tables, no copy-on-write faults in the caller after), forks
 * elsewhere. Used for berth-monitor and berth-dns. Returns 0 once the intermediate child is reaped
 * (the program has been exec'd or has failed), or -errno.
 */
int berth_spawn_detached(const char *path, char *const argv[], int fd3, int fd4);
