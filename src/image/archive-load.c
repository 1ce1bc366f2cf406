/* SPDX-License-Identifier: Apache-2.0 */
/* `load`: docker-archive and OCI layout tars into the store. */
#include "archive-private.h"
#include "image/unpack.h"
#include "image-archive.h"
#include "layers.h"
#include "reference.h"
#include "snapshot.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "oci/image.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An image checked and unpacked, waiting to be registered. */
typedef struct {
        berth_digest id, manifest;
        berth_image_layer_rec *layers;
        size_t n_layers;
        char *created;
        int64_t size;
        char **tags; /* full references */
} loaded_image;

typedef struct {
        berth_images *im;
        archive_members t;
        berth_digest *new_layers; /* chain ids this load unpacked */
        size_t n_new_layers;
        loaded_image *imgs;
        size_t n_imgs;
} load_ctx;

static void loaded_images_free(load_ctx *c)
{
        for (size_t i = 0; i < c->n_imgs; i++) {
                free(c->imgs[i].layers);
                free(c->imgs[i].created);
                berth_strv_free(c->imgs[i].tags);
        }
        free(c->imgs);
        c->imgs = NULL;
        c->n_imgs = 0;
}

static loaded_image *find_image(load_ctx *c, const berth_digest *id)
{
        for (size_t i = 0; i < c->n_imgs; i++)
                if (berth_digest_equal(&c->imgs[i].id, id))
                        return &c->imgs[i];
        return NULL;
}

static void add_tag(loaded_image *img, const char *tag)
{
        if (!berth_strv_contains(img->tags, tag))
                berth_strv_push(&img->tags, tag);
}

static bool blob_is_new(const load_ctx *c, const berth_digest *d)
{
        for (size_t i = 0; i < c->t.n_added; i++)
                if (berth_digest_equal(&c->t.added[i], d))
                        return true;
        return false;
}

/*
 * Unpack the layers (blobs[i] holding diff_ids[i]) as a parent chain, each
 * checked against its diff id; those already there are not unpacked again
 * (a blob new to the store is still checked). Fills layers[] and *ret_size.
 */
static int unpack_layers(load_ctx *c, const oci_image_config *cfg, const berth_digest *blobs,
                         berth_image_layer_rec *layers, int64_t *ret_size, berth_error *err)
{
        berth_images *im = c->im;
        int64_t size = 0;
        for (size_t i = 0; i < cfg->n_diff_ids; i++) {
                const berth_digest *want = &cfg->diff_ids[i];
                const berth_digest *parent = i ? &layers[i - 1].chain_id : NULL;
                _cleanup_close_ int fd = -1;
                berth_digest chain, diff;
                uint64_t ignored;
                int r =
                    berth_store_open_blob(berth_images_store(im), &blobs[i], &fd, &ignored, err);
                if (r < 0)
                        return r;
                bool compressed = archive_blob_compressed(fd);
                if (!compressed && !berth_digest_equal(&blobs[i], want))
                        return berth_errx(err, EBADMSG,
                                          "layer %zu is %s, but the config's "
                                          "rootfs.diff_ids[%zu] is %s",
                                          i, blobs[i].s, i, want->s);
                berth_layer_chain_id(parent, want, &chain);
                if (berth_layer_exists(berth_images_layers_fd(im), &chain)) {
                        if (compressed && blob_is_new(c, &blobs[i])) {
                                if ((r = archive_blob_diff_id(berth_images_store(im), &blobs[i],
                                                              &diff, NULL, err)) < 0)
                                        return r;
                                if (!berth_digest_equal(&diff, want))
                                        return berth_errx(err, EBADMSG,
                                                          "layer %zu (%s) has diff id %s, but "
                                                          "the config's rootfs.diff_ids[%zu] "
                                                          "is %s",
                                                          i, blobs[i].s, diff.s, i, want->s);
                        }
                } else {
                        berth_unpack_opts uo = {0};
                        if ((r = berth_layer_add(berth_images_layers_fd(im), parent, fd, want, &uo,
                                                 &chain, &diff, err)) < 0)
                                return berth_wrap(err, "cannot unpack layer %zu (%s)", i,
                                                  blobs[i].s);
                        c->new_layers = berth_xrealloc(c->new_layers, (c->n_new_layers + 1) *
                                                                          sizeof(*c->new_layers));
                        c->new_layers[c->n_new_layers++] = chain;
                }
                layers[i] = (berth_image_layer_rec){
                    .chain_id = chain, .diff_id = *want, .has_blob = true, .blob = blobs[i]};
                size += berth_layer_size(berth_images_layers_fd(im), &chain);
        }
        *ret_size = size;
        return 0;
}

