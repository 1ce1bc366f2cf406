/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/selfclone.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool berth_exe_is_sealed(void)
{
        /* EROFS even for root: a read-only mount, ours or the host's own */
        if (access("/proc/self/exe", W_OK) < 0 && errno == EROFS)
                return true;
        int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return false;
        int seals = fcntl(self, F_GET_SEALS);
        close(self);
        return seals >= 0 && (seals & SEALS) == SEALS;
}

static int fsconfig_str(int fs, const char *key, const char *value)
{
        return (int)syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, value, 0);
}

/* A new, detached, read-only mount of type with the given lower dirs (overlay) or none. */
static int detached_mount(const char *type, const char *lower1, const char *lower2)
{
        int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
        if (fs < 0)
                return -errno;
        int r = 0;
        if (lower1 && fsconfig_str(fs, "lowerdir+", lower1) == 0)
                r = fsconfig_str(fs, "lowerdir+", lower2); /* Linux 6.8+ */
        else if (lower1) {
                char both[2 * PATH_MAX + 2];
                snprintf(both, sizeof(both), "%s:%s", lower1, lower2);
                r = fsconfig_str(fs, "lowerdir", both);
        }
        if (r == 0)
                r = (int)syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
        int m = r < 0 ? -errno
                      : (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (m == -1)
                m = -errno;
        close(fs);
        return m;
}

/* The inode number the kernel gives the initial user namespace (PROC_USER_INIT_INO). */
#define INIT_USER_NS_INO 0xEFFFFFFDU

static bool in_initial_userns(void)
{
        struct stat st;
        return stat("/proc/self/ns/user", &st) == 0 && st.st_ino == INIT_USER_NS_INO;
}

/* A read-only bind of dir that belongs to no tree: no new file system, a third of the
 * overlay's cost. Only the initial user namespace's CAP_SYS_ADMIN could make it writable
 * again (the detached tree's owner), and whoever has that can write the binary anyway. */
static int detached_ro_bind(const char *dir)
{
        int t = (int)syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (t < 0)
                return -errno;
        struct mount_attr a = {.attr_set =
                                   MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
        if (syscall(SYS_mount_setattr, t, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0) {
                int e = errno;
                close(t);
                return -e;
        }
        return t;
}

/* overlayfs wants two lower layers when it has no upper one: dir over an empty tmpfs. No
 * process can make it writable, whatever user namespace it owns. */
static int detached_ro_overlay(const char *dir)
{
        int empty = detached_mount("tmpfs", NULL, NULL);
        if (empty < 0)
                return empty;
        char empty_path[32];
        snprintf(empty_path, sizeof(empty_path), "/proc/self/fd/%d", empty);
        int ov = detached_mount("overlay", dir, empty_path);
        close(empty);
        return ov;
}

int berth_sealed_open(const char *path)
{
        const char *slash = strrchr(path, '/');
        if (slash == NULL || slash[1] == '\0' || slash - path >= PATH_MAX)
                return -EINVAL;
        char dir[PATH_MAX];
        snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
        /* Run from a user namespace other than the initial one (rootless), the bind's tree
         * would belong to that namespace, where a container's root may hold CAP_SYS_ADMIN and
         * could turn it writable: there only the overlay will do. */
        int mnt = in_initial_userns() ? detached_ro_bind(dir) : -EPERM;
        if (mnt < 0)
                mnt = detached_ro_overlay(dir);
        if (mnt < 0)
                return mnt;
        int fd = openat(mnt, slash + 1, O_RDONLY | O_CLOEXEC);
        int e = errno;
        close(mnt);
        return fd < 0 ? -e : fd;
}

int berth_exec_sealed(const char *path, char *const argv[], char *const envp[])
{
        int fd = berth_sealed_open(path);
        if (fd < 0)
                return fd;
        syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
        int e = errno;
        close(fd);
        return -e;
}

/* The sealed memfd copy: where overlayfs cannot be mounted. */
static int exec_memfd_copy(char **argv)
{
        int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
        if (self < 0)
                return -errno;
        struct stat st;
        int mfd = memfd_create(program_invocation_short_name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (mfd < 0 || fstat(self, &st) < 0)
                goto fail;
        off_t off = 0;
        while (off < st.st_size) {
                ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        goto fail;
        }
        if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
                goto fail;
        close(self);
        fexecve(mfd, argv, environ);
        int e = errno;
        close(mfd);
        return -e;
fail:
        e = errno;
        close(self);
        if (mfd >= 0)
                close(mfd);
        return -e;
}

int berth_selfclone_ensure(char **argv)
{
        if (berth_exe_is_sealed())
                return 0;
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n > 0 && self[0] == '/') {
                self[n] = '\0';
                struct stat a, b;
                /* still the file we run (not replaced or deleted since) */
                if (stat(self, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
                    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
                        berth_exec_sealed(self, argv, environ);
        }
        return exec_memfd_copy(argv);
}
