/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing one tar entry into the layer directory.
 *
 * The parent directory is resolved (and created) inside the root with
 * openat2(RESOLVE_IN_ROOT), and kept as an O_PATH fd; the entry itself is
 * then made by its single last component relative to that fd, never
 * following a symlink there (O_EXCL|O_NOFOLLOW, AT_SYMLINK_NOFOLLOW). So a
 * name, a symlinked parent or a planted link can confine an entry but
 * never send it outside the root.
 */
#include "base/cleanup.h"
#include "tar-entry.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "unpack-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#define WHITEOUT_PREFIX ".wh."
#define WHITEOUT_META   ".wh..wh."
#define WHITEOUT_OPAQUE ".wh..wh..opq"

void unpack_writer_init(unpack_writer *w, int rootfd, uint64_t max_bytes)
{
        *w =
            (unpack_writer){.rootfd = rootfd, .max_bytes = max_bytes, .parent_fd = -1, .epoch = -1};
}

void unpack_writer_done(unpack_writer *w)
{
        for (size_t i = 0; i < w->ndirs; i++)
                free(w->dirs[i].path);
        free(w->dirs);
        free(w->parent_path);
        if (w->parent_fd >= 0)
                close(w->parent_fd);
        w->dirs = NULL;
        w->ndirs = 0;
        w->parent_path = NULL;
        w->parent_fd = -1;
}

/* Mark the cached parent stale; its fd stays open (callers may hold it) until replaced. */
static void forget_parent(unpack_writer *w)
{
        free(w->parent_path);
        w->parent_path = NULL;
}

static int set_opaque(int pfd, const char *dir, const char *name, berth_error *err);

/*
 * "d/f" after ".wh.d" in one layer: the whiteout device d this layer made
 * stands where f's parent must be. Replace it by an opaque directory (the
 * lower d is deleted, this layer's d is new). True when one was replaced.
 */
static bool replace_whiteout_parent(int rootfd, const char *parent)
{
        _cleanup_free_ char *p = berth_xstrdup(parent);
        for (char *s = p;; s++) {
                if (*s != '/' && *s != '\0')
                        continue;
                char c = *s;
                *s = '\0';
                char *slash = strrchr(p, '/');
                const char *base = slash ? slash + 1 : p;
                if (slash)
                        *slash = '\0';
                berth_error ignored;
                _cleanup_close_ int pfd =
                    berth_mkdir_p_in_root(rootfd, slash ? p : "", 0755, &ignored);
                if (slash)
                        *slash = '/';
                struct stat st;
                if (pfd >= 0 && fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                    S_ISCHR(st.st_mode) && st.st_rdev == 0) {
                        return berth_rm_rf_at(pfd, base) == 0 && mkdirat(pfd, base, 0755) == 0 &&
                               set_opaque(pfd, base, parent, &ignored) == 0;
                }
                *s = c;
                if (c == '\0' || pfd < 0)
                        return false;
        }
}

/* The O_PATH fd of a parent directory (borrowed: owned by the cache). */
static int resolve_parent(unpack_writer *w, const char *parent, berth_error *err)
{
        if (w->parent_path && strcmp(w->parent_path, parent) == 0)
                return w->parent_fd;
        forget_parent(w);
        if (w->parent_fd >= 0)
                close(w->parent_fd);
        w->parent_fd = -1;
        int fd = berth_mkdir_p_in_root(w->rootfd, parent, 0755, err);
        for (int tries = 0; fd == -ENOTDIR && tries < 64; tries++) {
                if (!replace_whiteout_parent(w->rootfd, parent))
                        break;
                fd = berth_mkdir_p_in_root(w->rootfd, parent, 0755, err);
        }
        if (fd < 0)
                return fd;
        w->parent_path = berth_xstrdup(parent);
        w->parent_fd = fd;
        return fd;
}

static int remove_existing(unpack_writer *w, int pfd, const char *base, const char *name,
                           berth_error *err)
{
        int r = berth_rm_rf_at(pfd, base);
        forget_parent(w); /* what we removed may have held the cached parent */
        if (r < 0)
                return berth_err(err, -r, "layer entry '%s': cannot remove what is there", name);
        return 0;
}