/* Read, verify and parse a stored config. */
static oci_image_config *read_config(berth_images *im, const berth_digest *id, berth_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (berth_store_read_blob(berth_images_store(im), id, BERTH_STORE_MANIFEST_MAX, &buf, &len,
                                  err) < 0)
                return NULL;
        return berth_oci_image_config_parse(buf, len, err);
}

/* The image in c->imgs for id, added with its layers if it is new. Takes nothing. */
static loaded_image *add_image(load_ctx *c, const berth_digest *id, const berth_digest *manifest,
                               const oci_image_config *cfg, berth_image_layer_rec *layers,
                               int64_t size)
{
        loaded_image *img = find_image(c, id);
        if (img)
                return img;
        c->imgs = berth_xrealloc(c->imgs, (c->n_imgs + 1) * sizeof(*c->imgs));
        img = &c->imgs[c->n_imgs++];
        *img = (loaded_image){
            .id = *id, .manifest = *manifest, .n_layers = cfg->n_diff_ids, .size = size};
        img->layers = berth_xmalloc0((cfg->n_diff_ids ? cfg->n_diff_ids : 1) * sizeof(*layers));
        memcpy(img->layers, layers, cfg->n_diff_ids * sizeof(*layers));
        img->created = berth_xstrdup(cfg->created ? cfg->created : "1970-01-01T00:00:00Z");
        return img;
}

/* A name from an archive as a full reference ("busybox" → "docker.io/library/busybox:latest"). */
static int full_tag(const char *name, const char *where, char **ret, berth_error *err)
{
        berth_ref ref = {0};
        if (berth_ref_parse(name, &ref, err) < 0)
                return berth_wrap(err, "%s", where);
        bool digest = ref.has_digest;
        *ret = berth_ref_string(&ref);
        berth_ref_clear(&ref);
        if (digest) {
                free(*ret);
                *ret = NULL;
                return berth_errx(err, EINVAL, "%s: '%s' is not a tag", where, name);
        }
        return 0;
}

static const char *layer_media_type(berth_images *im, const berth_digest *blob)
{
        _cleanup_close_ int fd = -1;
        uint64_t ignored;
        unsigned char m[4] = {0};
        if (berth_store_open_blob(berth_images_store(im), blob, &fd, &ignored, NULL) == 0 &&
            pread(fd, m, sizeof(m), 0) == 4) {
                if (m[0] == 0x1f && m[1] == 0x8b)
                        return BERTH_MT_OCI_LAYER_GZIP;
                if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
                        return BERTH_MT_OCI_LAYER_ZSTD;
        }
        return BERTH_MT_OCI_LAYER;
}

/* An OCI manifest for a docker-archive image, stored; its digest in *ret. */
static int make_manifest(load_ctx *c, const berth_digest *id, uint64_t cfg_size,
                         const berth_digest *blobs, const uint64_t *sizes, size_t n,
                         berth_digest *ret, berth_error *err)
{
        oci_descriptor *ld = berth_xmalloc0((n ? n : 1) * sizeof(*ld));
        for (size_t i = 0; i < n; i++)
                ld[i] = (oci_descriptor){.media_type = (char *)layer_media_type(c->im, &blobs[i]),
                                         .digest = blobs[i],
                                         .size = (int64_t)sizes[i]};
        oci_manifest m = {.schema_version = 2,
                          .media_type = (char *)BERTH_MT_OCI_MANIFEST,
                          .config = {.media_type = (char *)BERTH_MT_OCI_CONFIG,
                                     .digest = *id,
                                     .size = (int64_t)cfg_size},
                          .layers = ld,
                          .n_layers = n};
        size_t len;
        _cleanup_free_ char *json = berth_oci_manifest_to_json(&m, &len);
        free(ld);
        int r = berth_store_put_buf(berth_images_store(c->im), json, len, NULL, ret, err);
        if (r == 0)
                archive_note_blob(&c->t, ret);
        return r;
}

