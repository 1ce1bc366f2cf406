/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pull's layers, in parallel: each worker thread has its own registry handle
 * and takes the next layer the store lacks. A layer that is wholly missing is
 * downloaded once: every chunk goes into the store's verifying blob writer
 * and, through a pipe, to an unpack thread that builds layers/<chain-id> from
 * the same bytes. Nothing unpacked is trusted before its diff id (the hash of
 * the whole uncompressed stream) equals the config's, and the config is
 * trusted through its digest, the image id: a cut or corrupted download can
 * leave no layer behind, only temp files the next open removes.
 */
#include "transfer-internal.h"
#include "image/layers.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PIPE_SIZE     (1024 * 1024)
#define PROGRESS_NSEC 100000000LL /* at most one "Downloading" event per layer per 100 ms */

typedef struct {
        xfer *x;
        berth_images *im;
        const char *repo;
        pull_layer *v;
        size_t *todo; /* indices into v of the layers to fetch */
} job;

/* The unpack side of one download. */
typedef struct {
        int layers_fd;
        const pull_layer *l;
        int fd; /* the pipe's read end; closed by the thread when it is done */
        atomic_bool done, failed;
        int rc;
        berth_error err;
} unpacker;

/* One download: the blob writer and the pipe to the unpacker. */
typedef struct {
        job *j;
        const pull_layer *l;
        char id[13];
        berth_blob_writer *w;
        int pipe_fd; /* write end, -1 when there is no unpacker (or it stopped) */
        unpacker *u;
        berth_error err; /* a write failure */
        bool write_failed;
        int64_t done;
        struct timespec last;
} download;

static void *unpack_main(void *arg)
{
        unpacker *u = arg;
        berth_unpack_opts uo = {0};
        u->rc = berth_layer_add_unordered(u->layers_fd, u->l->has_parent ? &u->l->parent : NULL,
                                          u->fd, &u->l->diff_id, &uo, NULL, NULL, &u->err);
        /* Closing the read end tells the writer (EPIPE) that nothing more is read. */
        close(u->fd);
        u->fd = -1;
        if (u->rc < 0)
                atomic_store(&u->failed, true);
        atomic_store(&u->done, true);
        return NULL;
}

static int write_all(int fd, const void *data, size_t len)
{
        const char *p = data;
        while (len) {
                ssize_t w = write(fd, p, len);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                len -= (size_t)w;
        }
        return 0;
}

static int64_t elapsed_ns(const struct timespec *a, const struct timespec *b)
{
        return (int64_t)(b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);
}

static int tee_write(const void *data, size_t len, void *userdata)
{
        download *d = userdata;
        if (atomic_load(&d->j->x->failed))
                return -ECANCELED; /* another layer failed: the pull is over */
        if (berth_blob_write(d->w, data, len, &d->err) < 0) {
                d->write_failed = true;
                return -EIO;
        }
        if (d->pipe_fd >= 0) {
                if (d->u && atomic_load(&d->u->failed))
                        return -ECANCELED; /* the layer is bad: no use downloading the rest */
                int r = write_all(d->pipe_fd, data, len);
                if (r == -EPIPE) {
                        /* The unpacker stopped reading: it failed (seen above next time)
                         * or found the layer already there (another pull made it). */
                        close(d->pipe_fd);
                        d->pipe_fd = -1;
                        if (d->u && atomic_load(&d->u->failed))
                                return -ECANCELED;
                } else if (r < 0) {
                        berth_err(&d->err, -r, "cannot pass layer %s to the unpacker",
                                  d->l->desc->digest.s);
                        d->write_failed = true;
                        return -EIO;
                }
        }
        return 0;
}

static void on_progress(int64_t done, void *userdata)
{
        download *d = userdata;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        d->done = done;
        if (elapsed_ns(&d->last, &now) < PROGRESS_NSEC && done < d->l->desc->size)
                return;
        d->last = now;
        xfer_progress(d->j->x, d->id, "Downloading", done, d->l->desc->size);
}

