/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "image/images.h"

#include <stdbool.h>
#include <stdint.h>

/**
 * Disk usage (`system df`) and `image prune`. Sizes are the unpacked bytes
 * of layers (layers/<chain>/size), as Docker counts them; a layer shared by
 * several images is counted once in the totals and as shared size in each.
 */
typedef struct {
        berth_image_summary s;
        int64_t size;       /* all its layers */
        int64_t shared;     /* its layers that another image also has */
        int64_t unique;     /* size - shared */
        int64_t containers; /* snapshots made from it */
} berth_image_usage;

typedef struct {
        char *dir;
        berth_digest image;
        int64_t size; /* bytes in its upper dir */
        bool mounted;
} berth_snapshot_usage;

typedef struct {
        berth_image_usage *images;
        size_t n_images;
        int64_t images_active;      /* images with a snapshot */
        int64_t layers_size;        /* every image layer once */
        int64_t layers_reclaimable; /* of those, the ones no snapshot uses */
        berth_snapshot_usage *snapshots;
        size_t n_snapshots;
} berth_disk_usage;

int berth_images_disk_usage(berth_images *im, berth_disk_usage *ret, berth_error *err);
void berth_disk_usage_clear(berth_disk_usage *u);

/**
 * Remove dangling images (no tag, no children), or with all every image no
 * snapshot uses; only the candidates match() accepts go (prune filters such
 * as until and label; match NULL: every candidate). An image with children
 * is no candidate until they are gone; each removal takes the untagged
 * parents nothing else needs with it (as rmi does), and with all the passes
 * repeat until one removes nothing, so whole chains go. *ret_report gets
 * Docker's prune lines ("untagged: busybox:latest", "deleted: sha256:…"),
 * NULL-terminated; *ret_reclaimed the bytes of the layers that went. Images
 * a snapshot uses are never removed.
 */
int berth_images_prune_match(berth_images *im, bool all,
                             bool (*match)(const berth_image_summary *s, void *ud), void *ud,
                             char ***ret_report, uint64_t *ret_reclaimed, berth_error *err);
