/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Copy-up: the image's content at a volume's mount point copied into the
 * volume the first time it is used, from a root filesystem that may be
 * hostile. The path is resolved inside the root (openat2 RESOLVE_IN_ROOT);
 * below it every entry is opened relative to its parent's fd with
 * O_NOFOLLOW, and only regular files and directories are ever opened for
 * I/O.
 *
 * The volume may be shared with a running container (one that mounted it
 * with nocopy keeps it empty until this copy starts), which can swap any
 * name in it for a symlink to a host path at any moment. So what is made is
 * changed (owner, mode, xattrs, times) only through an fd of it: regular
 * files and directories through the fd they were made or opened with, nodes
 * through an O_PATH|O_NOFOLLOW fd checked to be the type made; symlinks by
 * name with AT_SYMLINK_NOFOLLOW. Nothing follows a name in the volume.
 */
#include "volume-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Two fds a level: deep enough for any real image, well inside the default fd limit. */
#define MAX_DEPTH 256

typedef struct {
        berth_inode_map links; /* source inodes with several names → the first copy's path */
        int datafd;
        bool privileged; /* root: owners and device nodes must be copied exactly */
} copy_ctx;

static const char *shown(const char *rel)
{
        return *rel ? rel : ".";
}

static bool xattr_ignorable(const char *name, int e, bool privileged)
{
        /* What the destination cannot hold is not worth failing a container for. */
        if (e == ENOTSUP || e == EOPNOTSUPP)
                return true;
        if (strcmp(name, "security.selinux") == 0)
                return true;
        return e == EPERM && !privileged;
}

/*
 * The destination of a copy's metadata: an fd of it (a regular file or a
 * directory opened for I/O: f* calls), an O_PATH fd of it (a node: calls on
 * its /proc/self/fd path, which names that inode and nothing a name could
 * be swapped for), or, for a symlink only, its name in ddir, never followed.
 */
typedef struct {
        int fd;
        bool opath;
        int ddir;
        const char *name;
} meta_dest;

static int dest_chown(const meta_dest *d, uid_t uid, gid_t gid)
{
        if (d->fd >= 0 && !d->opath)
                return fchown(d->fd, uid, gid);
        if (d->fd >= 0)
                return fchownat(d->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW);
        return fchownat(d->ddir, d->name, uid, gid, AT_SYMLINK_NOFOLLOW);
}

/* Not for a symlink (d->fd < 0): it has no mode of its own. */
static int dest_chmod(const meta_dest *d, mode_t mode)
{
        char p[32];
        if (d->opath) /* fchmod() refuses O_PATH fds; chmod through /proc follows only to it */
                return chmod(berth_fd_path(d->fd, p), mode);
        return fchmod(d->fd, mode);
}

static int dest_utimens(const meta_dest *d, const struct timespec ts[2])
{
        char p[32];
        if (d->fd >= 0 && !d->opath)
                return futimens(d->fd, ts);
        if (d->fd >= 0)
                return utimensat(AT_FDCWD, berth_fd_path(d->fd, p), ts, 0);
        return utimensat(d->ddir, d->name, ts, AT_SYMLINK_NOFOLLOW);
}

static ssize_t dest_setxattr(const meta_dest *d, const char *xname, const void *val, size_t n)
{
        char p[PATH_MAX];
        if (d->fd >= 0 && !d->opath)
                return fsetxattr(d->fd, xname, val, n, 0);
        if (d->fd >= 0)
                return setxattr(berth_fd_path(d->fd, p), xname, val, n, 0);
        snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", d->ddir, d->name);
        return lsetxattr(p, xname, val, n, 0);
}

