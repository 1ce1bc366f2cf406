/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cp's tar writer and reader, over a view of a container's files (or a
 * host directory, a view without mounts).
 *
 * Writing walks directories by fd: each child is opened by its name
 * relative to its parent's fd with O_NOFOLLOW, so nothing the container
 * changes meanwhile can lead the walk elsewhere; a child that is a mount's
 * Destination is read from the mount's source instead.
 *
 * Reading resolves each entry's parent in the view (symlinks followed
 * inside it, then openat2 RESOLVE_IN_ROOT under the rootfs or mount), and
 * makes the entry by its last name under that parent fd with O_EXCL and
 * O_NOFOLLOW. Owners, modes and times are then set through an fd of what
 * was made, checked to be of the type made: a name swapped for a symlink
 * meanwhile is never followed.
 */
#include "image/cp-view.h"
#include "image/tar-entry.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX_DEPTH 1024

/* ---------------------------------------------------------------- writing */

typedef struct {
        const berth_cp_view *v;
        struct archive *a;
        berth_tar_links links;
        berth_error *err;
} tar_writer;

static void entry_freep(struct archive_entry **e)
{
        if (*e)
                archive_entry_free(*e);
}

static int write_fail(tar_writer *t, const char *name)
{
        int e = archive_errno(t->a);
        return berth_errx(t->err, e > 0 ? e : EIO, "cannot write the tar entry '%s': %s", name,
                          archive_error_string(t->a) ? archive_error_string(t->a) : "error");
}

static int copy_file_data(tar_writer *t, int fd, const char *name)
{
        char p[32];
        _cleanup_close_ int rfd = open(berth_fd_path(fd, p), O_RDONLY | O_NOCTTY | O_CLOEXEC);
        if (rfd < 0)
                return berth_err(t->err, errno, "cannot open '%s'", name);
        char buf[65536];
        for (;;) {
                ssize_t n = read(rfd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(t->err, errno, "cannot read '%s'", name);
                if (n == 0)
                        return 0;
                if (archive_write_data(t->a, buf, (size_t)n) != n)
                        return write_fail(t, name);
        }
}

static int write_tree(tar_writer *t, int fd, const char *cpath, const char *tarname, int depth);

static int write_children(tar_writer *t, int fd, const char *cpath, const char *tarname, int depth)
{
        if (depth > MAX_DEPTH)
                return berth_errx(t->err, ELOOP, "cannot archive '%s': too deep", tarname);
        _cleanup_strv_ char **names = berth_dir_names_sorted(fd);
        if (names == NULL)
                return berth_err(t->err, errno, "cannot read directory '%s'",
                                 tarname[0] ? tarname : "/");
        size_t n = berth_strv_length(names);
        bool mounts = t->v && cpath && berth_cp_view_has_mount_below(t->v, cpath);
        int r = 0;
        for (size_t i = 0; i < n && r == 0; i++) {
                _cleanup_free_ char *child = cpath ? berth_cp_join(cpath, names[i]) : NULL;
                _cleanup_free_ char *cname = tarname[0]
                                                 ? berth_xasprintf("%s/%s", tarname, names[i])
                                                 : berth_xstrdup(names[i]);
                const berth_cp_mount *m = mounts ? berth_cp_view_mount_at(t->v, child) : NULL;
                _cleanup_close_ int cfd = -1;
                if (m && m->file)
                        cfd = openat(m->fd, m->file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                else if (m)
                        cfd = fcntl(m->fd, F_DUPFD_CLOEXEC, 3);
                else
                        cfd = openat(fd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0 && errno == ENOENT)
                        continue; /* gone meanwhile */
                if (cfd < 0)
                        r = berth_err(t->err, errno, "cannot open '%s'", cname);
                else
                        r = write_tree(t, cfd, child, cname, depth + 1);
        }
        return r;
}

/* security.capability, as docker's tar keeps it. */
static void add_capability(int fd, struct archive_entry *e)
{
        char p[32], value[1024];
        ssize_t n = getxattr(berth_fd_path(fd, p), "security.capability", value, sizeof(value));
        if (n > 0)
                archive_entry_xattr_add_entry(e, "security.capability", value, (size_t)n);
}

static int write_tree(tar_writer *t, int fd, const char *cpath, const char *tarname, int depth)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_err(t->err, errno, "cannot stat '%s'", tarname);
        if (S_ISSOCK(st.st_mode))
                return 0; /* tar has no sockets; docker skips them too */
        if (tarname[0] == '\0')
                return S_ISDIR(st.st_mode) ? write_children(t, fd, cpath, tarname, depth) : 0;

        _cleanup_(entry_freep) struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, tarname);
        archive_entry_set_uid(e, st.st_uid);
        archive_entry_set_gid(e, st.st_gid);
        archive_entry_set_perm(e, st.st_mode & 07777);
        archive_entry_set_mtime(e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        char target[PATH_MAX] = "";
        if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
                if (n < 0)
                        return berth_err(t->err, errno, "cannot read link '%s'", tarname);
                target[n] = '\0';
        }
        if (S_ISREG(st.st_mode))
                add_capability(fd, e);
        int r = berth_tar_entry_set_type(e, &st, target, &t->links, tarname);
        if (r < 0)
                return berth_errx(t->err, EINVAL, "cannot archive '%s': unknown file type",
                                  tarname);
        if (r == 1) { /* a hard link to a name already written */
                if (archive_write_header(t->a, e) < ARCHIVE_WARN)
                        return write_fail(t, tarname);
                return 0;
        }
        if (archive_write_header(t->a, e) < ARCHIVE_WARN)
                return write_fail(t, tarname);
        if (S_ISREG(st.st_mode) && st.st_size > 0)
                return copy_file_data(t, fd, tarname);
        if (S_ISDIR(st.st_mode))
                return write_children(t, fd, cpath, tarname, depth);
        return 0;
}

