/* SPDX-License-Identifier: Apache-2.0 */
/* `cp` and `export`: a container's files, mounted and locked for the copy, as tar streams. */
#include "engine/cp.h"
#include "image/cp-view.h"
#include "image/unpack.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "engine/engine-internal.h"
#include "image/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define OVERLAYFS_MAGIC 0x794c7630

void berth_cp_stat_clear(berth_cp_stat *s)
{
        if (s == NULL)
                return;
        free(s->name);
        free(s->link_target);
        *s = (berth_cp_stat){0};
}

int engine_lock_container(berth_engine *e, const char *id)
{
        _cleanup_free_ char *dir = berth_engine_container_dir(e, id);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        while (flock(fd, LOCK_EX) < 0) {
                if (errno != EINTR) {
                        int r = -errno;
                        close(fd);
                        return r;
                }
        }
        return fd;
}

/* A container opened for a copy: locked, its rootfs mounted (by us if it was not). */
typedef struct {
        berth_container c;
        bool have_c;
        char *dir;
        int lockfd, rootfd;
        bool we_mounted;
        berth_cp_view v;
} cp_ctx;

static void ctx_close(cp_ctx *x)
{
        berth_cp_view_done(&x->v);
        if (x->rootfd >= 0)
                close(x->rootfd);
        if (x->we_mounted)
                berth_snapshot_umount(x->dir, NULL, NULL);
        if (x->lockfd >= 0)
                close(x->lockfd);
        if (x->have_c)
                berth_container_clear(&x->c);
        free(x->dir);
        *x = (cp_ctx){.lockfd = -1, .rootfd = -1};
}

/*
 * A bind-mounted file (fd, st of it) as cp keeps it: an O_PATH fd of its real
 * parent directory and its name there (*ret_file), checked to be that file,
 * so the name is no symlink: cp opens it never following it, and a name
 * swapped for a symlink to a host file later is not written through.
 */
static int file_parent(int fd, const struct stat *st, char **ret_file)
{
        char p[32], real[PATH_MAX];
        ssize_t n = readlink(berth_fd_path(fd, p), real, sizeof(real) - 1);
        if (n <= 0 || real[0] != '/')
                return -EINVAL;
        real[n] = '\0';
        char *slash = strrchr(real, '/');
        _cleanup_free_ char *file = berth_xstrdup(slash + 1);
        if (slash == real)
                slash[1] = '\0';
        else
                *slash = '\0';
        int pfd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct stat fst;
        if (pfd < 0)
                return -errno;
        if (fstatat(pfd, file, &fst, AT_SYMLINK_NOFOLLOW) < 0 || fst.st_dev != st->st_dev ||
            fst.st_ino != st->st_ino) {
                close(pfd);
                return -ESTALE;
        }
        *ret_file = TAKE_PTR(file);
        return pfd;
}

/* Sources of the container's volumes and binds (tmpfs has none: left out), and its /etc files. */
static int add_mounts(berth_engine *e, cp_ctx *x, berth_error *err)
{
        size_t n = json_array_size(x->c.mounts);
        _cleanup_free_ json_t **sorted = berth_xmalloc0((n + 1) * sizeof(*sorted));
        for (size_t i = 0; i < n; i++)
                sorted[i] = json_array_get(x->c.mounts, i);
        /* parents before their children: a mount's Destination is resolved in those before it */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0; j--) {
                        const char *a =
                            json_string_value(json_object_get(sorted[j - 1], "Destination"));
                        const char *b =
                            json_string_value(json_object_get(sorted[j], "Destination"));
                        if (strlen(a ? a : "") <= strlen(b ? b : ""))
                                break;
                        json_t *t = sorted[j - 1];
                        sorted[j - 1] = sorted[j];
                        sorted[j] = t;
                }
        for (size_t i = 0; i < n; i++) {
                const char *src = json_string_value(json_object_get(sorted[i], "Source"));
                const char *dest = json_string_value(json_object_get(sorted[i], "Destination"));
                if (src == NULL || src[0] != '/' || dest == NULL)
                        continue;
                bool rw = json_is_true(json_object_get(sorted[i], "RW"));
                int fd = open(src, O_PATH | O_CLOEXEC);
                struct stat st;
                if (fd < 0 || fstat(fd, &st) < 0) {
                        if (fd >= 0)
                                close(fd);
                        continue; /* the runtime would fail on it too; the rootfs is what there is
                                   */
                }
                char *file = NULL;
                if (!S_ISDIR(st.st_mode)) {
                        int pfd = file_parent(fd, &st, &file);
                        close(fd);
                        if (pfd < 0)
                                continue;
                        fd = pfd;
                }
                int r = berth_cp_view_add(&x->v, dest, fd, file, rw, err);
                if (r < 0)
                        return r;
        }
        static const char *const files[] = {"resolv.conf", "hostname", "hosts"};
        for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
                _cleanup_free_ char *dest = berth_xasprintf("/etc/%s", files[k]);
                bool taken = false;
                for (size_t i = 0; i < n; i++) {
                        const char *d =
                            json_string_value(json_object_get(sorted[i], "Destination"));
                        taken |= d && strcmp(d, dest) == 0;
                }
                struct stat st;
                _cleanup_free_ char *src = berth_xasprintf("%s/%s", x->dir, files[k]);
                if (taken || stat(src, &st) < 0 || !S_ISREG(st.st_mode))
                        continue;
                int fd = open(x->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                int r = berth_cp_view_add(&x->v, dest, fd, berth_xstrdup(files[k]), !x->v.ro_rootfs,
                                          err);
                if (r < 0)
                        return r;
        }
        (void)e;
        return 0;
}