static int load_docker_entry(load_ctx *c, const docker_archive_entry *e, size_t idx,
                             berth_error *err)
{
        _cleanup_free_ berth_digest *blobs = NULL;
        _cleanup_free_ uint64_t *sizes = NULL;
        _cleanup_free_ berth_image_layer_rec *layers = NULL;
        oci_image_config *cfg = NULL;
        berth_digest id, manifest;
        uint64_t cfg_size;
        int64_t size = 0;
        size_t n = berth_strv_length(e->layers);
        int r = archive_member_blob(&c->t, e->config, NULL, &id, &cfg_size, err);
        if (r < 0)
                return berth_wrap(err, "manifest.json: [%zu].Config", idx);
        cfg = read_config(c->im, &id, err);
        if (cfg == NULL)
                return berth_wrap(err, "manifest.json: [%zu].Config '%s'", idx, e->config);
        if (cfg->n_diff_ids != n) {
                r = berth_errx(err, EINVAL,
                               "manifest.json: [%zu] lists %zu layers, but its config has %zu "
                               "diff ids",
                               idx, n, cfg->n_diff_ids);
                goto out;
        }
        blobs = berth_xmalloc0((n ? n : 1) * sizeof(*blobs));
        sizes = berth_xmalloc0((n ? n : 1) * sizeof(*sizes));
        layers = berth_xmalloc0((n ? n : 1) * sizeof(*layers));
        for (size_t i = 0; i < n; i++)
                if ((r = archive_member_blob(&c->t, e->layers[i], NULL, &blobs[i], &sizes[i],
                                             err)) < 0) {
                        berth_wrap(err, "manifest.json: [%zu].Layers[%zu]", idx, i);
                        goto out;
                }
        if ((r = unpack_layers(c, cfg, blobs, layers, &size, err)) < 0) {
                berth_wrap(err, "image %s", id.s);
                goto out;
        }
        if ((r = make_manifest(c, &id, cfg_size, blobs, sizes, n, &manifest, err)) < 0)
                goto out;
        loaded_image *img = add_image(c, &id, &manifest, cfg, layers, size);
        for (size_t i = 0; e->repo_tags && e->repo_tags[i]; i++) {
                _cleanup_free_ char *tag = NULL;
                char where[64];
                snprintf(where, sizeof(where), "manifest.json: [%zu].RepoTags[%zu]", idx, i);
                if ((r = full_tag(e->repo_tags[i], where, &tag, err)) < 0)
                        goto out;
                add_tag(img, tag);
        }
out:
        berth_oci_image_config_free(cfg);
        return r;
}

static int load_docker(load_ctx *c, const archive_member *mj, berth_error *err)
{
        docker_archive_manifest *m = berth_docker_archive_manifest_parse(mj->data, mj->len, err);
        if (m == NULL)
                return berth_str_has_prefix(err->msg, "manifest.json")
                           ? -err->code
                           : berth_wrap(err, "manifest.json");
        int r = 0;
        if (m->n_entries == 0)
                r = berth_errx(err, EINVAL, "manifest.json lists no images");
        for (size_t i = 0; i < m->n_entries && r == 0; i++)
                r = load_docker_entry(c, &m->entries[i], i, err);
        berth_docker_archive_manifest_free(m);
        return r;
}

