/* SPDX-License-Identifier: Apache-2.0 */
/* `commit`: a snapshot's upper dir becomes a layer on top of its image, and a new image. */
#include "changes.h"
#include "imagedb.h"
#include "layers.h"
#include "pack.h"
#include "reference.h"
#include "snapshot-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "oci/image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int full_tag_of(const char *tag, char **ret, berth_error *err)
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
                                  "refusing to create a tag with a digest reference: "
                                  "'%s'",
                                  tag);
        }
        *ret = s;
        return 0;
}

/* The image's config and manifest, parsed from the store. */
static int load_parent(berth_images *im, const berth_image_rec *rec, oci_image_config **ret_cfg,
                       oci_manifest **ret_man, berth_error *err)
{
        _cleanup_free_ char *cj = NULL, *mj = NULL;
        size_t cl, ml;
        berth_store *s = berth_images_store(im);
        if (!rec->has_manifest)
                return berth_errx(err, ENOENT, "image %s has no manifest", rec->id.s);
        if (berth_store_read_blob(s, &rec->id, BERTH_STORE_MANIFEST_MAX, &cj, &cl, err) < 0 ||
            berth_store_read_blob(s, &rec->manifest, BERTH_STORE_MANIFEST_MAX, &mj, &ml, err) < 0)
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

/* Pack the upper dir into an unnamed temp file in root/tmp; *ret_fd is the caller's. */
static int pack_upper(berth_images *im, const char *dir, int *ret_fd, berth_digest *ret_diff,
                      berth_error *err)
{
        _cleanup_free_ char *upper = berth_xasprintf("%s/upper", dir);
        _cleanup_free_ char *tmp =
            berth_xasprintf("%s/tmp", berth_store_root(berth_images_store(im)));
        _cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ufd < 0)
                return berth_err(err, errno, "cannot open '%s'", upper);
        _cleanup_close_ int tfd = open(tmp, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (tfd < 0)
                return berth_err(err, errno, "cannot create a temp file in '%s'", tmp);
        int r = berth_pack_diff(ufd, tfd, ret_diff, NULL, err);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(tfd);
        return 0;
}

/* The packed layer into the blob store, and unpacked as a layer on parent (writer lock held). */
static int store_layer(berth_images *im, int tfd, const berth_digest *diff,
                       const berth_digest *parent, berth_digest *ret_blob, uint64_t *ret_size,
                       berth_digest *ret_chain, berth_error *err)
{
        if (lseek(tfd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "cannot rewind the packed layer");
        int r = berth_store_put_fd(berth_images_store(im), tfd, diff, -1, ret_blob, ret_size, err);
        if (r < 0)
                return r;
        if (lseek(tfd, 0, SEEK_SET) < 0)
                return berth_err(err, errno, "cannot rewind the packed layer");
        berth_unpack_opts uo = {0};
        return berth_layer_add(berth_images_layers_fd(im), parent, tfd, diff, &uo, ret_chain, NULL,
                               err);
}

/* The parent's manifest with the new config and one more layer, stored. */
static int store_manifest(berth_images *im, const oci_manifest *pm, const berth_digest *cfg,
                          size_t cfg_len, const berth_digest *blob, uint64_t blob_size,
                          berth_digest *ret, berth_error *err)
{
        bool docker = pm->media_type && strcmp(pm->media_type, BERTH_MT_DOCKER_MANIFEST) == 0;
        oci_descriptor *layers = berth_xmalloc0((pm->n_layers + 1) * sizeof(*layers));
        memcpy(layers, pm->layers, pm->n_layers * sizeof(*layers));
        layers[pm->n_layers] = (oci_descriptor){
            .media_type = (char *)(docker ? BERTH_MT_DOCKER_LAYER : BERTH_MT_OCI_LAYER),
            .digest = *blob,
            .size = (int64_t)blob_size};
        oci_manifest m = {
            .schema_version = 2,
            .media_type = (char *)(docker ? BERTH_MT_DOCKER_MANIFEST : BERTH_MT_OCI_MANIFEST),
            .config = {.media_type =
                           (char *)(docker ? BERTH_MT_DOCKER_CONFIG : BERTH_MT_OCI_CONFIG),
                       .digest = *cfg,
                       .size = (int64_t)cfg_len},
            .layers = layers,
            .n_layers = pm->n_layers + 1};
        size_t len;
        _cleanup_free_ char *json = berth_oci_manifest_to_json(&m, &len);
        free(layers);
        return berth_store_put_buf(berth_images_store(im), json, len, NULL, ret, err);
}

static int register_image(berth_images *im, const berth_image_rec *rec,
                          const berth_image_layer_rec *pl, size_t n,
                          const berth_image_layer_rec *nl, const char *full_tag, berth_error *err)
{
        berth_image_layer_rec *all = berth_xmalloc0((n + 1) * sizeof(*all));
        memcpy(all, pl, n * sizeof(*all));
        all[n] = *nl;
        berth_db *db = berth_images_db(im);
        int r = berth_db_begin(db, err);
        if (r == 0) {
                if ((r = berth_imagedb_put(db, rec, all, n + 1, err)) < 0 ||
                    (full_tag && (r = berth_imagedb_tag(db, full_tag, &rec->id, err)) < 0) ||
                    (r = berth_db_commit(db, err)) < 0)
                        berth_db_rollback(db);
        }
        free(all);
        return r;
}

int berth_snapshot_commit(berth_images *im, const char *dir, char *const *changes,
                          const char *message, const char *author, const char *tag,
                          berth_digest *ret_id, berth_error *err)
{
        _cleanup_free_ char *full_tag = NULL, *cfg_json = NULL;
        _cleanup_close_ int tfd = -1;
        _cleanup_(berth_store_unlockp) int lock = -1;
        berth_digest image, blob, chain, diff, id, manifest;
        berth_image_rec prec = {0};
        berth_image_layer_rec *pl = NULL;
        size_t n = 0;
        oci_image_config *pcfg = NULL, *cfg = NULL;
        oci_manifest *pman = NULL;
        uint64_t blob_size = 0;
        int r = full_tag_of(tag, &full_tag, err);
        if (r == 0)
                r = berth_snapshot_image(im, dir, &image, err);
        if (r == 0)
                r = berth_imagedb_get(berth_images_db(im), &image, &prec, &pl, &n, err);
        if (r == 0)
                r = load_parent(im, &prec, &pcfg, &pman, err);
        if (r < 0)
                goto out;
        cfg = berth_oci_image_config_dup(pcfg);
        STRV_FOREACH (ch, (char **)changes)
                if ((r = berth_config_apply_change(cfg, *ch, err)) < 0)
                        goto out;
        if ((r = pack_upper(im, dir, &tfd, &diff, err)) < 0)
                goto out;
        /* From the layer's blob until the image is registered: gc must wait. */
        if ((lock = berth_images_writer_lock(im, err)) < 0) {
                r = lock;
                goto out;
        }
        if ((r = store_layer(im, tfd, &diff, prec.has_top_layer ? &prec.top_layer : NULL, &blob,
                             &blob_size, &chain, err)) < 0)
                goto out;
        char now[64];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        berth_rfc3339_format(ts.tv_sec, (int32_t)ts.tv_nsec, now, sizeof(now));
        berth_oci_image_config_set_created(cfg, now);
        if (author) {
                free(cfg->author);
                cfg->author = berth_xstrdup(author);
        }
        berth_oci_image_config_add_diff_id(cfg, &diff);
        berth_oci_image_config_add_history(cfg, now, NULL, author, message, false);
        size_t cfg_len;
        cfg_json = berth_oci_image_config_to_json(cfg, &cfg_len);
        if ((r = berth_store_put_buf(berth_images_store(im), cfg_json, cfg_len, NULL, &id, err)) <
                0 ||
            (r = store_manifest(im, pman, &id, cfg_len, &blob, blob_size, &manifest, err)) < 0)
                goto out;
        berth_image_rec rec = {.id = id,
                               .has_manifest = true,
                               .manifest = manifest,
                               .has_top_layer = true,
                               .top_layer = chain,
                               .created = now,
                               .size =
                                   prec.size + berth_layer_size(berth_images_layers_fd(im), &chain),
                               .added = ts.tv_sec};
        berth_image_layer_rec nl = {
            .chain_id = chain, .diff_id = diff, .has_blob = true, .blob = blob};
        if ((r = register_image(im, &rec, pl, n, &nl, full_tag, err)) < 0)
                goto out;
        *ret_id = id;
out:
        berth_oci_image_config_free(pcfg);
        berth_oci_image_config_free(cfg);
        berth_oci_manifest_free(pman);
        berth_image_rec_clear(&prec);
        free(pl);
        if (r < 0)
                return berth_wrap(err, "cannot commit snapshot '%s'", dir);
        return 0;
}
