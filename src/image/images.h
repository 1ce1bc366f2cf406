/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "base/db.h"
#include "image/imagedb.h"
#include "image/store.h"
#include "oci/image.h"

#include <jansson.h>

#include <stdbool.h>

/**
 * The images of one BERTH_ROOT: the blob store, the unpacked layers and the
 * metadata in berth.db, used together. What `berth images`, `tag`, `rmi`,
 * `image inspect`, `import`, `load`, `pull`, `commit` and `build` call.
 *
 * Names resolve as Docker resolves them: first as a reference ("busybox" =
 * "docker.io/library/busybox:latest"; "app@sha256:…" through the repo
 * digests that pull and push record), then as an image id or id prefix.
 *
 * Removal is crash safe: the metadata goes first, in one transaction, then
 * the files nothing uses any more (under the collect lock, below); a crash in
 * between leaves only orphan files, which berth_images_gc() removes.
 */
typedef struct berth_images berth_images;

int berth_images_open(const char *root, berth_images **ret, berth_error *err);
/** Flags of berth_images_open_flags(). */
#define BERTH_IMAGES_KEEP_LEFTOVERS 1u /* no clean-up of crash leftovers on open (for fsck) */
int berth_images_open_flags(const char *root, unsigned flags, berth_images **ret, berth_error *err);
/** The same on a berth.db the caller opened and owns (the engine's): the image tables are
 * made in it as needed; berth_images_close() leaves it open. */
int berth_images_open_db(const char *root, berth_db *db, unsigned flags, berth_images **ret,
                         berth_error *err);
void berth_images_close(berth_images *im);
berth_store *berth_images_store(berth_images *im);
berth_db *berth_images_db(berth_images *im);
/** root/layers (and an fd of it), for the layer store (image/layers.h). */
const char *berth_images_layers_dir(berth_images *im);
int berth_images_layers_fd(berth_images *im);

/**
 * The store lock (image/store.h) for the images of this root. Every writer
 * that adds an image calls berth_images_writer_lock() before the first blob
 * or layer it relies on (a blob commit, a layer add, or finding one already
 * there) and berth_images_unlock() once the image's row is committed:
 *
 *     int lock = berth_images_writer_lock(im, err);   // before the first commit
 *     … blobs, layers, config, manifest …
 *     berth_db_begin() … berth_imagedb_put() … berth_db_commit()
 *     berth_images_unlock(lock);
 *
 * Blobs still being written (berth_blob_writer before its commit) need no
 * lock: only the commit makes them visible. Whatever removes blobs or layers
 * that no row names takes berth_images_collect_lock() (wait false: fail with
 * -EWOULDBLOCK instead of waiting for running writers).
 *
 * Both refuse (-EDEADLK) to be taken inside a berth.db transaction: the lock
 * comes first, then the transaction. Neither is re-entrant.
 * Returns the lock (>= 0) for berth_images_unlock().
 */
int berth_images_writer_lock(berth_images *im, berth_error *err);
int berth_images_collect_lock(berth_images *im, bool wait, berth_error *err);
/** Release a lock; -1 is ignored. */
void berth_images_unlock(int lock);

/** -ENOENT with "no such image: <name>" when nothing matches. */
int berth_images_resolve(berth_images *im, const char *name, berth_digest *ret, berth_error *err);

typedef struct {
        berth_image_rec rec;
        char **tags;      /* full references, sorted */
        char **digests;   /* repo digests */
        int64_t children; /* images whose parent it is */
} berth_image_summary;
/** Every image, newest first (intermediate ones too: the caller decides what to show). */
int berth_images_list(berth_images *im, berth_image_summary **ret, size_t *ret_n, berth_error *err);
void berth_image_summaries_free(berth_image_summary *v, size_t n);
/**
 * Docker's kinds of untagged image: an intermediate one is the parent of
 * another image (a commit's or an earlier build step's; `images` lists it
 * only with -a); a dangling one has no children (`images -f dangling=true`,
 * `image prune`).
 */
bool berth_image_summary_intermediate(const berth_image_summary *s);
bool berth_image_summary_dangling(const berth_image_summary *s);

/** `tag SOURCE TARGET`: TARGET is normalised (":latest" added); a digest there is refused. */
int berth_images_tag(berth_images *im, const char *source, const char *target, berth_error *err);

/**
 * `rmi NAME`, as docker's legacy image store does it: a tag is untagged, and
 * the image deleted once nothing names it; an id with several tags needs
 * force. An image with children (images whose parent it is) is never
 * deleted: by id that is docker's hard conflict (EBUSY, "(cannot be forced)
 * - image has dependent child images", force or not); by its last tag only
 * the tag goes. Once deleted, its parent goes too if it has no tag, no repo
 * digest, no other child and no snapshot, and so on up the chain (unless
 * BERTH_IMAGES_RM_NO_PRUNE). *ret_report gets Docker's lines ("Untagged:
 * busybox:latest", "Deleted: sha256:…" for each image and then the layers
 * that went with it), NULL-terminated; *ret_reclaimed (nullable) the bytes
 * of those layers.
 *
 * Every row (the image's, its names, its build cache keys, and the pruned
 * parents') goes in one transaction; the files (those no other image or
 * snapshot uses) after it, under the collect lock, so this waits for
 * running writers. A crash in between leaves only files for the gc.
 */
