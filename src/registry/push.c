/* SPDX-License-Identifier: Apache-2.0 */
/* push: an image's layer blobs (as stored), its config and its manifest to a registry. */
#include "transfer-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROGRESS_NSEC 100000000LL

typedef struct {
        berth_images *im;
        xfer x;
        berth_ref ref;
        char *name; /* "domain/path" */
        oci_manifest *m;
        const oci_descriptor **blobs; /* what to push: the layers (not foreign ones), the config */
        char **from;                  /* per blob: a repository to mount it from, or NULL */
        size_t n_blobs;
} push_ctx;

typedef struct {
        push_ctx *c;
        const oci_descriptor *d;
        char id[13];
        struct timespec last;
} upload;

static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
        return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

static void on_progress(int64_t done, void *userdata)
{
        upload *u = userdata;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (elapsed_ns(&u->last, &now) < PROGRESS_NSEC && done < u->d->size)
                return;
        u->last = now;
        xfer_progress(&u->c->x, u->id, "Pushing", done, u->d->size);
}

/*
 * Another repository of this registry that has blob, as far as we know: one
 * an image with it was pulled from or pushed to (its repo digests). NULL when
 * none; caller frees. Reads berth.db: the main thread's, never a worker's.
 */
static char *mount_source(push_ctx *c, const berth_digest *blob)
{
        _cleanup_strv_ char **names = NULL;
        if (berth_imagedb_repo_digests_with_blob(berth_images_db(c->im), blob, &names, NULL) < 0)
                return NULL;
        STRV_FOREACH (n, names) {
                berth_ref r = {0};
                if (berth_ref_parse(*n, &r, NULL) < 0)
                        continue;
                char *found = NULL;
                if (strcmp(r.domain, c->ref.domain) == 0 && strcmp(r.path, c->ref.path) != 0)
                        found = berth_xstrdup(r.path);
                berth_ref_clear(&r);
                if (found)
                        return found;
        }
        return NULL;
}

static int push_blob(void *ctx, size_t i, berth_registry **reg, berth_error *err)
{
        push_ctx *c = ctx;
        const oci_descriptor *d = c->blobs[i];
        bool is_config = d == &c->m->config;
        upload u = {.c = c, .d = d};
        _cleanup_free_ char *from = NULL, *mounted_line = NULL;
        _cleanup_close_ int fd = -1;
        int64_t size = 0;
        uint64_t stored;
        bool mounted = false;
        xfer_short_id(&d->digest, u.id);
        int r = *reg ? 0 : xfer_open(&c->x, reg, err);
        if (r < 0)
                return r;
        if ((r = berth_registry_blob_exists(*reg, c->ref.path, &d->digest, &size, err)) < 0)
                return r;
        if (r == 1) {
                if (!is_config)
                        xfer_progress(&c->x, u.id, "Layer already exists", 0, 0);
                return 0;
        }
        if ((r = berth_store_open_blob(berth_images_store(c->im), &d->digest, &fd, &stored, err)) <
            0)
                return r;
        if ((int64_t)stored != d->size)
                return berth_errx(err, EBADMSG, "blob %s is %llu bytes, the manifest says %lld",
                                  d->digest.s, (unsigned long long)stored, (long long)d->size);
        from = c->from[i] ? berth_xstrdup(c->from[i]) : NULL;
        clock_gettime(CLOCK_MONOTONIC, &u.last);
        if (!is_config)
                xfer_progress(&c->x, u.id, "Pushing", 0, d->size);
        if ((r = berth_registry_put_blob(*reg, c->ref.path, &d->digest, d->size, fd, from, 0,
                                         is_config ? NULL : on_progress, &u, &mounted, err)) < 0)
                return r;
        if (is_config)
                return 0;
        if (mounted) {
                mounted_line = berth_xasprintf("Mounted from %s", from);
                xfer_progress(&c->x, u.id, mounted_line, d->size, d->size);
        } else {
                xfer_progress(&c->x, u.id, "Pushed", d->size, d->size);
        }
        return 0;
}