static bool xattr_wanted(const char *name)
{
        if (berth_str_has_prefix(name, "trusted.overlay."))
                return false; /* only we write overlay metadata */
        return strcmp(name, "security.capability") == 0 || berth_str_has_prefix(name, "user.") ||
               berth_str_has_prefix(name, "trusted.");
}

static int apply_xattrs(int pfd, const char *base, struct archive_entry *e, mode_t type,
                        const char *name, berth_error *err)
{
        const char *xname;
        const void *value;
        size_t size;
        char path[64 + NAME_MAX];
        snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", pfd, base);
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
                if (xname == NULL || !xattr_wanted(xname))
                        continue;
                if (lsetxattr(path, xname, value, size, 0) == 0)
                        continue;
                if (errno == ENOTSUP || errno == EOPNOTSUPP)
                        continue;
                /* user.* is refused on symlinks and devices by the kernel. */
                if (errno == EPERM && type != AE_IFREG && type != AE_IFDIR &&
                    berth_str_has_prefix(xname, "user."))
                        continue;
                return berth_err(err, errno, "layer entry '%s': cannot set xattr '%s'", name,
                                 xname);
        }
        return 0;
}

static int defer_dir_time(unpack_writer *w, const char *path, const struct timespec ts[2])
{
        w->dirs = berth_xrealloc(w->dirs, (w->ndirs + 1) * sizeof(*w->dirs));
        w->dirs[w->ndirs].path = berth_xstrdup(path);
        w->dirs[w->ndirs].ts[0] = ts[0];
        w->dirs[w->ndirs].ts[1] = ts[1];
        w->ndirs++;
        return 0;
}

