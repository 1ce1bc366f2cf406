/* SPDX-License-Identifier: Apache-2.0 */
/* Writing blobs: temp file in root/tmp, hashed on the way, verified, fsynced, renamed. */
#include "store-private.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct berth_blob_writer {
        berth_store *store;
        int fd;        /* the temp file, flock()ed while we live */
        char name[40]; /* its name under root/tmp: "<pid>-<16 hex>" */
        bool finished; /* committed or aborted: the temp file is gone */
        berth_hasher *hasher;
        uint64_t size;
        bool has_expected;
        berth_digest expected;
        int64_t expected_size;
        bool verified; /* the caller checks the digest: no hashing here */
};

static uint64_t random_u64(void)
{
        uint64_t v;
        if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
                return v;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        static uint64_t counter;
        return ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ ++counter;
}

/*
 * Create and lock a fresh temp file. A cleaner (berth_store_open() elsewhere)
 * may take a file between our open and our flock when it cannot see our pid
 * (another pid namespace): then the name is unlinked, and we try another.
 */
static int create_temp(berth_store *s, char name[static 40], berth_error *err)
{
        for (int attempt = 0; attempt < 16; attempt++) {
                snprintf(name, 40, "%d-%016llx", (int)getpid(), (unsigned long long)random_u64());
                _cleanup_close_ int fd = openat(
                    s->tmp_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (fd < 0 && errno == EEXIST)
                        continue;
                if (fd < 0)
                        return berth_err(err, errno, "cannot create a temp file in '%s/tmp'",
                                         s->root);
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno == EWOULDBLOCK)
                                continue;
                        int e = errno;
                        unlinkat(s->tmp_fd, name, 0);
                        return berth_err(err, e, "cannot lock '%s/tmp/%s'", s->root, name);
                }
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return berth_err(err, errno, "cannot stat '%s/tmp/%s'", s->root, name);
                if (st.st_nlink == 0)
                        continue;
                return TAKE_FD(fd);
        }
        return berth_errx(err, EEXIST, "cannot create a temp file in '%s/tmp': too many attempts",
                          s->root);
}

int berth_blob_writer_new(berth_store *s, const berth_digest *expected, int64_t expected_size,
                          berth_blob_writer **ret, berth_error *err)
{
        berth_digest want;
        if (expected && berth_digest_parse(expected->s, &want, err) < 0)
                return berth_wrap(err, "cannot write blob");
        berth_blob_writer *w = berth_xmalloc0(sizeof(*w));
        w->store = s;
        w->fd = create_temp(s, w->name, err);
        if (w->fd < 0) {
                int r = w->fd;
                free(w);
                return r;
        }
        w->hasher = berth_hasher_new();
        w->has_expected = expected != NULL;
        if (expected)
                w->expected = want;
        w->expected_size = expected_size < 0 ? -1 : expected_size;
        *ret = w;
        return 0;
}

int berth_blob_writer_new_verified(berth_store *s, const berth_digest *expected,
                                   int64_t expected_size, berth_blob_writer **ret, berth_error *err)
{
        if (expected == NULL)
                return berth_errx(err, EINVAL, "cannot write a verified blob without its digest");
        int r = berth_blob_writer_new(s, expected, expected_size, ret, err);
        if (r == 0)
                (*ret)->verified = true;
        return r;
}

void berth_blob_writer_abort(berth_blob_writer *w)
{
        if (w == NULL || w->finished)
                return;
        /* Unlink before close: while we hold the lock no cleaner touches it. */
        unlinkat(w->store->tmp_fd, w->name, 0);
        close(w->fd);
        w->fd = -1;
        w->finished = true;
}

void berth_blob_writer_free(berth_blob_writer *w)
{
        if (w == NULL)
                return;
        berth_blob_writer_abort(w);
        berth_hasher_free(w->hasher);
        free(w);
}

/* What a blob is called in messages: by its expected digest when we know it. */
static const char *blob_label(const berth_blob_writer *w, char buf[static 96])
{
        if (!w->has_expected)
                return "blob";
        snprintf(buf, 96, "blob '%s'", w->expected.s);
        return buf;
}

