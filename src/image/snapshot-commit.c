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

/* Pack the upper dir into an unnamed temp file in root/tmp; *ret_fd is the caller's. */
static int pack_upper(berth_images *im, const char *dir, int64_t clamp, int *ret_fd,
                      berth_digest *ret_diff, berth_error *err)
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
        int r = berth_pack_diff_clamped(ufd, tfd, clamp, ret_diff, NULL, err);
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

int berth_snapshot_layer(berth_images *im, const char *dir, berth_image_new_layer *ret,
                         int *ret_lock, berth_error *err)
{
        return berth_snapshot_layer_clamped(im, dir, -1, ret, ret_lock, err);
}

int berth_snapshot_layer_clamped(berth_images *im, const char *dir, int64_t clamp,
                                 berth_image_new_layer *ret, int *ret_lock, berth_error *err)
{
        _cleanup_close_ int tfd = -1;
        _cleanup_(berth_store_unlockp) int lock = -1;
        berth_digest image;
        berth_image_rec prec = {0};
        berth_image_new_layer nl = {0};
        int r = berth_snapshot_image(im, dir, &image, err);
        if (r == 0)
                r = berth_imagedb_get(berth_images_db(im), &image, &prec, NULL, NULL, err);
        if (r == 0)
                r = pack_upper(im, dir, clamp, &tfd, &nl.diff, err);
        /* From the layer's blob until the image is registered: gc must wait. */
        if (r == 0 && (lock = berth_images_writer_lock(im, err)) < 0)
                r = lock;
        if (r == 0)
                r = store_layer(im, tfd, &nl.diff, prec.has_top_layer ? &prec.top_layer : NULL,
                                &nl.blob, &nl.blob_size, &nl.chain, err);
        berth_image_rec_clear(&prec);
        if (r < 0)
                return r;
        *ret = nl;
        *ret_lock = TAKE_FD(lock);
        return 0;
}

int berth_snapshot_commit(berth_images *im, const char *dir, char *const *changes,
                          const char *message, const char *author, const char *tag,
                          berth_digest *ret_id, berth_error *err)
{
        _cleanup_(berth_store_unlockp) int lock = -1;
        _cleanup_free_ char *full_tag = NULL;
        berth_digest image;
        oci_image_config *cfg = NULL;
        oci_manifest *pman = NULL;
        berth_image_new_layer nl = {0};
        /* the tag and the changes are checked before anything is packed */
        int r = berth_image_full_tag(tag, &full_tag, err);
        if (r == 0)
                r = berth_snapshot_image(im, dir, &image, err);
        if (r == 0)
                r = berth_image_load(im, &image, &cfg, &pman, err);
        if (r < 0)
                goto out;
        STRV_FOREACH (ch, (char **)changes)
                if ((r = berth_config_apply_change(cfg, *ch, err)) < 0)
                        goto out;
        if ((r = berth_snapshot_layer(im, dir, &nl, &lock, err)) < 0)
                goto out;
        berth_image_derive_opts o = {.parent = &image,
                                     .layer = &nl,
                                     .history = true,
                                     .comment = message,
                                     .author = author,
                                     .tag = tag};
        r = berth_image_derive(im, &o, cfg, ret_id, err);
out:
        berth_oci_image_config_free(cfg);
        berth_oci_manifest_free(pman);
        if (r < 0)
                return berth_wrap(err, "cannot commit snapshot '%s'", dir);
        return 0;
}
