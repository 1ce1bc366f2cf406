/* SPDX-License-Identifier: Apache-2.0 */
#include "images-private.h"
#include "layers.h"
#include "reference.h"
#include "snapshot.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct berth_images {
        char *root;
        char *layers;
        int layers_fd;
        berth_store *store;
        berth_db *db;
        bool own_db; /* opened here (else borrowed from the engine) */
};

int berth_images_open(const char *root, berth_images **ret, berth_error *err)
{
        return berth_images_open_flags(root, 0, ret, err);
}

int berth_images_open_flags(const char *root, unsigned flags, berth_images **ret, berth_error *err)
{
        return berth_images_open_db(root, NULL, flags, ret, err);
}

int berth_images_open_db(const char *root, berth_db *db, unsigned flags, berth_images **ret,
                         berth_error *err)
{
        /* a caller that lends its berth.db made the root to open it in */
        if (db == NULL && berth_mkdir_p(root, 0711, err) < 0)
                return berth_wrap(err, "cannot create the berth root");
        berth_images *im = berth_xmalloc0(sizeof(*im));
        im->layers_fd = -1;
        im->root = berth_xstrdup(root);
        im->layers = berth_xasprintf("%s/layers", root);
        _cleanup_free_ char *dbpath = berth_xasprintf("%s/berth.db", root);
        bool keep = flags & BERTH_IMAGES_KEEP_LEFTOVERS;
        int r = berth_store_open_flags(root, keep ? BERTH_STORE_KEEP_TEMP : 0, &im->store, err);
        if (r == 0 && db) {
                im->db = db;
        } else if (r == 0) {
                r = berth_db_open(dbpath, &im->db, err);
                im->own_db = r == 0;
        }
        if (r == 0)
                r = berth_imagedb_migrate(im->db, err);
        if (r == 0)
                r = berth_snapshot_migrate(im->db, err);
        if (r == 0) {
                im->layers_fd = open(im->layers, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (im->layers_fd < 0)
                        r = berth_err(err, errno, "cannot open '%s'", im->layers);
                else if (!keep)
                        berth_layers_clean_tmp(im->layers_fd, NULL);
        }
        if (r < 0) {
                berth_images_close(im);
                return r;
        }
        *ret = im;
        return 0;
}

void berth_images_close(berth_images *im)
{
        if (im == NULL)
                return;
        if (im->layers_fd >= 0)
                close(im->layers_fd);
        if (im->own_db)
                berth_db_close(im->db);
        berth_store_free(im->store);
        free(im->layers);
        free(im->root);
        free(im);
}

berth_store *berth_images_store(berth_images *im)
{
        return im->store;
}

berth_db *berth_images_db(berth_images *im)
{
        return im->db;
}

const char *berth_images_layers_dir(berth_images *im)
{
        return im->layers;
}

int berth_images_layers_fd(berth_images *im)
{
        return im->layers_fd;
}

/* The store lock is never taken inside a transaction: its holder may be waiting for ours. */
static int lock_store(berth_images *im, unsigned flags, berth_error *err)
{
        if (!sqlite3_get_autocommit(berth_db_handle(im->db)))
                return berth_errx(err, EDEADLK,
                                  "cannot lock the image store inside a database transaction");
        return berth_store_lock(im->store, flags, err);
}

int berth_images_writer_lock(berth_images *im, berth_error *err)
{
        return lock_store(im, BERTH_STORE_LOCK_WRITE, err);
}

int berth_images_collect_lock(berth_images *im, bool wait, berth_error *err)
{
        return lock_store(im, BERTH_STORE_LOCK_COLLECT | (wait ? 0 : BERTH_STORE_LOCK_NOWAIT), err);
}

void berth_images_unlock(int lock)
{
        berth_store_unlock(lock);
}

/* The tag a name means ("busybox" → "docker.io/library/busybox:latest"), if it is one. */
static char *tag_of(const char *name)
{
        berth_ref ref = {0};
        if (berth_ref_parse(name, &ref, NULL) < 0)
                return NULL;
        char *s = ref.has_digest ? NULL : berth_ref_string(&ref);
        berth_ref_clear(&ref);
        return s;
}

/* The repo digest a name means ("app@sha256:…" → "docker.io/library/app@sha256:…"), if any. */
static char *repo_digest_of(const char *name)
{
        berth_ref ref = {0};
        if (berth_ref_parse(name, &ref, NULL) < 0)
                return NULL;
        char *s = NULL;
        if (ref.has_digest) {
                _cleanup_free_ char *n = berth_ref_name(&ref);
                s = berth_xasprintf("%s@%s", n, ref.digest.s);
        }
        berth_ref_clear(&ref);
        return s;
}

int berth_images_resolve(berth_images *im, const char *name, berth_digest *ret, berth_error *err)
{
        _cleanup_free_ char *tag = tag_of(name);
        if (tag && berth_imagedb_resolve_tag(im->db, tag, ret, NULL) == 0)
                return 0;
        _cleanup_free_ char *rd = tag ? NULL : repo_digest_of(name);
        if (rd && berth_imagedb_resolve_repo_digest(im->db, rd, ret, NULL) == 0)
                return 0;
        berth_error e2 = {0};
        if (berth_ref_looks_like_id(name)) {
                int r = berth_imagedb_find_prefix(im->db, name, ret, &e2);
                if (r == 0)
                        return 0;
                if (r != -ENOENT)
                        return berth_errx(err, -r, "%s", e2.msg);
        }
        return berth_errx(err, ENOENT, "no such image: %s", name);
}

void berth_image_summaries_free(berth_image_summary *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                berth_image_rec_clear(&v[i].rec);
                berth_strv_free(v[i].tags);
                berth_strv_free(v[i].digests);
        }
        free(v);
}

