/* SPDX-License-Identifier: Apache-2.0 */
/* pull: a manifest (an index's entry for our platform), its config and layers into the store. */
#include "transfer-internal.h"
#include "image/unpack.h"
#include "image/layers.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
        berth_images *im;
        const berth_transfer_opts *o;
        xfer x;
        berth_registry *reg; /* the main thread's handle */
        berth_ref ref;
        char *name; /* "domain/path" */
        const char *os, *arch, *variant;
        char platform_buf[128];
} pull_ctx;

/* A pulled image's manifest: the top-level document's digest (the repo digest) and the
 * image manifest (the index's entry, or the same document). */
typedef struct {
        berth_digest top;
        berth_digest digest;
        oci_manifest *m;
} fetched;

static void fetched_clear(fetched *f)
{
        berth_oci_manifest_free(f->m);
        f->m = NULL;
}

static int parse_platform(pull_ctx *c, berth_error *err)
{
        berth_host_platform(&c->os, &c->arch, &c->variant);
        const char *p = c->o->platform;
        if (p == NULL || *p == '\0')
                return 0;
        if (strlen(p) >= sizeof(c->platform_buf))
                return berth_errx(err, EINVAL, "invalid platform '%s'", p);
        strcpy(c->platform_buf, p);
        char *os = c->platform_buf, *arch = strchr(os, '/'), *variant = NULL;
        if (arch == NULL || arch == os || arch[1] == '\0')
                return berth_errx(err, EINVAL, "invalid platform '%s': want os/arch[/variant]", p);
        *arch++ = '\0';
        if ((variant = strchr(arch, '/')) != NULL) {
                *variant++ = '\0';
                if (*variant == '\0' || strchr(variant, '/'))
                        return berth_errx(err, EINVAL,
                                          "invalid platform '%s': want os/arch[/variant]", p);
        }
        c->os = os;
        c->arch = arch;
        c->variant = variant;
        return 0;
}

/* GET a manifest on the main handle (opening it, and trying mirrors first for docker.io). */
static int get_manifest(pull_ctx *c, const char *ref, char **body, size_t *len, char **mt,
                        berth_digest *d, berth_error *err)
{
        if (c->reg)
                return berth_registry_get_manifest(c->reg, c->ref.path, ref,
                                                   BERTH_STORE_MANIFEST_MAX, body, len, mt, d, err);
        if (strcmp(c->ref.domain, "docker.io") == 0)
                STRV_FOREACH (m, c->o->mirrors) {
                        const char *host = *m;
                        if (berth_str_has_prefix(host, "https://"))
                                host += 8;
                        else if (berth_str_has_prefix(host, "http://"))
                                host += 7;
                        _cleanup_free_ char *h =
                            berth_xasprintf("%.*s", (int)strcspn(host, "/"), host);
                        xfer_set_host(&c->x, h);
                        berth_error e2 = {0};
                        if (xfer_open(&c->x, &c->reg, &e2) == 0 &&
                            berth_registry_get_manifest(c->reg, c->ref.path, ref,
                                                        BERTH_STORE_MANIFEST_MAX, body, len, mt, d,
                                                        &e2) == 0)
                                return 0;
                        berth_registry_close(c->reg);
                        c->reg = NULL;
                }
        xfer_set_host(&c->x, strcmp(c->ref.domain, "docker.io") == 0 ? "registry-1.docker.io"
                                                                     : c->ref.domain);
        int r = xfer_open(&c->x, &c->reg, err);
        if (r < 0)
                return r;
        return berth_registry_get_manifest(c->reg, c->ref.path, ref, BERTH_STORE_MANIFEST_MAX, body,
                                           len, mt, d, err);
}

