/* SPDX-License-Identifier: Apache-2.0 */
/* `import`: a root filesystem tar becomes a one-layer image. */
#include "changes.h"
#include "image/unpack.h"
#include "images.h"
#include "layers.h"
#include "reference.h"
#include "snapshot.h"
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

/* The layer media type from the blob's first bytes. */
static const char *layer_media_type(int fd)
{
        unsigned char m[4] = {0};
        ssize_t n = pread(fd, m, sizeof(m), 0);
        if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
                return BERTH_MT_OCI_LAYER_GZIP;
        if (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
                return BERTH_MT_OCI_LAYER_ZSTD;
        return BERTH_MT_OCI_LAYER;
}

int berth_images_import(berth_images *im, int fd, const char *tag, char *const *changes,
                        const char *message, berth_digest *ret_id, berth_error *err)
{
        /* Check what we can before reading anything. */
        if (berth_libarchive_load(err) < 0)
                return -err->code;

        _cleanup_free_ char *full_tag = NULL;
        if (berth_image_full_tag(tag, &full_tag, err) < 0)
                return -err->code;
        _cleanup_close_ int bfd = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_(berth_store_unlockp) int lock = -1;
        berth_blob_writer *w = NULL;
        bool have_blob = false, have_layer = false, done = false;
        berth_digest blob, chain, diff;
        const char *os, *arch, *variant;
        berth_host_platform(&os, &arch, &variant);
        oci_image_config *cfg = berth_oci_image_config_new(os, arch, variant);
        int r = 0;
        STRV_FOREACH (ch, (char **)changes) {
                if ((r = berth_config_apply_change(cfg, *ch, err)) < 0)
                        goto out;
        }

        /* 1. the tar, as it came, into the blob store (it is what save/push hand out); read
         * into a temp file that gc never touches, so the lock waits until it is all here */
        if ((r = berth_blob_writer_new(berth_images_store(im), NULL, -1, &w, err)) < 0)
                goto out;
        buf = berth_xmalloc0(128 * 1024);
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = berth_err(err, errno, "cannot read the tar to import");
                        goto out;
                }
                if (n == 0)
                        break;
                if ((r = berth_blob_write(w, buf, (size_t)n, err)) < 0)
                        goto out;
        }
        if ((lock = berth_images_writer_lock(im, err)) < 0) {
                r = lock;
                goto out;
        }
        uint64_t blob_size = 0;
        if ((r = berth_blob_writer_commit(w, &blob, &blob_size, err)) < 0)
                goto out;
        have_blob = true;
        /* 2. unpacked once into layers/<chain-id> */
        uint64_t ignored;
        if ((r = berth_store_open_blob(berth_images_store(im), &blob, &bfd, &ignored, err)) < 0)
                goto out;
        berth_unpack_opts uo = {0};
        if ((r = berth_layer_add(berth_images_layers_fd(im), NULL, bfd, NULL, &uo, &chain, &diff,
                                 err)) < 0) {
                berth_wrap(err, "cannot import the tar");
                goto out;
        }
        have_layer = true;
        /* 3. the config, the manifest and the image, in one transaction: the image exists
         * from here on */
        berth_image_new_layer nl = {.blob = blob,
                                    .blob_size = blob_size,
                                    .media_type = layer_media_type(bfd),
                                    .diff = diff,
                                    .chain = chain};
        berth_image_derive_opts o = {.layer = &nl,
                                     .history = true,
                                     .created_by = "berth import",
                                     .comment = message ? message : "Imported from -",
                                     .tag = tag};
        if ((r = berth_image_derive(im, &o, cfg, ret_id, err)) < 0)
                goto out;
        done = true;
out:
        berth_blob_writer_free(w);
        berth_store_unlock(TAKE_FD(lock));
        /* Bad input leaves the store as it was: drop the blob and layer unless an image uses
         * them. Removing is collecting: only when no other writer is running (one may rely on
         * them), else the next gc does it. */
        if (!done && (have_blob || have_layer) &&
            (lock = berth_images_collect_lock(im, false, NULL)) >= 0) {
                berth_db *idb = berth_images_db(im);
                int64_t users = 1;
                if (have_layer && berth_imagedb_layer_users(idb, &chain, &users, NULL) == 0 &&
                    users == 0 && berth_snapshot_layer_users(idb, &chain, &users, NULL) == 0 &&
                    users == 0)
                        berth_layer_remove(berth_images_layers_fd(im), &chain, NULL);
                if (have_blob && berth_imagedb_blob_users(idb, &blob, &users, NULL) == 0 &&
                    users == 0)
                        berth_store_remove_blob(berth_images_store(im), &blob, NULL);
        }
        berth_oci_image_config_free(cfg);
        return r;
}
