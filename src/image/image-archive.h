/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "images.h"

/* Not "archive.h": src/image is on the include path, and libarchive's <archive.h> must win. */

/**
 * `save` and `load`: images in and out of the store as one tar, in either
 * of the two forms the field uses.
 *
 *   docker-archive  what `docker save` writes: manifest.json (a list of
 *                   {Config, RepoTags, Layers}), the configs
 *                   ("<hex>.json"), the layers ("<v1-id>/layer.tar", with
 *                   legacy "json" and "VERSION" beside them), and the
 *                   legacy "repositories" file. Docker ≥ 25 writes an OCI
 *                   layout into the same tar and points manifest.json at
 *                   "blobs/sha256/<hex>".
 *   oci-archive     an OCI image layout in a tar: "oci-layout",
 *                   "index.json" (names in the org.opencontainers.image.ref.name
 *                   and io.containerd.image.name annotations),
 *                   "blobs/sha256/<hex>".
 */
enum berth_archive_format {
        BERTH_ARCHIVE_DOCKER = 0,
        BERTH_ARCHIVE_OCI,
};

/**
 * `load`: read an archive (a tar, plain or compressed with gzip, zstd, xz or
 * bzip2, as `docker load` accepts) from fd, in one pass, and add every
 * image in it. Either form is recognised by its files; an archive with both
 * manifest.json and index.json is read through manifest.json, as Docker does.
 *
 * Members may come in any order: each file is spooled as it comes (small
 * ones in memory, the rest into the blob store, verified against its name
 * when that is "blobs/sha256/<hex>"). Then, per image: the config's diff ids
 * are checked against the layers, the layers unpacked (parent chain; those
 * already there are not unpacked again), a manifest made for a
 * docker-archive image, and the image and its tags registered in one
 * transaction. A tag that named another image moves to the loaded one.
 *
 * The writer lock (images.h) is held from the start, since blobs are
 * committed as they are read, until the last image is registered; a gc
 * waits for the whole load.
 *
 * A bad archive (not a tar, truncated, a missing member, a path leaving the
 * archive, diff ids that do not match, a hostile layer …) fails with one
 * message before any image is registered, and the store is left as it was:
 * blobs and layers this load added that no image uses are removed (at once
 * when no other writer is running; else they are left to the next gc, as
 * one of those writers may have come to rely on them).
 *
 * *ret_loaded gets docker's lines, NULL-terminated: "Loaded image:
 * busybox:latest" for each tag, "Loaded image ID: sha256:…" for an image
 * without one.
 */
int berth_images_load(berth_images *im, int fd, char ***ret_loaded, berth_error *err);

/**
 * `save`: write the images that names resolve to (NULL-terminated, at
 * least one) as one tar to out_fd, named as docker save names them:
 * "repo:tag" gives that image with that tag, a repository alone ("busybox")
 * every tag of it, an id or id prefix the image without tags. Layers (and
 * configs) shared by several images are written once.
 *
 * BERTH_ARCHIVE_DOCKER writes what docker 20.10 writes; each layer.tar is
 * the uncompressed layer (a compressed blob is decompressed as it is
 * written, and its diff id checked). BERTH_ARCHIVE_OCI writes the stored
 * manifests, configs and layer blobs as they are.
 *
 * Nothing is written to out_fd until every name has resolved; an error
 * later leaves a partial tar there (the caller writes to a temp file).
 */
int berth_images_save(berth_images *im, char *const *names, enum berth_archive_format fmt,
                      int out_fd, berth_error *err);