/* A blob named by a descriptor: from the archive, checked, read into memory. */
static int read_desc(load_ctx *c, const oci_descriptor *d, char **ret, size_t *ret_len,
                     berth_error *err)
{
        _cleanup_free_ char *path =
            berth_xasprintf("blobs/sha256/%s", berth_digest_hex(&d->digest));
        uint64_t size;
        int r = archive_member_blob(&c->t, path, &d->digest, NULL, &size, err);
        if (r < 0)
                return r;
        if (size != (uint64_t)d->size)
                return berth_errx(err, EBADMSG, "blob %s is %llu bytes, its descriptor says %lld",
                                  d->digest.s, (unsigned long long)size, (long long)d->size);
        return berth_store_read_blob(berth_images_store(c->im), &d->digest,
                                     BERTH_STORE_MANIFEST_MAX, ret, ret_len, err);
}

static int load_oci_manifest(load_ctx *c, const oci_descriptor *d, berth_digest *ret_id,
                             berth_error *err)
{
        _cleanup_free_ char *mbuf = NULL, *cbuf = NULL;
        _cleanup_free_ berth_digest *blobs = NULL;
        _cleanup_free_ berth_image_layer_rec *layers = NULL;
        oci_manifest *m = NULL;
        oci_image_config *cfg = NULL;
        size_t mlen, clen;
        int64_t size = 0;
        int r = read_desc(c, d, &mbuf, &mlen, err);
        if (r < 0)
                return r;
        if ((m = berth_oci_manifest_parse(mbuf, mlen, d->media_type, err)) == NULL)
                return berth_wrap(err, "manifest %s", d->digest.s);
        if ((r = read_desc(c, &m->config, &cbuf, &clen, err)) < 0)
                goto out;
        if ((cfg = berth_oci_image_config_parse(cbuf, clen, err)) == NULL) {
                r = berth_wrap(err, "config %s", m->config.digest.s);
                goto out;
        }
        if ((r = berth_oci_image_check(m, cfg, err)) < 0) {
                berth_wrap(err, "manifest %s", d->digest.s);
                goto out;
        }
        blobs = berth_xmalloc0((m->n_layers ? m->n_layers : 1) * sizeof(*blobs));
        layers = berth_xmalloc0((m->n_layers ? m->n_layers : 1) * sizeof(*layers));
        for (size_t i = 0; i < m->n_layers; i++) {
                _cleanup_free_ char *path =
                    berth_xasprintf("blobs/sha256/%s", berth_digest_hex(&m->layers[i].digest));
                uint64_t lsize;
                if ((r = archive_member_blob(&c->t, path, &m->layers[i].digest, &blobs[i], &lsize,
                                             err)) < 0)
                        goto out;
                if (lsize != (uint64_t)m->layers[i].size) {
                        r = berth_errx(err, EBADMSG,
                                       "layer %s is %llu bytes, the manifest says %lld", blobs[i].s,
                                       (unsigned long long)lsize, (long long)m->layers[i].size);
                        goto out;
                }
        }
        if ((r = unpack_layers(c, cfg, blobs, layers, &size, err)) < 0) {
                berth_wrap(err, "image %s", m->config.digest.s);
                goto out;
        }
        add_image(c, &m->config.digest, &d->digest, cfg, layers, size);
        *ret_id = m->config.digest;
out:
        berth_oci_image_config_free(cfg);
        berth_oci_manifest_free(m);
        return r;
}

static const char *annotation(const oci_descriptor *d, const char *key)
{
        for (size_t i = 0; i < d->n_annotations; i++)
                if (strcmp(d->annotations[i].key, key) == 0)
                        return d->annotations[i].value;
        return NULL;
}

/* The name an index entry gives its image: containerd's full name, else an OCI ref name
 * that is a whole reference (a bare "latest" names no repository). */
static int entry_name(const oci_descriptor *d, size_t idx, char **ret, berth_error *err)
{
        const char *n = annotation(d, "io.containerd.image.name");
        if (n == NULL) {
                n = annotation(d, "org.opencontainers.image.ref.name");
                if (n && strpbrk(n, ":/@") == NULL)
                        n = NULL;
        }
        *ret = NULL;
        if (n == NULL)
                return 0;
        char where[64];
        snprintf(where, sizeof(where), "index.json: manifests[%zu]", idx);
        return full_tag(n, where, ret, err);
}

