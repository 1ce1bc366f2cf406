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
        if (tag) {
                berth_ref ref = {0};
                if (berth_ref_parse(tag, &ref, err) < 0)
                        return -err->code;
                bool digest = ref.has_digest;
                full_tag = berth_ref_string(&ref);
                berth_ref_clear(&ref);
                if (digest)
                        return berth_errx(err, EINVAL, "cannot import to a digest reference: '%s'",
                                          tag);
        }
        _cleanup_close_ int bfd = -1;
        _cleanup_free_ char *cfg_json = NULL, *man_json = NULL, *buf = NULL;
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
        /* 3. the config and the manifest */
        char now[64];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        berth_rfc3339_format(ts.tv_sec, (int32_t)ts.tv_nsec, now, sizeof(now));
        berth_oci_image_config_set_created(cfg, now);
        berth_oci_image_config_add_diff_id(cfg, &diff);
        berth_oci_image_config_add_history(cfg, now, "berth import", NULL,
                                           message ? message : "Imported from -", false);
        size_t cfg_len;
        cfg_json = berth_oci_image_config_to_json(cfg, &cfg_len);
        berth_digest id;
        if ((r = berth_store_put_buf(berth_images_store(im), cfg_json, cfg_len, NULL, &id, err)) <
            0)
                goto out;
        oci_descriptor layer = {.media_type = (char *)layer_media_type(bfd),
                                .digest = blob,
                                .size = (int64_t)blob_size};
        oci_manifest m = {.schema_version = 2,
                          .media_type = (char *)BERTH_MT_OCI_MANIFEST,
                          .config = {.media_type = (char *)BERTH_MT_OCI_CONFIG,
                                     .digest = id,
                                     .size = (int64_t)cfg_len},
                          .layers = &layer,
                          .n_layers = 1};
        size_t man_len;
        man_json = berth_oci_manifest_to_json(&m, &man_len);
        berth_digest manifest;
        if ((r = berth_store_put_buf(berth_images_store(im), man_json, man_len, NULL, &manifest,
                                     err)) < 0)
                goto out;
        /* 4. the metadata, in one transaction: the image exists from here on */
        berth_image_rec rec = {.id = id,
                               .has_manifest = true,
                               .manifest = manifest,
                               .has_top_layer = true,
                               .top_layer = chain,
                               .created = now,
                               .size = berth_layer_size(berth_images_layers_fd(im), &chain),
                               .added = ts.tv_sec};
        berth_image_layer_rec lr = {
            .chain_id = chain, .diff_id = diff, .has_blob = true, .blob = blob};
        berth_db *db = berth_images_db(im);
        if ((r = berth_db_begin(db, err)) < 0)
                goto out;
        if ((r = berth_imagedb_put(db, &rec, &lr, 1, err)) < 0 ||
            (full_tag && (r = berth_imagedb_tag(db, full_tag, &id, err)) < 0) ||
            (r = berth_db_commit(db, err)) < 0) {
                berth_db_rollback(db);
                goto out;
        }
        *ret_id = id;
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