/* Owner, mode, xattrs, times — in that order: chown clears setuid and capabilities. */
static int apply_meta(unpack_writer *w, int pfd, const char *base, const char *path,
                      struct archive_entry *e, mode_t type, const char *name, berth_error *err)
{
        la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
        if (w->set_owner) {
                uid = w->owner_uid;
                gid = w->owner_gid;
        }
        if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
                return berth_errx(err, EINVAL, "layer entry '%s': invalid owner %lld:%lld", name,
                                  (long long)uid, (long long)gid);
        if (fchownat(pfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot set owner", name);
        if (type != AE_IFLNK && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot set mode", name);
        int r = apply_xattrs(pfd, base, e, type, name, err);
        if (r < 0)
                return r;
        struct timespec ts[2];
        berth_tar_entry_times(e, ts);
        for (int i = 0; i < 2 && w->epoch >= 0; i++)
                if (ts[i].tv_sec >= w->epoch)
                        ts[i] = (struct timespec){.tv_sec = w->epoch};
        if (type == AE_IFDIR)
                return defer_dir_time(w, path, ts);
        if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot set times", name);
        return 0;
}

static int write_data(int fd, struct archive *a, la_int64_t size, const char *name,
                      berth_error *err)
{
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        break;
                if (r < ARCHIVE_WARN)
                        return berth_errx(err, archive_errno(a) > 0 ? archive_errno(a) : EIO,
                                          "layer entry '%s': cannot read its data: %s", name,
                                          archive_error_string(a) ? archive_error_string(a)
                                                                  : "unknown error");
                if (off < 0 || (uint64_t)off + len > (uint64_t)size)
                        return berth_errx(err, EINVAL, "layer entry '%s': data beyond its size",
                                          name);
                const char *p = buf;
                while (len > 0) {
                        ssize_t n = pwrite(fd, p, len, off);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return berth_err(err, errno, "layer entry '%s': cannot write",
                                                 name);
                        p += n;
                        off += n;
                        len -= (size_t)n;
                }
        }
        /* Holes at the end of a sparse file. */
        if (ftruncate(fd, size) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot set its size", name);
        return 0;
}

static void split(char *path, const char **ret_parent, const char **ret_base)
{
        char *slash = strrchr(path, '/');
        if (slash) {
                *slash = '\0';
                *ret_parent = path;
                *ret_base = slash + 1;
        } else {
                *ret_parent = "";
                *ret_base = path;
        }
}

static int write_hardlink(unpack_writer *w, int pfd, const char *base, const char *target,
                          const char *name, berth_error *err)
{
        bool escaped;
        _cleanup_free_ char *tpath = berth_path_clean_rel(target, &escaped);
        if (escaped)
                return berth_errx(err, EXDEV,
                                  "layer entry '%s': hard link target '%s' is outside the layer",
                                  name, target);
        if (tpath[0] == '\0')
                return berth_errx(err, EINVAL,
                                  "layer entry '%s': hard link target '%s' is the layer's root",
                                  name, target);
        const char *tparent, *tbase;
        split(tpath, &tparent, &tbase);
        /* Beneath the root and through no symlink at all: a hard link names an
         * earlier entry of this layer by its own path. */
        _cleanup_close_ int tpfd = berth_openat2(w->rootfd, tparent, O_PATH | O_DIRECTORY,
                                                 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                                     RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
        if (tpfd < 0 && errno == ELOOP)
                return berth_errx(err, ELOOP,
                                  "layer entry '%s': hard link target '%s' goes through a "
                                  "symbolic link",
                                  name, target);
        if (tpfd < 0)
                return berth_err(err, errno, "layer entry '%s': hard link target '%s'", name,
                                 target);
        struct stat tst, st;
        if (fstatat(tpfd, tbase, &tst, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "layer entry '%s': hard link target '%s'", name,
                                 target);
        if (S_ISDIR(tst.st_mode))
                return berth_errx(err, EPERM,
                                  "layer entry '%s': hard link target '%s' is a directory", name,
                                  target);
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                if (st.st_dev == tst.st_dev && st.st_ino == tst.st_ino)
                        return 0; /* already that file */
                int r = remove_existing(w, pfd, base, name, err);
                if (r < 0)
                        return r;
        }
        if (linkat(tpfd, tbase, pfd, base, 0) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot link to '%s'", name, target);
        return 0;
}

static int set_opaque(int pfd, const char *dir, const char *name, berth_error *err)
{
        _cleanup_close_ int dfd = openat(pfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0 || fsetxattr(dfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot mark the directory opaque",
                                 name);
        return 0;
}

static int write_whiteout(unpack_writer *w, const char *parent, const char *base, const char *name,
                          berth_error *err)
{
        int pfd = resolve_parent(w, parent, err);
        if (pfd < 0)
                return berth_wrap(err, "layer entry '%s'", name);
        if (strcmp(base, WHITEOUT_OPAQUE) == 0)
                return set_opaque(pfd, ".", name, err);
        if (berth_str_has_prefix(base, WHITEOUT_META))
                return 0; /* aufs metadata (.wh..wh.plnk, .wh..wh.aufs) */
        const char *victim = base + strlen(WHITEOUT_PREFIX);
        if (*victim == '\0' || strcmp(victim, ".") == 0 || strcmp(victim, "..") == 0)
                return berth_errx(err, EINVAL, "layer entry '%s': invalid whiteout", name);
        int r = remove_existing(w, pfd, victim, name, err);
        if (r < 0)
                return r;
        pfd = resolve_parent(w, parent, err);
        if (pfd < 0)
                return berth_wrap(err, "layer entry '%s'", name);
        if (mknodat(pfd, victim, S_IFCHR, makedev(0, 0)) < 0)
                return berth_err(err, errno, "layer entry '%s': cannot make the whiteout", name);
        return 0;
}

static int charge(unpack_writer *w, la_int64_t size, const char *name, berth_error *err)
{
        if (size < 0)
                return berth_errx(err, EINVAL, "layer entry '%s': negative size", name);
        if (w->max_bytes && (uint64_t)size > w->max_bytes)
                return berth_errx(err, EFBIG,
                                  "layer entry '%s': size %lld exceeds the limit of %llu bytes",
                                  name, (long long)size, (unsigned long long)w->max_bytes);
        w->bytes += (uint64_t)size;
        if (w->max_bytes && w->bytes > w->max_bytes)
                return berth_errx(err, EFBIG, "layer exceeds the limit of %llu bytes",
                                  (unsigned long long)w->max_bytes);
        return 0;
}

int unpack_write_entry(unpack_writer *w, struct archive *a, struct archive_entry *e,
                       berth_error *err)
{
        const char *name = archive_entry_pathname(e);
        if (name == NULL)
                name = archive_entry_pathname_utf8(e);
        if (name == NULL)
                return berth_errx(err, EINVAL, "layer entry without a name");
        la_int64_t size = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
        int r = charge(w, size, name, err);
        if (r < 0)
                return r;

        _cleanup_free_ char *path = berth_path_clean_rel(name, NULL); /* confined, as Docker */
        _cleanup_free_ char *split_path = berth_xstrdup(path);
        const char *hardlink = archive_entry_hardlink(e);
        mode_t type = archive_entry_filetype(e);
        if (hardlink)
                type = AE_IFREG;

        if (path[0] == '\0') { /* the layer's root: only its metadata */
                if (type != AE_IFDIR || hardlink)
                        return berth_errx(err, EINVAL,
                                          "layer entry '%s': the root must be a directory", name);
                return apply_meta(w, w->rootfd, ".", "", e, type, name, err);
        }
        const char *parent, *base;
        split(split_path, &parent, &base);
        if (!w->plain_names && berth_str_has_prefix(base, WHITEOUT_PREFIX))
                return write_whiteout(w, parent, base, name, err);

        int pfd = resolve_parent(w, parent, err);
        if (pfd < 0)
                return berth_wrap(err, "layer entry '%s'", name);
        if (hardlink)
                return write_hardlink(w, pfd, base, hardlink, name, err);

        struct stat st;
        bool over_whiteout = false;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !(S_ISDIR(st.st_mode) && type == AE_IFDIR)) {
                over_whiteout = !w->plain_names && S_ISCHR(st.st_mode) && st.st_rdev == 0;
                r = remove_existing(w, pfd, base, name, err);
                if (r < 0)
                        return r;
                pfd = resolve_parent(w, parent, err);
                if (pfd < 0)
                        return berth_wrap(err, "layer entry '%s'", name);
        }

        switch (type) {
        case AE_IFREG: {
                _cleanup_close_ int fd =
                    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (fd < 0)
                        return berth_err(err, errno, "layer entry '%s': cannot create", name);
                r = write_data(fd, a, size, name, err);
                if (r < 0)
                        return r;
                break;
        }
        case AE_IFDIR:
                if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
                        return berth_err(err, errno, "layer entry '%s': cannot create directory",
                                         name);
                /* ".wh.d" then "d/" in one layer: the lower d is gone and the new d
                 * must not merge with it — in overlayfs terms, an opaque d. */
                if (over_whiteout) {
                        r = set_opaque(pfd, base, name, err);
                        if (r < 0)
                                return r;
                }
                break;
        case AE_IFLNK: {
                const char *target = archive_entry_symlink(e);
                if (target == NULL || *target == '\0')
                        return berth_errx(err, EINVAL, "layer entry '%s': symlink without a target",
                                          name);
                if (symlinkat(target, pfd, base) < 0)
                        return berth_err(err, errno, "layer entry '%s': cannot create symlink",
                                         name);
                break;
        }
        case AE_IFCHR:
        case AE_IFBLK:
        case AE_IFIFO: {
                dev_t dev = type == AE_IFIFO
                                ? 0
                                : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
                if (mknodat(pfd, base, type | (archive_entry_perm(e) & 07777), dev) < 0)
                        return berth_err(err, errno, "layer entry '%s': cannot create node", name);
                break;
        }
        default:
                return berth_errx(err, EINVAL, "layer entry '%s': unsupported type 0%o", name,
                                  (unsigned)type);
        }
        return apply_meta(w, pfd, base, path, e, type, name, err);
}

int unpack_writer_finish(unpack_writer *w, berth_error *err)
{
        for (size_t i = 0; i < w->ndirs; i++) {
                /* Replaced by something else since, or now behind a symlink: skip. */
                _cleanup_close_ int fd =
                    berth_openat2(w->rootfd, w->dirs[i].path, O_RDONLY | O_DIRECTORY,
                                  RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
                if (fd < 0)
                        continue;
                if (futimens(fd, w->dirs[i].ts) < 0)
                        return berth_err(err, errno, "cannot set the times of directory '%s'",
                                         w->dirs[i].path);
        }
        return 0;
}