static const char *layer_type_of(berth_images *im, const berth_digest *blob, bool docker)
{
        _cleanup_close_ int fd = -1;
        uint64_t ignored;
        unsigned char b[4] = {0};
        if (berth_store_open_blob(berth_images_store(im), blob, &fd, &ignored, NULL) == 0 &&
            pread(fd, b, sizeof(b), 0) >= 2) {
                if (b[0] == 0x1f && b[1] == 0x8b)
                        return docker ? BERTH_MT_DOCKER_LAYER_GZIP : BERTH_MT_OCI_LAYER_GZIP;
                if (b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
                        return docker ? BERTH_MT_DOCKER_LAYER_ZSTD : BERTH_MT_OCI_LAYER_ZSTD;
        }
        return docker ? BERTH_MT_DOCKER_LAYER : BERTH_MT_OCI_LAYER;
}

/* An image without a stored manifest: one made from its config and layer blobs, stored. */
static oci_manifest *make_manifest(push_ctx *c, const berth_image_rec *rec,
                                   const berth_image_layer_rec *layers, size_t n, berth_digest *ret,
                                   berth_error *err)
{
        berth_store *s = berth_images_store(c->im);
        uint64_t cfg_size;
        _cleanup_close_ int cfd = -1;
        if (berth_store_open_blob(s, &rec->id, &cfd, &cfg_size, err) < 0)
                return NULL;
        oci_descriptor *ld = berth_xmalloc0((n ? n : 1) * sizeof(*ld));
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = -1;
                uint64_t size;
                if (!layers[i].has_blob ||
                    berth_store_open_blob(s, &layers[i].blob, &fd, &size, NULL) < 0) {
                        free(ld);
                        berth_errx(err, ENOENT, "layer %zu (%s) of image %s has no blob to push", i,
                                   layers[i].diff_id.s, rec->id.s);
                        return NULL;
                }
                ld[i] = (oci_descriptor){.media_type =
                                             (char *)layer_type_of(c->im, &layers[i].blob, false),
                                         .digest = layers[i].blob,
                                         .size = (int64_t)size};
        }
        oci_manifest m = {.schema_version = 2,
                          .media_type = (char *)BERTH_MT_OCI_MANIFEST,
                          .config = {.media_type = (char *)BERTH_MT_OCI_CONFIG,
                                     .digest = rec->id,
                                     .size = (int64_t)cfg_size},
                          .layers = ld,
                          .n_layers = n};
        size_t len;
        _cleanup_free_ char *json = berth_oci_manifest_to_json(&m, &len);
        free(ld);
        if (berth_store_put_buf(s, json, len, NULL, ret, err) < 0)
                return NULL;
        return berth_oci_manifest_parse(json, len, BERTH_MT_OCI_MANIFEST, err);
}

/* The image's manifest, parsed (made when it has none); *ret its digest. */
static int load_manifest(push_ctx *c, const berth_digest *id, berth_digest *ret, berth_error *err)
{
        berth_image_rec rec = {0};
        berth_image_layer_rec *layers = NULL;
        size_t n = 0;
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = berth_imagedb_get(berth_images_db(c->im), id, &rec, &layers, &n, err);
        if (r < 0)
                return r;
        if (rec.has_manifest) {
                if ((r = berth_store_read_blob(berth_images_store(c->im), &rec.manifest,
                                               BERTH_STORE_MANIFEST_MAX, &buf, &len, err)) == 0 &&
                    (c->m = berth_oci_manifest_parse(buf, len, NULL, err)) == NULL)
                        r = berth_wrap(err, "manifest %s", rec.manifest.s);
                *ret = rec.manifest;
        } else if ((c->m = make_manifest(c, &rec, layers, n, ret, err)) == NULL) {
                r = -err->code;
        }
        berth_image_rec_clear(&rec);
        free(layers);
        return r;
}

/* The manifest's media type as a registry wants it in Content-Type. */
static const char *manifest_type(const oci_manifest *m)
{
        if (m->media_type)
                return m->media_type;
        return berth_mt_equal(m->config.media_type, BERTH_MT_DOCKER_CONFIG)
                   ? BERTH_MT_DOCKER_MANIFEST
                   : BERTH_MT_OCI_MANIFEST;
}

