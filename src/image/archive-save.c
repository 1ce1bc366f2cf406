/* SPDX-License-Identifier: Apache-2.0 */
/* `save`: images out of the store as a docker-archive or an oci-archive tar. */
#include "archive-private.h"
#include "image/unpack.h"
#include "image-archive.h"
#include "layers.h"
#include "pack.h"
#include "reference.h"
#include "unpack-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "oci/image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHUNK (128 * 1024)

/* One image to save and the tags to save it with (full references). */
typedef struct {
        berth_digest id;
        char **tags;
} save_item;

typedef struct {
        berth_images *im;
        struct archive *a;
        save_item *items;
        size_t n_items;
        char **written; /* archive paths already written (shared layers, blobs) */
} save_ctx;

static void save_ctx_clear(save_ctx *s)
{
        for (size_t i = 0; i < s->n_items; i++)
                berth_strv_free(s->items[i].tags);
        free(s->items);
        berth_strv_free(s->written);
        if (s->a)
                archive_write_free(s->a);
}

static save_item *item_for(save_ctx *s, const berth_digest *id)
{
        for (size_t i = 0; i < s->n_items; i++)
                if (berth_digest_equal(&s->items[i].id, id))
                        return &s->items[i];
        s->items = berth_xrealloc(s->items, (s->n_items + 1) * sizeof(*s->items));
        s->items[s->n_items] = (save_item){.id = *id};
        return &s->items[s->n_items++];
}

static void item_tag(save_item *it, const char *tag)
{
        if (tag && !berth_strv_contains(it->tags, tag))
                berth_strv_push(&it->tags, tag);
}

/*
 * Resolve names as docker save does: "repo:tag" → that image with that tag;
 * a repository alone ("busybox", no tag) → every tag of it; an id or id
 * prefix → the image without tags.
 */
static int resolve_names(save_ctx *s, char *const *names, berth_error *err)
{
        berth_image_summary *all = NULL;
        size_t n_all = 0;
        int r = 0;
        for (size_t i = 0; names[i] && r == 0; i++) {
                const char *name = names[i];
                berth_ref ref = {0};
                berth_digest id;
                if (berth_ref_parse(name, &ref, NULL) == 0 && !ref.has_digest) {
                        const char *last = strrchr(name, '/');
                        bool name_only = strchr(last ? last : name, ':') == NULL;
                        _cleanup_free_ char *full = berth_ref_string(&ref);
                        _cleanup_free_ char *repo = berth_ref_name(&ref);
                        berth_ref_clear(&ref);
                        if (name_only) {
                                if (all == NULL &&
                                    (r = berth_images_list(s->im, &all, &n_all, err)) < 0)
                                        break;
                                bool found = false;
                                for (size_t j = 0; j < n_all; j++)
                                        STRV_FOREACH (t, all[j].tags) {
                                                size_t rl = strlen(repo);
                                                if (strncmp(*t, repo, rl) == 0 && (*t)[rl] == ':') {
                                                        item_tag(item_for(s, &all[j].rec.id), *t);
                                                        found = true;
                                                }
                                        }
                                if (found)
                                        continue;
                        } else if (berth_imagedb_resolve_tag(berth_images_db(s->im), full, &id,
                                                             NULL) == 0) {
                                item_tag(item_for(s, &id), full);
                                continue;
                        }
                }
                berth_ref_clear(&ref);
                if ((r = berth_images_resolve(s->im, name, &id, err)) < 0)
                        break;
                item_for(s, &id);
        }
        berth_image_summaries_free(all, n_all);
        return r;
}

static int write_fail(save_ctx *s, berth_error *err)
{
        int e = archive_errno(s->a);
        const char *m = archive_error_string(s->a);
        return berth_errx(err, e > 0 ? e : EIO, "cannot write the archive: %s",
                          m ? m : "unknown error");
}

static bool written(save_ctx *s, const char *path)
{
        if (berth_strv_contains(s->written, path))
                return true;
        berth_strv_push(&s->written, path);
        return false;
}

static int write_header(save_ctx *s, const char *path, mode_t type, mode_t mode, int64_t size,
                        int64_t mtime, berth_error *err)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, mode);
        archive_entry_set_size(e, type == AE_IFREG ? size : 0);
        archive_entry_set_mtime(e, mtime, 0);
        int r = archive_write_header(s->a, e);
        archive_entry_free(e);
        return r < ARCHIVE_WARN ? write_fail(s, err) : 0;
}