static bool other_platform(const oci_descriptor *d)
{
        const char *os, *arch, *variant;
        berth_host_platform(&os, &arch, &variant);
        return d->platform && d->platform->os && d->platform->architecture &&
               (strcmp(d->platform->os, os) != 0 || strcmp(d->platform->architecture, arch) != 0);
}

static int load_oci_entry(load_ctx *c, const oci_descriptor *d, size_t idx, berth_error *err)
{
        _cleanup_free_ char *name = NULL, *buf = NULL;
        oci_index *sub = NULL;
        berth_digest id;
        size_t len;
        int r = entry_name(d, idx, &name, err);
        if (r < 0)
                return r;
        if (berth_mt_is_index(d->media_type)) {
                const char *os, *arch, *variant;
                berth_host_platform(&os, &arch, &variant);
                if ((r = read_desc(c, d, &buf, &len, err)) < 0)
                        goto out;
                if ((sub = berth_oci_index_parse(buf, len, d->media_type, err)) == NULL) {
                        r = berth_wrap(err, "index %s", d->digest.s);
                        goto out;
                }
                const oci_descriptor *pick = berth_oci_index_select(sub, os, arch, variant, err);
                if (pick == NULL) {
                        r = berth_wrap(err, "index %s", d->digest.s);
                        goto out;
                }
                r = load_oci_manifest(c, pick, &id, err);
        } else if (berth_mt_is_manifest(d->media_type)) {
                r = load_oci_manifest(c, d, &id, err);
        } else {
                r = berth_errx(err, ENOTSUP, "index.json: manifests[%zu]: '%s' is not an image",
                               idx, d->media_type);
        }
        if (r == 0 && name)
                add_tag(find_image(c, &id), name);
out:
        berth_oci_index_free(sub);
        return r;
}

static int load_oci(load_ctx *c, const archive_member *ij, berth_error *err)
{
        const archive_member *lay = archive_lookup(&c->t, "oci-layout");
        if (lay == NULL || lay->data == NULL)
                return berth_errx(err, EINVAL, "not an OCI image layout: oci-layout is missing");
        json_error_t je;
        json_t *j = json_loadb(lay->data, lay->len, 0, &je);
        const char *v = json_string_value(json_object_get(j, "imageLayoutVersion"));
        bool ok = v && berth_str_has_prefix(v, "1.");
        json_decref(j);
        if (!ok)
                return berth_errx(err, EINVAL, "oci-layout: unsupported imageLayoutVersion");
        if (ij->data == NULL)
                return berth_errx(err, EFBIG, "index.json is too large");
        oci_index *ix = berth_oci_index_parse(ij->data, ij->len, BERTH_MT_OCI_INDEX, err);
        if (ix == NULL)
                return berth_wrap(err, "index.json");
        int r = 0;
        for (size_t i = 0; i < ix->n_manifests && r == 0; i++)
                if (!other_platform(&ix->manifests[i]))
                        r = load_oci_entry(c, &ix->manifests[i], i, err);
        if (r == 0 && c->n_imgs == 0)
                r = berth_errx(err, EINVAL, "index.json lists no image for this platform");
        berth_oci_index_free(ix);
        return r;
}

