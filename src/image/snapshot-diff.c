/* SPDX-License-Identifier: Apache-2.0 */
/* `diff`: a snapshot's upper dir against its image's layers, as Docker's overlay2 reports it. */
#include "snapshot-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/layers.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

typedef struct {
        int *lower_fds; /* diff dirs, top first */
        size_t n_lowers;
        berth_change *v;
        size_t n;
} diff_ctx;

void berth_changes_free(berth_change *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                free(v[i].path);
        free(v);
}

static void push(diff_ctx *c, char kind, const char *path)
{
        c->v = berth_xrealloc(c->v, (c->n + 1) * sizeof(*c->v));
        c->v[c->n].kind = kind;
        c->v[c->n].path = berth_xstrdup(path);
        c->n++;
}

static bool is_whiteout(const struct stat *st)
{
        return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool is_opaque(int dirfd, const char *name)
{
        _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        char v[2];
        return fd >= 0 && fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* Docker's sameFsTime: equal, or equal seconds when one side has no nanoseconds. */
static bool same_time(const struct timespec *a, const struct timespec *b)
{
        return a->tv_sec == b->tv_sec &&
               (a->tv_nsec == b->tv_nsec || a->tv_nsec == 0 || b->tv_nsec == 0);
}

/*
 * 'A', 'C', or 0 for a directory the image has unchanged. The image's
 * version is the first layer (top down) that has the path; a whiteout there
 * means it has none.
 */
static char kind_of(diff_ctx *c, const char *path, const struct stat *st)
{
        for (size_t i = 0; i < c->n_lowers; i++) {
                struct stat lst;
                if (fstatat(c->lower_fds[i], path + 1, &lst, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                if (is_whiteout(&lst))
                        return 'A';
                if (S_ISDIR(lst.st_mode) && S_ISDIR(st->st_mode) && lst.st_mode == st->st_mode &&
                    lst.st_size == st->st_size && same_time(&lst.st_mtim, &st->st_mtim))
                        return 0;
                return 'C';
        }
        return 'A';
}

/* Walk dirfd (path inside the container: dir_path, "" for the root). */
static int walk(diff_ctx *c, int dirfd, const char *dir_path, bool dir_recorded, berth_error *err)
{
        _cleanup_strv_ char **names = berth_dir_names_sorted(dirfd);
        if (names == NULL)
                return berth_err(err, errno, "cannot read '%s/'", dir_path);
        STRV_FOREACH (name, names) {
                _cleanup_free_ char *path = berth_xasprintf("%s/%s", dir_path, *name);
                struct stat st;
                if (fstatat(dirfd, *name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return berth_err(err, errno, "cannot stat '%s'", path);
                bool dir = S_ISDIR(st.st_mode);
                char kind = is_whiteout(&st) || (dir && is_opaque(dirfd, *name))
                                ? 'D'
                                : kind_of(c, path, &st);
                if ((kind == 'A' || kind == 'D') && !dir_recorded && dir_path[0] != '\0') {
                        push(c, 'C', dir_path);
                        dir_recorded = true;
                }
                if (kind)
                        push(c, kind, path);
                if (!dir)
                        continue;
                _cleanup_close_ int sub =
                    openat(dirfd, *name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        return berth_err(err, errno, "cannot open '%s'", path);
                int r = walk(c, sub, path, kind != 0, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

int berth_snapshot_diff(berth_images *im, const char *dir, berth_change **ret, size_t *ret_n,
                        berth_error *err)
{
        _cleanup_free_ berth_digest *chain = NULL;
        size_t n = 0;
        int r = snapshot_read_lower(dir, &chain, &n, err);
        if (r < 0)
                return berth_wrap(err, "cannot diff snapshot '%s'", dir);
        _cleanup_free_ char *upper = berth_xasprintf("%s/upper", dir);
        _cleanup_close_ int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (ufd < 0)
                return berth_err(err, errno, "cannot diff snapshot '%s': cannot open '%s'", dir,
                                 upper);
        diff_ctx c = {.lower_fds = berth_xmalloc0((n ? n : 1) * sizeof(int))};
        for (size_t i = 0; i < n && r == 0; i++) {
                _cleanup_free_ char *p =
                    berth_layer_diff_path(berth_images_layers_dir(im), &chain[n - 1 - i]);
                int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        r = berth_err(err, errno, "cannot open layer '%s'", p);
                else
                        c.lower_fds[c.n_lowers++] = fd;
        }
        if (r == 0)
                r = walk(&c, ufd, "", false, err);
        for (size_t i = 0; i < c.n_lowers; i++)
                close(c.lower_fds[i]);
        free(c.lower_fds);
        if (r < 0) {
                berth_changes_free(c.v, c.n);
                return berth_wrap(err, "cannot diff snapshot '%s'", dir);
        }
        *ret = c.v;
        *ret_n = c.n;
        return 0;
}