int berth_images_list(berth_images *im, berth_image_summary **ret, size_t *ret_n, berth_error *err)
{
        berth_image_rec *recs = NULL;
        size_t n = 0;
        int r = berth_imagedb_list(im->db, &recs, &n, err);
        if (r < 0)
                return r;
        berth_image_summary *v = berth_xmalloc0((n ? n : 1) * sizeof(*v));
        for (size_t i = 0; i < n; i++) {
                v[i].rec = recs[i];
                if (r == 0)
                        r = berth_imagedb_tags_of(im->db, &recs[i].id, &v[i].tags, err);
                if (r == 0)
                        r = berth_imagedb_repo_digests_of(im->db, &recs[i].id, &v[i].digests, err);
                if (r == 0)
                        r = berth_imagedb_children(im->db, &recs[i].id, &v[i].children, err);
        }
        free(recs);
        if (r < 0) {
                berth_image_summaries_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

bool berth_image_summary_intermediate(const berth_image_summary *s)
{
        return berth_strv_length(s->tags) == 0 && s->children > 0;
}

bool berth_image_summary_dangling(const berth_image_summary *s)
{
        return berth_strv_length(s->tags) == 0 && s->children == 0;
}

int berth_images_tag(berth_images *im, const char *source, const char *target, berth_error *err)
{
        berth_digest id;
        int r = berth_images_resolve(im, source, &id, err);
        if (r < 0)
                return r;
        berth_ref ref = {0};
        if ((r = berth_ref_parse(target, &ref, err)) < 0)
                return r;
        if (ref.has_digest) {
                berth_ref_clear(&ref);
                return berth_errx(err, EINVAL,
                                  "refusing to create a tag with a digest reference: "
                                  "'%s'",
                                  target);
        }
        _cleanup_free_ char *full = berth_ref_string(&ref);
        berth_ref_clear(&ref);
        return berth_imagedb_tag(im->db, full, &id, err);
}

/* Whether an image or a snapshot uses the layer (on a database error: yes). */
static bool layer_in_use(berth_images *im, const berth_digest *chain)
{
        int64_t a = 1, b = 1;
        if (berth_imagedb_layer_users(im->db, chain, &a, NULL) < 0 ||
            berth_snapshot_layer_users(im->db, chain, &b, NULL) < 0)
                return true;
        return a + b > 0;
}

/* Docker's refusal to remove an image a container uses (without force). */
static int refuse_in_use(berth_images *im, const char *name, bool by_tag, const berth_digest *id,
                         berth_error *err)
{
        int64_t users = 0;
        _cleanup_free_ char *dir = NULL;
        int r = berth_snapshot_image_users(im->db, id, &users, &dir, err);
        if (r < 0 || users == 0)
                return r;
        const char *slash = strrchr(dir, '/');
        const char *cid = slash ? slash + 1 : dir;
        if (by_tag)
                return berth_errx(err, EBUSY,
                                  "conflict: unable to remove repository reference \"%s\" (must "
                                  "force) - container %.12s is using its referenced image %.12s",
                                  name, cid, berth_digest_hex(id));
        return berth_errx(err, EBUSY,
                          "conflict: unable to delete %.12s (must be forced) - image is being "
                          "used by stopped container %.12s",
                          berth_digest_hex(id), cid);
}

/* Whether no image uses the blob (on a database error: it is used). */
static bool blob_unused(berth_images *im, const berth_digest *blob)
{
        int64_t users = 1;
        return berth_imagedb_blob_users(im->db, blob, &users, NULL) == 0 && users == 0;
}

/* An image whose row went in one removal, with what its files were. */
typedef struct {
        berth_digest id;
        bool has_manifest;
        berth_digest manifest;
        berth_image_layer_rec *layers;
        size_t n;
} removed_image;

static void removed_free(removed_image *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].layers);
        free(v);
}

