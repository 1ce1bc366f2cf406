/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/digest.h"
#include "base/error.h"
#include "unpack.h"

#include <stdbool.h>

/**
 * The layer directory store: BERTH_ROOT/layers/<chain-id hex>/ holds
 *   diff/      the unpacked layer (an overlayfs lowerdir: whiteouts are
 *              0/0 char devices, opaque dirs carry trusted.overlay.opaque)
 *   diff-id    "sha256:…" of the uncompressed tar
 *   size       the unpacked data bytes, decimal
 *   parent     the parent's chain id (absent for a base layer)
 *
 * A layer is built in layers/.tmp-<pid>-<random>/, synced, and renamed into
 * place (RENAME_NOREPLACE): a crash leaves either no layer or a whole one,
 * plus perhaps a .tmp-* leftover that berth_layers_clean_tmp() removes.
 * Layers are shared by every image that has them; deciding when one is no
 * longer used is the caller's job.
 */

/** image-spec chain id: the diff id for a base layer (parent_chain NULL), else
 *  sha256(parent_chain + " " + diff_id). */
int berth_layer_chain_id(const berth_digest *parent_chain, const berth_digest *diff_id,
                         berth_digest *ret);

/**
 * Unpack the layer tar read from tar_fd on top of parent_chain (NULL for a
 * base layer). When expected_diff_id is given it is verified (a mismatch is
 * an error naming both, and leaves nothing); when it is given and the layer
 * is already there, tar_fd is not read at all. Two processes adding the same
 * layer at once both succeed, with one copy. o: limits, nullable.
 * Outputs are nullable.
 */
int berth_layer_add(int layers_dirfd, const berth_digest *parent_chain, int tar_fd,
                    const berth_digest *expected_diff_id, const berth_unpack_opts *o,
                    berth_digest *ret_chain_id, berth_digest *ret_diff_id, berth_error *err);

/**
 * As berth_layer_add(), but parent_chain need not exist yet: pull unpacks the
 * layers of an image in parallel, in whatever order they arrive. Such a layer
 * is whole but of no use until every layer below it is there too; whoever
 * registers an image checks that all its layers exist first (an image's
 * layers are never used without its record).
 */
int berth_layer_add_unordered(int layers_dirfd, const berth_digest *parent_chain, int tar_fd,
                              const berth_digest *expected_diff_id, const berth_unpack_opts *o,
                              berth_digest *ret_chain_id, berth_digest *ret_diff_id,
                              berth_error *err);

/** Whether layers/<chain> is there (and so whole). */
bool berth_layer_exists(int layers_dirfd, const berth_digest *chain_id);

/** "<layers_dir>/<chain hex>/diff", for an overlay lowerdir; caller frees. */
char *berth_layer_diff_path(const char *layers_dir, const berth_digest *chain_id);

/** The unpacked size of a layer in bytes (layers/<chain>/size); 0 when unknown. */
int64_t berth_layer_size(int layers_dirfd, const berth_digest *chain_id);

/** Read a layer's diff id back from layers/<chain>/diff-id. */
int berth_layer_diff_id(int layers_dirfd, const berth_digest *chain_id, berth_digest *ret,
                        berth_error *err);

/**
 * Remove a layer: renamed out of the way first (so it stops existing at
 * once), then removed without crossing mount points. Missing is fine.
 */
int berth_layer_remove(int layers_dirfd, const berth_digest *chain_id, berth_error *err);

/**
 * Remove the .tmp-* leftovers of crashed adds and removes: those whose
 * process (the pid in the name) is gone and whose flock (held by an add or a
 * remove while it works) is free. In-progress work of a live process is left
 * alone, also when that process is in another pid namespace (its pid looks
 * dead from here; its lock does not).
 */
int berth_layers_clean_tmp(int layers_dirfd, berth_error *err);
/** Whether layers/<name> is such a leftover (a .tmp-* of a process that is gone). */
bool berth_layers_tmp_is_stale(int layers_dirfd, const char *name);
