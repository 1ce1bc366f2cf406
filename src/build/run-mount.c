/* SPDX-License-Identifier: Apache-2.0 */
/* RUN --mount's mounts attached onto the step's root, fd to fd (run-mount.h). */
#include "run-mount.h"
#include "base/cleanup.h"
#include "base/digest.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "runtime/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void berth_build_run_mount_clear(berth_build_run_mount *m)
{
        free(m->target);
        if (m->src_fd >= 0)
                close(m->src_fd);
        if (m->lock_fd >= 0)
                close(m->lock_fd);
        if (m->data) {
                explicit_bzero(m->data, m->len);
                free(m->data);
        }
        *m = (berth_build_run_mount){.src_fd = -1, .lock_fd = -1};
}

int berth_build_cache_dir(const char *root, const berth_build_mount *m, int *ret, int *ret_lock,
                          berth_error *err)
{
        berth_digest d;
        berth_digest_of(m->id, strlen(m->id), &d);
        _cleanup_free_ char *parent = berth_xasprintf("%s/build/cache", root);
        if (berth_mkdir_p(parent, 0700, err) < 0)
                return -err->code;
        _cleanup_free_ char *dir = berth_xasprintf("%s/%s", parent, berth_digest_hex(&d));
        for (;;) {
                if (mkdir(dir, 0700) == 0) {
                        /* first use: its owner and mode as the mount says */
                        if (chown(dir, m->uid, m->gid) < 0 || chmod(dir, m->mode) < 0)
                                return berth_err(err, errno, "cannot prepare the cache %s", m->id);
                } else if (errno != EEXIST) {
                        return berth_err(err, errno, "cannot make the cache %s", m->id);
                }
                /* held while the step runs: shared, or alone with sharing=locked; a prune
                 * takes it alone and renames the directory away before removing it, so the
                 * one locked must still be the one named */
                _cleanup_close_ int lock =
                    open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (lock < 0 && errno == ENOENT)
                        continue;
                if (lock < 0)
                        return berth_err(err, errno, "cannot open the cache %s", m->id);
                int op = m->sharing == BERTH_BUILD_SHARING_LOCKED ? LOCK_EX : LOCK_SH;
                if (flock(lock, op) < 0)
                        return berth_err(err, errno, "cannot lock the cache %s", m->id);
                struct stat a, b;
                if (fstat(lock, &a) < 0 || stat(dir, &b) < 0 || a.st_ino != b.st_ino ||
                    a.st_dev != b.st_dev)
                        continue;
                int fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return berth_err(err, errno, "cannot open the cache %s", m->id);
                *ret = fd;
                *ret_lock = TAKE_FD(lock);
                return 0;
        }
}

/* A new tmpfs, detached: its mount fd. */
static int tmpfs_new(uint64_t size, const char *mode, berth_error *err)
{
        _cleanup_close_ int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
        if (fs < 0)
                return berth_err(err, errno, "cannot make a tmpfs");
        char sz[32];
        snprintf(sz, sizeof(sz), "%llu", (unsigned long long)size);
        if ((size && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", sz, 0) < 0) ||
            (mode && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", mode, 0) < 0) ||
            syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return berth_err(err, errno, "cannot make a tmpfs");
        int mnt =
            (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (mnt < 0)
                return berth_err(err, errno, "cannot make a tmpfs");
        return mnt;
}

static int attach_detached(int mnt, int target_fd, berth_error *err)
{
        if (syscall(SYS_move_mount, mnt, "", target_fd, "",
                    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return berth_err(err, errno, "cannot attach the mount");
        return 0;
}

/* A secret: a file on a tiny tmpfs of its own, bound read-only onto its target. */
static int attach_secret(const berth_build_run_mount *m, int target_fd, berth_error *err)
{
        _cleanup_close_ int mnt = tmpfs_new(m->len + 4096, "0755", err);
        if (mnt < 0)
                return mnt;
        _cleanup_close_ int f =
            openat(mnt, "secret", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, m->mode);
        if (f < 0 || berth_write_all(f, m->data, m->len) < 0 || fchown(f, m->uid, m->gid) < 0 ||
            fchmod(f, m->mode) < 0)
                return berth_err(err, errno, "cannot write the secret");
        _cleanup_close_ int path = openat(mnt, "secret", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (path < 0)
                return berth_err(err, errno, "cannot open the secret");
        return berth_mount_bind_fd_attr(
            path, target_fd, false,
            MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
}

int berth_build_mounts_attach(const char *merged, const berth_build_run_mount *mounts, size_t n,
                              berth_error *err)
{
        _cleanup_close_ int root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_err(err, errno, "cannot open the step's root");
        for (size_t i = 0; i < n; i++) {
                const berth_build_run_mount *m = &mounts[i];
                bool dir = m->type != BERTH_BUILD_MOUNT_SECRET &&
                           m->type != BERTH_BUILD_MOUNT_SSH &&
                           (m->type != BERTH_BUILD_MOUNT_BIND || m->src_dir);
                _cleanup_close_ int target = berth_ensure_in_root(root, m->target, dir, 0755, err);
                if (target < 0)
                        return berth_wrap(err, "mount target %s", m->target);
                struct stat ts, rs;
                if (fstat(target, &ts) < 0 || fstat(root, &rs) < 0 ||
                    (ts.st_dev == rs.st_dev && ts.st_ino == rs.st_ino))
                        return berth_errx(err, EINVAL, "mount target %s is the step's root",
                                          m->target);
                int r;
                switch (m->type) {
                case BERTH_BUILD_MOUNT_BIND:
                case BERTH_BUILD_MOUNT_CACHE:
                        r = berth_mount_bind_fd_attr(m->src_fd, target, true,
                                                     (m->readonly ? MOUNT_ATTR_RDONLY : 0) |
                                                         MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                                                     err);
                        break;
                case BERTH_BUILD_MOUNT_TMPFS: {
                        _cleanup_close_ int mnt = tmpfs_new(m->size, "1777", err);
                        r = mnt < 0 ? mnt : attach_detached(mnt, target, err);
                        break;
                }
                case BERTH_BUILD_MOUNT_SECRET:
                        r = attach_secret(m, target, err);
                        break;
                case BERTH_BUILD_MOUNT_SSH:
                        /* the agent's socket itself (connecting needs a writable mount) */
                        r = berth_mount_bind_fd_attr(
                            m->src_fd, target, false,
                            MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, err);
                        break;
                default:
                        r = berth_errx(err, EINVAL, "unknown mount type");
                }
                if (r < 0)
                        return berth_wrap(err, "mount on %s", m->target);
        }
        return 0;
}