/* Whether a later image of the same removal (an ancestor) lists the layer: it goes with that one,
 * as docker reports it. */
static bool later_lists(const removed_image *v, size_t n, size_t i, const berth_digest *chain)
{
        for (size_t j = i + 1; j < n; j++)
                for (size_t k = 0; k < v[j].n; k++)
                        if (berth_digest_equal(&v[j].layers[k].chain_id, chain))
                                return true;
        return false;
}

/*
 * Remove files of the i-th deleted image that no image or snapshot uses; call
 * with the collect lock held. Each is checked again here: the same image may
 * have been added back (by a load, an import) since its row went. Best effort:
 * gc mops up.
 */
static void drop_unused_files(berth_images *im, const removed_image *v, size_t nv, size_t i,
                              char ***report, uint64_t *reclaimed)
{
        const removed_image *g = &v[i];
        for (size_t k = g->n; k-- > 0;) {
                const berth_digest *chain = &g->layers[k].chain_id;
                if (later_lists(v, nv, i, chain))
                        continue;
                int64_t size = berth_layer_size(im->layers_fd, chain);
                if (berth_layer_exists(im->layers_fd, chain) && !layer_in_use(im, chain) &&
                    berth_layer_remove(im->layers_fd, chain, NULL) == 0) {
                        _cleanup_free_ char *line = berth_xasprintf("Deleted: %s", chain->s);
                        berth_strv_push(report, line);
                        *reclaimed += size > 0 ? (uint64_t)size : 0;
                }
                if (g->layers[k].has_blob && blob_unused(im, &g->layers[k].blob))
                        berth_store_remove_blob(im->store, &g->layers[k].blob, NULL);
        }
        if (g->has_manifest && blob_unused(im, &g->manifest))
                berth_store_remove_blob(im->store, &g->manifest, NULL);
        if (blob_unused(im, &g->id))
                berth_store_remove_blob(im->store, &g->id, NULL);
}

/* Delete id's row (its tags, repo digests and build cache keys go with it) in the caller's
 * transaction, appending it to *v; *ret_parent: its parent, if any. */
