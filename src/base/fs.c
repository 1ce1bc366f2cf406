/* SPDX-License-Identifier: Apache-2.0 */
#include "fs.h"
#include "cleanup.h"
#include "strutil.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

int berth_write_file(const char *path, const void *data, size_t len, int extra_flags,
                     berth_error *err)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | extra_flags, 0644);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", path);
        if (berth_write_all(fd, data, len) < 0)
                return berth_err(err, errno, "cannot write '%s'", path);
        return 0;
}

int berth_write_str_at(int dirfd, const char *name, const char *s, berth_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", name);
        size_t len = strlen(s);
        ssize_t w = write(fd, s, len);
        if (w < 0)
                return berth_err(err, errno, "cannot write '%s' to '%s'", s, name);
        if ((size_t)w != len)
                return berth_errx(err, EIO, "short write of '%s' to '%s'", s, name);
        return 0;
}

static int write_replace(const char *path, const void *data, size_t len, mode_t mode, bool durable,
                         berth_error *err)
{
        _cleanup_free_ char *tmp = berth_xasprintf("%s.tmp.%d", path, getpid());
        _cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                return berth_err(err, errno, "cannot create '%s'", tmp);
        if (berth_write_all(fd, data, len) < 0 || (durable && fsync(fd) < 0)) {
                int e = errno;
                unlink(tmp);
                return berth_err(err, e, "cannot write '%s'", tmp);
        }
        if (rename(tmp, path) < 0) {
                int e = errno;
                unlink(tmp);
                return berth_err(err, e, "cannot rename '%s' to '%s'", tmp, path);
        }
        if (!durable)
                return 0;
        _cleanup_free_ char *dir = berth_xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash) {
                *slash = '\0';
                _cleanup_close_ int dfd =
                    open(slash == dir ? "/" : dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0)
                        fsync(dfd);
        }
        return 0;
}

int berth_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                            berth_error *err)
{
        return write_replace(path, data, len, mode, true, err);
}

int berth_write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
                             berth_error *err)
{
        return write_replace(path, data, len, mode, false, err);
}

static int read_fd(int fd, char **ret, size_t *ret_len)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = berth_xmalloc0(cap);
        for (;;) {
                if (len + 1 >= cap) {
                        cap *= 2;
                        buf = berth_xrealloc(buf, cap);
                }
                ssize_t n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int berth_write_file_update(const char *path, const void *data, size_t len, mode_t mode,
                            berth_error *err)
{
        /* what is there may have been written by a container (its /etc/hosts): read only a
         * regular file of exactly len bytes, never more */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len) {
                _cleanup_free_ char *old = berth_xmalloc0(len + 1);
                if (berth_read_all(fd, old, len) == (ssize_t)len && memcmp(old, data, len) == 0)
                        return 0;
        }
        return write_replace(path, data, len, mode, false, err);
}

int berth_read_file_at(int dirfd, const char *name, char **ret, size_t *ret_len, berth_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", name);
        int r = read_fd(fd, ret, ret_len);
        if (r < 0)
                return berth_err(err, -r, "cannot read '%s'", name);
        return 0;
}

int berth_read_file(const char *path, char **ret, size_t *ret_len, berth_error *err)
{
        return berth_read_file_at(AT_FDCWD, path, ret, ret_len, err);
}

