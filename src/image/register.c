/* SPDX-License-Identifier: Apache-2.0 */
/* Registering an image whose files are all in the store: load and pull. */
#include "images.h"
#include "layers.h"
#include "base/cleanup.h"

#include <errno.h>
#include <string.h>

int berth_images_register(berth_images *im, const berth_image_rec *rec,
                          const berth_image_layer_rec *layers, size_t n_layers, char *const *tags,
                          char *const *repo_digests, berth_digest *ret_prev, bool *ret_changed,
                          berth_error *err)
{
        berth_db *db = berth_images_db(im);
        berth_image_rec old = {0};
        bool changed = false;
        size_t i = 0;
        for (size_t k = 0; k < n_layers; k++)
                if (!berth_layer_exists(berth_images_layers_fd(im), &layers[k].chain_id))
                        return berth_errx(err, ENOENT,
                                          "cannot register image %s: layer %zu (%s) "
                                          "is not in the store",
                                          rec->id.s, k, layers[k].chain_id.s);
        int r = berth_db_begin(db, err);
        if (r < 0)
                return r;
        if (berth_imagedb_get(db, &rec->id, &old, NULL, NULL, NULL) == 0) {
                berth_image_rec_clear(&old); /* already there: only the names can be new */
        } else {
                if ((r = berth_imagedb_put(db, rec, layers, n_layers, err)) < 0)
                        goto fail;
                changed = true;
        }
        STRV_FOREACH (t, (char **)tags) {
                berth_digest prev = {{0}};
                if (berth_imagedb_resolve_tag(db, *t, &prev, NULL) < 0)
                        prev.s[0] = '\0';
                if (!berth_digest_equal(&prev, &rec->id)) {
                        changed = true;
                        if ((r = berth_imagedb_tag(db, *t, &rec->id, err)) < 0)
                                goto fail;
                }
                if (ret_prev)
                        ret_prev[i] = prev;
                i++;
        }
        STRV_FOREACH (d, (char **)repo_digests)
                if ((r = berth_imagedb_add_repo_digest(db, *d, &rec->id, err)) < 0)
                        goto fail;
        if ((r = berth_db_commit(db, err)) < 0)
                goto fail;
        if (ret_changed)
                *ret_changed = changed;
        return 0;
fail:
        berth_db_rollback(db);
        return r;
}
