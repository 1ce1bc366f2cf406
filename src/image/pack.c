/* SPDX-License-Identifier: Apache-2.0 */
/* An overlay upper dir → a deterministic OCI layer tar (libarchive's pax writer). */
#include "pack.h"
#include "tar-entry.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

struct packer {
        struct archive *a;
        int out_fd;
        berth_hasher *h;
        uint64_t size;
        int write_errno;
        berth_tar_links links;
        int64_t clamp; /* mtimes later than this are written as this; -1: none */
        berth_error *err;
};

static la_ssize_t write_cb(struct archive *a, void *data, const void *buf, size_t len)
{
        struct packer *p = data;
        if (berth_write_all(p->out_fd, buf, len) < 0) {
                p->write_errno = errno;
                archive_set_error(a, errno, "cannot write the layer");
                return -1;
        }
        berth_hasher_update(p->h, buf, len);
        p->size += len;
        return (la_ssize_t)len;
}

static int archive_fail(struct packer *p, const char *path)
{
        return berth_errx(p->err, p->write_errno ? p->write_errno : EIO, "cannot pack '%s': %s",
                          path, archive_error_string(p->a) ? archive_error_string(p->a) : "error");
}

static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool xattr_packed(const char *name)
{
        return strcmp(name, "security.capability") == 0 || berth_str_has_prefix(name, "user.") ||
               (berth_str_has_prefix(name, "trusted.") &&
                !berth_str_has_prefix(name, "trusted.overlay."));
}

/* Packed xattrs into e; *ret_opaque for trusted.overlay.opaque=y. */
static int add_xattrs(struct packer *p, const char *fspath, const char *path,
                      struct archive_entry *e, bool *ret_opaque)
{
        char names[65536];
        ssize_t n = llistxattr(fspath, names, sizeof(names));
        *ret_opaque = false;
        if (n < 0)
                return errno == ENOTSUP
                           ? 0
                           : berth_err(p->err, errno, "cannot list xattrs of '%s'", path);
        _cleanup_free_ char **list = NULL;
        size_t count = 0;
        for (char *s = names; s < names + n; s += strlen(s) + 1) {
                if (strcmp(s, "trusted.overlay.redirect") == 0 ||
                    strcmp(s, "trusted.overlay.metacopy") == 0)
                        return berth_errx(p->err, ENOTSUP,
                                          "cannot pack '%s': it uses overlay '%s' (not "
                                          "self-contained)",
                                          path, s);
                if (strcmp(s, "trusted.overlay.opaque") == 0) {
                        char v[4];
                        ssize_t vl = lgetxattr(fspath, s, v, sizeof(v));
                        *ret_opaque = vl == 1 && v[0] == 'y';
                        continue;
                }
                if (!xattr_packed(s))
                        continue;
                list = berth_xrealloc(list, (count + 1) * sizeof(*list));
                list[count++] = s;
        }
        if (count > 1)
                qsort(list, count, sizeof(*list), by_name);
        for (size_t i = 0; i < count; i++) {
                char value[65536];
                ssize_t vl = lgetxattr(fspath, list[i], value, sizeof(value));
                if (vl < 0)
                        return berth_err(p->err, errno, "cannot read xattr '%s' of '%s'", list[i],
                                         path);
                archive_entry_xattr_add_entry(e, list[i], value, (size_t)vl);
        }
        return 0;
}

static struct archive_entry *new_entry(const struct packer *p, const char *path,
                                       const struct stat *st)
{
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, path);
        archive_entry_set_uid(e, st->st_uid);
        archive_entry_set_gid(e, st->st_gid);
        int64_t mtime = st->st_mtim.tv_sec;
        archive_entry_set_mtime(e, p->clamp >= 0 && mtime > p->clamp ? p->clamp : mtime, 0);
        archive_entry_set_perm(e, st->st_mode & 07777);
        return e;
}

static void entry_freep(struct archive_entry **e)
{
        if (*e)
                archive_entry_free(*e);
}

static int put(struct packer *p, struct archive_entry *e, const char *path)
{
        if (archive_write_header(p->a, e) < ARCHIVE_WARN)
                return archive_fail(p, path);
        return 0;
}

static int put_whiteout(struct packer *p, const char *path, const struct stat *st)
{
        _cleanup_(entry_freep) struct archive_entry *e = new_entry(p, path, st);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, 0);
        return put(p, e, path);
}

