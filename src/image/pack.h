/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"

#include <stdint.h>

/**
 * Packing an overlayfs upper directory (a container's changes, or any
 * directory) into an uncompressed OCI layer tar, for commit, export and save.
 *
 * Overlay whiteouts become OCI whiteouts: a 0/0 char device <name> becomes
 * an empty ".wh.<name>", a directory with trusted.overlay.opaque=y is
 * followed by "<dir>/.wh..wh..opq". Other trusted.overlay.* xattrs are
 * never packed; an upper dir that uses overlay redirects or metacopy (not
 * self-contained) is refused.
 *
 * The output is deterministic: names sorted bytewise in each directory,
 * pax headers with numeric uid/gid only (no user or group names), mtimes
 * truncated to seconds, no atime/ctime, xattrs (security.capability,
 * user.*, trusted.*) sorted. Hard links inside the directory are kept as
 * hard links. So the same directory always gives the same diff id.
 */

/**
 * Write upper_dirfd's contents (not the directory itself) as a tar to
 * out_fd. *ret_diff_id is the sha256 of what was written, *ret_size its
 * length. Outputs are nullable.
 */
int berth_pack_diff(int upper_dirfd, int out_fd, berth_digest *ret_diff_id, uint64_t *ret_size,
                    berth_error *err);
/** The same with every mtime later than clamp (seconds since the epoch; -1: none) written as
 * clamp: SOURCE_DATE_EPOCH's reproducible layers. */
int berth_pack_diff_clamped(int upper_dirfd, int out_fd, int64_t clamp, berth_digest *ret_diff_id,
                            uint64_t *ret_size, berth_error *err);