static int delete_row(berth_images *im, const berth_digest *id, removed_image **v, size_t *n,
                      bool *ret_has_parent, berth_digest *ret_parent, berth_error *err)
{
        berth_image_rec rec = {0};
        berth_image_layer_rec *layers = NULL;
        size_t nl = 0;
        int r = berth_imagedb_get(im->db, id, &rec, &layers, &nl, err);
        if (r == 0)
                r = berth_imagedb_remove(im->db, id, err);
        if (r < 0) {
                berth_image_rec_clear(&rec);
                free(layers);
                return r;
        }
        *v = berth_xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = (removed_image){.id = *id,
                                       .has_manifest = rec.has_manifest,
                                       .manifest = rec.manifest,
                                       .layers = layers,
                                       .n = nl};
        *ret_has_parent = rec.has_parent;
        *ret_parent = rec.parent;
        berth_image_rec_clear(&rec);
        return 0;
}

/* Whether a parent goes with its last child (docker's pruning of untagged parents): no tag, no
 * repo digest, no other child, no snapshot. <0 on a database error. */
static int parent_prunable(berth_images *im, const berth_digest *id, berth_error *err)
{
        _cleanup_strv_ char **tags = NULL, **digests = NULL;
        int64_t children = 0, users = 0;
        int r;
        if ((r = berth_imagedb_tags_of(im->db, id, &tags, err)) < 0 ||
            (r = berth_imagedb_repo_digests_of(im->db, id, &digests, err)) < 0 ||
            (r = berth_imagedb_children(im->db, id, &children, err)) < 0 ||
            (r = berth_snapshot_image_users(im->db, id, &users, NULL, err)) < 0)
                return r;
        return !tags[0] && !digests[0] && children == 0 && users == 0;
}

int berth_images_remove(berth_images *im, const char *name, bool force, char ***ret_report,
                        berth_error *err)
{
        return berth_images_remove_flags(im, name, force ? BERTH_IMAGES_RM_FORCE : 0, ret_report,
                                         NULL, err);
}

int berth_images_remove_flags(berth_images *im, const char *name, unsigned flags,
                              char ***ret_report, uint64_t *ret_reclaimed, berth_error *err)
{
        bool force = flags & BERTH_IMAGES_RM_FORCE;
        _cleanup_strv_ char **report = berth_xmalloc0(sizeof(char *));
        berth_digest id;
        int r = berth_images_resolve(im, name, &id, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *tag = tag_of(name);
        _cleanup_strv_ char **tags = NULL;
        removed_image *gone = NULL;
        size_t ngone = 0;
        int64_t children = 0;
        if ((r = berth_db_begin(im->db, err)) < 0)
                return r;
        if ((r = berth_imagedb_tags_of(im->db, &id, &tags, err)) < 0 ||
            (r = berth_imagedb_children(im->db, &id, &children, err)) < 0)
                goto fail;
        bool by_tag = tag && berth_strv_contains(tags, tag);
        size_t ntags = berth_strv_length(tags);
        if (!by_tag && children > 0) {
                r = berth_errx(err, EBUSY,
                               "conflict: unable to delete %.12s (cannot be forced) - image has "
                               "dependent child images",
                               berth_digest_hex(&id));
                goto fail;
        }
        if (!by_tag && ntags > 1 && !force) {
                r = berth_errx(err, EBUSY,
                               "conflict: unable to delete %.12s (must be forced) - image is "
                               "referenced in multiple repositories",
                               berth_digest_hex(&id));
                goto fail;
        }
        if (!force && !(by_tag && ntags > 1) && (r = refuse_in_use(im, name, by_tag, &id, err)) < 0)
                goto fail;
        if (by_tag && (ntags > 1 || children > 0)) {
                /* Only the tag goes: the image keeps its other names, or stays as the parent of
                 * its children (an intermediate image, as docker leaves it). */
                if ((r = berth_imagedb_untag(im->db, tag, err)) < 0)
                        goto fail;
                if ((r = berth_db_commit(im->db, err)) < 0)
                        goto fail;
                _cleanup_free_ char *f = berth_ref_familiar_of(tag);
                _cleanup_free_ char *line = berth_xasprintf("Untagged: %s", f);
                berth_strv_push(&report, line);
                if (ret_reclaimed)
                        *ret_reclaimed = 0;
                *ret_report = TAKE_PTR(report);
                return 0;
        }
        bool has_parent;
        berth_digest parent;
        if ((r = delete_row(im, &id, &gone, &ngone, &has_parent, &parent, err)) < 0)
                goto fail;
        /* Up the chain: each untagged parent nothing else needs goes in the same transaction
         * (rows already gone cannot come back as a parent: no loop). */
        while (!(flags & BERTH_IMAGES_RM_NO_PRUNE) && has_parent) {
                berth_digest p = parent;
                if ((r = parent_prunable(im, &p, err)) < 0)
                        goto fail;
                if (r == 0)
                        break;
                if ((r = delete_row(im, &p, &gone, &ngone, &has_parent, &parent, err)) < 0)
                        goto fail;
        }
        if ((r = berth_db_commit(im->db, err)) < 0)
                goto fail;
        STRV_FOREACH (t, tags) {
                _cleanup_free_ char *f = berth_ref_familiar_of(*t);
                _cleanup_free_ char *line = berth_xasprintf("Untagged: %s", f);
                berth_strv_push(&report, line);
        }
        /* The rows are gone; the files wait for running writers (which may rely on them). */
        uint64_t reclaimed = 0;
        int lock = berth_images_collect_lock(im, true, NULL);
        for (size_t i = 0; i < ngone; i++) {
                _cleanup_free_ char *del = berth_xasprintf("Deleted: %s", gone[i].id.s);
                berth_strv_push(&report, del);
                if (lock >= 0)
                        drop_unused_files(im, gone, ngone, i, &report, &reclaimed);
        }
        berth_images_unlock(lock);
        removed_free(gone, ngone);
        if (ret_reclaimed)
                *ret_reclaimed = reclaimed;
        *ret_report = TAKE_PTR(report);
        return 0;
fail:
        berth_db_rollback(im->db);
        removed_free(gone, ngone);
        return r;
}

/* layers/l/<short> symlinks (snapshot mounts) whose layer is gone. */
static void remove_dangling_short_links(berth_images *im)
{
        int fd = openat(im->layers_fd, "l", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (d == NULL) {
                if (fd >= 0)
                        close(fd);
                return;
        }
        struct dirent *de;
        struct stat st;
        while ((de = readdir(d)) != NULL)
                if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &st, 0) < 0 &&
                    errno == ENOENT)
                        unlinkat(dirfd(d), de->d_name, 0);
        closedir(d);
}