/* The image manifest that ref names for our platform. */
static int fetch_manifest(pull_ctx *c, const char *ref, fetched *f, berth_error *err)
{
        _cleanup_free_ char *body = NULL, *mt = NULL, *body2 = NULL, *mt2 = NULL;
        size_t len, len2;
        int r = get_manifest(c, ref, &body, &len, &mt, &f->top, err);
        if (r < 0)
                return r;
        enum oci_manifest_kind kind = berth_oci_manifest_kind(body, len, mt);
        if (kind == OCI_KIND_INDEX) {
                oci_index *ix = berth_oci_index_parse(body, len, mt, err);
                if (ix == NULL)
                        return berth_wrap(err, "index %s", f->top.s);
                const oci_descriptor *pick =
                    berth_oci_index_select(ix, c->os, c->arch, c->variant, err);
                if (pick == NULL || !berth_mt_is_manifest(pick->media_type)) {
                        if (pick)
                                berth_errx(err, ENOTSUP,
                                           "index %s: entry %s is not an image "
                                           "manifest ('%s')",
                                           f->top.s, pick->digest.s, pick->media_type);
                        berth_oci_index_free(ix);
                        return -err->code;
                }
                f->digest = pick->digest;
                berth_oci_index_free(ix);
                berth_store *s = berth_images_store(c->im);
                if (berth_store_read_blob(s, &f->digest, BERTH_STORE_MANIFEST_MAX, &body2, &len2,
                                          NULL) < 0) {
                        if ((r = berth_registry_get_manifest(c->reg, c->ref.path, f->digest.s,
                                                             BERTH_STORE_MANIFEST_MAX, &body2,
                                                             &len2, &mt2, &f->digest, err)) < 0)
                                return r;
                }
                f->m = berth_oci_manifest_parse(body2, len2, mt2, err);
        } else {
                f->digest = f->top;
                f->m = berth_oci_manifest_parse(body, len, mt, err);
        }
        if (f->m == NULL)
                return berth_wrap(err, "manifest %s", f->digest.s);
        return 0;
}

/* The config: from the store, else from the registry (then stored). Parsed and checked. */
static oci_image_config *get_config(pull_ctx *c, const fetched *f, berth_error *err)
{
        berth_store *s = berth_images_store(c->im);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        const oci_descriptor *d = &f->m->config;
        if (berth_store_read_blob(s, &d->digest, BERTH_STORE_MANIFEST_MAX, &buf, &len, NULL) < 0) {
                if (xfer_get_small_blob(c->reg, c->ref.path, d, &buf, &len, err) < 0 ||
                    berth_store_put_buf(s, buf, len, &d->digest, NULL, err) < 0) {
                        berth_wrap(err, "cannot fetch config %s", d->digest.s);
                        return NULL;
                }
        }
        oci_image_config *cfg = berth_oci_image_config_parse(buf, len, err);
        if (cfg == NULL) {
                berth_wrap(err, "config %s", d->digest.s);
                return NULL;
        }
        if (berth_oci_image_check(f->m, cfg, err) < 0) {
                berth_oci_image_config_free(cfg);
                berth_wrap(err, "manifest %s", f->digest.s);
                return NULL;
        }
        return cfg;
}