int berth_push(berth_images *im, const char *name, const berth_transfer_opts *o,
               berth_digest *ret_digest, berth_error *err)
{
        static const berth_transfer_opts none = {0};
        push_ctx c = {.im = im};
        berth_registry *reg = NULL;
        berth_digest id, local, pushed;
        _cleanup_free_ char *tag = NULL, *line = NULL, *repo_digest = NULL;
        int r = berth_ref_parse(name, &c.ref, err);
        if (r < 0)
                return r;
        c.name = berth_ref_name(&c.ref);
        xfer_init(&c.x, o ? o : &none, c.ref.domain);
        if (c.ref.has_digest) {
                r = berth_errx(err, EINVAL, "cannot push a digest reference");
                goto out;
        }
        tag = berth_xasprintf("%s:%s", c.name, c.ref.tag);
        if (berth_imagedb_resolve_tag(berth_images_db(im), tag, &id, NULL) < 0) {
                _cleanup_free_ char *fam = berth_ref_repository(&c.ref);
                r = berth_errx(err, ENOENT, "an image does not exist locally with the tag: %s",
                               fam);
                goto out;
        }
        if ((r = load_manifest(&c, &id, &local, err)) < 0)
                goto out;
        line = berth_xasprintf("The push refers to repository [%s]", c.name);
        xfer_progress(&c.x, "", line, 0, 0);
        c.blobs = berth_xmalloc0((c.m->n_layers + 1) * sizeof(*c.blobs));
        c.from = berth_xmalloc0((c.m->n_layers + 1) * sizeof(*c.from));
        for (size_t i = c.m->n_layers; i-- > 0;) { /* docker lists the top layer first */
                const oci_descriptor *d = &c.m->layers[i];
                if (berth_mt_is_foreign_layer(d->media_type))
                        continue; /* not ours to distribute: the registry never has it */
                char sid[13];
                xfer_short_id(&d->digest, sid);
                xfer_progress(&c.x, sid, "Preparing", 0, 0);
                c.from[c.n_blobs] = mount_source(&c, &d->digest);
                c.blobs[c.n_blobs++] = d;
        }
        size_t workers = c.x.o->max_parallel > 0 ? (size_t)c.x.o->max_parallel : 3;
        for (size_t i = workers; i < c.n_blobs; i++) {
                char sid[13];
                xfer_short_id(&c.blobs[i]->digest, sid);
                xfer_progress(&c.x, sid, "Waiting", 0, 0);
        }
        if ((r = xfer_parallel(&c.x, c.n_blobs, push_blob, &c, err)) < 0)
                goto out;
        for (size_t i = 0; i < c.n_blobs; i++) {
                free(c.from[i]);
                c.from[i] = NULL;
        }
        c.n_blobs = 0;
        c.blobs[c.n_blobs++] = &c.m->config;
        if ((r = xfer_parallel(&c.x, 1, push_blob, &c, err)) < 0)
                goto out;
        if ((r = xfer_open(&c.x, &reg, err)) < 0 ||
            (r = berth_registry_put_manifest(reg, c.ref.path, c.ref.tag, manifest_type(c.m),
                                             c.m->raw, c.m->raw_len, &pushed, err)) < 0)
                goto out;
        /* As docker does: the image now has this repo digest (and later pushes of its
         * layers to other repositories here can mount them from this one). */
        repo_digest = berth_xasprintf("%s@%s", c.name, pushed.s);
        berth_imagedb_add_repo_digest(berth_images_db(im), repo_digest, &id, NULL);
        free(line);
        line = berth_xasprintf("%s: digest: %s size: %zu", c.ref.tag, pushed.s, c.m->raw_len);
        xfer_progress(&c.x, "", line, 0, 0);
        if (ret_digest)
                *ret_digest = pushed;
out:
        if (r < 0) {
                _cleanup_free_ char *fam = berth_ref_familiar(&c.ref);
                berth_wrap(err, "cannot push %s", fam);
        }
        berth_registry_close(reg);
        for (size_t i = 0; c.from && i < c.n_blobs; i++)
                free(c.from[i]);
        free(c.from);
        free(c.blobs);
        berth_oci_manifest_free(c.m);
        xfer_clear(&c.x);
        free(c.name);
        berth_ref_clear(&c.ref);
        return r;
}