int berth_cp_tar_write(const berth_cp_view *v, int fd, const char *cpath, const char *tarname,
                       int out_fd, berth_error *err)
{
        tar_writer t = {.v = v, .err = err};
        t.a = archive_write_new();
        if (t.a == NULL)
                return berth_errx(err, ENOMEM, "cannot start a tar");
        archive_write_set_format_pax_restricted(t.a);
        archive_write_set_bytes_per_block(t.a, 10240);
        /* the same bytes to a file, a pipe or stdout: no padding after the end marker */
        archive_write_set_bytes_in_last_block(t.a, 1);
        int r = 0;
        if (archive_write_open_fd(t.a, out_fd) != ARCHIVE_OK)
                r = write_fail(&t, tarname);
        if (r == 0)
                r = write_tree(&t, fd, cpath, tarname, 0);
        if (r == 0 && archive_write_close(t.a) != ARCHIVE_OK)
                r = write_fail(&t, tarname);
        archive_write_free(t.a);
        berth_tar_links_clear(&t.links);
        return r;
}

int berth_cp_archive(int dirfd, const char *entry, const char *tarname, int out_fd,
                     berth_error *err)
{
        _cleanup_close_ int fd = openat(dirfd, entry, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "lstat %s", entry);
        return berth_cp_tar_write(NULL, fd, NULL, tarname, out_fd, err);
}

/* ---------------------------------------------------------------- reading */

typedef struct {
        char *cpath;
        struct timespec ts[2];
} dir_time;

typedef struct {
        const berth_cp_view *v;
        const char *dest;
        const berth_cp_extract_opts *o;
        bool check_ro;
        struct archive *a;
        berth_error *err;
        /* the last parent: as named (dest-relative), canonical, its fd and mount */
        char *parent_rel, *parent_canon;
        int parent_fd;
        const berth_cp_mount *parent_mount;
        dir_time *dirs;
        size_t ndirs;
        uint64_t bytes; /* regular files' data written */
} tar_reader;

static void reader_forget_parent(tar_reader *x)
{
        free(x->parent_rel);
        free(x->parent_canon);
        x->parent_rel = x->parent_canon = NULL;
        if (x->parent_fd >= 0)
                close(x->parent_fd);
        x->parent_fd = -1;
}

static int check_writable(tar_reader *x, const berth_cp_mount *m)
{
        if (!x->check_ro)
                return 0;
        if (m && !m->rw)
                return berth_errx(x->err, EROFS, "mounted volume is marked read-only");
        if (m == NULL && x->v->ro_rootfs)
                return berth_errx(x->err, EROFS, "container rootfs is marked read-only");
        return 0;
}

