/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cp's paths: docker's string rules (clean, split, "asserts a directory")
 * and the view of a container's files (rootfs + mounts) in which symlinks
 * are followed one component at a time, never outside the container.
 */
#include "image/cp-view.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LINKS 40

/* The last component is "." (docker's specifiesCurrentDir of the original path). */
static bool ends_in_dot(const char *path)
{
        size_t n = strlen(path);
        return n >= 1 && path[n - 1] == '.' && (n == 1 || path[n - 2] == '/');
}

bool berth_cp_asserts_dir(const char *path)
{
        size_t n = strlen(path);
        return (n > 0 && path[n - 1] == '/') || ends_in_dot(path);
}

char *berth_cp_clean(const char *path)
{
        _cleanup_free_ char *rel = berth_path_clean_rel(path, NULL);
        size_t n = strlen(path);
        if (rel[0] == '\0')
                return berth_xstrdup(ends_in_dot(path) ? "/." : "/");
        if (ends_in_dot(path))
                return berth_xasprintf("/%s/.", rel);
        if (n > 0 && path[n - 1] == '/')
                return berth_xasprintf("/%s/", rel);
        return berth_xasprintf("/%s", rel);
}

void berth_cp_split(const char *path, char **ret_dir, char **ret_base)
{
        _cleanup_free_ char *rel = berth_path_clean_rel(path, NULL);
        bool abs = path[0] == '/';
        _cleanup_free_ char *clean = NULL;
        if (rel[0] == '\0')
                clean = berth_xstrdup(abs ? "/" : ".");
        else
                clean = abs ? berth_xasprintf("/%s", rel) : berth_xstrdup(rel);
        if (ends_in_dot(path) && strcmp(clean, ".") != 0) {
                char *c = berth_xasprintf("%s%s.", clean, strcmp(clean, "/") == 0 ? "" : "/");
                free(clean);
                clean = c;
        }
        char *slash = strrchr(clean, '/');
        if (slash == NULL) {
                *ret_dir = berth_xstrdup(".");
                *ret_base = berth_xstrdup(clean);
        } else if (slash == clean) {
                *ret_dir = berth_xstrdup("/");
                *ret_base = berth_xstrdup(clean[1] ? clean + 1 : "/");
        } else {
                *slash = '\0';
                *ret_dir = berth_xstrdup(clean);
                *ret_base = berth_xstrdup(slash + 1);
        }
}

char *berth_cp_join(const char *dir, const char *name)
{
        if (name[0] == '\0')
                return berth_xstrdup(dir);
        return berth_xasprintf("%s/%s", strcmp(dir, "/") == 0 ? "" : dir, name);
}

void berth_cp_view_init(berth_cp_view *v, int rootfd)
{
        *v = (berth_cp_view){.rootfd = rootfd};
}

void berth_cp_view_done(berth_cp_view *v)
{
        for (size_t i = 0; i < v->n; i++) {
                free(v->m[i].dest);
                free(v->m[i].file);
                if (v->m[i].fd >= 0)
                        close(v->m[i].fd);
        }
        free(v->m);
        v->m = NULL;
        v->n = 0;
}

/* cpath is dest or below it: the rest after dest ("" for dest itself), else NULL. */
static const char *below(const char *cpath, const char *dest)
{
        if (strcmp(dest, "/") == 0)
                return cpath + 1;
        size_t n = strlen(dest);
        if (strncmp(cpath, dest, n) != 0)
                return NULL;
        if (cpath[n] == '\0')
                return cpath + n;
        if (cpath[n] == '/')
                return cpath + n + 1;
        return NULL;
}

void berth_cp_view_map(const berth_cp_view *v, const char *cpath, berth_cp_loc *ret)
{
        const berth_cp_mount *best = NULL;
        const char *rest = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < v->n; i++) {
                const char *r = below(cpath, v->m[i].dest);
                size_t l = strlen(v->m[i].dest);
                if (r && (best == NULL || l > best_len)) {
                        best = &v->m[i];
                        best_len = l;
                        rest = r;
                }
        }
        if (best == NULL) {
                *ret =
                    (berth_cp_loc){.base = v->rootfd, .rel = cpath[0] == '/' ? cpath + 1 : cpath};
                return;
        }
        if (best->file && rest[0] == '\0')
                *ret = (berth_cp_loc){.base = best->fd, .rel = best->file, .mount = best};
        else
                *ret = (berth_cp_loc){.base = best->fd, .rel = rest, .mount = best};
}

