/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"

#include <sys/types.h>

/**
 * procfs as the runtime trusts it. Facts about the host and writes into
 * /proc (sysctls, oom_score_adj, id maps, time offsets) go through an fd of
 * a procfs the runtime checked, never through a path a container can mount
 * over (the CVE-2025-52881 class):
 *   berth_procfs_open()  — "/proc" of the mount tree we are in now (the
 *                          host's, or a copy of it before pivot_root): an
 *                          O_PATH fd that must be the root of a procfs;
 *   berth_procfs_write() — open rel beneath it without following any symlink
 *                          or crossing a mount (RESOLVE_BENEATH|NO_SYMLINKS|
 *                          NO_XDEV), check the file is on procfs, write.
 * Call them only where no container process has had a chance to change the
 * tree: in the runtime's own process, or in stage 2 before pivot_root.
 */
int berth_procfs_open(berth_error *err);
int berth_procfs_write(int procfd, const char *rel, const char *value, size_t len,
                       berth_error *err);
/** berth_procfs_write() of "<pid>/<file>" with a fresh berth_procfs_open(). */
int berth_procfs_write_pid(pid_t pid, const char *file, const char *value, size_t len,
                           berth_error *err);