/* The parent directory of an entry (made if missing), cached. */
static int reader_parent(tar_reader *x, const char *parent_rel)
{
        if (x->parent_rel && strcmp(x->parent_rel, parent_rel) == 0)
                return x->parent_fd;
        reader_forget_parent(x);
        _cleanup_free_ char *full = berth_cp_join(x->dest, parent_rel);
        _cleanup_free_ char *canon = NULL;
        int r = berth_cp_canon(x->v, full, true, &canon, x->err);
        if (r < 0)
                return r;
        berth_cp_loc loc;
        berth_cp_view_map(x->v, canon, &loc);
        if ((r = check_writable(x, loc.mount)) < 0)
                return r;
        int fd;
        if (loc.mount && loc.mount->file)
                return berth_errx(x->err, ENOTDIR, "cannot extract into '%s': Not a directory",
                                  canon);
        if (loc.rel[0] == '\0') {
                fd = fcntl(loc.base, F_DUPFD_CLOEXEC, 3);
                if (fd < 0)
                        return berth_err(x->err, errno, "cannot open '%s'", canon);
        } else {
                fd = berth_mkdir_p_in_root(loc.base, loc.rel, 0755, x->err);
                if (fd < 0)
                        return fd;
        }
        x->parent_rel = berth_xstrdup(parent_rel);
        x->parent_canon = TAKE_PTR(canon);
        x->parent_fd = fd;
        x->parent_mount = loc.mount;
        return fd;
}

static int data_to_fd(tar_reader *x, int fd, const char *name)
{
        for (;;) {
                const void *buf;
                size_t len;
                la_int64_t off;
                int r = archive_read_data_block(x->a, &buf, &len, &off);
                if (r == ARCHIVE_EOF)
                        return 0;
                if (r < ARCHIVE_WARN)
                        return berth_errx(
                            x->err, archive_errno(x->a) > 0 ? archive_errno(x->a) : EIO,
                            "cannot read the data of '%s': %s", name,
                            archive_error_string(x->a) ? archive_error_string(x->a) : "error");
                const char *p = buf;
                x->bytes += len;
                while (len > 0) {
                        ssize_t n = pwrite(fd, p, len, off);
                        if (n < 0 && errno == EINTR)
                                continue;
                        if (n < 0)
                                return berth_err(x->err, errno, "cannot write '%s'", name);
                        p += n;
                        off += n;
                        len -= (size_t)n;
                }
        }
}

/* Owner, mode, xattrs and (but for directories: later) times of the object fd (O_PATH, of type
 * type, checked), named base under pfd for symlinks. */
static int apply_meta(tar_reader *x, int fd, struct archive_entry *e, mode_t type,
                      const char *cpath, const char *name)
{
        struct stat st;
        if (fstat(fd, &st) < 0)
                return berth_err(x->err, errno, "cannot stat '%s'", name);
        if ((st.st_mode & S_IFMT) != type)
                return berth_errx(x->err, EAGAIN, "'%s' changed while it was extracted", name);
        char p[32];
        berth_fd_path(fd, p);
        if (x->o->owner != BERTH_CP_OWNER_NONE) {
                la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
                if (x->o->owner == BERTH_CP_OWNER_FIXED) {
                        uid = x->o->uid;
                        gid = x->o->gid;
                }
                if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
                        return berth_errx(x->err, EINVAL, "'%s': invalid owner %lld:%lld", name,
                                          (long long)uid, (long long)gid);
                if (fchownat(fd, "", (uid_t)uid, (gid_t)gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) <
                    0)
                        return berth_err(x->err, errno, "cannot set the owner of '%s'", name);
        }
        if (type == S_IFLNK)
                return 0; /* its times are set by name, see extract_one() */
        if (chmod(p, archive_entry_perm(e) & 07777) < 0)
                return berth_err(x->err, errno, "cannot set the mode of '%s'", name);
        const char *xname;
        const void *value;
        size_t size;
        archive_entry_xattr_reset(e);
        while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
                if (xname == NULL || berth_str_has_prefix(xname, "trusted.overlay."))
                        continue;
                if (setxattr(p, xname, value, size, 0) < 0 && errno != ENOTSUP && errno != EPERM &&
                    errno != EOPNOTSUPP)
                        return berth_err(x->err, errno, "cannot set xattr '%s' of '%s'", xname,
                                         name);
        }
        struct timespec ts[2];
        berth_tar_entry_times(e, ts);
        if (type == S_IFDIR) {
                x->dirs = berth_xrealloc(x->dirs, (x->ndirs + 1) * sizeof(*x->dirs));
                x->dirs[x->ndirs].cpath = berth_xstrdup(cpath);
                x->dirs[x->ndirs].ts[0] = ts[0];
                x->dirs[x->ndirs].ts[1] = ts[1];
                x->ndirs++;
                return 0;
        }
        if (utimensat(AT_FDCWD, p, ts, 0) < 0)
                return berth_err(x->err, errno, "cannot set the times of '%s'", name);
        return 0;
}