int berth_read_file_in_root(int rootfd, const char *path, size_t max, char **ret, size_t *ret_len,
                            berth_error *err)
{
        /* Looked at before it is opened for reading: opening a device can act (a watchdog
         * arms, a tape rewinds), opening a FIFO waits. Then that inode, whatever the name
         * is by now. */
        _cleanup_close_ int pfd = berth_open_in_root(rootfd, path, O_PATH, 0, err);
        if (pfd < 0)
                return pfd;
        struct stat st;
        if (fstat(pfd, &st) < 0)
                return berth_err(err, errno, "cannot stat '%s'", path);
        if (!S_ISREG(st.st_mode))
                return berth_errx(err, EINVAL, "'%s' is not a regular file", path);
        char p[32];
        _cleanup_close_ int fd =
            open(berth_fd_path(pfd, p), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", path);
        /* One byte more than max tells a file over the limit; st_size is only a first guess. */
        size_t cap = (size_t)st.st_size < max ? (size_t)st.st_size + 1 : max + 1;
        size_t len = 0;
        _cleanup_free_ char *buf = berth_xmalloc0(cap + 1);
        for (;;) {
                if (len == cap) {
                        if (cap > max)
                                return berth_errx(err, EFBIG, "'%s' is larger than %zu bytes", path,
                                                  max);
                        cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        buf = berth_xrealloc(buf, cap + 1);
                }
                ssize_t n = read(fd, buf + len, cap - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "cannot read '%s'", path);
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int berth_mkdir_p(const char *path, mode_t mode, berth_error *err)
{
        _cleanup_free_ char *p = berth_xstrdup(path);
        for (char *s = p + 1;; s++) {
                if (*s == '/' || *s == '\0') {
                        char c = *s;
                        *s = '\0';
                        if (mkdir(p, mode) < 0 && errno != EEXIST)
                                return berth_err(err, errno, "cannot create directory '%s'", p);
                        *s = c;
                        if (c == '\0')
                                break;
                }
        }
        struct stat st;
        if (stat(path, &st) < 0)
                return berth_err(err, errno, "cannot stat '%s'", path);
        if (!S_ISDIR(st.st_mode))
                return berth_errx(err, ENOTDIR, "'%s' exists and is not a directory", path);
        return 0;
}

/* Whether the directory fd is the root of a mount (a bind mount from the same
 * filesystem has the same st_dev, so the device alone does not tell). */
static bool is_mount_root(int fd, int parentfd)
{
        struct statx sx, px;
        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &sx) < 0)
                return false;
        if (sx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        if ((sx.stx_mask & STATX_MNT_ID) &&
            statx(parentfd, "", AT_EMPTY_PATH, STATX_MNT_ID, &px) == 0 &&
            (px.stx_mask & STATX_MNT_ID))
                return sx.stx_mnt_id != px.stx_mnt_id;
        return false;
}

int berth_rm_rf_at(int atfd, const char *name)
{
        struct stat st;
        if (fstatat(atfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISDIR(st.st_mode))
                return unlinkat(atfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
        int fd = openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The directory opened must be the one inspected (no swap in between), and
         * on the same filesystem as its parent: a mount point is never crossed. */
        struct stat dst, pst;
        if (fstat(fd, &dst) < 0 || dst.st_dev != st.st_dev || dst.st_ino != st.st_ino ||
            (fstatat(atfd, ".", &pst, 0) == 0 && pst.st_dev != st.st_dev) ||
            is_mount_root(fd, atfd)) {
                close(fd);
                return -EBUSY;
        }
        DIR *d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return -ENOMEM;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                int q = berth_rm_rf_at(dirfd(d), de->d_name);
                if (q < 0 && r == 0)
                        r = q;
        }
        closedir(d);
        if (r == 0 && unlinkat(atfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
                r = -errno;
        return r;
}

int berth_rm_rf(const char *path, berth_error *err)
{
        _cleanup_free_ char *copy = berth_xstrdup(path);
        size_t n = strlen(copy);
        while (n > 1 && copy[n - 1] == '/')
                copy[--n] = '\0';
        char *slash = strrchr(copy, '/');
        const char *base = slash ? slash + 1 : copy;
        if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
                return berth_errx(err, EINVAL, "refusing to remove '%s'", path);
        const char *parent = slash ? (slash == copy ? "/" : copy) : ".";
        if (slash)
                *slash = '\0';
        _cleanup_close_ int pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return errno == ENOENT ? 0 : berth_err(err, errno, "cannot open '%s'", parent);
        int r = berth_rm_rf_at(pfd, base);
        if (r < 0)
                return berth_err(err, -r, "cannot remove '%s'", path);
        return 0;
}

static int openat2_retry(int dirfd, const char *path, struct open_how *how)
{
        int fd;
        do
                fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
        while (fd < 0 && errno == EAGAIN);
        return fd;
}

int berth_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
        struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                               .resolve = resolve};
        return openat2_retry(dirfd, *path ? path : ".", &how);
}

int berth_open_in_root(int rootfd, const char *path, int flags, mode_t mode, berth_error *err)
{
        struct open_how how = {
            .flags = (unsigned long long)(flags | O_CLOEXEC),
            .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        const char *p = path;
        while (*p == '/')
                p++;
        if (*p == '\0')
                p = ".";
        int fd = openat2_retry(rootfd, p, &how);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s' in the root", path);
        return fd;
}

static int mkdir_p_in_root(int rootfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                           int depth, berth_error *err)
{
        struct open_how how = {
            .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        if (depth > 40)
                return berth_errx(err, ELOOP, "too many levels of symbolic links in '%s'", path);
        _cleanup_free_ char *p = berth_xstrdup(path);
        size_t len = strlen(p);
        _cleanup_close_ int cur = openat2_retry(rootfd, ".", &how);
        if (cur < 0)
                return berth_err(err, errno, "cannot open the root");
        /* Each prefix is resolved from the root again, so a symlink such as
         * /var/run -> ../run is followed, but never out of the root. */
        for (size_t i = 0; i <= len; i++) {
                if (p[i] != '/' && p[i] != '\0')
                        continue;
                if (i == 0 || p[i - 1] == '/')
                        continue;
                char saved = p[i];
                p[i] = '\0';
                int next = openat2_retry(rootfd, p, &how);
                if (next < 0 && errno == ENOENT) {
                        const char *base = strrchr(p, '/');
                        base = base ? base + 1 : p;
                        int made = mkdirat(cur, base, mode);
                        if (made == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1) &&
                            (fchownat(cur, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                             fchmodat(cur, base, mode, 0) < 0))
                                return berth_err(err, errno, "cannot set the owner of '%s'", p);
                        if (made < 0) {
                                if (errno != EEXIST)
                                        return berth_err(err, errno, "cannot create directory '%s'",
                                                         p);
                                /* A dangling symlink: create its target, inside the root. */
                                char target[4096];
                                ssize_t n = readlinkat(cur, base, target, sizeof(target) - 1);
                                if (n > 0) {
                                        target[n] = '\0';
                                        _cleanup_free_ char *t =
                                            target[0] == '/'
                                                ? berth_xstrdup(target)
                                                : berth_xasprintf("%.*s/%s", (int)(base - p), p,
                                                                  target);
                                        int tfd = mkdir_p_in_root(rootfd, t, mode, uid, gid,
                                                                  depth + 1, err);
                                        if (tfd < 0)
                                                return tfd;
                                        close(tfd);
                                }
                        }
                        next = openat2_retry(rootfd, p, &how);
                }
                if (next < 0)
                        return berth_err(err, errno, "cannot open directory '%s'", p);
                p[i] = saved;
                close(cur);
                cur = next;
        }
        return TAKE_FD(cur);
}

int berth_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, berth_error *err)
{
        return mkdir_p_in_root(rootfd, path, mode, (uid_t)-1, (gid_t)-1, 0, err);
}

int berth_mkdir_p_in_root_owned(int rootfd, const char *path, mode_t mode, uid_t uid, gid_t gid,
                                berth_error *err)
{
        return mkdir_p_in_root(rootfd, path, mode, uid, gid, 0, err);
}

int berth_ensure_in_root(int rootfd, const char *path, bool dir, mode_t mode, berth_error *err)
{
        if (dir)
                return berth_mkdir_p_in_root(rootfd, path, mode, err);
        _cleanup_free_ char *parent = berth_xstrdup(path);
        char *slash = strrchr(parent, '/');
        const char *base = path;
        if (slash) {
                *slash = '\0';
                base = path + (slash - parent) + 1;
        } else {
                parent[0] = '\0';
        }
        _cleanup_close_ int pfd = berth_mkdir_p_in_root(rootfd, parent, 0755, err);
        if (pfd < 0)
                return pfd;
        struct open_how how = {
            .flags = O_PATH | O_CLOEXEC,
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        int fd = openat2_retry(rootfd, path, &how);
        if (fd >= 0)
                return fd;
        if (errno != ENOENT)
                return berth_err(err, errno, "cannot open '%s'", path);
        /* Create it through the parent fd: O_EXCL|O_NOFOLLOW never follows a planted link. */
        _cleanup_close_ int pdir = openat(pfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pdir < 0)
                return berth_err(err, errno, "cannot open the parent of '%s'", path);
        int cfd = openat(pdir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (cfd < 0 && errno != EEXIST)
                return berth_err(err, errno, "cannot create '%s'", path);
        if (cfd >= 0)
                close(cfd);
        fd = openat2_retry(rootfd, path, &how);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", path);
        return fd;
}

int berth_fd_is_node(int fd, mode_t kind, dev_t rdev)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if ((st.st_mode & S_IFMT) != kind)
                return 0;
        return (kind != S_IFCHR && kind != S_IFBLK) || st.st_rdev == rdev;
}

const char *berth_fd_path(int fd, char buf[static 32])
{
        snprintf(buf, 32, "/proc/self/fd/%d", fd);
        return buf;
}

static int cmp_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

int berth_close_fds_from(int from, const int *keep, size_t nkeep)
{
        int sorted[64];
        if (nkeep > ARRAY_SIZE(sorted))
                return -E2BIG;
        memcpy(sorted, keep, nkeep * sizeof(int));
        qsort(sorted, nkeep, sizeof(int), cmp_int);
        int lo = from;
        for (size_t i = 0; i <= nkeep; i++) {
                int hi = i < nkeep ? sorted[i] - 1 : (int)(~0U >> 1);
                if (i < nkeep && sorted[i] < lo) {
                        if (sorted[i] + 1 > lo)
                                lo = sorted[i] + 1;
                        continue;
                }
                if (hi >= lo && syscall(SYS_close_range, lo, hi, 0) < 0)
                        return -errno;
                if (i < nkeep)
                        lo = sorted[i] + 1;
        }
        return 0;
}

int berth_fds_arrange(const int *want, int n)
{
        if (n < 0 || n > 8)
                return -EINVAL;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                return -errno;
        /* every source above the fds they go to, first, so that no dup2 overwrites another's
         * source, and none is its own target (a dup2 onto itself keeps O_CLOEXEC) */
        int high_null = fcntl(null, F_DUPFD_CLOEXEC, 10);
        close(null);
        if (high_null < 0)
                return -errno;
        int src[8];
        for (int i = 0; i < n; i++) {
                src[i] = want[i] >= 0 ? fcntl(want[i], F_DUPFD_CLOEXEC, 10)
                         : i < 3      ? high_null
                                      : -1;
                if (want[i] >= 0 && src[i] < 0)
                        return -errno;
        }
        for (int i = 0; i < n; i++)
                if (src[i] >= 0 ? dup2(src[i], i) < 0 : close(i) < 0 && errno != EBADF)
                        return -errno;
        return berth_close_fds_from(n, NULL, 0);
}

ssize_t berth_read_all(int fd, void *buf, size_t len)
{
        size_t done = 0;
        while (done < len) {
                ssize_t n = read(fd, (char *)buf + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                if (n == 0)
                        break;
                done += n;
        }
        return (ssize_t)done;
}

ssize_t berth_write_all(int fd, const void *buf, size_t len)
{
        size_t done = 0;
        while (done < len) {
                ssize_t n = write(fd, (const char *)buf + done, len - done);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -1;
                done += n;
        }
        return (ssize_t)done;
}

static int64_t usage_at(int atfd, const char *name, int depth)
{
        struct stat st;
        if (depth > 256 || fstatat(atfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return 0;
        if (S_ISREG(st.st_mode))
                return st.st_size;
        if (!S_ISDIR(st.st_mode))
                return 0;
        int fd = openat(atfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (d == NULL) {
                if (fd >= 0)
                        close(fd);
                return 0;
        }
        int64_t total = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        total += usage_at(dirfd(d), de->d_name, depth + 1);
        closedir(d);
        return total;
}

int64_t berth_usage_at(int atfd, const char *name)
{
        return usage_at(atfd, name, 0);
}

char *berth_path_clean_rel(const char *name, bool *ret_escaped)
{
        size_t len = strlen(name);
        char *out = berth_xmalloc0(len + 1);
        size_t o = 0;
        bool escaped = false;
        const char *p = name;
        while (*p) {
                while (*p == '/')
                        p++;
                const char *s = p;
                while (*p && *p != '/')
                        p++;
                size_t n = (size_t)(p - s);
                if (n == 0 || (n == 1 && s[0] == '.'))
                        continue;
                if (n == 2 && s[0] == '.' && s[1] == '.') {
                        if (o == 0) {
                                escaped = true;
                                continue;
                        }
                        while (o > 0 && out[o - 1] != '/')
                                o--;
                        if (o > 0)
                                o--; /* the '/' before the dropped component */
                        continue;
                }
                if (o > 0)
                        out[o++] = '/';
                memcpy(out + o, s, n);
                o += n;
        }
        out[o] = '\0';
        if (ret_escaped)
                *ret_escaped = escaped;
        return out;
}

unsigned long long berth_pid_start_time(pid_t pid)
{
        if (pid <= 0)
                return 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", pid);
        _cleanup_free_ char *buf = NULL;
        if (berth_read_file(path, &buf, NULL, NULL) < 0)
                return 0;
        /* comm may hold spaces and parens: fields start after the last ')'. */
        char *p = strrchr(buf, ')');
        if (p == NULL || p[1] == '\0')
                return 0;
        char state = p[2];
        if (state == 'Z' || state == 'X')
                return 0;
        p += 2;
        /* field 3 is state; starttime is field 22 */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (p == NULL)
                        return 0;
                p++;
        }
        return strtoull(p, NULL, 10);
}

bool berth_pid_alive(pid_t pid, unsigned long long start)
{
        unsigned long long s = berth_pid_start_time(pid);
        return s != 0 && (start == 0 || s == start);
}

static int cmp_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

char **berth_dir_names_sorted(int dirfd)
{
        int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        if (d == NULL) {
                int e = errno;
                if (fd >= 0)
                        close(fd);
                errno = e;
                return NULL;
        }
        char **names = berth_xmalloc0(sizeof(char *));
        struct dirent *de;
        while ((de = readdir(d)) != NULL)
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        berth_strv_push(&names, de->d_name);
        closedir(d);
        qsort(names, berth_strv_length(names), sizeof(char *), cmp_name);
        return names;
}

#ifndef BERTH_BINDIR
#define BERTH_BINDIR         "/usr/local/bin"
#define BERTH_LIBEXECDIR     "/usr/local/libexec/berth"
#define BERTH_BIN_TO_LIBEXEC "../libexec/berth"
#define BERTH_LIBEXEC_TO_BIN "../../bin"
#endif

char *berth_program_path(const char *name, const char *env)
{
        const char *over = getenv(env);
        if (over && *over)
                return berth_xstrdup(over);
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        const char *dir = NULL;
        if (n > 0) {
                self[n] = '\0';
                dir = dirname(self);
        }
        /* next to us; the build tree (build/cmd/berth/berth next to build/cmd/<name>/<name>);
         * an installed tree wherever it was unpacked (bin and libexec/berth, either way
         * round); then where `make install` put them */
        const char *rel[] = {".", NULL, BERTH_BIN_TO_LIBEXEC, BERTH_LIBEXEC_TO_BIN};
        for (size_t i = 0; dir && i < sizeof(rel) / sizeof(rel[0]); i++) {
                char *p = rel[i] ? berth_xasprintf("%s/%s/%s", dir, rel[i], name)
                                 : berth_xasprintf("%s/../%s/%s", dir, name, name);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        const char *abs[] = {BERTH_LIBEXECDIR, BERTH_BINDIR};
        for (size_t i = 0; i < sizeof(abs) / sizeof(abs[0]); i++) {
                char *p = berth_xasprintf("%s/%s", abs[i], name);
                if (access(p, X_OK) == 0)
                        return p;
                free(p);
        }
        return berth_xasprintf("%s/%s", dir ? dir : BERTH_BINDIR, name);
}

char *berth_path_clean_go(const char *p, size_t n)
{
        if (n == 0)
                return berth_xstrdup(".");
        bool rooted = p[0] == '/';
        char *out = berth_xmalloc0(n + 2);
        size_t w = 0, dotdot = 0; /* dotdot: where ".." can no longer back up */
        size_t r = 0;
        if (rooted) {
                out[w++] = '/';
                r = 1;
                dotdot = 1;
        }
        while (r < n) {
                if (p[r] == '/') {
                        r++;
                } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
                        r++;
                } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
                        r += 2;
                        if (w > dotdot) {
                                w--;
                                while (w > dotdot && out[w] != '/')
                                        w--;
                        } else if (!rooted) {
                                if (w > 0)
                                        out[w++] = '/';
                                out[w++] = '.';
                                out[w++] = '.';
                                dotdot = w;
                        }
                } else {
                        if ((rooted && w != 1) || (!rooted && w != 0))
                                out[w++] = '/';
                        for (; r < n && p[r] != '/'; r++)
                                out[w++] = p[r];
                }
        }
        if (w == 0)
                out[w++] = '.';
        out[w] = '\0';
        return out;
}

DIR *berth_dir_reopen(int dfd)
{
        int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        DIR *d = fdopendir(fd);
        if (d == NULL) {
                int e = errno;
                close(fd);
                errno = e;
        }
        return d;
}

bool berth_fd_private(int fd)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return true; /* closed: nothing it leads to */
        return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
               (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
}

int berth_fd_relay(int from, int to)
{
        char buf[16384];
        for (;;) {
                ssize_t n = read(from, buf, sizeof(buf));
                if (n == 0)
                        return 0;
                if (n < 0)
                        return errno == EAGAIN || errno == EINTR ? 1 : -1;
                if (berth_write_all(to, buf, (size_t)n) < 0)
                        return -1;
        }
}
