/* SPDX-License-Identifier: Apache-2.0 */
/* What the parts of src/volume share; not for other modules. */
#pragma once

#include "base/inode-map.h"

#include "volume.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct berth_volumes {
        berth_db *db;
        char *root; /* absolute BERTH_ROOT */
        char *dir;  /* root/volumes */
        int dirfd;  /* O_RDONLY|O_DIRECTORY fd of dir */
};

/* copied_up column: the copy-up state of a volume. */
enum { VOL_COPY_NONE = 0, VOL_COPY_RUNNING = 1, VOL_COPY_DONE = 2 };

/* The store-wide lock (flock on volumes/.lock) for directory work; returns the fd to close. */
int vol_lock(berth_volumes *vs, berth_error *err);
/* Make volumes/<name>/_data (0755) if missing; the caller holds vol_lock(). */
int vol_ensure_dirs(berth_volumes *vs, const char *name, berth_error *err);

/* Copy-up state of a visible volume (-ENOENT "no such volume" otherwise). */
int vol_copy_state(berth_volumes *vs, const char *name, int *ret, berth_error *err);
int vol_set_copy_state(berth_volumes *vs, const char *name, int state, berth_error *err);

/* --- volume-mount.c --- */

/* Check Docker's local driver options for volume name (messages as Docker's). */
int vol_check_options(const char *name, const json_t *options, berth_error *err);
/* Whether the options ask for a mount (a type or a device is set). */
bool vol_needs_mount(const json_t *options);
/* mount(2) what the options say on target (name for messages). */
int vol_mount(const char *name, const json_t *options, const char *target, berth_error *err);
/* 1 when path is a mount point, 0 when not, <0 (-errno) when it cannot be told. */
int vol_is_mount_point(const char *path);
/* Unmount everything mounted at path or below it (lazily); -EBUSY if something stays. */
int vol_umount_under(const char *path, berth_error *err);

/* Remove everything inside the directory dirfd (not the directory itself). */
int vol_empty_dir(int dfd);
/* 1 when the directory has no entries, 0 when it has, <0 on error. */
int vol_dir_is_empty(int dfd);