/* Download layer l into the store, unpacking it on the way when unpack is set. */
static int fetch(job *j, berth_registry *reg, const pull_layer *l, bool unpack, berth_error *err)
{
        download d = {.j = j, .l = l, .pipe_fd = -1};
        unpacker u = {.layers_fd = berth_images_layers_fd(j->im), .l = l, .fd = -1};
        pthread_t th;
        bool started = false;
        int fds[2] = {-1, -1};
        xfer_short_id(&l->desc->digest, d.id);
        /* The client hashes every byte and fails on a mismatch before we commit. */
        int r = berth_blob_writer_new_verified(berth_images_store(j->im), &l->desc->digest,
                                               l->desc->size, &d.w, err);
        if (r < 0)
                return r;
        if (unpack) {
                if (pipe2(fds, O_CLOEXEC) < 0) {
                        r = berth_err(err, errno, "cannot make a pipe");
                        goto out;
                }
                fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE);
                u.fd = fds[0];
                d.pipe_fd = fds[1];
                d.u = &u;
                if ((r = pthread_create(&th, NULL, unpack_main, &u)) != 0) {
                        close(fds[0]);
                        u.fd = -1;
                        r = berth_err(err, r, "cannot start an unpack thread");
                        goto out;
                }
                started = true;
        }
        clock_gettime(CLOCK_MONOTONIC, &d.last);
        xfer_progress(j->x, d.id, "Downloading", 0, l->desc->size);
        r = berth_registry_get_blob(reg, j->repo, &l->desc->digest, l->desc->size, tee_write,
                                    on_progress, &d, err);
        /* EOF for the unpacker: it finishes (a whole stream) or fails (anything less). */
        if (d.pipe_fd >= 0) {
                close(d.pipe_fd);
                d.pipe_fd = -1;
        }
        if (r < 0) {
                /* The client's message names the blob and the registry; ours say more
                 * when the bytes could not be kept or were no layer. */
                if (d.write_failed) {
                        *err = d.err;
                        berth_wrap(err, "cannot store layer %s", l->desc->digest.s);
                } else if (started && atomic_load(&u.failed)) {
                        pthread_join(th, NULL);
                        started = false;
                        *err = u.err;
                        berth_wrap(err, "cannot unpack layer %s", l->desc->digest.s);
                }
                goto out;
        }
        xfer_progress(j->x, d.id, "Verifying Checksum", l->desc->size, l->desc->size);
        if ((r = berth_blob_writer_commit(d.w, NULL, NULL, err)) < 0)
                goto out;
        xfer_progress(j->x, d.id, "Download complete", l->desc->size, l->desc->size);
        if (started) {
                xfer_progress(j->x, d.id, "Extracting", l->desc->size, l->desc->size);
                pthread_join(th, NULL);
                started = false;
                if (u.rc < 0) {
                        *err = u.err;
                        r = berth_wrap(err, "cannot unpack layer %s", l->desc->digest.s);
                        goto out;
                }
        }
out:
        if (d.pipe_fd >= 0)
                close(d.pipe_fd);
        if (started)
                pthread_join(th, NULL);
        berth_blob_writer_free(d.w);
        return r;
}

/* The blob is stored (just now, or before): check that it holds the config's diff id. */
static int check_diff_id(job *j, const pull_layer *l, berth_error *err)
{
        _cleanup_close_ int fd = -1;
        uint64_t size;
        berth_digest got;
        int r = berth_store_open_blob(berth_images_store(j->im), &l->desc->digest, &fd, &size, err);
        if (r < 0 || (r = berth_unpack_diff_id(fd, &got, NULL, err)) < 0)
                return berth_wrap(err, "layer %s", l->desc->digest.s);
        if (!berth_digest_equal(&got, &l->diff_id))
                return berth_errx(err, EBADMSG, "layer %s has diff id %s, but the config says %s",
                                  l->desc->digest.s, got.s, l->diff_id.s);
        return 0;
}

/* Unpack a layer whose blob is stored. */
static int unpack_stored(job *j, const pull_layer *l, berth_error *err)
{
        _cleanup_close_ int fd = -1;
        uint64_t size;
        berth_unpack_opts uo = {0};
        int r = berth_store_open_blob(berth_images_store(j->im), &l->desc->digest, &fd, &size, err);
        if (r == 0)
                r = berth_layer_add_unordered(berth_images_layers_fd(j->im),
                                              l->has_parent ? &l->parent : NULL, fd, &l->diff_id,
                                              &uo, NULL, NULL, err);
        if (r < 0)
                return berth_wrap(err, "cannot unpack layer %s", l->desc->digest.s);
        return 0;
}

static int do_layer(job *j, berth_registry **reg, const pull_layer *l, berth_error *err)
{
        char id[13];
        int r;
        xfer_short_id(&l->desc->digest, id);
        if (!l->have_blob && *reg == NULL && (r = xfer_open(j->x, reg, err)) < 0)
                return r;
        if (!l->have_blob && !l->have_layer) {
                if ((r = fetch(j, *reg, l, true, err)) < 0)
                        return r;
        } else if (!l->have_blob) {
                /* The directory is there (another image's), the blob is not: the blob is
                 * kept for push and save, and must hold this layer. */
                if ((r = fetch(j, *reg, l, false, err)) < 0 || (r = check_diff_id(j, l, err)) < 0)
                        return r;
        } else {
                xfer_progress(j->x, id, "Extracting", 0, l->desc->size);
                if ((r = unpack_stored(j, l, err)) < 0)
                        return r;
        }
        xfer_progress(j->x, id, "Pull complete", l->desc->size, l->desc->size);
        return 0;
}

static int task(void *ctx, size_t i, berth_registry **reg, berth_error *err)
{
        job *j = ctx;
        return do_layer(j, reg, &j->v[j->todo[i]], err);
}

int pull_layers(xfer *x, berth_images *im, const char *repo, pull_layer *v, size_t n,
                berth_error *err)
{
        _cleanup_free_ size_t *todo = berth_xmalloc0((n ? n : 1) * sizeof(*todo));
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (!v[i].have_blob || !v[i].have_layer)
                        todo[k++] = i;
        job j = {.x = x, .im = im, .repo = repo, .v = v, .todo = todo};
        return xfer_parallel(x, k, task, &j, err);
}