/* xattrs from sfd (>= 0) or the source path sp (not followed) onto d. */
static int copy_xattrs(copy_ctx *c, int sfd, const char *sp, const meta_dest *d, const char *rel,
                       bool symlink, berth_error *err)
{
        _cleanup_free_ char *names = NULL;
        ssize_t n;
        for (;;) {
                n = sfd >= 0 ? flistxattr(sfd, NULL, 0) : llistxattr(sp, NULL, 0);
                if (n < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
                        return 0;
                if (n < 0)
                        return berth_err(err, errno, "cannot list the xattrs of '%s'", rel);
                if (n == 0)
                        return 0;
                free(names);
                names = berth_xmalloc0((size_t)n);
                n = sfd >= 0 ? flistxattr(sfd, names, (size_t)n) : llistxattr(sp, names, (size_t)n);
                if (n >= 0)
                        break;
                if (errno != ERANGE)
                        return berth_err(err, errno, "cannot list the xattrs of '%s'", rel);
        }
        for (char *name = names; name < names + n; name += strlen(name) + 1) {
                ssize_t vn =
                    sfd >= 0 ? fgetxattr(sfd, name, NULL, 0) : lgetxattr(sp, name, NULL, 0);
                if (vn < 0 && errno == ENODATA)
                        continue;
                if (vn < 0)
                        return berth_err(err, errno, "cannot read xattr '%s' of '%s'", name, rel);
                _cleanup_free_ char *val = berth_xmalloc0((size_t)vn + 1);
                vn = sfd >= 0 ? fgetxattr(sfd, name, val, (size_t)vn)
                              : lgetxattr(sp, name, val, (size_t)vn);
                if (vn < 0)
                        return berth_err(err, errno, "cannot read xattr '%s' of '%s'", name, rel);
                if (dest_setxattr(d, name, val, (size_t)vn) < 0 &&
                    !xattr_ignorable(name, errno, c->privileged && !symlink))
                        return berth_err(err, errno, "cannot set xattr '%s' on '%s'", name, rel);
        }
        return 0;
}

/*
 * Owner, mode, xattrs, times of d from st (sfd: an fd of the source, or -1:
 * its xattrs are read by name in sdir). Nothing here follows a symlink: a
 * volume can be shared with a running container, which may swap any name in
 * it for a symlink to a host file while the copy runs.
 */
static int set_meta(copy_ctx *c, int sfd, int sdir, const meta_dest *d, const struct stat *st,
                    const char *rel, berth_error *err)
{
        bool link = S_ISLNK(st->st_mode);
        int r = dest_chown(d, st->st_uid, st->st_gid);
        if (r < 0 && !(errno == EPERM && !c->privileged))
                return berth_err(err, errno, "cannot set the owner of '%s'", rel);
        /* After chown, which clears set-id bits. */
        if (!link && dest_chmod(d, st->st_mode & 07777) < 0)
                return berth_err(err, errno, "cannot set the mode of '%s'", rel);
        char sp[PATH_MAX] = "";
        if (sfd < 0)
                snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sdir, d->name);
        if ((r = copy_xattrs(c, sfd, sp, d, rel, link, err)) < 0)
                return r;
        struct timespec ts[2] = {st->st_atim, st->st_mtim};
        r = dest_utimens(d, ts);
        if (r < 0)
                return berth_err(err, errno, "cannot set the times of '%s'", rel);
        return 0;
}

static int copy_data(int in, int out, const char *rel, berth_error *err)
{
        for (;;) {
                ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
                if (n == 0)
                        return 0;
                if (n > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP ||
                    errno == EBADF)
                        break;
                return berth_err(err, errno, "cannot copy '%s'", rel);
        }
        /* From where copy_file_range stopped: both offsets moved with it. */
        _cleanup_free_ char *buf = berth_xmalloc0(128 * 1024);
        for (;;) {
                ssize_t n = read(in, buf, 128 * 1024);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(err, errno, "cannot read '%s'", rel);
                if (n == 0)
                        return 0;
                if (berth_write_all(out, buf, (size_t)n) < 0)
                        return berth_err(err, errno, "cannot write '%s'", rel);
        }
}

