/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "image/images.h"

/**
 * A step's snapshot of an image (RUN, COPY, ADD, a --from source): work_dir/<hex>, mounted
 * on its merged dir, with its sweep lock (sweep.h) taken before it is made and dropped once
 * it is gone, so a killed build's is found and removed by the next one.
 */
typedef struct {
        char hex[25];         /* 24 random hex digits: its name, and the runtime's build-<hex> */
        char *dir;            /* work_dir/<hex> */
        const char *work_dir; /* borrowed */
        int alive;            /* the lock's fd */
} build_snapshot;

/** Make and mount it; on failure nothing is left and *ret is not touched. */
int build_snapshot_open(berth_images *im, const char *work_dir, const berth_digest *image,
                        build_snapshot *ret, berth_error *err);
/** Unmount and remove it whatever its state, then drop its lock; a closed one is fine. */
void build_snapshot_close(berth_images *im, build_snapshot *s);

/**
 * The snapshot's upper dir (unmounted, or with no writer left) as a layer on top of base's,
 * registered as a new image with config and a history entry created_by (created: RFC 3339 or
 * NULL for now; cache_key nullable, recorded with the image; mtimes clamped to epoch unless
 * it is -1): berth_snapshot_layer() and
 * berth_image_derive() with the writer lock held in between. The snapshot stays for the
 * caller to close; on failure nothing is registered.
 */
int build_snapshot_commit(berth_images *im, const char *dir, const berth_digest *base,
                          oci_image_config *config, const char *created, const char *created_by,
                          const char *cache_key, int64_t epoch, berth_digest *ret_id,
                          berth_error *err);
