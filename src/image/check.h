/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "image/images.h"

#include <stdbool.h>

/**
 * `berth system check` (fsck of one BERTH_ROOT). Open the images with
 * BERTH_IMAGES_KEEP_LEFTOVERS, or the open will already have removed the
 * leftovers of dead processes that this reports.
 *
 * Checked, each problem one line in *ret_problems (NULL-terminated):
 *   - temp files in root/tmp of writers that are gone (a crashed blob write);
 *   - layers/.tmp-* dirs whose process is gone (a crashed layer unpack);
 *   - every blob's content against its digest;
 *   - every image: its config, manifest and layer blobs present and whole,
 *     its layer dirs present;
 *   - tags that point at no image;
 *   - blobs and layer dirs that no image or snapshot uses;
 *   - snapshots whose directory is gone, or whose layers are.
 * With repair, *ret_actions says what was done: leftovers removed, corrupt
 * blobs removed, a missing layer dir unpacked again from its blob, images
 * that cannot be made whole (config, manifest or a layer blob missing or
 * corrupt) removed with their tags, dangling tags and rows of vanished
 * snapshots dropped, then berth_images_gc(). Run the check again to see what
 * is left. ret_actions may be NULL without repair.
 *
 * The whole check runs under the collect lock (image/store.h): it waits for
 * running writers (imports, loads, commits), and none starts until it is
 * done, so what a writer has stored but not yet registered is never reported
 * or removed as unused. Work in progress of live processes that hold no lock
 * (a blob being written, a layer being unpacked) is never touched either.
 * Fails only when the lock cannot be taken.
 */
int berth_images_check(berth_images *im, bool repair, char ***ret_problems, char ***ret_actions,
                       berth_error *err);