static int copy_data(struct packer *p, int dirfd, const char *name, const char *path)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return berth_err(p->err, errno, "cannot open '%s'", path);
        char buf[65536];
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return berth_err(p->err, errno, "cannot read '%s'", path);
                if (n == 0)
                        return 0;
                if (archive_write_data(p->a, buf, (size_t)n) != n)
                        return archive_fail(p, path);
        }
}

static int pack_dir(struct packer *p, int dirfd, const char *prefix, int depth);

static int pack_one(struct packer *p, int dirfd, const char *name, const char *prefix, int depth)
{
        _cleanup_free_ char *path =
            prefix[0] ? berth_xasprintf("%s/%s", prefix, name) : berth_xstrdup(name);
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(p->err, errno, "cannot stat '%s'", path);
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
                _cleanup_free_ char *wh = prefix[0] ? berth_xasprintf("%s/.wh.%s", prefix, name)
                                                    : berth_xasprintf(".wh.%s", name);
                return put_whiteout(p, wh, &st);
        }
        if (S_ISSOCK(st.st_mode))
                return 0; /* sockets do not go in layers */
        _cleanup_(entry_freep) struct archive_entry *e = new_entry(p, path, &st);
        char fspath[64 + NAME_MAX];
        snprintf(fspath, sizeof(fspath), "/proc/self/fd/%d/%s", dirfd, name);
        bool opaque;
        int r = add_xattrs(p, fspath, path, e, &opaque);
        if (r < 0)
                return r;
        char target[4096] = "";
        if (S_ISLNK(st.st_mode)) {
                ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
                if (n < 0)
                        return berth_err(p->err, errno, "cannot read link '%s'", path);
                target[n] = '\0';
        }
        r = berth_tar_entry_set_type(e, &st, target, &p->links, path);
        if (r < 0)
                return berth_errx(p->err, EINVAL, "cannot pack '%s': unknown file type", path);
        if (r == 1) /* a hard link to a name already packed */
                return put(p, e, path);
        r = put(p, e, path);
        if (r < 0)
                return r;
        if (S_ISREG(st.st_mode) && st.st_size > 0)
                return copy_data(p, dirfd, name, path);
        if (!S_ISDIR(st.st_mode))
                return 0;
        if (opaque) {
                _cleanup_free_ char *opq = berth_xasprintf("%s/.wh..wh..opq", path);
                r = put_whiteout(p, opq, &st);
                if (r < 0)
                        return r;
        }
        _cleanup_close_ int sub =
            openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return berth_err(p->err, errno, "cannot open '%s'", path);
        return pack_dir(p, sub, path, depth + 1);
}

static int pack_dir(struct packer *p, int dirfd, const char *prefix, int depth)
{
        if (depth > 512)
                return berth_errx(p->err, ELOOP, "cannot pack '%s': too deep", prefix);
        _cleanup_strv_ char **names = berth_dir_names_sorted(dirfd);
        if (names == NULL)
                return berth_err(p->err, errno, "cannot read '%s'", prefix[0] ? prefix : "/");
        int r = 0;
        STRV_FOREACH (name, names)
                if ((r = pack_one(p, dirfd, *name, prefix, depth)) < 0)
                        break;
        return r;
}

int berth_pack_diff(int upper_dirfd, int out_fd, berth_digest *ret_diff_id, uint64_t *ret_size,
                    berth_error *err)
{
        return berth_pack_diff_clamped(upper_dirfd, out_fd, -1, ret_diff_id, ret_size, err);
}

int berth_pack_diff_clamped(int upper_dirfd, int out_fd, int64_t clamp, berth_digest *ret_diff_id,
                            uint64_t *ret_size, berth_error *err)
{
        struct packer p = {.out_fd = out_fd, .clamp = clamp, .err = err};
        p.a = archive_write_new();
        p.h = berth_hasher_new();
        int r;
        archive_write_set_format_pax_restricted(p.a);
        archive_write_set_bytes_per_block(p.a, 10240);
        if (archive_write_open2(p.a, &p, NULL, write_cb, NULL, NULL) != ARCHIVE_OK) {
                r = archive_fail(&p, "/");
                goto out;
        }
        r = pack_dir(&p, upper_dirfd, "", 0);
        if (r == 0 && archive_write_close(p.a) != ARCHIVE_OK)
                r = archive_fail(&p, "/");
        if (r == 0) {
                if (ret_diff_id)
                        berth_hasher_final(p.h, ret_diff_id);
                if (ret_size)
                        *ret_size = p.size;
        }
out:
        archive_write_free(p.a);
        berth_hasher_free(p.h);
        berth_tar_links_clear(&p.links);
        return r;
}
