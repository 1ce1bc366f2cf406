/* SPDX-License-Identifier: Apache-2.0 */
/* A step's snapshot: made and mounted under its sweep lock, committed as a new image
 * (step-internal.h). */
#include "step-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "image/snapshot.h"
#include "image/store.h"
#include "sweep.h"

#include <stdlib.h>

int build_snapshot_open(berth_images *im, const char *work_dir, const berth_digest *image,
                        build_snapshot *ret, berth_error *err)
{
        build_snapshot s = {.work_dir = work_dir, .alive = -1};
        if (berth_random_hex(s.hex, 12, err) < 0)
                return -err->code;
        /* held until the snapshot is gone: a sweep knows a killed build's by its free lock */
        s.alive = berth_build_lock_take(work_dir, s.hex, err);
        if (s.alive < 0)
                return s.alive;
        s.dir = berth_xasprintf("%s/%s", work_dir, s.hex);
        int r = berth_snapshot_create(im, image, s.dir, err);
        if (r == 0)
                r = berth_snapshot_mount(im, s.dir, NULL, err);
        if (r < 0) {
                build_snapshot_close(im, &s);
                return r;
        }
        *ret = s;
        return 0;
}

void build_snapshot_close(berth_images *im, build_snapshot *s)
{
        if (s->dir == NULL)
                return;
        berth_snapshot_remove(im, s->dir, NULL);
        berth_build_lock_drop(s->work_dir, s->hex, s->alive);
        free(s->dir);
        s->dir = NULL;
        s->alive = -1;
}

int build_snapshot_commit(berth_images *im, const char *dir, const berth_digest *base,
                          oci_image_config *config, const char *created, const char *created_by,
                          const char *cache_key, int64_t epoch, berth_digest *ret_id,
                          berth_error *err)
{
        _cleanup_(berth_store_unlockp) int lock = -1;
        berth_image_new_layer nl = {0};
        int r = berth_snapshot_layer_clamped(im, dir, epoch, &nl, &lock, err);
        if (r < 0)
                return r;
        berth_image_derive_opts d = {.parent = base,
                                     .layer = &nl,
                                     .created = created,
                                     .history = true,
                                     .created_by = created_by,
                                     .cache_key = cache_key};
        return berth_image_derive(im, &d, config, ret_id, err);
}