const berth_cp_mount *berth_cp_view_mount_at(const berth_cp_view *v, const char *cpath)
{
        for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->m[i].dest, cpath) == 0)
                        return &v->m[i];
        return NULL;
}

bool berth_cp_view_has_mount_below(const berth_cp_view *v, const char *cpath)
{
        for (size_t i = 0; i < v->n; i++) {
                const char *r = below(v->m[i].dest, cpath);
                if (r && r[0] != '\0')
                        return true;
        }
        return false;
}

int berth_cp_view_open(const berth_cp_view *v, const char *cpath, berth_error *err)
{
        berth_cp_loc loc;
        berth_cp_view_map(v, cpath, &loc);
        if (loc.mount && loc.mount->file && loc.rel != loc.mount->file)
                return berth_errx(err, ENOTDIR, "cannot open '%s': Not a directory", cpath);
        if (loc.rel[0] == '\0') {
                int fd = fcntl(loc.base, F_DUPFD_CLOEXEC, 3);
                return fd >= 0 ? fd : berth_err(err, errno, "cannot open '%s'", cpath);
        }
        int fd = berth_open_in_root(loc.base, loc.rel, O_PATH | O_NOFOLLOW, 0, err);
        return fd;
}

int berth_cp_view_add(berth_cp_view *v, const char *dest, int fd, char *file, bool rw,
                      berth_error *err)
{
        _cleanup_free_ char *canon = NULL;
        int r = berth_cp_canon(v, dest, true, &canon, err);
        if (r < 0) {
                close(fd);
                free(file);
                return r;
        }
        v->m = berth_xrealloc(v->m, (v->n + 1) * sizeof(*v->m));
        v->m[v->n++] = (berth_cp_mount){.dest = TAKE_PTR(canon), .fd = fd, .file = file, .rw = rw};
        return 0;
}

/* The next component of *rest (advanced past it) into comp; false when none is left. */
static bool next_comp(const char **rest, char *comp, size_t compsz)
{
        const char *p = *rest;
        while (*p == '/')
                p++;
        if (*p == '\0') {
                *rest = p;
                return false;
        }
        const char *s = p;
        while (*p && *p != '/')
                p++;
        size_t n = (size_t)(p - s);
        if (n >= compsz)
                n = compsz - 1;
        memcpy(comp, s, n);
        comp[n] = '\0';
        *rest = p;
        return true;
}

/* Only "/" and "." components are left. */
static bool nothing_left(const char *rest)
{
        const char *p = rest;
        char comp[NAME_MAX + 1];
        while (next_comp(&p, comp, sizeof(comp)))
                if (strcmp(comp, ".") != 0)
                        return false;
        return true;
}

int berth_cp_canon(const berth_cp_view *v, const char *path, bool follow_last, char **ret,
                   berth_error *err)
{
        _cleanup_free_ char *cur = berth_xstrdup("/");
        _cleanup_free_ char *todo = berth_xstrdup(path);
        const char *rest = todo;
        int links = 0;
        char comp[NAME_MAX + 1];
        while (next_comp(&rest, comp, sizeof(comp))) {
                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        char *slash = strrchr(cur, '/');
                        if (slash == cur)
                                cur[1] = '\0';
                        else
                                *slash = '\0';
                        continue;
                }
                char *cand = berth_cp_join(cur, comp);
                if (!nothing_left(rest) || follow_last) {
                        berth_error ignored;
                        _cleanup_close_ int fd = berth_cp_view_open(v, cand, &ignored);
                        struct stat st;
                        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
                                char target[PATH_MAX];
                                ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
                                if (n < 0) {
                                        free(cand);
                                        return berth_err(err, errno, "cannot read link '%s'", path);
                                }
                                target[n] = '\0';
                                free(cand);
                                if (++links > MAX_LINKS)
                                        return berth_errx(err, ELOOP,
                                                          "too many levels of symbolic links in "
                                                          "'%s'",
                                                          path);
                                char *t = berth_xasprintf("%s/%s", target, rest);
                                free(todo);
                                todo = t;
                                rest = todo;
                                if (target[0] == '/') {
                                        free(cur);
                                        cur = berth_xstrdup("/");
                                }
                                continue;
                        }
                }
                free(cur);
                cur = cand;
        }
        *ret = TAKE_PTR(cur);
        return 0;
}
