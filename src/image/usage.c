/* SPDX-License-Identifier: Apache-2.0 */
/* `system df` and `image prune`. */
#include "usage.h"
#include "layers.h"
#include "imagedb.h"
#include "snapshot.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes of everything but directories under dirfd, not crossing mounts. */
static int64_t tree_size(int dfd, dev_t dev)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (d == NULL) {
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        int64_t total = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                struct stat st;
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
                        continue;
                if (!S_ISDIR(st.st_mode)) {
                        total += st.st_size;
                        continue;
                }
                _cleanup_close_ int sub =
                    openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub >= 0)
                        total += tree_size(sub, dev);
        }
        closedir(d);
        return total;
}

typedef struct {
        berth_digest chain;
        int64_t size, users;
        bool in_snapshot;
} layer_count;

static layer_count *find_layer(layer_count *v, size_t n, const berth_digest *d)
{
        for (size_t i = 0; i < n; i++)
                if (berth_digest_equal(&v[i].chain, d))
                        return &v[i];
        return NULL;
}

void berth_disk_usage_clear(berth_disk_usage *u)
{
        for (size_t i = 0; i < u->n_images; i++) {
                berth_image_rec_clear(&u->images[i].s.rec);
                berth_strv_free(u->images[i].s.tags);
                berth_strv_free(u->images[i].s.digests);
        }
        free(u->images);
        for (size_t i = 0; i < u->n_snapshots; i++)
                free(u->snapshots[i].dir);
        free(u->snapshots);
        memset(u, 0, sizeof(*u));
}

int berth_images_disk_usage(berth_images *im, berth_disk_usage *ret, berth_error *err)
{
        berth_db *db = berth_images_db(im);
        berth_image_summary *v = NULL;
        size_t n = 0;
        int r = berth_images_list(im, &v, &n, err);
        if (r < 0)
                return r;
        berth_disk_usage u = {.images = berth_xmalloc0((n ? n : 1) * sizeof(berth_image_usage)),
                              .n_images = n};
        berth_image_layer_rec **layers = berth_xmalloc0((n ? n : 1) * sizeof(*layers));
        size_t *nl = berth_xmalloc0((n ? n : 1) * sizeof(size_t));
        layer_count *lc = NULL;
        size_t nlc = 0;
        for (size_t i = 0; i < n; i++)
                u.images[i].s = v[i];
        for (size_t i = 0; i < n && r == 0; i++) {
                berth_image_rec rec = {0};
                r = berth_imagedb_get(db, &v[i].rec.id, &rec, &layers[i], &nl[i], err);
                berth_image_rec_clear(&rec);
                for (size_t k = 0; r == 0 && k < nl[i]; k++) {
                        layer_count *c = find_layer(lc, nlc, &layers[i][k].chain_id);
                        if (c == NULL) {
                                lc = berth_xrealloc(lc, (nlc + 1) * sizeof(*lc));
                                c = &lc[nlc++];
                                int64_t su = 0;
                                *c = (layer_count){.chain = layers[i][k].chain_id,
                                                   .size =
                                                       berth_layer_size(berth_images_layers_fd(im),
                                                                        &layers[i][k].chain_id)};
                                berth_snapshot_layer_users(db, &c->chain, &su, NULL);
                                c->in_snapshot = su > 0;
                                u.layers_size += c->size;
                                if (!c->in_snapshot)
                                        u.layers_reclaimable += c->size;
                        }
                        c->users++;
                }
                if (r == 0)
                        r = berth_snapshot_image_users(db, &v[i].rec.id, &u.images[i].containers,
                                                       NULL, err);
                if (u.images[i].containers > 0)
                        u.images_active++;
        }
        free(v);
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < nl[i]; k++) {
                        layer_count *c = find_layer(lc, nlc, &layers[i][k].chain_id);
                        if (c == NULL)
                                continue;
                        u.images[i].size += c->size;
                        if (c->users > 1)
                                u.images[i].shared += c->size;
                }
                u.images[i].unique = u.images[i].size - u.images[i].shared;
                free(layers[i]);
        }
        free(layers);
        free(nl);
        free(lc);
        berth_snapshot_rec *sv = NULL;
        size_t ns = 0;
        if (r == 0)
                r = berth_snapshot_list(db, &sv, &ns, err);
        if (r < 0) {
                berth_disk_usage_clear(&u);
                return r;
        }
        u.snapshots = berth_xmalloc0((ns ? ns : 1) * sizeof(*u.snapshots));
        u.n_snapshots = ns;
        for (size_t i = 0; i < ns; i++) {
                u.snapshots[i].dir = TAKE_PTR(sv[i].dir);
                u.snapshots[i].image = sv[i].image;
                u.snapshots[i].mounted = berth_snapshot_mounted(u.snapshots[i].dir);
                _cleanup_free_ char *upper = berth_xasprintf("%s/upper", u.snapshots[i].dir);
                _cleanup_close_ int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                struct stat st;
                if (fd >= 0 && fstat(fd, &st) == 0)
                        u.snapshots[i].size = tree_size(fd, st.st_dev);
        }
        berth_snapshot_recs_free(sv, ns);
        *ret = u;
        return 0;
}