static int ctx_open(berth_engine *e, const char *name, bool with_mounts, cp_ctx *x,
                    berth_error *err)
{
        *x = (cp_ctx){.lockfd = -1, .rootfd = -1};
        berth_cp_view_init(&x->v, -1);
        if (berth_libarchive_load(err) < 0) /* everything here is a tar stream */
                return -err->code;
        if (berth_engine_get(e, name, &x->c, err) < 0)
                return berth_error_rc(err, -ENOENT);
        x->have_c = true;
        x->dir = berth_engine_container_dir(e, x->c.id);
        x->lockfd = engine_lock_container(e, x->c.id);
        if (x->lockfd < 0)
                return berth_err(err, -x->lockfd, "cannot lock container %s", x->c.name);
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", x->dir);
        for (int tries = 0; tries < 3 && x->rootfd < 0; tries++) {
                if (!berth_snapshot_mounted(x->dir)) {
                        if (berth_snapshot_mount(berth_engine_images(e), x->dir, NULL, err) < 0)
                                return berth_wrap(err, "cannot mount the files of container %s",
                                                  x->c.name);
                        x->we_mounted = true;
                }
                int fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        return berth_err(err, errno, "cannot open '%s'", merged);
                struct statfs sf;
                /* an exiting container's monitor may unmount it between our look and our open */
                if (fstatfs(fd, &sf) == 0 && sf.f_type == OVERLAYFS_MAGIC)
                        x->rootfd = fd;
                else
                        close(fd);
        }
        if (x->rootfd < 0)
                return berth_errx(err, EIO, "cannot mount the files of container %s", x->c.name);
        berth_cp_view_init(&x->v, x->rootfd);
        x->v.ro_rootfs = json_is_true(
            json_object_get(json_object_get(x->c.body, "HostConfig"), "ReadonlyRootfs"));
        return with_mounts ? add_mounts(e, x, err) : 0;
}

static int not_found(berth_error *err, const char *path, const char *name)
{
        return berth_errx(err, ENOENT, "could not find the file %s in container %s", path, name);
}

/* Open path (docker's rules for following the last link) in an open context. */
static int open_path(cp_ctx *x, const char *name, const char *path, bool follow, char **ret_canon,
                     berth_error *err)
{
        _cleanup_free_ char *abs = berth_cp_clean(path);
        bool dir = berth_cp_asserts_dir(abs);
        _cleanup_free_ char *canon = NULL;
        int r = berth_cp_canon(&x->v, abs, follow || dir, &canon, err);
        if (r < 0)
                return r;
        int fd = berth_cp_view_open(&x->v, canon, err);
        if (fd == -ENOENT)
                return not_found(err, path, name);
        if (fd < 0)
                return fd;
        struct stat st;
        if (dir && fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) {
                close(fd);
                return berth_errx(err, ENOTDIR, "lstat %s: not a directory", abs);
        }
        *ret_canon = TAKE_PTR(canon);
        return fd;
}

/* The name entries get: the path's last component, "." for the root. */
static char *tar_base(const char *path)
{
        _cleanup_free_ char *abs = berth_cp_clean(path);
        char *dir, *base;
        berth_cp_split(abs, &dir, &base);
        free(dir);
        if (strcmp(base, "/") == 0) {
                free(base);
                base = berth_xstrdup(".");
        }
        return base;
}

