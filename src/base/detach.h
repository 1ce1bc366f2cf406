/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * Fork a process that is nobody's child but init's: forked twice, in a session of its own
 * (it outlives the caller and no terminal signal reaches it). In that process (0 is
 * returned there): every signal default and unblocked, stdin/stdout/stderr on /dev/null,
 * fd3 (>= 0) as fd 3 and fd4 (>= 0) as fd 4, every other fd closed, the cwd "/"; it is to
 * exec or _exit. In the caller, once the intermediate child is reaped: > 0, or -errno.
 * Used for berth-monitor and berth-dns.
 */
int berth_fork_detached(int fd3, int fd4);