static mode_t entry_type(struct archive_entry *e)
{
        switch (archive_entry_filetype(e)) {
        case AE_IFDIR:
                return S_IFDIR;
        case AE_IFLNK:
                return S_IFLNK;
        case AE_IFCHR:
                return S_IFCHR;
        case AE_IFBLK:
                return S_IFBLK;
        case AE_IFIFO:
                return S_IFIFO;
        case AE_IFREG:
                return S_IFREG;
        default:
                return 0;
        }
}

/* A mount's Destination itself: a directory merges, a bind-mounted file is rewritten in place. */
static int extract_onto_mount(tar_reader *x, const berth_cp_mount *m, struct archive_entry *e,
                              mode_t type, const char *cpath, const char *name)
{
        int r = check_writable(x, m);
        if (r < 0)
                return r;
        if (m->file == NULL) {
                if (type != S_IFDIR)
                        return berth_errx(x->err, EISDIR,
                                          "cannot overwrite directory \"%s\" with non-directory "
                                          "\"%s\"",
                                          cpath, x->dest);
                return apply_meta(x, m->fd, e, S_IFDIR, cpath, name);
        }
        if (type != S_IFREG || archive_entry_hardlink(e))
                return berth_errx(x->err, EBUSY, "cannot replace the mounted file '%s'", cpath);
        /* The name, never followed, must still be a regular file (not a symlink or a node
         * swapped in by whoever else can write the source's directory); then that inode. */
        _cleanup_close_ int pfd = openat(m->fd, m->file, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (pfd < 0 || fstat(pfd, &st) < 0)
                return berth_err(x->err, errno, "cannot open '%s'", cpath);
        if (!S_ISREG(st.st_mode))
                return berth_errx(x->err, EBUSY,
                                  "cannot replace the mounted file '%s': its source is no longer "
                                  "a regular file",
                                  cpath);
        char p[32];
        _cleanup_close_ int fd = open(berth_fd_path(pfd, p), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return berth_err(x->err, errno, "cannot open '%s'", cpath);
        if ((r = data_to_fd(x, fd, name)) < 0)
                return r;
        return apply_meta(x, fd, e, S_IFREG, cpath, name);
}

static int make_hardlink(tar_reader *x, int pfd, const char *base, const char *target,
                         const char *name)
{
        bool escaped;
        _cleanup_free_ char *rel = berth_path_clean_rel(target, &escaped);
        if (escaped || rel[0] == '\0')
                return berth_errx(x->err, EXDEV, "invalid hardlink \"%s\" -> \"%s\"", name, target);
        _cleanup_free_ char *full = berth_cp_join(x->dest, rel);
        _cleanup_free_ char *canon = NULL;
        int r = berth_cp_canon(x->v, full, false, &canon, x->err);
        if (r < 0)
                return r;
        _cleanup_close_ int tfd = berth_cp_view_open(x->v, canon, x->err);
        if (tfd < 0)
                return berth_wrap(x->err, "invalid hardlink \"%s\" -> \"%s\"", name, target);
        struct stat st;
        if (fstat(tfd, &st) < 0 || S_ISDIR(st.st_mode))
                return berth_errx(x->err, EPERM, "invalid hardlink \"%s\" -> \"%s\"", name, target);
        if (linkat(tfd, "", pfd, base, AT_EMPTY_PATH) < 0)
                return berth_err(x->err, errno, "cannot link '%s' to '%s'", name, target);
        return 0;
}

static int extract_one(tar_reader *x, struct archive_entry *e)
{
        const char *name = archive_entry_pathname(e);
        if (name == NULL)
                name = archive_entry_pathname_utf8(e);
        if (name == NULL)
                return berth_errx(x->err, EINVAL, "a tar entry without a name");
        bool escaped;
        _cleanup_free_ char *rel = berth_path_clean_rel(name, &escaped);
        if (escaped)
                return berth_errx(x->err, EXDEV, "invalid tar entry \"%s\": outside of \"%s\"",
                                  name, x->dest);
        const char *hardlink = archive_entry_hardlink(e);
        mode_t type = hardlink ? S_IFREG : entry_type(e);
        if (type == 0)
                return berth_errx(x->err, EINVAL, "tar entry '%s': unsupported type", name);

        _cleanup_free_ char *parent = berth_xstrdup(rel);
        char *slash = strrchr(parent, '/');
        const char *base;
        if (slash) {
                *slash = '\0';
                base = slash + 1;
        } else {
                base = rel;
                parent[0] = '\0';
        }
        if (rel[0] == '\0') { /* "./": the destination itself */
                if (type != S_IFDIR)
                        return berth_errx(x->err, EISDIR,
                                          "cannot overwrite directory \"%s\" with non-directory "
                                          "\"%s\"",
                                          x->dest, name);
                _cleanup_free_ char *canon = NULL;
                int r = berth_cp_canon(x->v, x->dest, true, &canon, x->err);
                if (r < 0)
                        return r;
                _cleanup_close_ int fd = berth_cp_view_open(x->v, canon, x->err);
                if (fd < 0)
                        return fd;
                return apply_meta(x, fd, e, S_IFDIR, canon, name);
        }
        int pfd = reader_parent(x, parent);
        if (pfd < 0)
                return pfd;
        _cleanup_free_ char *cpath = berth_cp_join(x->parent_canon, base);
        const berth_cp_mount *m = berth_cp_view_mount_at(x->v, cpath);
        if (m)
                return extract_onto_mount(x, m, e, type, cpath, name);

        if (type == S_IFLNK) {
                const char *target = archive_entry_symlink(e);
                if (target == NULL || target[0] == '\0')
                        return berth_errx(x->err, EINVAL,
                                          "tar entry '%s': symlink without a target", name);
                if (target[0] != '/') {
                        _cleanup_free_ char *joined = berth_xasprintf("%s/%s", parent, target);
                        _cleanup_free_ char *c = berth_path_clean_rel(joined, &escaped);
                        if (escaped)
                                return berth_errx(x->err, EXDEV, "invalid symlink \"%s\" -> \"%s\"",
                                                  cpath, target);
                }
        }

        struct stat st;
        int r;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
                bool isdir = S_ISDIR(st.st_mode);
                if (isdir && type == S_IFDIR) {
                        _cleanup_close_ int fd =
                            openat(pfd, base, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
                        if (fd < 0)
                                return berth_err(x->err, errno, "cannot open '%s'", cpath);
                        return apply_meta(x, fd, e, S_IFDIR, cpath, name);
                }
                if (isdir)
                        return berth_errx(x->err, EISDIR,
                                          "cannot overwrite directory \"%s\" with non-directory "
                                          "\"%s\"",
                                          cpath, x->dest);
                if (type == S_IFDIR)
                        return berth_errx(x->err, ENOTDIR,
                                          "cannot overwrite non-directory \"%s\" with directory "
                                          "\"%s\"",
                                          cpath, x->dest);
                if (unlinkat(pfd, base, 0) < 0)
                        return berth_err(x->err, errno, "cannot replace '%s'", cpath);
        }
        if (hardlink)
                return make_hardlink(x, pfd, base, hardlink, name);

        _cleanup_close_ int fd = -1;
        switch (type) {
        case S_IFREG: {
                _cleanup_close_ int wfd =
                    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (wfd < 0)
                        return berth_err(x->err, errno, "cannot create '%s'", cpath);
                if ((r = data_to_fd(x, wfd, name)) < 0)
                        return r;
                fd = TAKE_FD(wfd);
                break;
        }
        case S_IFDIR:
                if (mkdirat(pfd, base, 0700) < 0)
                        return berth_err(x->err, errno, "cannot create directory '%s'", cpath);
                break;
        case S_IFLNK:
                if (symlinkat(archive_entry_symlink(e), pfd, base) < 0)
                        return berth_err(x->err, errno, "cannot create symlink '%s'", cpath);
                break;
        default: {
                dev_t dev = type == S_IFIFO
                                ? 0
                                : makedev(archive_entry_rdevmajor(e), archive_entry_rdevminor(e));
                if (mknodat(pfd, base, type | (archive_entry_perm(e) & 07777), dev) < 0)
                        return berth_err(x->err, errno, "cannot create '%s'", cpath);
                break;
        }
        }
        if (fd < 0) {
                fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return berth_err(x->err, errno, "cannot open '%s'", cpath);
        }
        if ((r = apply_meta(x, fd, e, type, cpath, name)) < 0)
                return r;
        if (type == S_IFLNK) {
                struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                                         {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
                utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
        }
        return 0;
}

static int set_dir_times(tar_reader *x)
{
        for (size_t i = x->ndirs; i-- > 0;) {
                berth_error ignored;
                _cleanup_close_ int fd = berth_cp_view_open(x->v, x->dirs[i].cpath, &ignored);
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
                        continue; /* replaced since */
                char p[32];
                if (utimensat(AT_FDCWD, berth_fd_path(fd, p), x->dirs[i].ts, 0) < 0)
                        return berth_err(x->err, errno, "cannot set the times of '%s'",
                                         x->dirs[i].cpath);
        }
        return 0;
}

int berth_cp_tar_extract(const berth_cp_view *v, const char *dest, int tar_fd,
                         const berth_cp_extract_opts *o, bool check_ro, uint64_t *ret_bytes,
                         berth_error *err)
{
        static const berth_cp_extract_opts none = {.owner = BERTH_CP_OWNER_NONE};
        tar_reader x = {.v = v,
                        .dest = dest,
                        .o = o ? o : &none,
                        .check_ro = check_ro,
                        .err = err,
                        .parent_fd = -1};
        x.a = archive_read_new();
        if (x.a == NULL)
                return berth_errx(err, ENOMEM, "cannot start reading a tar");
        archive_read_support_filter_all(x.a);
        archive_read_support_format_tar(x.a);
        archive_read_support_format_empty(x.a);
        int r = 0;
        if (archive_read_open_fd(x.a, tar_fd, 65536) != ARCHIVE_OK)
                r = berth_errx(err, EINVAL, "cannot read the tar: %s",
                               archive_error_string(x.a) ? archive_error_string(x.a) : "error");
        while (r == 0) {
                struct archive_entry *e;
                int ar = archive_read_next_header(x.a, &e);
                if (ar == ARCHIVE_EOF)
                        break;
                if (ar < ARCHIVE_WARN) {
                        r = berth_errx(err, archive_errno(x.a) > 0 ? archive_errno(x.a) : EIO,
                                       "cannot read the tar: %s",
                                       archive_error_string(x.a) ? archive_error_string(x.a)
                                                                 : "error");
                        break;
                }
                r = extract_one(&x, e);
        }
        if (r == 0)
                r = set_dir_times(&x);
        if (r == 0 && ret_bytes)
                *ret_bytes = x.bytes;
        /* read the rest: the writer on the other end of a pipe is not cut off */
        if (r == 0) {
                char buf[65536];
                while (read(tar_fd, buf, sizeof(buf)) > 0)
                        ;
        }
        reader_forget_parent(&x);
        for (size_t i = 0; i < x.ndirs; i++)
                free(x.dirs[i].cpath);
        free(x.dirs);
        archive_read_free(x.a);
        return r < 0 ? r : 0;
}

int berth_cp_extract(int tar_fd, int dest_dirfd, const berth_cp_extract_opts *o,
                     uint64_t *ret_bytes, berth_error *err)
{
        int fd = fcntl(dest_dirfd, F_DUPFD_CLOEXEC, 3);
        if (fd < 0)
                return berth_err(err, errno, "cannot use the destination");
        berth_cp_view v;
        berth_cp_view_init(&v, fd);
        int r = berth_cp_tar_extract(&v, "/", tar_fd, o, false, ret_bytes, err);
        berth_cp_view_done(&v);
        close(fd);
        return r;
}