/* Register one image and its tags (one transaction); docker's lines into *lines. */
static int register_image(load_ctx *c, const loaded_image *img, char ***lines, berth_error *err)
{
        size_t n_tags = berth_strv_length(img->tags);
        _cleanup_free_ berth_digest *prev = berth_xmalloc0((n_tags + 1) * sizeof(*prev));
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        berth_image_rec rec = {.id = img->id,
                               .has_manifest = true,
                               .manifest = img->manifest,
                               .has_top_layer = img->n_layers > 0,
                               .created = img->created,
                               .size = img->size,
                               .added = ts.tv_sec};
        if (img->n_layers)
                rec.top_layer = img->layers[img->n_layers - 1].chain_id;
        int r = berth_images_register(c->im, &rec, img->layers, img->n_layers, img->tags, NULL,
                                      prev, NULL, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_tags; i++) {
                _cleanup_free_ char *fam = berth_ref_familiar_of(img->tags[i]);
                if (prev[i].s[0] && !berth_digest_equal(&prev[i], &img->id)) {
                        _cleanup_free_ char *l = berth_xasprintf(
                            "The image %s already exists, renaming the old one with ID %s to "
                            "empty string",
                            fam, prev[i].s);
                        berth_strv_push(lines, l);
                }
                _cleanup_free_ char *l = berth_xasprintf("Loaded image: %s", fam);
                berth_strv_push(lines, l);
        }
        if (n_tags == 0) {
                _cleanup_free_ char *l = berth_xasprintf("Loaded image ID: %s", img->id.s);
                berth_strv_push(lines, l);
        }
        return 0;
}

/*
 * Drop what this load added that no image uses (all of it, after a failure).
 * Removing is collecting: it takes the collect lock, and only when no other
 * writer is running (one may have come to rely on what we added); else the
 * next gc does it.
 */
static void drop_unused(load_ctx *c)
{
        berth_images *im = c->im;
        int64_t users, snaps;
        if (c->n_new_layers == 0 && c->t.n_added == 0)
                return;
        _cleanup_(berth_store_unlockp) int lock = berth_images_collect_lock(im, false, NULL);
        if (lock < 0)
                return;
        for (size_t i = c->n_new_layers; i-- > 0;)
                if (berth_imagedb_layer_users(berth_images_db(im), &c->new_layers[i], &users,
                                              NULL) == 0 &&
                    users == 0 &&
                    berth_snapshot_layer_users(berth_images_db(im), &c->new_layers[i], &snaps,
                                               NULL) == 0 &&
                    snaps == 0)
                        berth_layer_remove(berth_images_layers_fd(im), &c->new_layers[i], NULL);
        for (size_t i = 0; i < c->t.n_added; i++)
                if (berth_imagedb_blob_users(berth_images_db(im), &c->t.added[i], &users, NULL) ==
                        0 &&
                    users == 0)
                        berth_store_remove_blob(berth_images_store(im), &c->t.added[i], NULL);
}

int berth_images_load(berth_images *im, int fd, char ***ret_loaded, berth_error *err)
{
        if (berth_libarchive_load(err) < 0)
                return -err->code;
        load_ctx c = {.im = im, .t = {.store = berth_images_store(im)}};
        /* From the first blob until the images are registered: gc must wait. (The
         * archive is read in one pass, its blobs committed as they come.) */
        int lock = berth_images_writer_lock(im, err);
        if (lock < 0)
                return lock;
        char **lines = berth_xmalloc0(sizeof(char *));
        int r = archive_members_read(&c.t, fd, err);
        if (r < 0) {
                berth_wrap(err, "cannot read the archive");
        } else {
                const archive_member *mj = archive_lookup(&c.t, "manifest.json");
                const archive_member *ij = archive_lookup(&c.t, "index.json");
                if (mj && mj->data == NULL)
                        r = berth_errx(err, EFBIG, "manifest.json is too large");
                else if (mj)
                        r = load_docker(&c, mj, err);
                else if (ij)
                        r = load_oci(&c, ij, err);
                else
                        r = berth_errx(err, EINVAL,
                                       "not an image archive: it has neither manifest.json nor "
                                       "index.json");
                if (r < 0)
                        berth_wrap(err, "cannot load the archive");
        }
        for (size_t i = 0; i < c.n_imgs && r == 0; i++)
                r = register_image(&c, &c.imgs[i], &lines, err);
        berth_images_unlock(lock);
        drop_unused(&c);
        archive_members_clear(&c.t);
        free(c.new_layers);
        loaded_images_free(&c);
        if (r < 0) {
                berth_strv_free(lines);
                return r;
        }
        *ret_loaded = lines;
        return 0;
}
