/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Shared between the snapshot files and their tests; not part of the contract. */
#include "snapshot.h"

enum snapshot_mount_how {
        SNAPSHOT_MOUNT_AUTO,   /* new mount API with "lowerdir+", else the legacy way */
        SNAPSHOT_MOUNT_NEW,    /* fsopen/fsconfig("lowerdir+")/fsmount/move_mount only */
        SNAPSHOT_MOUNT_LEGACY, /* mount(2) with short symlinks in layers/l, relative to it */
};

int snapshot_mount_how(berth_images *im, const char *dir, const char *target,
                       enum snapshot_mount_how how, bool volatile_upper, berth_error *err);

/** dir/lower read back: chain ids bottom → top (*ret malloc'd, NULL when *ret_n is 0). */
int snapshot_read_lower(const char *dir, berth_digest **ret, size_t *ret_n, berth_error *err);