int berth_images_gc(berth_images *im, uint64_t *ret_freed, berth_error *err)
{
        int lock = berth_images_collect_lock(im, true, err);
        if (lock < 0)
                return berth_wrap(err, "cannot collect garbage");
        int r = images_gc_locked(im, ret_freed, err);
        berth_images_unlock(lock);
        return r;
}

int images_gc_locked(berth_images *im, uint64_t *ret_freed, berth_error *err)
{
        uint64_t freed = 0;
        berth_digest *blobs = NULL;
        size_t n = 0;
        int r = berth_store_list_blobs(im->store, &blobs, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                int64_t users = 0;
                if (berth_imagedb_blob_users(im->db, &blobs[i], &users, err) < 0) {
                        free(blobs);
                        return -EIO;
                }
                if (users > 0)
                        continue;
                _cleanup_free_ char *p = berth_store_blob_path(im->store, &blobs[i], NULL);
                struct stat st;
                if (p && stat(p, &st) == 0)
                        freed += (uint64_t)st.st_size;
                berth_store_remove_blob(im->store, &blobs[i], NULL);
        }
        free(blobs);
        DIR *d = opendir(im->layers);
        struct dirent *de;
        while (d && (de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *s = berth_xasprintf("sha256:%s", de->d_name);
                berth_digest chain;
                if (berth_digest_parse(s, &chain, NULL) < 0)
                        continue;
                /* renamed away first: a crash mid-removal leaves a .tmp-*, never half a layer */
                if (!layer_in_use(im, &chain))
                        berth_layer_remove(im->layers_fd, &chain, NULL);
        }
        if (d)
                closedir(d);
        remove_dangling_short_links(im);
        if (ret_freed)
                *ret_freed = freed;
        return 0;
}