int berth_blob_write(berth_blob_writer *w, const void *data, size_t len, berth_error *err)
{
        char label[96];
        if (w->finished)
                return berth_errx(err, EINVAL, "cannot write %s: its writer is finished",
                                  blob_label(w, label));
        if (w->expected_size >= 0 && len > (uint64_t)w->expected_size - w->size) {
                berth_blob_writer_abort(w);
                return berth_errx(err, EBADMSG, "%s size mismatch: expected %lld bytes, got more",
                                  blob_label(w, label), (long long)w->expected_size);
        }
        if (berth_write_all(w->fd, data, len) < 0) {
                int e = errno;
                berth_blob_writer_abort(w);
                return berth_err(err, e, "cannot write %s to '%s/tmp'", blob_label(w, label),
                                 w->store->root);
        }
        if (!w->verified)
                berth_hasher_update(w->hasher, data, len);
        w->size += len;
        return 0;
}

int berth_blob_writer_commit(berth_blob_writer *w, berth_digest *ret, uint64_t *ret_size,
                             berth_error *err)
{
        berth_store *s = w->store;
        berth_digest got;
        char hex[65];
        struct stat st;
        char label[96];

        if (w->finished)
                return berth_errx(err, EINVAL, "cannot commit %s: its writer is finished",
                                  blob_label(w, label));
        if (w->expected_size >= 0 && w->size != (uint64_t)w->expected_size) {
                berth_blob_writer_abort(w);
                return berth_errx(err, EBADMSG, "%s size mismatch: expected %lld bytes, got %llu",
                                  blob_label(w, label), (long long)w->expected_size,
                                  (unsigned long long)w->size);
        }
        if (w->verified)
                got = w->expected;
        else
                berth_hasher_final(w->hasher, &got);
        if (w->has_expected && !berth_digest_equal(&got, &w->expected)) {
                berth_blob_writer_abort(w);
                return berth_errx(err, EBADMSG, "blob digest mismatch: expected %s, got %s",
                                  w->expected.s, got.s);
        }
        int r = berth_store_blob_name(&got, hex, err);
        if (r < 0) {
                berth_blob_writer_abort(w);
                return r;
        }
        if (fchmod(w->fd, 0444) < 0 || fsync(w->fd) < 0) {
                int e = errno;
                berth_blob_writer_abort(w);
                return berth_err(err, e, "cannot sync blob '%s' in '%s/tmp'", got.s, s->root);
        }
        /* The same blob already there (another writer won the race): nothing to do. A
         * file of another size under that name is damaged, and ours replaces it. */
        if (fstatat(s->blobs_fd, hex, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            (uint64_t)st.st_size == w->size) {
                berth_blob_writer_abort(w);
        } else {
                if (renameat(s->tmp_fd, w->name, s->blobs_fd, hex) < 0) {
                        int e = errno;
                        berth_blob_writer_abort(w);
                        return berth_err(err, e, "cannot move blob '%s' into '%s/blobs/sha256'",
                                         got.s, s->root);
                }
                close(w->fd);
                w->fd = -1;
                w->finished = true;
                if (fsync(s->blobs_fd) < 0)
                        return berth_err(err, errno, "cannot sync '%s/blobs/sha256'", s->root);
        }
        if (ret)
                *ret = got;
        if (ret_size)
                *ret_size = w->size;
        return 0;
}

int berth_store_put_buf(berth_store *s, const void *data, size_t len, const berth_digest *expected,
                        berth_digest *ret, berth_error *err)
{
        berth_blob_writer *w = NULL;
        int r = berth_blob_writer_new(s, expected, (int64_t)len, &w, err);
        if (r < 0)
                return r;
        r = berth_blob_write(w, data, len, err);
        if (r >= 0)
                r = berth_blob_writer_commit(w, ret, NULL, err);
        berth_blob_writer_free(w);
        return r;
}

int berth_store_put_fd(berth_store *s, int fd, const berth_digest *expected, int64_t expected_size,
                       berth_digest *ret, uint64_t *ret_size, berth_error *err)
{
        berth_blob_writer *w = NULL;
        char label[96];
        _cleanup_free_ char *buf = berth_xmalloc0(128 * 1024);
        int r = berth_blob_writer_new(s, expected, expected_size, &w, err);
        if (r < 0)
                return r;
        for (;;) {
                ssize_t n = read(fd, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = berth_err(err, errno, "cannot read %s to store it",
                                      blob_label(w, label));
                        break;
                }
                if (n == 0) {
                        r = berth_blob_writer_commit(w, ret, ret_size, err);
                        break;
                }
                r = berth_blob_write(w, buf, (size_t)n, err);
                if (r < 0)
                        break;
        }
        berth_blob_writer_free(w);
        return r;
}
