/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "image/images.h"

/**
 * The builder's cache (table build_cache in berth.db, module "image"): a
 * step's key — a sha256 hex (64 lowercase hex digits) the builder computes
 * over the parent image id, the instruction text, the build args and the
 * content it copies — to the image the step made. A row goes with its image
 * (in the transaction that deletes the image's row), so a hit always names
 * an image that is there.
 *
 * berth_build_cache_put() is one statement: called inside a transaction of
 * the caller's (berth_db_begin() on berth_images_db()) it commits with it;
 * berth_image_derive_opts.cache_key records the key in the transaction that
 * registers the step's image. A key put again points at the new image.
 */
/** -ENOENT when absent or when the image is gone; -EINVAL for a malformed key. */
int berth_build_cache_get(berth_images *im, const char *key, berth_digest *ret_id,
                          berth_error *err);
/** -ENOENT (nothing changed) when no image id is registered; -EINVAL for a malformed key. */
int berth_build_cache_put(berth_images *im, const char *key, const berth_digest *id,
                          berth_error *err);
