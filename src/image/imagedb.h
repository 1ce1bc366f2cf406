/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "base/digest.h"

#include <stdbool.h>
#include <stdint.h>

/**
 * Image metadata in berth.db (module "image"):
 *   images        — id (the config digest), manifest digest, top layer's
 *                   chain id, created (from the config), unpacked size, and
 *                   the parent: the image it was derived from by commit or a
 *                   build step (docker's Parent; none for import, load, pull);
 *                   set when the row is made, never changed, cleared if the
 *                   parent's row goes (so links never form a cycle);
 *   image_layers  — each image's layers in order: chain id, diff id and the
 *                   compressed blob, so a layer is in use while any image
 *                   lists its chain id;
 *   tags          — normalised "docker.io/library/busybox:latest" → image;
 *   repo_digests  — "docker.io/library/busybox@sha256:…" → image;
 *   build_cache   — the builder's step keys → image (image/buildcache.h);
 *                   a row goes with its image.
 * Writes that belong together (an image and its tag) go in one
 * berth_db_begin()…commit() of the caller; each function here is one
 * statement or a few, never a transaction of its own.
 */
typedef struct {
        berth_digest id;
        bool has_manifest;
        berth_digest manifest;
        bool has_top_layer;
        berth_digest top_layer; /* chain id */
        char *created;          /* RFC 3339 */
        int64_t size;
        int64_t added; /* unix seconds */
        bool has_parent;
        berth_digest parent; /* put: ignored when the row exists already, or when == id */
} berth_image_rec;

typedef struct {
        berth_digest chain_id, diff_id;
        bool has_blob;
        berth_digest blob;
} berth_image_layer_rec;

int berth_imagedb_migrate(berth_db *db, berth_error *err);

/** Insert or replace an image and its layer list. */
int berth_imagedb_put(berth_db *db, const berth_image_rec *img, const berth_image_layer_rec *layers,
                      size_t n_layers, berth_error *err);
/** -ENOENT (message "no such image: sha256:…") when absent. layers may be NULL. */
int berth_imagedb_get(berth_db *db, const berth_digest *id, berth_image_rec *ret,
                      berth_image_layer_rec **ret_layers, size_t *ret_n, berth_error *err);
int berth_imagedb_list(berth_db *db, berth_image_rec **ret, size_t *ret_n, berth_error *err);
/** Remove the image, its layer list, tags and repo digests. */
int berth_imagedb_remove(berth_db *db, const berth_digest *id, berth_error *err);
void berth_image_rec_clear(berth_image_rec *r);

/** Point tag (a normalised reference string) at id, moving it if it pointed elsewhere. */
int berth_imagedb_tag(berth_db *db, const char *tag, const berth_digest *id, berth_error *err);
int berth_imagedb_untag(berth_db *db, const char *tag, berth_error *err);
/** The image a tag points to; -ENOENT when none. */
int berth_imagedb_resolve_tag(berth_db *db, const char *tag, berth_digest *ret, berth_error *err);
/** Tags of an image, sorted; NULL-terminated (may be empty). */
int berth_imagedb_tags_of(berth_db *db, const berth_digest *id, char ***ret, berth_error *err);
int berth_imagedb_add_repo_digest(berth_db *db, const char *name, const berth_digest *id,
                                  berth_error *err);
int berth_imagedb_repo_digests_of(berth_db *db, const berth_digest *id, char ***ret,
                                  berth_error *err);
/** The image a repo digest ("docker.io/library/busybox@sha256:…") names; -ENOENT when none. */
int berth_imagedb_resolve_repo_digest(berth_db *db, const char *name, berth_digest *ret,
                                      berth_error *err);
/**
 * The repo digests ("host/repo@sha256:…") of every image that has blob among
 * its layers, sorted, NULL-terminated (may be empty): the repositories that
 * blob came from or went to, for a cross-repository mount on push.
 */
int berth_imagedb_repo_digests_with_blob(berth_db *db, const berth_digest *blob, char ***ret,
                                         berth_error *err);
/** An image by id prefix (≥ 3 hex, with or without "sha256:"); ambiguity is an error. */
int berth_imagedb_find_prefix(berth_db *db, const char *prefix, berth_digest *ret,
                              berth_error *err);
/** How many images have id as their parent (docker's "dependent child images"). */
int berth_imagedb_children(berth_db *db, const berth_digest *id, int64_t *ret, berth_error *err);
/** How many images use this blob (as their manifest, or as a compressed layer). */
int berth_imagedb_blob_users(berth_db *db, const berth_digest *blob, int64_t *ret,
                             berth_error *err);
/** How many images list this chain id among their layers. */
int berth_imagedb_layer_users(berth_db *db, const berth_digest *chain_id, int64_t *ret,
                              berth_error *err);
