/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/error.h"
#include "oci/spec.h"

#include <stdbool.h>

/**
 * The container's filesystem, set up by its init inside its own mount
 * namespace. Calling sequence:
 *   berth_rootfs_prepare()  — / made slave (or private), rootfs bind-mounted
 *                             on itself, config mounts in order (targets
 *                             created and resolved inside the rootfs, mounted
 *                             through /proc/self/fd so no symlink can
 *                             redirect them), /dev nodes and links;
 *   (createContainer hooks)
 *   berth_rootfs_pivot()    — pivot_root (or MS_MOVE + chroot with no_pivot);
 *   berth_rootfs_finalize() — masked and read-only paths, read-only root,
 *                             rootfsPropagation.
 */
typedef struct {
        const oci_spec *spec;
        const char *rootfs;      /* absolute host path */
        const char *cgroup_path; /* for "cgroup" mounts */
        bool cgroupns;           /* the container has its own cgroup namespace */
        bool userns;             /* the container has its own user namespace */
        bool terminal;           /* /dev/console will be a pty */
} berth_rootfs_opts;

int berth_rootfs_prepare(const berth_rootfs_opts *o, berth_error *err);
int berth_rootfs_pivot(const char *rootfs, bool no_pivot, berth_error *err);
int berth_rootfs_finalize(const oci_spec *s, berth_error *err);
