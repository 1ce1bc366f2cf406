/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"

#include <stdbool.h>
#include <stdint.h>

/**
 * The container's filesystem, set up by its init inside its own mount
 * namespace. Calling sequence:
 *   berth_rootfs_prepare()  — / made rslave (or what rootfsPropagation says),
 *                             the mount holding the rootfs made private (or
 *                             slave), rootfs bind-mounted
 *                             on itself, config mounts in order (targets
 *                             created and resolved inside the rootfs, mounted
 *                             through /proc/self/fd so no symlink can
 *                             redirect them), /dev nodes and links;
 *   (createContainer hooks, sysctls)
 *   berth_rootfs_protect()  — masked and read-only paths, still before
 *                             pivot_root: each path resolved in the rootfs,
 *                             masks bound from the container's /dev/null
 *                             only after checking it is the null device;
 *   berth_rootfs_pivot()    — pivot_root (or MS_MOVE + chroot with no_pivot);
 *   berth_rootfs_finalize() — read-only root, a shared or unbindable
 *                             rootfsPropagation.
 *
 * Nothing here follows a path the container could have changed: targets are
 * fds opened inside the rootfs, binds go fd to fd (open_tree/move_mount),
 * and device nodes are made with their exact mode and checked by fd.
 */
/**
 * Bind what src_fd names (any fd, O_PATH included) onto what target_fd names,
 * recursively or not, with open_tree(OPEN_TREE_CLONE) and move_mount: no path
 * is resolved, so nothing can be swapped in between.
 */
int berth_mount_bind_fd(int src_fd, int target_fd, bool recursive, berth_error *err);
/** The same with mount attributes (MOUNT_ATTR_RDONLY, …) set on the clone before it is
 * attached, so it is never writable where it lands. */
int berth_mount_bind_fd_attr(int src_fd, int target_fd, bool recursive, uint64_t attr,
                             berth_error *err);

typedef struct {
        const oci_spec *spec;
        const char *rootfs;      /* absolute host path */
        const char *cgroup_path; /* for "cgroup" mounts */
        bool cgroupns;           /* the container has its own cgroup namespace */
        bool userns;             /* the container has its own user namespace */
        bool terminal;           /* /dev/console will be a pty */
} berth_rootfs_opts;

int berth_rootfs_prepare(const berth_rootfs_opts *o, berth_error *err);
int berth_rootfs_protect(const char *rootfs, const oci_spec *s, berth_error *err);
int berth_rootfs_pivot(const char *rootfs, bool no_pivot, berth_error *err);
int berth_rootfs_finalize(const oci_spec *s, berth_error *err);
