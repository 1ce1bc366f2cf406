/* SPDX-License-Identifier: Apache-2.0 */
/* A new image from a parent (or nothing) and at most one new layer: import, commit, build. */
#include "images.h"
#include "buildcache.h"
#include "imagedb.h"
#include "layers.h"
#include "reference.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "oci/image.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int berth_image_full_tag(const char *tag, char **ret, berth_error *err)
{
        *ret = NULL;
        if (tag == NULL)
                return 0;
        berth_ref ref = {0};
        if (berth_ref_parse(tag, &ref, err) < 0)
                return -err->code;
        bool digest = ref.has_digest;
        char *s = berth_ref_string(&ref);
        berth_ref_clear(&ref);
        if (digest) {
                free(s);
                return berth_errx(err, EINVAL,
                                  "refusing to create a tag with a digest reference: '%s'", tag);
        }
        *ret = s;
        return 0;
}

int berth_image_load(berth_images *im, const berth_digest *id, oci_image_config **ret_cfg,
                     oci_manifest **ret_man, berth_error *err)
{
        berth_image_rec rec = {0};
        int r = berth_imagedb_get(berth_images_db(im), id, &rec, NULL, NULL, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *cj = NULL, *mj = NULL;
        size_t cl, ml;
        berth_store *s = berth_images_store(im);
        bool has_manifest = rec.has_manifest;
        berth_digest manifest = rec.manifest;
        berth_image_rec_clear(&rec);
        if (!has_manifest)
                return berth_errx(err, ENOENT, "image %s has no manifest", id->s);
        if (berth_store_read_blob(s, id, BERTH_STORE_MANIFEST_MAX, &cj, &cl, err) < 0 ||
            berth_store_read_blob(s, &manifest, BERTH_STORE_MANIFEST_MAX, &mj, &ml, err) < 0)
                return -err->code;
        oci_image_config *c = berth_oci_image_config_parse(cj, cl, err);
        if (c == NULL)
                return -err->code;
        oci_manifest *m = berth_oci_manifest_parse(mj, ml, NULL, err);
        if (m == NULL) {
                berth_oci_image_config_free(c);
                return -err->code;
        }
        *ret_cfg = c;
        *ret_man = m;
        return 0;
}

/* The parent's manifest (or none) with the new config and the new layer, if any, stored. */
static int store_manifest(berth_images *im, const oci_manifest *pm, const berth_digest *cfg,
                          size_t cfg_len, const berth_image_new_layer *nl, berth_digest *ret,
                          berth_error *err)
{
        bool docker = pm && pm->media_type && strcmp(pm->media_type, BERTH_MT_DOCKER_MANIFEST) == 0;
        size_t np = pm ? pm->n_layers : 0;
        _cleanup_free_ oci_descriptor *layers = berth_xmalloc0((np + 1) * sizeof(*layers));
        if (np)
                memcpy(layers, pm->layers, np * sizeof(*layers));
        size_t n = np;
        if (nl) {
                const char *mt = nl->media_type ? nl->media_type
                                 : docker       ? BERTH_MT_DOCKER_LAYER
                                                : BERTH_MT_OCI_LAYER;
                layers[n++] = (oci_descriptor){
                    .media_type = (char *)mt, .digest = nl->blob, .size = (int64_t)nl->blob_size};
        }
        oci_manifest m = {
            .schema_version = 2,
            .media_type = (char *)(docker ? BERTH_MT_DOCKER_MANIFEST : BERTH_MT_OCI_MANIFEST),
            .config = {.media_type =
                           (char *)(docker ? BERTH_MT_DOCKER_CONFIG : BERTH_MT_OCI_CONFIG),
                       .digest = *cfg,
                       .size = (int64_t)cfg_len},
            .layers = layers,
            .n_layers = n};
        size_t len;
        _cleanup_free_ char *json = berth_oci_manifest_to_json(&m, &len);
        return berth_store_put_buf(berth_images_store(im), json, len, NULL, ret, err);
}

int berth_image_derive(berth_images *im, const berth_image_derive_opts *o, oci_image_config *cfg,
                       berth_digest *ret_id, berth_error *err)
{
        _cleanup_free_ char *full_tag = NULL, *cfg_json = NULL;
        berth_image_rec prec = {0};
        _cleanup_free_ berth_image_layer_rec *pl = NULL, *all = NULL;
        size_t n = 0;
        oci_image_config *pcfg = NULL;
        oci_manifest *pman = NULL;
        berth_db *db = berth_images_db(im);
        int r = berth_image_full_tag(o->tag, &full_tag, err);
        if (r == 0 && o->parent)
                r = berth_imagedb_get(db, o->parent, &prec, &pl, &n, err);
        if (r == 0 && o->parent)
                r = berth_image_load(im, o->parent, &pcfg, &pman, err);
        if (r < 0)
                goto out;

        char now[64];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        const char *created = o->created;
        if (created == NULL) {
                berth_rfc3339_format(ts.tv_sec, (int32_t)ts.tv_nsec, now, sizeof(now));
                created = now;
        }
        berth_oci_image_config_set_created(cfg, created);
        if (o->author) {
                free(cfg->author);
                cfg->author = berth_xstrdup(o->author);
        }
        const berth_image_new_layer *nl = o->layer;
        if (nl)
                berth_oci_image_config_add_diff_id(cfg, &nl->diff);
        if (o->history)
                berth_oci_image_config_add_history(cfg, created, o->created_by, o->author,
                                                   o->comment, nl == NULL);
        size_t cfg_len;
        cfg_json = berth_oci_image_config_to_json(cfg, &cfg_len);
        berth_digest id, manifest;
        if ((r = berth_store_put_buf(berth_images_store(im), cfg_json, cfg_len, NULL, &id, err)) <
                0 ||
            (r = store_manifest(im, pman, &id, cfg_len, nl, &manifest, err)) < 0)
                goto out;

        berth_image_rec rec = {.id = id,
                               .has_manifest = true,
                               .manifest = manifest,
                               .has_top_layer = nl != NULL || prec.has_top_layer,
                               .top_layer = nl ? nl->chain : prec.top_layer,
                               .created = (char *)created,
                               .size = prec.size,
                               .added = ts.tv_sec,
                               .has_parent = o->parent != NULL,
                               .parent = o->parent ? *o->parent : (berth_digest){{0}}};
        all = berth_xmalloc0((n + 1) * sizeof(*all));
        if (n)
                memcpy(all, pl, n * sizeof(*all));
        size_t nall = n;
        if (nl) {
                rec.size += berth_layer_size(berth_images_layers_fd(im), &nl->chain);
                all[nall++] = (berth_image_layer_rec){
                    .chain_id = nl->chain, .diff_id = nl->diff, .has_blob = true, .blob = nl->blob};
        }
        if ((r = berth_db_begin(db, err)) < 0)
                goto out;
        if ((r = berth_imagedb_put(db, &rec, all, nall, err)) < 0 ||
            (full_tag && (r = berth_imagedb_tag(db, full_tag, &id, err)) < 0) ||
            (o->cache_key && (r = berth_build_cache_put(im, o->cache_key, &id, err)) < 0) ||
            (r = berth_db_commit(db, err)) < 0) {
                berth_db_rollback(db);
                goto out;
        }
        *ret_id = id;
out:
        berth_oci_image_config_free(pcfg);
        berth_oci_manifest_free(pman);
        berth_image_rec_clear(&prec);
        return r;
}