static int write_data(save_ctx *s, const void *buf, size_t len, berth_error *err)
{
        const char *p = buf;
        while (len > 0) {
                la_ssize_t n = archive_write_data(s->a, p, len);
                if (n <= 0)
                        return write_fail(s, err);
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

static int write_dir(save_ctx *s, const char *path, int64_t mtime, berth_error *err)
{
        if (written(s, path))
                return 0;
        return write_header(s, path, AE_IFDIR, 0755, 0, mtime, err);
}

static int write_buf(save_ctx *s, const char *path, const void *buf, size_t len, int64_t mtime,
                     berth_error *err)
{
        int r = write_header(s, path, AE_IFREG, 0644, (int64_t)len, mtime, err);
        return r < 0 ? r : write_data(s, buf, len, err);
}

/* Copy exactly size bytes of fd into the current entry. */
static int write_fd(save_ctx *s, int fd, uint64_t size, const char *what, berth_error *err)
{
        _cleanup_free_ char *buf = berth_xmalloc0(CHUNK);
        while (size > 0) {
                ssize_t n = read(fd, buf, size < CHUNK ? (size_t)size : CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "cannot read %s", what);
                if (n == 0)
                        return berth_errx(err, EIO, "%s is shorter than it was", what);
                int r = write_data(s, buf, (size_t)n, err);
                if (r < 0)
                        return r;
                size -= (uint64_t)n;
        }
        return 0;
}

/* A stored blob as blobs/sha256/<hex> (once). */
static int write_blob(save_ctx *s, const berth_digest *d, int64_t mtime, berth_error *err)
{
        _cleanup_free_ char *path = berth_xasprintf("blobs/sha256/%s", berth_digest_hex(d));
        if (written(s, path))
                return 0;
        _cleanup_close_ int fd = -1;
        uint64_t size;
        int r = berth_store_open_blob(berth_images_store(s->im), d, &fd, &size, err);
        if (r < 0)
                return r;
        if ((r = write_header(s, path, AE_IFREG, 0644, (int64_t)size, mtime, err)) < 0)
                return r;
        return write_fd(s, fd, size, d->s, err);
}

static void source_freep(unpack_source **p)
{
        unpack_source_free(*p);
}

/* A compressed layer blob, decompressed into the current entry (size bytes, checked). */
static int write_decompressed(save_ctx *s, int fd, uint64_t size, const berth_digest *diff_id,
                              berth_error *err)
{
        _cleanup_(source_freep) unpack_source *src = NULL;
        int r = unpack_source_new(fd, &src, err);
        if (r < 0)
                return r;
        for (;;) {
                const void *buf;
                ssize_t n = unpack_source_read(src, &buf, err);
                if (n < 0)
                        return n;
                if (n == 0)
                        break;
                if (unpack_source_total(src) > size)
                        return berth_errx(err, EIO, "layer %s changed while it was saved",
                                          diff_id->s);
                if ((r = write_data(s, buf, (size_t)n, err)) < 0)
                        return r;
        }
        berth_digest got;
        unpack_source_digest(src, &got);
        if (unpack_source_total(src) != size || !berth_digest_equal(&got, diff_id))
                return berth_errx(err, EIO, "layer %s changed while it was saved", diff_id->s);
        return 0;
}

/* A layer without its blob: packed again from its directory into an unlinked temp file. */
static int pack_layer(save_ctx *s, const berth_image_layer_rec *l, int *ret_fd, uint64_t *ret_size,
                      berth_error *err)
{
        _cleanup_free_ char *diff =
            berth_layer_diff_path(berth_images_layers_dir(s->im), &l->chain_id);
        _cleanup_free_ char *tmpdir =
            berth_xasprintf("%s/tmp", berth_store_root(berth_images_store(s->im)));
        _cleanup_close_ int dfd = open(diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = -1;
        berth_digest got;
        uint64_t size;
        if (dfd < 0)
                return berth_err(err, errno, "layer %s has no blob and no directory", l->diff_id.s);
        fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0)
                return berth_err(err, errno, "cannot make a temp file in '%s'", tmpdir);
        int r = berth_pack_diff(dfd, fd, &got, &size, err);
        if (r < 0)
                return r;
        if (!berth_digest_equal(&got, &l->diff_id))
                return berth_errx(err, EIO,
                                  "layer %s has no blob, and its directory packs to %s instead",
                                  l->diff_id.s, got.s);
        if (lseek(fd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "cannot rewind the packed layer");
        *ret_fd = TAKE_FD(fd);
        *ret_size = size;
        return 0;
}

/* "<dir>/layer.tar": the uncompressed layer. */
static int write_layer_tar(save_ctx *s, const char *path, const berth_image_layer_rec *l,
                           int64_t mtime, berth_error *err)
{
        berth_store *st = berth_images_store(s->im);
        _cleanup_close_ int fd = -1;
        uint64_t size;
        int r;
        if (!l->has_blob || !berth_store_has(st, &l->blob)) {
                if ((r = pack_layer(s, l, &fd, &size, err)) < 0)
                        return r;
                if ((r = write_header(s, path, AE_IFREG, 0644, (int64_t)size, mtime, err)) < 0)
                        return r;
                return write_fd(s, fd, size, l->diff_id.s, err);
        }
        if ((r = berth_store_open_blob(st, &l->blob, &fd, &size, err)) < 0)
                return r;
        if (!archive_blob_compressed(fd)) {
                if (!berth_digest_equal(&l->blob, &l->diff_id))
                        return berth_errx(err, EBADMSG, "layer blob %s is not layer %s", l->blob.s,
                                          l->diff_id.s);
                if ((r = write_header(s, path, AE_IFREG, 0644, (int64_t)size, mtime, err)) < 0)
                        return r;
                return write_fd(s, fd, size, l->blob.s, err);
        }
        /* A tar header needs the size first: one pass to learn it (and check the diff id). */
        berth_digest diff;
        if ((r = archive_blob_diff_id(st, &l->blob, &diff, &size, err)) < 0)
                return r;
        if (!berth_digest_equal(&diff, &l->diff_id))
                return berth_errx(err, EBADMSG, "layer blob %s decompresses to %s, not %s",
                                  l->blob.s, diff.s, l->diff_id.s);
        if ((r = write_header(s, path, AE_IFREG, 0644, (int64_t)size, mtime, err)) < 0)
                return r;
        return write_decompressed(s, fd, size, &l->diff_id, err);
}

static int64_t created_time(const berth_image_rec *rec)
{
        int64_t sec;
        int32_t nsec;
        if (rec->created && berth_rfc3339_parse(rec->created, &sec, &nsec) == 0 && sec > 0)
                return sec;
        return 0;
}

/* One image of a docker-archive: its layers and config; its manifest.json entry into *e. */
static int save_docker_image(save_ctx *s, const save_item *it, docker_archive_entry *e,
                             docker_archive_repositories *repos, berth_error *err)
{
        berth_db *db = berth_images_db(s->im);
        berth_image_rec rec = {0};
        berth_image_layer_rec *layers = NULL;
        size_t n = 0;
        _cleanup_free_ char *cfg = NULL;
        size_t cfg_len;
        char parent[65] = "";
        int r = berth_imagedb_get(db, &it->id, &rec, &layers, &n, err);
        if (r < 0)
                return r;
        int64_t mtime = created_time(&rec);
        for (size_t i = 0; i < n; i++) {
                /* The legacy v1 id of a layer: from its chain and its parent's v1 id. */
                _cleanup_free_ char *seed = berth_xasprintf("%s %s", parent, layers[i].chain_id.s);
                berth_digest v1;
                berth_digest_of(seed, strlen(seed), &v1);
                const char *hex = berth_digest_hex(&v1);
                _cleanup_free_ char *dir = berth_xasprintf("%s/", hex);
                _cleanup_free_ char *tar = berth_xasprintf("%s/layer.tar", hex);
                berth_strv_push(&e->layers, tar);
                if (!written(s, tar)) {
                        _cleanup_free_ char *ver = berth_xasprintf("%s/VERSION", hex);
                        _cleanup_free_ char *js = berth_xasprintf("%s/json", hex);
                        _cleanup_free_ char *meta = berth_xasprintf(
                            "{\"id\":\"%s\",%s%s%s\"created\":\"1970-01-01T00:00:00Z\","
                            "\"container_config\":{}}",
                            hex, *parent ? "\"parent\":\"" : "", parent, *parent ? "\"," : "");
                        if ((r = write_dir(s, dir, mtime, err)) < 0 ||
                            (r = write_buf(s, ver, "1.0", 3, mtime, err)) < 0 ||
                            (r = write_buf(s, js, meta, strlen(meta), mtime, err)) < 0 ||
                            (r = write_layer_tar(s, tar, &layers[i], mtime, err)) < 0) {
                                berth_wrap(err, "layer %s of image %s", layers[i].diff_id.s,
                                           it->id.s);
                                goto out;
                        }
                }
                memcpy(parent, hex, sizeof(parent));
        }
        if ((r = berth_store_read_blob(berth_images_store(s->im), &it->id, BERTH_STORE_MANIFEST_MAX,
                                       &cfg, &cfg_len, err)) < 0)
                goto out;
        e->config = berth_xasprintf("%s.json", berth_digest_hex(&it->id));
        if (!written(s, e->config) && (r = write_buf(s, e->config, cfg, cfg_len, mtime, err)) < 0)
                goto out;
        STRV_FOREACH (t, it->tags) {
                _cleanup_free_ char *f = berth_ref_familiar_of(*t);
                berth_strv_push(&e->repo_tags, f);
                char *colon = strrchr(f, ':');
                if (colon == NULL || n == 0)
                        continue;
                *colon = '\0';
                repos->tags =
                    berth_xrealloc(repos->tags, (repos->n_tags + 1) * sizeof(*repos->tags));
                repos->tags[repos->n_tags++] =
                    (docker_archive_repo_tag){.repo = berth_xstrdup(f),
                                              .tag = berth_xstrdup(colon + 1),
                                              .layer = berth_xstrdup(parent)};
        }
out:
        berth_image_rec_clear(&rec);
        free(layers);
        return r;
}

static int save_docker(save_ctx *s, berth_error *err)
{
        docker_archive_manifest m = {.entries = berth_xmalloc0(s->n_items * sizeof(*m.entries)),
                                     .n_entries = s->n_items};
        docker_archive_repositories repos = {0};
        int r = 0;
        for (size_t i = 0; i < s->n_items && r == 0; i++)
                r = save_docker_image(s, &s->items[i], &m.entries[i], &repos, err);
        if (r == 0) {
                size_t len;
                _cleanup_free_ char *mj = berth_docker_archive_manifest_to_json(&m, &len);
                r = write_buf(s, "manifest.json", mj, len, 0, err);
        }
        if (r == 0 && repos.n_tags > 0) {
                size_t len;
                _cleanup_free_ char *rj = berth_docker_archive_repositories_to_json(&repos, &len);
                r = write_buf(s, "repositories", rj, len, 0, err);
        }
        for (size_t i = 0; i < m.n_entries; i++) {
                free(m.entries[i].config);
                berth_strv_free(m.entries[i].repo_tags);
                berth_strv_free(m.entries[i].layers);
        }
        free(m.entries);
        for (size_t i = 0; i < repos.n_tags; i++) {
                free(repos.tags[i].repo);
                free(repos.tags[i].tag);
                free(repos.tags[i].layer);
        }
        free(repos.tags);
        return r;
}

/* One image of an oci-archive: its manifest, config and layer blobs; index entries into ix. */
static int save_oci_image(save_ctx *s, const save_item *it, oci_index *ix, berth_error *err)
{
        berth_store *st = berth_images_store(s->im);
        berth_image_rec rec = {0};
        _cleanup_free_ char *buf = NULL;
        oci_manifest *m = NULL;
        size_t len;
        int r = berth_imagedb_get(berth_images_db(s->im), &it->id, &rec, NULL, NULL, err);
        if (r < 0)
                return r;
        int64_t mtime = created_time(&rec);
        if (!rec.has_manifest) {
                r = berth_errx(err, ENOTSUP, "image %s has no manifest to save", it->id.s);
                goto out;
        }
        if ((r = berth_store_read_blob(st, &rec.manifest, BERTH_STORE_MANIFEST_MAX, &buf, &len,
                                       err)) < 0)
                goto out;
        if ((m = berth_oci_manifest_parse(buf, len, NULL, err)) == NULL) {
                r = berth_wrap(err, "manifest %s", rec.manifest.s);
                goto out;
        }
        for (size_t i = 0; i < m->n_layers && r == 0; i++)
                r = write_blob(s, &m->layers[i].digest, mtime, err);
        if (r == 0)
                r = write_blob(s, &m->config.digest, mtime, err);
        if (r == 0)
                r = write_blob(s, &rec.manifest, mtime, err);
        if (r < 0) {
                berth_wrap(err, "image %s", it->id.s);
                goto out;
        }
        size_t ntags = berth_strv_length(it->tags);
        for (size_t i = 0; i < (ntags ? ntags : 1); i++) {
                ix->manifests =
                    berth_xrealloc(ix->manifests, (ix->n_manifests + 1) * sizeof(*ix->manifests));
                oci_descriptor *d = &ix->manifests[ix->n_manifests++];
                *d = (oci_descriptor){.media_type = berth_xstrdup(
                                          m->media_type ? m->media_type : BERTH_MT_OCI_MANIFEST),
                                      .digest = rec.manifest,
                                      .size = (int64_t)len};
                if (ntags == 0)
                        continue;
                berth_ref ref = {0};
                d->annotations = berth_xmalloc0(2 * sizeof(oci_kv));
                d->n_annotations = 2;
                d->annotations[0].key = berth_xstrdup("io.containerd.image.name");
                d->annotations[0].value = berth_xstrdup(it->tags[i]);
                d->annotations[1].key = berth_xstrdup("org.opencontainers.image.ref.name");
                d->annotations[1].value = berth_xstrdup(
                    berth_ref_parse(it->tags[i], &ref, NULL) == 0 && ref.tag ? ref.tag : "latest");
                berth_ref_clear(&ref);
        }
out:
        berth_oci_manifest_free(m);
        berth_image_rec_clear(&rec);
        return r;
}

static int save_oci(save_ctx *s, berth_error *err)
{
        static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
        oci_index ix = {.schema_version = 2, .media_type = (char *)BERTH_MT_OCI_INDEX};
        int r = write_buf(s, "oci-layout", layout, strlen(layout), 0, err);
        if (r == 0)
                r = write_dir(s, "blobs/", 0, err);
        if (r == 0)
                r = write_dir(s, "blobs/sha256/", 0, err);
        for (size_t i = 0; i < s->n_items && r == 0; i++)
                r = save_oci_image(s, &s->items[i], &ix, err);
        if (r == 0) {
                size_t len;
                _cleanup_free_ char *j = berth_oci_index_to_json(&ix, &len);
                r = write_buf(s, "index.json", j, len, 0, err);
        }
        for (size_t i = 0; i < ix.n_manifests; i++) {
                oci_descriptor *d = &ix.manifests[i];
                free(d->media_type);
                for (size_t k = 0; k < d->n_annotations; k++) {
                        free(d->annotations[k].key);
                        free(d->annotations[k].value);
                }
                free(d->annotations);
        }
        free(ix.manifests);
        return r;
}

int berth_images_save(berth_images *im, char *const *names, enum berth_archive_format fmt,
                      int out_fd, berth_error *err)
{
        save_ctx s = {.im = im};
        int r = 0;
        if (names == NULL || names[0] == NULL)
                return berth_errx(err, EINVAL, "no image to save");
        if (berth_libarchive_load(err) < 0)
                return -err->code;

        if ((r = resolve_names(&s, names, err)) < 0)
                goto out;
        s.a = archive_write_new();
        if (s.a == NULL) {
                r = berth_errx(err, ENOMEM, "cannot start writing the archive");
                goto out;
        }
        archive_write_set_format_pax_restricted(s.a);
        archive_write_set_bytes_in_last_block(s.a, 1);
        if (archive_write_open_fd(s.a, out_fd) != ARCHIVE_OK) {
                r = write_fail(&s, err);
                goto out;
        }
        r = fmt == BERTH_ARCHIVE_OCI ? save_oci(&s, err) : save_docker(&s, err);
        if (r == 0 && archive_write_close(s.a) != ARCHIVE_OK)
                r = write_fail(&s, err);
out:
        save_ctx_clear(&s);
        return r;
}
