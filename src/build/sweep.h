/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/**
 * What a killed build leaves in its work directory (BERTH_ROOT/build), and
 * how the next build (or `system check --repair`) finds and removes it.
 *
 * Everything a build makes there (a step's snapshot <hex>/, an unpacked
 * context context-<hex>/, a RUN --mount's filtered copy of the context mount-<hex>/, ADD's
 * downloads download-<hex>/) is named NAME
 * and has a lock file NAME.lock that its maker creates and flock()s *before* it makes NAME, and
 * unlinks only after NAME is gone. So whoever can take the lock of a NAME that exists knows its
 * maker is dead: berth_build_sweep() then stops the step's process if it still runs (berth-runtime
 * delete --force build-<hex>), unmounts and removes the snapshot (its berth.db row too) or the
 * context.
 */
#include "base/error.h"
#include "image/images.h"

#include <stdbool.h>

/** Create and lock work_dir/name.lock (work_dir made if missing); the fd holds the lock. */
int berth_build_lock_take(const char *work_dir, const char *name, berth_error *err);
/** Unlink work_dir/name.lock and close lockfd (after name is gone); -1 is ignored. */
void berth_build_lock_drop(const char *work_dir, const char *name, int lockfd);

/** berth-runtime --root runtime_root ARGS… (NULL-terminated, at most 4), its output
 * discarded, waited for: a kill or delete that finds nothing is no error to a build. */
void berth_build_runtime_quiet(const char *runtime_root, const char *const *args);
/** berth-runtime --root runtime_root delete --force id, quietly: a step's process, if it
 * still runs, goes with its state. */
void berth_build_runtime_delete(const char *runtime_root, const char *id);

/**
 * A scratch directory of a build: work_dir/<prefix>-<24 hex> (prefix "context",
 * "mount" or "download"), made under its lock; close removes it and drops
 * the lock. On failure nothing is left and *ret is zeroed (dirfd -1).
 */
typedef struct berth_build_scratch {
        char *name; /* "<prefix>-<hex>" */
        char *dir;  /* work_dir/name */
        int dirfd;  /* O_RDONLY|O_DIRECTORY */
        int lock;
        char *work_dir;
} berth_build_scratch;
int berth_build_scratch_open(const char *work_dir, const char *prefix, berth_build_scratch *ret,
                             berth_error *err);
void berth_build_scratch_close(berth_build_scratch *s);

/**
 * Find what dead builds left in root/build: each pushes a line to *problems;
 * with repair, it is removed and a line pushed to *actions. Both nullable.
 */
int berth_build_sweep(berth_images *im, const char *root, const char *runroot, bool repair,
                      char ***problems, char ***actions, berth_error *err);