#define BERTH_IMAGES_RM_FORCE    1u /* docker's -f: soft conflicts (several tags, containers) */
#define BERTH_IMAGES_RM_NO_PRUNE 2u /* docker's --no-prune: keep untagged parents */
int berth_images_remove_flags(berth_images *im, const char *name, unsigned flags,
                              char ***ret_report, uint64_t *ret_reclaimed, berth_error *err);
/** berth_images_remove_flags() with BERTH_IMAGES_RM_FORCE if force, pruning parents. */
int berth_images_remove(berth_images *im, const char *name, bool force, char ***ret_report,
                        berth_error *err);

/**
 * Register an image whose config, manifest, layer blobs and unpacked layers
 * are all in the store (load and pull call this once they have everything):
 * in one transaction, its record and layer list (left as they are when the
 * image is there already), each of tags (full references, NULL-terminated,
 * nullable) pointed at it, moved from whatever it named before, and each of
 * repo_digests ("host/repo@sha256:…", nullable) recorded. Every layer must
 * exist: -ENOENT names the first that does not (pull unpacks a chain in any
 * order). On failure nothing has changed.
 *
 * ret_prev (nullable; one entry per tag): the image each tag named before,
 * or an empty digest (s[0] == '\0') when it named none. *ret_changed
 * (nullable): whether the image is new or a tag moved to it (docker's
 * "Downloaded newer image" rather than "Image is up to date").
 */
int berth_images_register(berth_images *im, const berth_image_rec *rec,
                          const berth_image_layer_rec *layers, size_t n_layers, char *const *tags,
                          char *const *repo_digests, berth_digest *ret_prev, bool *ret_changed,
                          berth_error *err);

/**
 * `import`: a root filesystem tar (plain, gzip or zstd) read from fd becomes
 * a one-layer image: the tar is kept as its layer blob, unpacked once, and
 * given a config (changes are `--change` lines, message the history
 * comment) and an OCI manifest; tag (optional) names it. The tar is read
 * before the writer lock is taken. A bad tar leaves no image; its blob and
 * layer are removed at once when no other writer is running, else at the
 * next gc.
 */
int berth_images_import(berth_images *im, int fd, const char *tag, char *const *changes,
                        const char *message, berth_digest *ret_id, berth_error *err);

/**
 * Deriving an image: the one place that turns a config (and at most one new
 * layer, already in the blob store and unpacked) into a registered image, for
 * import, commit and the builder. berth_image_derive():
 *   - sets cfg's created (o->created, or now) and author, appends the new
 *     layer's diff id and, with o->history, a history entry (created_by,
 *     comment; empty_layer when there is no new layer);
 *   - stores the config, and a manifest: the parent's layers (none for
 *     scratch) plus the new one, in the parent's media types (OCI's for
 *     scratch);
 *   - registers image and tag in one transaction, with o->parent as the
 *     image's parent (docker's Parent: commit's container image, a build
 *     step's previous image; none from scratch) and, with o->cache_key, the
 *     build cache row for it (image/buildcache.h).
 * The caller holds the writer lock from the layer's blob on (gc must wait)
 * and owns cfg (a copy of the parent's, edited, or a new one for scratch).
 * On failure no image is registered (stored blobs go at the next gc).
 */
typedef struct {
        berth_digest blob; /* the layer blob as stored */
        uint64_t blob_size;
        const char *media_type; /* NULL: the manifest's plain tar type */
        berth_digest diff;      /* sha256 of the uncompressed tar */
        berth_digest chain;     /* the unpacked layer */
} berth_image_new_layer;
typedef struct {
        const berth_digest *parent;                /* NULL: from scratch */
        const berth_image_new_layer *layer;        /* NULL: a step without a layer */
        const char *created;                       /* RFC 3339; NULL: now */
        bool history;                              /* add a history entry */
        const char *created_by, *comment, *author; /* nullable */
        const char *tag;                           /* nullable */
        const char *cache_key; /* nullable: the builder's step key (image/buildcache.h) */
} berth_image_derive_opts;
int berth_image_derive(berth_images *im, const berth_image_derive_opts *o, oci_image_config *cfg,
                       berth_digest *ret_id, berth_error *err);
/** An image's parsed config and manifest (-ENOENT: no such image). */
int berth_image_load(berth_images *im, const berth_digest *id, oci_image_config **ret_cfg,
                     oci_manifest **ret_man, berth_error *err);
/** tag made full ("busybox" → "docker.io/library/busybox:latest"); NULL stays NULL;
 * a digest reference is refused. */
int berth_image_full_tag(const char *tag, char **ret, berth_error *err);

/** `image inspect`: docker's JSON object for one image (caller decrefs), or NULL. */
json_t *berth_images_inspect(berth_images *im, const char *name, berth_error *err);

/**
 * One row of `history`, newest first. is_top: the newest. has_id: id is the
 * image that step made, as docker's legacy store shows it: the newest row
 * the image's own id, each older one the next parent up the chain while
 * there is one (commit and build steps); the rest have none ("<missing>").
 */
typedef struct {
        bool is_top, has_id;
        berth_digest id;
        char *created, *created_by, *comment;
        int64_t size; /* bytes of the layer this step made; 0 for empty steps */
} berth_history_entry;
int berth_images_history(berth_images *im, const char *name, berth_history_entry **ret,
                         size_t *ret_n, berth_error *err);
void berth_history_free(berth_history_entry *v, size_t n);

/**
 * Remove blobs and layers that no image uses (crash leftovers, deleted
 * images), under the collect lock: it waits for running writers, and what
 * they have stored but not yet registered is safe.
 */
int berth_images_gc(berth_images *im, uint64_t *ret_freed, berth_error *err);