/* Open name in dir (never following it) and check it is the inode that was looked at. */
static int open_same(int dir, const char *name, int flags, const struct stat *st, const char *rel,
                     berth_error *err)
{
        int fd = openat(dir, name, flags | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", rel);
        struct stat fst;
        if (fstat(fd, &fst) < 0 || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino ||
            (fst.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
                close(fd);
                return berth_errx(err, EAGAIN, "'%s' changed while it was copied", rel);
        }
        return fd;
}

static int copy_file(copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
                     const char *rel, berth_error *err)
{
        _cleanup_close_ int sfd = open_same(sdir, name, O_RDONLY | O_NONBLOCK, st, rel, err);
        if (sfd < 0)
                return sfd;
        _cleanup_close_ int dfd =
            openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (dfd < 0)
                return berth_err(err, errno, "cannot create '%s'", rel);
        int r = copy_data(sfd, dfd, rel, err);
        if (r < 0)
                return r;
        meta_dest d = {.fd = dfd, .ddir = ddir, .name = name};
        return set_meta(c, sfd, sdir, &d, st, rel, err);
}

static int copy_dir(copy_ctx *c, int sdir, int ddir, const char *rel, int depth, berth_error *err);

static int copy_subdir(copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
                       const char *rel, int depth, berth_error *err)
{
        if (depth >= MAX_DEPTH)
                return berth_errx(err, ELOOP, "'%s' is nested too deep (more than %d levels)", rel,
                                  MAX_DEPTH);
        _cleanup_close_ int sfd = open_same(sdir, name, O_RDONLY | O_DIRECTORY, st, rel, err);
        if (sfd < 0)
                return sfd;
        if (mkdirat(ddir, name, 0700) < 0)
                return berth_err(err, errno, "cannot create directory '%s'", rel);
        _cleanup_close_ int dfd =
            openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return berth_err(err, errno, "cannot open '%s'", rel);
        int r = copy_dir(c, sfd, dfd, rel, depth + 1, err);
        if (r < 0)
                return r;
        /* Last, so that making its entries does not change its times. */
        meta_dest d = {.fd = dfd, .ddir = ddir, .name = name};
        return set_meta(c, sfd, sdir, &d, st, rel, err);
}

static int copy_symlink(copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
                        const char *rel, berth_error *err)
{
        char target[PATH_MAX];
        ssize_t n = readlinkat(sdir, name, target, sizeof(target));
        if (n < 0)
                return berth_err(err, errno, "cannot read symlink '%s'", rel);
        if ((size_t)n >= sizeof(target))
                return berth_errx(err, ENAMETOOLONG, "symlink '%s' is too long", rel);
        target[n] = '\0';
        if (symlinkat(target, ddir, name) < 0)
                return berth_err(err, errno, "cannot create symlink '%s'", rel);
        meta_dest d = {.fd = -1, .ddir = ddir, .name = name};
        return set_meta(c, -1, sdir, &d, st, rel, err);
}

static int copy_node(copy_ctx *c, int sdir, int ddir, const char *name, const struct stat *st,
                     const char *rel, berth_error *err)
{
        if (mknodat(ddir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0)
                return berth_err(err, errno, "cannot create '%s'", rel);
        /* Only through an fd of what was made: the name may be a symlink by now. */
        _cleanup_close_ int fd = openat(ddir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", rel);
        int is = berth_fd_is_node(fd, st->st_mode & S_IFMT, st->st_rdev);
        if (is < 0)
                return berth_err(err, -is, "cannot stat '%s'", rel);
        if (!is)
                return berth_errx(err, EAGAIN, "'%s' changed while it was copied", rel);
        meta_dest d = {.fd = fd, .opath = true, .ddir = ddir, .name = name};
        return set_meta(c, -1, sdir, &d, st, rel, err);
}

/* A second name of an inode already copied: a hard link to the copy. */
static int copy_link(copy_ctx *c, const char *first, int ddir, const char *name, const char *rel,
                     berth_error *err)
{
        _cleanup_free_ char *parent = berth_xstrdup(first);
        char *slash = strrchr(parent, '/');
        const char *base = first;
        _cleanup_close_ int pfd = -1;
        if (slash) {
                *slash = '\0';
                base = first + (slash - parent) + 1;
                /* Inside the volume, through no symlink: the copy is ours, but be sure. */
                struct open_how how = {
                    .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
                };
                pfd = (int)syscall(SYS_openat2, c->datafd, parent, &how, sizeof(how));
                if (pfd < 0)
                        return berth_err(err, errno, "cannot open '%s'", parent);
        }
        if (linkat(slash ? pfd : c->datafd, base, ddir, name, 0) < 0)
                return berth_err(err, errno, "cannot link '%s' to '%s'", rel, first);
        return 0;
}

static int copy_entry(copy_ctx *c, int sdir, int ddir, const char *name, const char *rel, int depth,
                      berth_error *err)
{
        struct stat st;
        if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "cannot stat '%s'", rel);
        bool linked = !S_ISDIR(st.st_mode) && st.st_nlink > 1;
        if (linked) {
                berth_inode_entry *e = berth_inode_find(&c->links, st.st_dev, st.st_ino);
                if (e)
                        return copy_link(c, e->value, ddir, name, rel, err);
        }
        int r;
        switch (st.st_mode & S_IFMT) {
        case S_IFREG:
                r = copy_file(c, sdir, ddir, name, &st, rel, err);
                break;
        case S_IFDIR:
                r = copy_subdir(c, sdir, ddir, name, &st, rel, depth, err);
                break;
        case S_IFLNK:
                r = copy_symlink(c, sdir, ddir, name, &st, rel, err);
                break;
        case S_IFCHR:
        case S_IFBLK:
        case S_IFIFO:
        case S_IFSOCK:
                r = copy_node(c, sdir, ddir, name, &st, rel, err);
                break;
        default:
                return berth_errx(err, EINVAL, "'%s' has an unknown file type", rel);
        }
        if (r == 0 && linked)
                berth_inode_add(&c->links, st.st_dev, st.st_ino, rel);
        return r;
}

static int copy_dir(copy_ctx *c, int sdir, int ddir, const char *rel, int depth, berth_error *err)
{
        int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", shown(rel));
        DIR *d = fdopendir(fd);
        if (d == NULL) {
                close(fd);
                return berth_err(err, ENOMEM, "cannot read '%s'", shown(rel));
        }
        int r = 0;
        struct dirent *de;
        errno = 0;
        while (r == 0 && (de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                        continue;
                _cleanup_free_ char *sub =
                    *rel ? berth_xasprintf("%s/%s", rel, de->d_name) : berth_xstrdup(de->d_name);
                r = copy_entry(c, sdir, ddir, de->d_name, sub, depth, err);
                errno = 0;
        }
        if (r == 0 && errno != 0)
                r = berth_err(err, errno, "cannot read '%s'", shown(rel));
        closedir(d);
        return r;
}

/* Copy rootfs/path (resolved inside rootfs) into datafd; nothing there is no error. */
static int copy_tree(const char *rootfs, const char *path, int datafd, berth_error *err)
{
        _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "cannot open root '%s'", rootfs);
        berth_error e2 = {0};
        _cleanup_close_ int src = berth_open_in_root(rootfd, path, O_RDONLY | O_DIRECTORY, 0, &e2);
        if (src < 0) {
                if (src == -ENOENT || src == -ENOTDIR)
                        return 0;
                *err = e2;
                return src;
        }
        struct stat sst, dst;
        if (fstat(src, &sst) < 0 || fstat(datafd, &dst) < 0)
                return berth_err(err, errno, "cannot stat '%s'", path);
        if (sst.st_dev == dst.st_dev && sst.st_ino == dst.st_ino)
                return 0; /* the volume is mounted there already: nothing of the image shows */
        copy_ctx c = {.datafd = datafd, .privileged = geteuid() == 0};
        int r = copy_dir(&c, src, datafd, "", 0, err);
        berth_inode_map_clear(&c.links);
        if (r < 0)
                return r;
        /* The volume takes the owner and mode of the image's directory, as in Docker. */
        if (fchown(datafd, sst.st_uid, sst.st_gid) < 0 && !(errno == EPERM && !c.privileged))
                return berth_err(err, errno, "cannot set the owner of the volume");
        if (fchmod(datafd, sst.st_mode & 07777) < 0)
                return berth_err(err, errno, "cannot set the mode of the volume");
        return 0;
}

int berth_volume_copy_up(berth_volumes *vs, const char *name, const char *rootfs, const char *path,
                         berth_error *err)
{
        int state;
        int r = vol_copy_state(vs, name, &state, err);
        if (r < 0 || state == VOL_COPY_DONE)
                return r;
        _cleanup_free_ char *data = NULL;
        if ((r = berth_volume_mount(vs, name, &data, err)) < 0)
                return r;
        /* One copy at a time per volume; a crashed copier's lock is gone with it. */
        _cleanup_close_ int vfd =
            openat(vs->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (vfd < 0)
                return berth_err(err, errno, "cannot open volume '%s'", name);
        while (flock(vfd, LOCK_EX) < 0) {
                if (errno != EINTR)
                        return berth_err(err, errno, "cannot lock volume '%s'", name);
        }
        if ((r = vol_copy_state(vs, name, &state, err)) < 0 || state == VOL_COPY_DONE)
                return r;
        _cleanup_close_ int datafd = open(data, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (datafd < 0)
                return berth_err(err, errno, "cannot open '%s'", data);
        if (state == VOL_COPY_RUNNING) {
                /* A copy cut short by a crash: the volume was empty before it. */
                if ((r = vol_empty_dir(datafd)) < 0)
                        return berth_err(err, -r, "cannot empty volume '%s' after a cut-short copy",
                                         name);
        } else {
                r = vol_dir_is_empty(datafd);
                if (r < 0)
                        return berth_err(err, -r, "cannot read '%s'", data);
                if (r == 0)
                        return vol_set_copy_state(vs, name, VOL_COPY_DONE, err);
        }
        if ((r = vol_set_copy_state(vs, name, VOL_COPY_RUNNING, err)) < 0)
                return r;
        r = copy_tree(rootfs, path, datafd, err);
        if (r < 0) {
                berth_error e2 = {0};
                if (vol_empty_dir(datafd) == 0)
                        vol_set_copy_state(vs, name, VOL_COPY_NONE, &e2);
                return berth_wrap(err, "cannot copy '%s' of the image into volume '%s'", path,
                                  name);
        }
        return vol_set_copy_state(vs, name, VOL_COPY_DONE, err);
}
