/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --cache-from: images (built by berth or docker's legacy builder, pulled from
 * a registry) whose steps a build may take instead of running its own, as the
 * legacy builder does. At a layer step on a miss of the build's own cache, an
 * image I is a match when its history begins with the stage's (created_by
 * and empty_layer of each entry, not their dates), its layers with the
 * stage's, and its next history entry is this step's (the same created_by,
 * with a layer). The step's image is then the stage's with I's next layer on
 * top: registered (and recorded under the step's key) without running
 * anything. The layer is I's, already in the store.
 */
#include "build-internal.h"
#include "base/cleanup.h"
#include "base/strutil.h"
#include "image/imagedb.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same_str(const char *a, const char *b)
{
        return strcmp(a ? a : "", b ? b : "") == 0;
}

/* I's history and layers begin with the stage's, and its next entry is by's: the index of
 * that entry, or -1. */
static ssize_t next_entry(const oci_image_config *img, const oci_image_config *cfg, const char *by)
{
        if (img->n_history <= cfg->n_history || img->n_diff_ids <= cfg->n_diff_ids)
                return -1;
        for (size_t i = 0; i < cfg->n_history; i++)
                if (!same_str(img->history[i].created_by, cfg->history[i].created_by) ||
                    img->history[i].empty_layer != cfg->history[i].empty_layer)
                        return -1;
        for (size_t i = 0; i < cfg->n_diff_ids; i++)
                if (!berth_digest_equal(&img->diff_ids[i], &cfg->diff_ids[i]))
                        return -1;
        const oci_history *h = &img->history[cfg->n_history];
        return !h->empty_layer && same_str(h->created_by, by) ? (ssize_t)cfg->n_history : -1;
}

/* Layer n of image id as a new layer for berth_image_derive(). */
static int layer_of(berth_images *im, const berth_digest *id, const oci_manifest *man, size_t n,
                    berth_image_new_layer *ret, berth_error *err)
{
        berth_image_rec rec = {0};
        _cleanup_free_ berth_image_layer_rec *layers = NULL;
        size_t nl = 0;
        int r = berth_imagedb_get(berth_images_db(im), id, &rec, &layers, &nl, err);
        berth_image_rec_clear(&rec);
        if (r < 0)
                return r;
        if (n >= nl || n >= man->n_layers || !layers[n].has_blob)
                return berth_errx(err, ENOENT, "the cache image has no layer %zu", n);
        *ret = (berth_image_new_layer){.blob = layers[n].blob,
                                       .blob_size = (uint64_t)man->layers[n].size,
                                       .media_type = man->layers[n].media_type,
                                       .diff = layers[n].diff_id,
                                       .chain = layers[n].chain_id};
        return 0;
}

bool build_cache_from_take(build_stage *s, const char *by)
{
        build *b = s->b;
        if (s->no_cache || by == NULL)
                return false;
        for (size_t i = 0; i < b->n_cache_from; i++) {
                oci_image_config *img = NULL;
                oci_manifest *man = NULL;
                berth_error e = {0};
                if (berth_image_load(b->im, &b->cache_from[i], &img, &man, &e) < 0)
                        continue;
                ssize_t at = next_entry(img, s->sc.cfg, by);
                berth_image_new_layer nl;
                bool took = false;
                int lock = -1;
                oci_image_config *cfg = NULL;
                if (at >= 0 && build_stage_materialize(s, &e) == 0 &&
                    layer_of(b->im, &b->cache_from[i], man, s->sc.cfg->n_diff_ids, &nl, &e) == 0 &&
                    (lock = berth_images_writer_lock(b->im, &e)) >= 0) {
                        /* derive edits the config it is given: a copy, kept only on success */
                        cfg = berth_oci_image_config_dup(s->sc.cfg);
                        berth_image_derive_opts d = {.parent = &s->image,
                                                     .layer = &nl,
                                                     .created = img->history[at].created,
                                                     .history = true,
                                                     .created_by = by,
                                                     .cache_key = berth_digest_hex(&s->key)};
                        berth_digest id;
                        if (berth_image_derive(b->im, &d, cfg, &id, &e) == 0) {
                                berth_oci_image_config_free(s->sc.cfg);
                                s->sc.cfg = TAKE_PTR(cfg);
                                s->image = id;
                                took = true;
                        }
                }
                berth_oci_image_config_free(cfg);
                berth_images_unlock(lock);
                berth_oci_image_config_free(img);
                berth_oci_manifest_free(man);
                if (took) {
                        build_say(b, " ---> Using cache\n");
                        build_step_done(s);
                        return true;
                }
        }
        return false;
}

void build_cache_from_init(build *b)
{
        size_t n = berth_strv_length(b->o->cache_from);
        b->cache_from = berth_xmalloc0((n + 1) * sizeof(*b->cache_from));
        STRV_FOREACH (name, (char **)b->o->cache_from) {
                berth_error e = {0};
                berth_digest id;
                int r = berth_images_resolve(b->im, *name, &id, &e);
                if (r == -ENOENT && b->o->pull_image) {
                        e = (berth_error){0};
                        r = b->o->pull_image(*name, b->o->userdata, &id, &e);
                }
                if (r < 0) {
                        dprintf(b->o->out_fd, "[Warning] cache source %s is not used: %s\n", *name,
                                e.msg);
                        continue;
                }
                b->cache_from[b->n_cache_from++] = id;
        }
}