/* Whether id is among v. */
static bool listed(const berth_digest *v, size_t n, const berth_digest *id)
{
        for (size_t i = 0; i < n; i++)
                if (berth_digest_equal(&v[i], id))
                        return true;
        return false;
}

int berth_images_prune_match(berth_images *im, bool all,
                             bool (*match)(const berth_image_summary *s, void *ud), void *ud,
                             char ***ret_report, uint64_t *ret_reclaimed, berth_error *err)
{
        _cleanup_strv_ char **report = berth_xmalloc0(sizeof(char *));
        _cleanup_free_ berth_digest *tried = NULL;
        size_t ntried = 0;
        uint64_t reclaimed = 0;
        int r = 0;
        /* Pass after pass until one removes nothing: an image with children is no candidate
         * (docker's heads only), and becomes one once they are gone. An untagged parent goes
         * with its last child already (rmi's pruning); with all a tagged one needs the next
         * pass. Each image is tried once. */
        for (bool progress = true; progress && r == 0;) {
                progress = false;
                berth_image_summary *v = NULL;
                size_t n = 0;
                if ((r = berth_images_list(im, &v, &n, err)) < 0)
                        break;
                for (size_t i = 0; i < n && r == 0; i++) {
                        int64_t users = 0;
                        if (v[i].children > 0 || listed(tried, ntried, &v[i].rec.id))
                                continue;
                        if (!all && !berth_image_summary_dangling(&v[i]))
                                continue;
                        if (match && !match(&v[i], ud))
                                continue;
                        if ((r = berth_snapshot_image_users(berth_images_db(im), &v[i].rec.id,
                                                            &users, NULL, err)) < 0 ||
                            users > 0)
                                continue;
                        tried = berth_xrealloc(tried, (ntried + 1) * sizeof(*tried));
                        tried[ntried++] = v[i].rec.id;
                        char **lines = NULL;
                        uint64_t bytes = 0;
                        r = berth_images_remove_flags(im, v[i].rec.id.s, BERTH_IMAGES_RM_FORCE,
                                                      &lines, &bytes, err);
                        if (r == -EBUSY || r == -ENOENT) {
                                /* a child or a container since the listing, or gone: not ours */
                                r = 0;
                                continue;
                        }
                        if (r < 0)
                                break;
                        progress = true;
                        reclaimed += bytes;
                        STRV_FOREACH (line, lines) {
                                /* "Untagged: x" → "untagged: x", as prune prints them */
                                (*line)[0] = (char)tolower((unsigned char)(*line)[0]);
                                berth_strv_push(&report, *line);
                        }
                        berth_strv_free(lines);
                }
                berth_image_summaries_free(v, n);
        }
        if (r < 0)
                return r;
        *ret_report = TAKE_PTR(report);
        if (ret_reclaimed)
                *ret_reclaimed = reclaimed;
        return 0;
}
