/* SPDX-License-Identifier: Apache-2.0 */
/* The layer directory store: unpack into a temp dir, verify, sync, rename into place. */
#include "layers.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "unpack-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_PREFIX ".tmp-"

int berth_layer_chain_id(const berth_digest *parent_chain, const berth_digest *diff_id,
                         berth_digest *ret)
{
        if (parent_chain == NULL) {
                *ret = *diff_id;
                return 0;
        }
        char buf[2 * BERTH_DIGEST_LEN + 2];
        int n = snprintf(buf, sizeof(buf), "%s %s", parent_chain->s, diff_id->s);
        berth_digest_of(buf, (size_t)n, ret);
        return 0;
}

static char *tmp_name(const char *what)
{
        uint32_t rnd = 0;
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                rnd = (uint32_t)time(NULL) ^ (uint32_t)getpid();
        return berth_xasprintf(TMP_PREFIX "%d-%08" PRIx32 "%s", (int)getpid(), rnd, what);
}

/* An fd of layers/<name> holding an exclusive flock; -1 when that fails (best effort). */
static int lock_dir(int layers_dirfd, const char *name)
{
        int fd = openat(layers_dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

/* Whether a process holds layers/<name>'s lock (a dir that cannot be opened counts as held). */
static bool dir_locked(int layers_dirfd, const char *name)
{
        _cleanup_close_ int fd =
            openat(layers_dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno != ENOENT && errno != ENOTDIR;
        return flock(fd, LOCK_EX | LOCK_NB) < 0;
}

static int write_small(int dirfd, const char *name, const char *text, berth_error *err)
{
        _cleanup_close_ int fd =
            openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0)
                return berth_err(err, errno, "cannot create '%s'", name);
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
                return berth_err(err, errno ? errno : EIO, "cannot write '%s'", name);
        return 0;
}

static void fsync_dir(int dirfd)
{
        _cleanup_close_ int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0)
                fsync(fd);
}

/* Everything after the unpack: verify, describe, sync, rename. */
static int finish(int layers_dirfd, const char *tmp, int tmpfd, const berth_digest *parent_chain,
                  const berth_digest *diff, const berth_digest *expected, uint64_t size,
                  berth_digest *ret_chain, berth_error *err)
{
        if (expected && !berth_digest_equal(expected, diff))
                return berth_errx(err, EINVAL, "layer diff id mismatch: expected %s, got %s",
                                  expected->s, diff->s);
        berth_digest chain;
        berth_layer_chain_id(parent_chain, diff, &chain);
        char num[32];
        snprintf(num, sizeof(num), "%" PRIu64 "\n", size);
        _cleanup_free_ char *diff_line = berth_xasprintf("%s\n", diff->s);
        int r = write_small(tmpfd, "diff-id", diff_line, err);
        if (r == 0)
                r = write_small(tmpfd, "size", num, err);
        if (r == 0 && parent_chain) {
                _cleanup_free_ char *p = berth_xasprintf("%s\n", parent_chain->s);
                r = write_small(tmpfd, "parent", p, err);
        }
        if (r < 0)
                return r;
        /* The unpacked files reach the disk before the name that says they are whole. */
        _cleanup_close_ int sfd = openat(tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0 || syncfs(sfd) < 0)
                return berth_err(err, errno, "cannot sync layer '%s'", chain.s);
        if (renameat2(layers_dirfd, tmp, layers_dirfd, berth_digest_hex(&chain), RENAME_NOREPLACE) <
            0) {
                if (errno != EEXIST && errno != ENOTEMPTY)
                        return berth_err(err, errno, "cannot move layer '%s' into place", chain.s);
                /* Another process added it first: ours is a duplicate. */
                berth_rm_rf_at(layers_dirfd, tmp);
        }
        fsync_dir(layers_dirfd);
        *ret_chain = chain;
        return 0;
}

static int layer_add(int layers_dirfd, const berth_digest *parent_chain, bool need_parent,
                     int tar_fd, const berth_digest *expected_diff_id, const berth_unpack_opts *o,
                     berth_digest *ret_chain_id, berth_digest *ret_diff_id, berth_error *err)
{
        berth_digest chain, diff;
        if (need_parent && parent_chain && !berth_layer_exists(layers_dirfd, parent_chain))
                return berth_errx(err, ENOENT, "parent layer '%s' does not exist", parent_chain->s);
        if (expected_diff_id) {
                berth_layer_chain_id(parent_chain, expected_diff_id, &chain);
                if (berth_layer_exists(layers_dirfd, &chain)) {
                        if (ret_chain_id)
                                *ret_chain_id = chain;
                        if (ret_diff_id)
                                *ret_diff_id = *expected_diff_id;
                        return 0;
                }
        }

        _cleanup_free_ char *tmp = tmp_name("");
        if (mkdirat(layers_dirfd, tmp, 0700) < 0)
                return berth_err(err, errno, "cannot create layer temp dir '%s'", tmp);
        /* Locked while we work: a cleaner that cannot see our pid (another pid namespace)
         * still leaves it alone. */
        _cleanup_close_ int lockfd = lock_dir(layers_dirfd, tmp);
        int r;
        uint64_t size = 0;
        _cleanup_close_ int tmpfd =
            openat(layers_dirfd, tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int difffd = -1;
        if (tmpfd < 0 || mkdirat(tmpfd, "diff", 0755) < 0 ||
            (difffd = openat(tmpfd, "diff", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                r = berth_err(err, errno, "cannot create layer temp dir '%s'", tmp);
                goto fail;
        }
        r = berth_unpack_tar(tar_fd, difffd, o, &diff, &size, err);
        if (r < 0) {
                berth_wrap(err, "cannot unpack layer");
                goto fail;
        }
        r = finish(layers_dirfd, tmp, tmpfd, parent_chain, &diff, expected_diff_id, size, &chain,
                   err);
        if (r < 0)
                goto fail;
        if (ret_chain_id)
                *ret_chain_id = chain;
        if (ret_diff_id)
                *ret_diff_id = diff;
        return 0;
fail:
        berth_rm_rf_at(layers_dirfd, tmp);
        return r;
}

int berth_layer_add(int layers_dirfd, const berth_digest *parent_chain, int tar_fd,
                    const berth_digest *expected_diff_id, const berth_unpack_opts *o,
                    berth_digest *ret_chain_id, berth_digest *ret_diff_id, berth_error *err)
{
        return layer_add(layers_dirfd, parent_chain, true, tar_fd, expected_diff_id, o,
                         ret_chain_id, ret_diff_id, err);
}

int berth_layer_add_unordered(int layers_dirfd, const berth_digest *parent_chain, int tar_fd,
                              const berth_digest *expected_diff_id, const berth_unpack_opts *o,
                              berth_digest *ret_chain_id, berth_digest *ret_diff_id,
                              berth_error *err)
{
        return layer_add(layers_dirfd, parent_chain, false, tar_fd, expected_diff_id, o,
                         ret_chain_id, ret_diff_id, err);
}

bool berth_layer_exists(int layers_dirfd, const berth_digest *chain_id)
{
        struct stat st;
        return fstatat(layers_dirfd, berth_digest_hex(chain_id), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
               S_ISDIR(st.st_mode);
}

char *berth_layer_diff_path(const char *layers_dir, const berth_digest *chain_id)
{
        return berth_xasprintf("%s/%s/diff", layers_dir, berth_digest_hex(chain_id));
}

int berth_layer_diff_id(int layers_dirfd, const berth_digest *chain_id, berth_digest *ret,
                        berth_error *err)
{
        _cleanup_free_ char *name = berth_xasprintf("%s/diff-id", berth_digest_hex(chain_id));
        _cleanup_free_ char *text = NULL;
        int r = berth_read_file_at(layers_dirfd, name, &text, NULL, err);
        if (r < 0)
                return berth_wrap(err, "cannot read layer '%s'", chain_id->s);
        text[strcspn(text, "\n")] = '\0';
        r = berth_digest_parse(text, ret, err);
        if (r < 0)
                return berth_wrap(err, "layer '%s'", chain_id->s);
        return 0;
}

int berth_layer_remove(int layers_dirfd, const berth_digest *chain_id, berth_error *err)
{
        _cleanup_free_ char *tmp = tmp_name("-rm");
        if (renameat(layers_dirfd, berth_digest_hex(chain_id), layers_dirfd, tmp) < 0) {
                if (errno == ENOENT)
                        return 0;
                return berth_err(err, errno, "cannot remove layer '%s'", chain_id->s);
        }
        _cleanup_close_ int lockfd = lock_dir(layers_dirfd, tmp);
        fsync_dir(layers_dirfd);
        int r = berth_rm_rf_at(layers_dirfd, tmp);
        if (r < 0)
                return berth_err(err, -r, "cannot remove layer '%s'", chain_id->s);
        return 0;
}

static bool owner_alive(const char *name)
{
        char *end;
        long pid = strtol(name + strlen(TMP_PREFIX), &end, 10);
        if (end == name + strlen(TMP_PREFIX) || *end != '-' || pid <= 0)
                return false;
        if (pid == getpid())
                return true;
        return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

bool berth_layers_tmp_is_stale(int layers_dirfd, const char *name)
{
        return berth_str_has_prefix(name, TMP_PREFIX) && !owner_alive(name) &&
               !dir_locked(layers_dirfd, name);
}

int berth_layers_clean_tmp(int layers_dirfd, berth_error *err)
{
        int fd = openat(layers_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open the layers directory");
        DIR *d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return berth_err(err, ENOMEM, "cannot read the layers directory");
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (!berth_layers_tmp_is_stale(layers_dirfd, de->d_name))
                        continue;
                int q = berth_rm_rf_at(layers_dirfd, de->d_name);
                if (q < 0 && r == 0)
                        r = berth_err(err, -q, "cannot remove leftover layer dir '%s'", de->d_name);
        }
        closedir(d);
        return r;
}

int64_t berth_layer_size(int layers_dirfd, const berth_digest *chain_id)
{
        char name[128];
        snprintf(name, sizeof(name), "%s/size", berth_digest_hex(chain_id));
        _cleanup_free_ char *text = NULL;
        if (berth_read_file_at(layers_dirfd, name, &text, NULL, NULL) < 0)
                return 0;
        return strtoll(text, NULL, 10);
}