int berth_engine_cp_stat(berth_engine *e, const char *name, const char *path, bool follow,
                         berth_cp_stat *ret, berth_error *err)
{
        cp_ctx x;
        int r = ctx_open(e, name, true, &x, err);
        _cleanup_free_ char *canon = NULL;
        _cleanup_close_ int fd = -1;
        if (r >= 0) {
                fd = open_path(&x, name, path, follow, &canon, err);
                r = fd < 0 ? fd : 0;
        }
        struct stat st;
        if (r >= 0 && fstat(fd, &st) < 0)
                r = berth_err(err, errno, "cannot stat '%s'", path);
        char *target = NULL;
        if (r >= 0 && S_ISLNK(st.st_mode))
                r = berth_cp_canon(&x.v, canon, true, &target, err);
        if (r >= 0)
                *ret = (berth_cp_stat){.name = tar_base(path),
                                       .size = st.st_size,
                                       .mode = st.st_mode,
                                       .mtime = st.st_mtim.tv_sec,
                                       .link_target = target};
        ctx_close(&x);
        return r < 0 ? r : 0;
}

int berth_engine_cp_from(berth_engine *e, const char *name, const char *path, bool follow,
                         const char *rebase, int out_fd, berth_error *err)
{
        cp_ctx x;
        int r = ctx_open(e, name, true, &x, err);
        _cleanup_free_ char *canon = NULL, *base = NULL;
        _cleanup_close_ int fd = -1;
        if (r >= 0) {
                fd = open_path(&x, name, path, follow, &canon, err);
                r = fd < 0 ? fd : 0;
        }
        if (r >= 0) {
                base = tar_base(path);
                r = berth_cp_tar_write(&x.v, fd, canon, rebase ? rebase : base, out_fd, err);
        }
        ctx_close(&x);
        return r < 0 ? r : 0;
}

int berth_engine_cp_to(berth_engine *e, const char *name, const char *path, int in_fd,
                       bool copy_uid_gid, berth_error *err)
{
        cp_ctx x;
        int r = ctx_open(e, name, true, &x, err);
        _cleanup_free_ char *canon = NULL, *abs = berth_cp_clean(path);
        berth_cp_extract_opts o = {.owner = BERTH_CP_OWNER_TAR};
        if (r >= 0)
                r = berth_cp_canon(&x.v, abs, true, &canon, err);
        if (r >= 0) {
                _cleanup_close_ int fd = berth_cp_view_open(&x.v, canon, err);
                struct stat st;
                if (fd == -ENOENT)
                        r = not_found(err, path, name);
                else if (fd < 0)
                        r = fd;
                else if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode))
                        r = berth_errx(err, ENOTDIR, "extraction point is not a directory");
        }
        if (r >= 0) {
                berth_cp_loc loc;
                berth_cp_view_map(&x.v, canon, &loc);
                if (loc.mount && !loc.mount->rw)
                        r = berth_errx(err, EROFS, "mounted volume is marked read-only");
                else if (loc.mount == NULL && x.v.ro_rootfs)
                        r = berth_errx(err, EROFS, "container rootfs is marked read-only");
        }
        const char *user = json_string_value(json_object_get(x.have_c ? x.c.body : NULL, "User"));
        if (r >= 0 && copy_uid_gid && user && *user) {
                _cleanup_free_ char *ids = NULL;
                unsigned long uid, gid;
                r = berth_engine_resolve_user(e, &x.c, user, &ids, err);
                if (r >= 0 && sscanf(ids, "%lu:%lu", &uid, &gid) == 2)
                        o = (berth_cp_extract_opts){
                            .owner = BERTH_CP_OWNER_FIXED, .uid = (uid_t)uid, .gid = (gid_t)gid};
        }
        if (r >= 0)
                r = berth_cp_tar_extract(&x.v, canon, in_fd, &o, true, NULL, err);
        ctx_close(&x);
        return r < 0 ? r : 0;
}

int berth_engine_export(berth_engine *e, const char *name, int out_fd, berth_error *err)
{
        cp_ctx x;
        int r = ctx_open(e, name, false, &x, err);
        if (r >= 0) {
                _cleanup_close_ int fd = fcntl(x.rootfd, F_DUPFD_CLOEXEC, 3);
                r = fd < 0 ? berth_err(err, errno, "cannot open the root of %s", name)
                           : berth_cp_tar_write(&x.v, fd, "/", "", out_fd, err);
        }
        ctx_close(&x);
        return r < 0 ? r : 0;
}
