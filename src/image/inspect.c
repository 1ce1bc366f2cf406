/* SPDX-License-Identifier: Apache-2.0 */
/* `image inspect` and `history`: what docker shows, from the stored config bytes. */
#include "images.h"
#include "layers.h"
#include "reference.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static json_t *load_config(berth_images *im, const berth_digest *id, berth_error *err)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (berth_store_read_blob(berth_images_store(im), id, BERTH_STORE_MANIFEST_MAX, &text, &len,
                                  err) < 0)
                return NULL;
        json_error_t jerr;
        json_t *cfg = json_loadb(text, len, 0, &jerr);
        if (!json_is_object(cfg)) {
                json_decref(cfg);
                berth_errx(err, EINVAL, "image config %s is not a JSON object", id->s);
                return NULL;
        }
        return cfg;
}

static json_t *familiar_array(char **names)
{
        json_t *a = json_array();
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *f = berth_ref_familiar_of(*n);
                json_array_append_new(a, json_string(f));
        }
        return a;
}

static json_t *str_or_empty(json_t *cfg, const char *key)
{
        const char *s = json_string_value(json_object_get(cfg, key));
        return json_string(s ? s : "");
}

json_t *berth_images_inspect(berth_images *im, const char *name, berth_error *err)
{
        berth_digest id;
        if (berth_images_resolve(im, name, &id, err) < 0)
                return NULL;
        berth_image_rec rec;
        if (berth_imagedb_get(berth_images_db(im), &id, &rec, NULL, NULL, err) < 0)
                return NULL;
        json_t *cfg = load_config(im, &id, err);
        if (cfg == NULL) {
                berth_image_rec_clear(&rec);
                return NULL;
        }
        char **tags = NULL, **digests = NULL;
        berth_imagedb_tags_of(berth_images_db(im), &id, &tags, NULL);
        berth_imagedb_repo_digests_of(berth_images_db(im), &id, &digests, NULL);
        json_t *o = json_object();
        json_object_set_new(o, "Id", json_string(id.s));
        json_object_set_new(o, "RepoTags", familiar_array(tags));
        json_object_set_new(o, "RepoDigests", familiar_array(digests));
        json_object_set_new(o, "Parent", json_string(rec.has_parent ? rec.parent.s : ""));
        json_object_set_new(o, "Comment", json_string(""));
        json_t *hist = json_object_get(cfg, "history");
        size_t nh = json_array_size(hist);
        if (nh > 0) {
                const char *c =
                    json_string_value(json_object_get(json_array_get(hist, nh - 1), "comment"));
                json_object_set_new(o, "Comment", json_string(c ? c : ""));
        }
        json_object_set_new(o, "Created", str_or_empty(cfg, "created"));
        json_object_set_new(o, "DockerVersion", str_or_empty(cfg, "docker_version"));
        json_object_set_new(o, "Author", str_or_empty(cfg, "author"));
        json_t *cc = json_object_get(cfg, "config");
        json_object_set(o, "Config", cc ? cc : json_null());
        json_object_set_new(o, "Architecture", str_or_empty(cfg, "architecture"));
        const char *variant = json_string_value(json_object_get(cfg, "variant"));
        if (variant)
                json_object_set_new(o, "Variant", json_string(variant));
        json_object_set_new(o, "Os", str_or_empty(cfg, "os"));
        json_object_set_new(o, "Size", json_integer(rec.size));
        json_object_set_new(o, "VirtualSize", json_integer(rec.size));
        json_t *rootfs = json_object();
        json_object_set_new(rootfs, "Type", json_string("layers"));
        json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
        json_object_set(rootfs, "Layers", diff_ids ? diff_ids : json_array());
        json_object_set_new(o, "RootFS", rootfs);
        json_object_set_new(o, "Metadata",
                            json_pack("{s:s}", "LastTagTime", rec.created ? rec.created : ""));
        berth_strv_free(tags);
        berth_strv_free(digests);
        berth_image_rec_clear(&rec);
        json_decref(cfg);
        return o;
}

int berth_images_history(berth_images *im, const char *name, berth_history_entry **ret,
                         size_t *ret_n, berth_error *err)
{
        berth_digest id;
        if (berth_images_resolve(im, name, &id, err) < 0)
                return -err->code;
        berth_image_rec rec;
        berth_image_layer_rec *layers = NULL;
        size_t nl = 0;
        if (berth_imagedb_get(berth_images_db(im), &id, &rec, &layers, &nl, err) < 0)
                return -err->code;
        json_t *cfg = load_config(im, &id, err);
        if (cfg == NULL) {
                berth_image_rec_clear(&rec);
                free(layers);
                return -err->code;
        }
        json_t *hist = json_object_get(cfg, "history");
        size_t nh = json_array_size(hist);
        berth_history_entry *v = berth_xmalloc0((nh ? nh : 1) * sizeof(*v));
        size_t layer = 0;
        for (size_t i = 0; i < nh; i++) {
                json_t *h = json_array_get(hist, i);
                berth_history_entry *e = &v[nh - 1 - i]; /* newest first, as docker shows */
                const char *s;
                e->created =
                    berth_xstrdup((s = json_string_value(json_object_get(h, "created"))) ? s : "");
                e->created_by = berth_xstrdup(
                    (s = json_string_value(json_object_get(h, "created_by"))) ? s : "");
                e->comment =
                    berth_xstrdup((s = json_string_value(json_object_get(h, "comment"))) ? s : "");
                if (!json_is_true(json_object_get(h, "empty_layer")) && layer < nl) {
                        e->size =
                            berth_layer_size(berth_images_layers_fd(im), &layers[layer].chain_id);
                        layer++;
                }
        }
        v[0].is_top = nh > 0;
        /* Docker's legacy store: each image of the parent chain on the row of the step that
         * made it — the row of its own newest history entry (an image whose config has k
         * entries is on row nh - k; the builder registers no image for metadata steps, so
         * rows and parents do not pair one to one); the rest, from where the chain ends (a
         * pulled or imported base), are <missing>. */
        berth_digest cur = id;
        for (;;) {
                json_t *c =
                    berth_digest_equal(&cur, &id) ? json_incref(cfg) : load_config(im, &cur, NULL);
                size_t k = c ? json_array_size(json_object_get(c, "history")) : 0;
                json_decref(c);
                if (k == 0 || k > nh || v[nh - k].has_id)
                        break;
                v[nh - k].id = cur;
                v[nh - k].has_id = true;
                berth_image_rec prec;
                if (berth_imagedb_get(berth_images_db(im), &cur, &prec, NULL, NULL, NULL) < 0)
                        break;
                bool more = prec.has_parent;
                cur = prec.parent;
                berth_image_rec_clear(&prec);
                if (!more)
                        break;
        }
        json_decref(cfg);
        berth_image_rec_clear(&rec);
        free(layers);
        *ret = v;
        *ret_n = nh;
        return 0;
}

void berth_history_free(berth_history_entry *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].created);
                free(v[i].created_by);
                free(v[i].comment);
        }
        free(v);
}