/* Fetch the layers the store lacks, then register the image with its names. */
static int pull_image(pull_ctx *c, const fetched *f, const oci_image_config *cfg, const char *tag,
                      const char *repo_digest, bool *ret_changed, berth_error *err)
{
        berth_images *im = c->im;
        const oci_manifest *m = f->m;
        size_t n = m->n_layers;
        _cleanup_free_ pull_layer *v = berth_xmalloc0((n ? n : 1) * sizeof(*v));
        _cleanup_free_ berth_image_layer_rec *recs = berth_xmalloc0((n ? n : 1) * sizeof(*recs));
        int r;
        for (size_t i = 0; i < n; i++) {
                pull_layer *l = &v[i];
                l->desc = &m->layers[i];
                l->diff_id = cfg->diff_ids[i];
                l->has_parent = i > 0;
                if (i > 0)
                        l->parent = v[i - 1].chain;
                berth_layer_chain_id(l->has_parent ? &l->parent : NULL, &l->diff_id, &l->chain);
                l->have_layer = berth_layer_exists(berth_images_layers_fd(im), &l->chain);
                l->have_blob = berth_store_has(berth_images_store(im), &l->desc->digest);
                char id[13];
                xfer_short_id(&l->desc->digest, id);
                xfer_progress(&c->x, id,
                              l->have_blob && l->have_layer ? "Already exists" : "Pulling fs layer",
                              0, 0);
        }
        /* Those beyond the first max_parallel wait for a worker, as docker says. */
        size_t todo = 0, workers = c->o->max_parallel > 0 ? (size_t)c->o->max_parallel : 3;
        for (size_t i = 0; i < n; i++) {
                if (v[i].have_blob && v[i].have_layer)
                        continue;
                if (todo++ >= workers) {
                        char id[13];
                        xfer_short_id(&v[i].desc->digest, id);
                        xfer_progress(&c->x, id, "Waiting", 0, 0);
                }
        }
        if ((r = berth_store_put_buf(berth_images_store(im), m->raw, m->raw_len, &f->digest, NULL,
                                     err)) < 0)
                return berth_wrap(err, "cannot store manifest %s", f->digest.s);
        if ((r = pull_layers(&c->x, im, c->ref.path, v, n, err)) < 0)
                return r;
        int64_t size = 0;
        for (size_t i = 0; i < n; i++) {
                recs[i] = (berth_image_layer_rec){.chain_id = v[i].chain,
                                                  .diff_id = v[i].diff_id,
                                                  .has_blob = true,
                                                  .blob = v[i].desc->digest};
                size += berth_layer_size(berth_images_layers_fd(im), &v[i].chain);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        berth_image_rec rec = {.id = m->config.digest,
                               .has_manifest = true,
                               .manifest = f->digest,
                               .has_top_layer = n > 0,
                               .created = cfg->created ? cfg->created : "1970-01-01T00:00:00Z",
                               .size = size,
                               .added = ts.tv_sec};
        if (n)
                rec.top_layer = v[n - 1].chain;
        char *tags[] = {(char *)tag, NULL};
        char *digests[] = {(char *)repo_digest, NULL};
        return berth_images_register(im, &rec, recs, n, tags, digests, NULL, ret_changed, err);
}

/* Names for an image already in the store. */
static int name_image(pull_ctx *c, const berth_digest *id, const char *tag, const char *repo_digest,
                      bool *ret_changed, berth_error *err)
{
        berth_db *db = berth_images_db(c->im);
        berth_digest cur;
        _cleanup_strv_ char **digests = NULL;
        bool tag_ok = tag == NULL || (berth_imagedb_resolve_tag(db, tag, &cur, NULL) == 0 &&
                                      berth_digest_equal(&cur, id));
        if (tag_ok && berth_imagedb_repo_digests_of(db, id, &digests, NULL) == 0 &&
            berth_strv_contains(digests, repo_digest)) {
                *ret_changed = false; /* nothing to write: the fast path stays read-only */
                return 0;
        }
        berth_image_rec rec = {0};
        berth_image_layer_rec *layers = NULL;
        size_t n = 0;
        int r = berth_imagedb_get(db, id, &rec, &layers, &n, err);
        if (r < 0)
                return r;
        char *tags[] = {(char *)tag, NULL};
        char *dv[] = {(char *)repo_digest, NULL};
        r = berth_images_register(c->im, &rec, layers, n, tags, dv, NULL, ret_changed, err);
        berth_image_rec_clear(&rec);
        free(layers);
        return r;
}

/*
 * Pull ref (a tag, or a digest when by_digest) of c's repository; *ret_changed
 * whether anything new came (an image or a tag that moved).
 */
static int pull_one(pull_ctx *c, const char *ref, bool by_digest, berth_digest *ret_id,
                    bool *ret_changed, berth_error *err)
{
        fetched f = {0};
        oci_image_config *cfg = NULL;
        _cleanup_free_ char *tag = by_digest ? NULL : berth_xasprintf("%s:%s", c->name, ref);
        _cleanup_free_ char *repo_digest = NULL, *line = NULL;
        _cleanup_free_ char *pulling = berth_xasprintf("Pulling from %s", c->ref.path);
        berth_image_rec rec = {0};
        int lock = -1, r;
        xfer_progress(&c->x, ref, pulling, 0, 0);
        if ((r = fetch_manifest(c, ref, &f, err)) < 0)
                goto out;
        /* From the first blob or layer we store or rely on until the image's row is
         * committed: gc waits (what we have stored is named by no row until then). */
        if ((r = lock = berth_images_writer_lock(c->im, err)) < 0)
                goto out;
        repo_digest = berth_xasprintf("%s@%s", c->name, f.top.s);
        const berth_digest *id = &f.m->config.digest;
        if (berth_imagedb_get(berth_images_db(c->im), id, &rec, NULL, NULL, NULL) == 0) {
                /* All there (an image is registered only whole): at most new names. */
                r = name_image(c, id, tag, repo_digest, ret_changed, err);
        } else {
                if ((cfg = get_config(c, &f, err)) == NULL) {
                        r = -err->code;
                        goto out;
                }
                r = pull_image(c, &f, cfg, tag, repo_digest, ret_changed, err);
        }
        if (r < 0)
                goto out;
        line = berth_xasprintf("Digest: %s", f.top.s);
        xfer_progress(&c->x, "", line, 0, 0);
        *ret_id = *id;
out:
        berth_images_unlock(lock);
        berth_image_rec_clear(&rec);
        berth_oci_image_config_free(cfg);
        fetched_clear(&f);
        return r < 0 ? r : 0;
}

static void status_line(pull_ctx *c, const char *what, bool changed)
{
        _cleanup_free_ char *line = berth_xasprintf(
            "Status: %s for %s", changed ? "Downloaded newer image" : "Image is up to date", what);
        xfer_progress(&c->x, "", line, 0, 0);
}

/* Whether the name as written has a tag or a digest (parsing adds ":latest"). */
static bool names_tag_or_digest(const char *name)
{
        const char *slash = strrchr(name, '/');
        const char *last = slash ? slash + 1 : name;
        return strchr(last, ':') != NULL || strchr(name, '@') != NULL;
}

static int pull_all_tags(pull_ctx *c, berth_digest *ret_id, berth_error *err)
{
        _cleanup_strv_ char **tags = NULL;
        int r = xfer_open(&c->x, &c->reg, err);
        if (r < 0 || (r = berth_registry_list_tags(c->reg, c->ref.path, &tags, err)) < 0)
                return r;
        if (tags == NULL || tags[0] == NULL)
                return berth_errx(err, ENOENT, "repository %s has no tags", c->name);
        bool any = false;
        STRV_FOREACH (t, tags) {
                bool changed = false;
                if ((r = pull_one(c, *t, false, ret_id, &changed, err)) < 0)
                        return berth_wrap(err, "tag %s", *t);
                any |= changed;
        }
        _cleanup_free_ char *repo = berth_ref_repository(&c->ref);
        status_line(c, repo, any);
        return 0;
}

int berth_pull(berth_images *im, const char *name, const berth_transfer_opts *o,
               berth_digest *ret_id, berth_error *err)
{
        static const berth_transfer_opts none = {0};
        pull_ctx c = {.im = im, .o = o ? o : &none};
        berth_digest id;
        int r = berth_ref_parse(name, &c.ref, err);
        if (r < 0)
                return r;
        /* the libraries first: a missing one fails the pull before it says anything */
        if ((r = berth_libcurl_load(err)) < 0 || (r = berth_libarchive_load(err)) < 0)
                return r;
        c.name = berth_ref_name(&c.ref);
        xfer_init(&c.x, c.o, c.ref.domain);
        if ((r = parse_platform(&c, err)) < 0)
                goto out;
        if (c.o->all_tags) {
                if (names_tag_or_digest(name)) {
                        r = berth_errx(err, EINVAL, "tag can't be used with --all-tags/-a");
                        goto out;
                }
                r = pull_all_tags(&c, &id, err);
        } else {
                bool changed = false;
                r = pull_one(&c, c.ref.has_digest ? c.ref.digest.s : c.ref.tag, c.ref.has_digest,
                             &id, &changed, err);
                if (r == 0) {
                        berth_ref shown = c.ref;
                        if (shown.has_digest)
                                shown.tag = NULL;
                        _cleanup_free_ char *fam = berth_ref_familiar(&shown);
                        status_line(&c, fam, changed);
                }
        }
        if (r < 0)
                goto out;
        if (ret_id)
                *ret_id = id;
out:
        if (r < 0) {
                _cleanup_free_ char *fam = berth_ref_familiar(&c.ref);
                berth_wrap(err, "cannot pull %s", fam);
        }
        berth_registry_close(c.reg);
        xfer_clear(&c.x);
        free(c.name);
        berth_ref_clear(&c.ref);
        return r;
}
