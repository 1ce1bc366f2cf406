/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "base/digest.h"
#include "base/error.h"
#include "image/images.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Snapshots: a container's root filesystem, an overlayfs mount of an
 * image's layers (read-only lowers) plus the container's own writable
 * upper dir. A snapshot lives in a directory of the caller's choosing
 * (BERTH_ROOT/containers/<id>):
 *
 *   dir/lower   the image's layer chain ids, bottom → top, one a line
 *   dir/upper   the container's changes (overlay upperdir)
 *   dir/work    overlay's workdir
 *   dir/merged  the default mount point
 *   dir/empty   the only lowerdir of an image without layers
 *
 * berth.db (module "snapshot") keeps a row per snapshot (its absolute dir,
 * the image id) and the chain ids it uses: while the row exists the image
 * cannot be removed without force, and its layers are never removed, even
 * with force (berth_images_remove(), berth_images_gc() ask
 * berth_snapshot_layer_users()). The row is written before the directory is
 * made and dropped after it is gone, so a crash leaves at most a row without
 * a directory, which `berth system check --repair` drops.
 */

/** Bring the snapshot tables up to date (berth_images_open() calls it). */
int berth_snapshot_migrate(berth_db *db, berth_error *err);

/**
 * Make dir (and its parents) with upper, work, merged and lower for the
 * image image_id. dir must not be a snapshot already (-EEXIST). On failure
 * nothing is left: no row, no new directories.
 */
int berth_snapshot_create(berth_images *im, const berth_digest *image_id, const char *dir,
                          berth_error *err);

/**
 * Mount the overlay of dir on target (NULL: dir/merged). Lowers are the
 * layers' diff dirs, top first. Any number of layers (up to overlayfs's 500)
 * works: on kernels with "lowerdir+" (6.8+) through the new mount API, one
 * layer at a time; elsewhere with short symlinks in BERTH_ROOT/layers/l/ and
 * a mount made relative to that directory, which fits more layers in one
 * page of mount data.
 */
int berth_snapshot_mount(berth_images *im, const char *dir, const char *target, berth_error *err);
/**
 * berth_snapshot_mount on dir/merged for a container removed once it exits
 * (--rm): overlayfs's "volatile" (Linux 5.10+; plain elsewhere) skips every
 * sync of the upper dir, as podman does for such containers, and the unmount
 * takes microseconds instead of a sync (~0.7 ms here). After a host crash
 * the kernel refuses to mount such an upper dir again, which does not matter
 * for a container that is to be removed.
 */
int berth_snapshot_mount_volatile(berth_images *im, const char *dir, berth_error *err);
/** Unmount target (NULL: dir/merged); not mounted is fine. */
int berth_snapshot_umount(const char *dir, const char *target, berth_error *err);
/** Whether dir/merged is a mount point. */
bool berth_snapshot_mounted(const char *dir);

/**
 * Unmount dir/merged if mounted, remove dir (never crossing into another
 * mount: a mount left inside is an error) and drop the row. A missing dir
 * or row is fine.
 */
int berth_snapshot_remove(berth_images *im, const char *dir, berth_error *err);

/** The image a snapshot was made from (-ENOENT: dir is no snapshot). */
int berth_snapshot_image(berth_images *im, const char *dir, berth_digest *ret, berth_error *err);

/** Snapshots using a layer (to keep it) or an image (to refuse its removal). */
int berth_snapshot_layer_users(berth_db *db, const berth_digest *chain_id, int64_t *ret,
                               berth_error *err);
/** ret_dir (nullable): the first user's dir, malloc'd. */
int berth_snapshot_image_users(berth_db *db, const berth_digest *image_id, int64_t *ret,
                               char **ret_dir, berth_error *err);

typedef struct {
        char *dir;
        berth_digest image;
} berth_snapshot_rec;
/** Every snapshot row, sorted by dir. */
int berth_snapshot_list(berth_db *db, berth_snapshot_rec **ret, size_t *ret_n, berth_error *err);
void berth_snapshot_recs_free(berth_snapshot_rec *v, size_t n);
/** Drop a row without touching any file (for `system check --repair`). */
int berth_snapshot_forget(berth_db *db, const char *dir, berth_error *err);

/**
 * `diff`: what the container changed, as `docker diff` lists it, in its
 * order (depth first, names sorted, a changed parent before its children):
 *   'A' added (not in the image), 'C' changed (in the image; and the parent
 *   of anything added or deleted), 'D' deleted (an overlay whiteout, or an
 *   opaque dir: the image's content of it is gone).
 * Paths are absolute inside the container ("/etc/new").
 */
typedef struct {
        char kind; /* 'A', 'C', 'D' */
        char *path;
} berth_change;
int berth_snapshot_diff(berth_images *im, const char *dir, berth_change **ret, size_t *ret_n,
                        berth_error *err);
void berth_changes_free(berth_change *v, size_t n);

/**
 * `commit`: pack dir/upper (berth_pack_diff: whiteouts become ".wh." files,
 * opaque dirs ".wh..wh..opq") into an uncompressed layer blob, unpack it as
 * a layer on top of the image's, and register a new image: the image's
 * config with changes (`--change` lines, may be NULL) applied, the new diff
 * id and a history entry (message, author: nullable), the image's manifest
 * with the new layer appended; tag (nullable) names it. Everything in one
 * transaction; a failure leaves no image (unused blobs go at the next gc).
 * Works on a mounted or unmounted snapshot (pause writers for a consistent
 * result).
 */
int berth_snapshot_commit(berth_images *im, const char *dir, char *const *changes,
                          const char *message, const char *author, const char *tag,
                          berth_digest *ret_id, berth_error *err);

/**
 * The snapshot's upper dir as a new layer on top of its image's: packed
 * (whiteouts become ".wh." files), stored as a blob and unpacked into the
 * layer store, for berth_image_derive() (what commit does; the builder's
 * steps too, with a config of their own). Takes the writer lock and hands it
 * over in *ret_lock: release it (berth_store_unlock) once the image that
 * uses the layer is registered, so gc never takes the layer before.
 */
int berth_snapshot_layer(berth_images *im, const char *dir, berth_image_new_layer *ret,
                         int *ret_lock, berth_error *err);
/** The same with mtimes clamped (berth_pack_diff_clamped(); -1: none). */
int berth_snapshot_layer_clamped(berth_images *im, const char *dir, int64_t clamp,
                                 berth_image_new_layer *ret, int *ret_lock, berth_error *err);
