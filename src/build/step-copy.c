/* SPDX-License-Identifier: Apache-2.0 */
/* COPY and ADD: a snapshot, the sources written into its root through fds, a commit (step.h). */
#include "step.h"
#include "step-internal.h"
#include "base/cleanup-json.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "image/snapshot.h"
#include "image/unpack.h"
#include "specgen/specgen.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_CHUNK (128 * 1024)

typedef struct {
        const berth_build_copy_opts *o;
        const char *cmd; /* "COPY" or "ADD", for messages */
        int root;        /* O_PATH|O_DIRECTORY of the snapshot's merged dir */
        uid_t uid;       /* owner of everything made (0:0 without --chown) */
        gid_t gid;
        bool chown;
        bool chmod;
        mode_t mode; /* --chmod */
        void *buf;   /* COPY_CHUNK bytes */
        berth_error *err;
} copier;

/* One directory being filled: its fd, and its times to set once its contents are written. */
typedef struct {
        int fd;
        struct timespec ts[2];
        bool set_times;
} open_dir;

static void open_dirs_close(open_dir *v, size_t *n, size_t keep)
{
        while (*n > keep) {
                open_dir *d = &v[--*n];
                if (d->set_times)
                        (void)futimens(d->fd, d->ts);
                close(d->fd);
        }
}

static int parse_chmod(const char *s, mode_t *ret, berth_error *err)
{
        char *end = NULL;
        errno = 0;
        unsigned long v = *s ? strtoul(s, &end, 8) : 0;
        if (*s == '\0' || *end != '\0' || errno != 0 || v > 07777 ||
            strspn(s, "01234567") != strlen(s))
                return berth_errx(err, EINVAL,
                                  "invalid chmod parameter: '%s'. it should be octal string and "
                                  "between 0 and 07777",
                                  s);
        *ret = (mode_t)v;
        return 0;
}

/* --chown against the destination's /etc/passwd and /etc/group (read inside its root). */
static int resolve_chown(copier *c, const char *merged, const char *spec)
{
        _cleanup_free_ char *s = NULL;
        /* A number alone is uid and gid both (BuildKit; specgen would take gid 0 for it). */
        if (*spec && strchr(spec, ':') == NULL && strspn(spec, "0123456789") == strlen(spec))
                s = berth_xasprintf("%s:%s", spec, spec);
        else
                s = berth_xstrdup(spec);
        _cleanup_json_ json_t *u = NULL;
        int r = berth_specgen_user(merged, s, NULL, &u, c->err);
        if (r < 0)
                return berth_wrap(c->err, "--chown=%s", spec);
        c->uid = (uid_t)json_integer_value(json_object_get(u, "uid"));
        c->gid = (gid_t)json_integer_value(json_object_get(u, "gid"));
        c->chown = true;
        return 0;
}

/* The destination as a clean path in the root ("" is the root); *ret_dir: it names a directory. */
static char *dest_path(const berth_build_copy_opts *o, bool *ret_dir)
{
        const char *d = o->dest ? o->dest : "";
        size_t n = strlen(d);
        bool dir = n == 0 || d[n - 1] == '/' || strcmp(d, ".") == 0 ||
                   (n >= 2 && strcmp(d + n - 2, "/.") == 0);
        const char *wd = o->config ? o->config->config.working_dir : NULL;
        _cleanup_free_ char *full =
            d[0] == '/' ? berth_xstrdup(d) : berth_xasprintf("%s/%s", wd && *wd ? wd : "/", d);
        char *rel = berth_path_clean_rel(full, NULL);
        *ret_dir = dir || rel[0] == '\0';
        return rel;
}

static void clamp_times(const copier *c, const struct timespec *mtime, struct timespec ts[2])
{
        ts[0] = ts[1] = *mtime;
        int64_t epoch = c->o->epoch;
        if (epoch >= 0 && (ts[1].tv_sec > epoch || (ts[1].tv_sec == epoch && ts[1].tv_nsec > 0)))
                ts[0] = ts[1] = (struct timespec){.tv_sec = epoch};
}

static mode_t mode_of(const copier *c, mode_t src)
{
        return c->chmod ? c->mode : src & 07777;
}

/* The source entry at path, never through a symlink (what the selection resolved). */
static int open_source(copier *c, const char *path, struct stat *st)
{
        int fd =
            berth_openat2(c->o->src_dirfd, strcmp(path, ".") == 0 ? "" : path, O_PATH | O_NOFOLLOW,
                          RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS);
        if (fd < 0)
                return berth_err(c->err, errno, "cannot open '%s' in the source", path);
        if (fstat(fd, st) < 0) {
                int r = berth_err(c->err, errno, "cannot stat '%s' in the source", path);
                close(fd);
                return r;
        }
        return fd;
}

static int changed(copier *c, const char *path)
{
        return berth_errx(c->err, EIO, "'%s' changed since it was selected", path);
}

/* A readable fd of the regular file the O_PATH fd pfd names. */
static int reopen_read(copier *c, int pfd, const struct stat *st, const char *path)
{
        char p[32];
        int fd = open(berth_fd_path(pfd, p), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return berth_err(c->err, errno, "cannot open '%s' in the source", path);
        struct stat st2;
        if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
                close(fd);
                return changed(c, path);
        }
        return fd;
}

/* in → out, hashed on the way: it must be the content that was selected. */
static int copy_data(copier *c, int in, int out, const berth_context_entry *e, const char *target)
{
        berth_hasher *h = berth_hasher_new();
        uint64_t size = 0;
        int r = 0;
        for (;;) {
                ssize_t n = read(in, c->buf, COPY_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = berth_err(c->err, errno, "cannot read '%s'", e->path);
                        break;
                }
                if (n == 0)
                        break;
                berth_hasher_update(h, c->buf, (size_t)n);
                size += (uint64_t)n;
                if (berth_write_all(out, c->buf, (size_t)n) < 0) {
                        r = berth_err(c->err, errno, "cannot write '/%s'", target);
                        break;
                }
        }
        berth_digest d;
        berth_hasher_final(h, &d);
        berth_hasher_free(h);
        if (r == 0 && (size != e->size || strcmp(d.s, e->content.s) != 0))
                r = changed(c, e->path);
        return r;
}

/* Make room for a new entry base in pfd: what is there goes, but a directory a directory
 * merges with (1). */
static int clear_place(copier *c, int pfd, const char *base, bool dir, const char *target)
{
        struct stat st;
        if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : berth_err(c->err, errno, "cannot stat '/%s'", target);
        if (dir && S_ISDIR(st.st_mode))
                return 1;
        int r = berth_rm_rf_at(pfd, base);
        if (r < 0)
                return berth_err(c->err, -r, "cannot replace '/%s'", target);
        return 0;
}

/* Who owns what is copied: --chown's owner, else the source's (COPY --from keeps it, as
 * docker does), else root. */
static void owner_of(const copier *c, const berth_context_entry *e, uid_t *uid, gid_t *gid)
{
        bool keep = !c->chown && c->o->keep_owners;
        *uid = keep ? e->uid : c->uid;
        *gid = keep ? e->gid : c->gid;
}

/* A node just made at pfd/base: owner, mode and times through an O_PATH fd checked to be it. */
static int finish_node(copier *c, int pfd, const char *base, const berth_context_entry *e,
                       const struct timespec ts[2], const char *target)
{
        _cleanup_close_ int fd = openat(pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 || berth_fd_is_node(fd, e->mode & S_IFMT, e->rdev) != 1)
                return berth_errx(c->err, EIO, "'/%s' is not the node just made", target);
        char p[32];
        uid_t uid;
        gid_t gid;
        owner_of(c, e, &uid, &gid);
        if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ||
            chmod(berth_fd_path(fd, p), mode_of(c, e->mode)) < 0 ||
            utimensat(AT_FDCWD, berth_fd_path(fd, p), ts, 0) < 0)
                return berth_err(c->err, errno, "cannot set the metadata of '/%s'", target);
        return 0;
}

/*
 * Make the source entry e as pfd/base (target: its path in the image, for messages). A
 * directory is returned open in *ret_dir (times to set once filled) when ret_dir is given;
 * keep_meta leaves an existing directory's metadata as it is.
 */
static int make_entry(copier *c, const berth_context_entry *e, int pfd, const char *base,
                      const char *target, bool keep_meta, open_dir *ret_dir)
{
        struct stat st;
        _cleanup_close_ int sfd = open_source(c, e->path, &st);
        if (sfd < 0)
                return sfd;
        if ((st.st_mode & S_IFMT) != (e->mode & S_IFMT))
                return changed(c, e->path);
        if (S_ISSOCK(e->mode))
                return 0; /* a tar cannot hold one: Docker's copy leaves it out */
        struct timespec ts[2];
        clamp_times(c, &st.st_mtim, ts);
        int exists = clear_place(c, pfd, base, S_ISDIR(e->mode), target);
        if (exists < 0)
                return exists;
        mode_t mode = mode_of(c, e->mode);
        uid_t uid;
        gid_t gid;
        owner_of(c, e, &uid, &gid);

        switch (e->mode & S_IFMT) {
        case S_IFREG: {
                _cleanup_close_ int in = reopen_read(c, sfd, &st, e->path);
                if (in < 0)
                        return in;
                _cleanup_close_ int out =
                    openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (out < 0)
                        return berth_err(c->err, errno, "cannot create '/%s'", target);
                int r = copy_data(c, in, out, e, target);
                if (r < 0)
                        return r;
                if (fchown(out, uid, gid) < 0 || fchmod(out, mode) < 0 || futimens(out, ts) < 0)
                        return berth_err(c->err, errno, "cannot set the metadata of '/%s'", target);
                return 0;
        }
        case S_IFDIR: {
                if (!exists && mkdirat(pfd, base, 0700) < 0)
                        return berth_err(c->err, errno, "cannot create directory '/%s'", target);
                int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0)
                        return berth_err(c->err, errno, "cannot open directory '/%s'", target);
                bool meta = !(exists && keep_meta);
                if (meta && (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)) {
                        int r =
                            berth_err(c->err, errno, "cannot set the metadata of '/%s'", target);
                        close(fd);
                        return r;
                }
                *ret_dir = (open_dir){.fd = fd, .set_times = meta, .ts = {ts[0], ts[1]}};
                return 0;
        }
        case S_IFLNK:
                if (symlinkat(e->link, pfd, base) < 0)
                        return berth_err(c->err, errno, "cannot create symlink '/%s'", target);
                if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 ||
                    utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
                        return berth_err(c->err, errno, "cannot set the metadata of '/%s'", target);
                return 0;
        case S_IFIFO:
        case S_IFCHR:
        case S_IFBLK:
                if (mknodat(pfd, base, (e->mode & S_IFMT) | 0600, e->rdev) < 0)
                        return berth_err(c->err, errno, "cannot create node '/%s'", target);
                return finish_node(c, pfd, base, e, ts, target);
        }
        return berth_errx(c->err, EINVAL, "'%s' has a type that cannot be copied", e->path);
}

static char *join(const char *dir, const char *name)
{
        return dir[0] ? berth_xasprintf("%s/%s", dir, name) : berth_xstrdup(name);
}

static int mkdir_parents(copier *c, const char *path)
{
        return berth_mkdir_p_in_root_owned(c->root, path, 0755, c->uid, c->gid, c->err);
}

/* dest split at its last '/': *ret_pfd an O_PATH fd of its directory (made if missing). */
static int open_parent(copier *c, const char *dest, char **ret_base)
{
        _cleanup_free_ char *parent = berth_xstrdup(dest);
        char *slash = strrchr(parent, '/');
        const char *base = slash ? slash + 1 : parent;
        *ret_base = berth_xstrdup(base);
        if (slash)
                *slash = '\0';
        else
                parent[0] = '\0';
        int pfd = mkdir_parents(c, parent);
        if (pfd < 0)
                free(TAKE_PTR(*ret_base));
        return pfd;
}

/*
 * Where a source that is not a directory, named name, goes: dest/name when dest names a
 * directory or is one (resolved in the root), else dest. *ret_pfd: its directory,
 * *ret_target its path in the root.
 */
static int place(copier *c, const char *dest, bool dest_dir, const char *name, int *ret_pfd,
                 char **ret_base, char **ret_target)
{
        if (!dest_dir) {
                berth_error ignored;
                _cleanup_close_ int fd = berth_open_in_root(c->root, dest, O_PATH, 0, &ignored);
                struct stat st;
                dest_dir = fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
        }
        int pfd;
        if (dest_dir) {
                pfd = mkdir_parents(c, dest);
                if (pfd < 0)
                        return pfd;
                *ret_base = berth_xstrdup(name);
                *ret_target = join(dest, name);
        } else {
                pfd = open_parent(c, dest, ret_base);
                if (pfd < 0)
                        return pfd;
                *ret_target = berth_xstrdup(dest);
        }
        *ret_pfd = pfd;
        return 0;
}

static size_t depth_of(const char *rel)
{
        size_t d = 1;
        for (const char *p = rel; *p; p++)
                d += *p == '/';
        return d;
}

/* A directory item: its contents into dest (made with its metadata when missing). */
static int copy_tree(copier *c, const berth_context_selection *sel, const berth_context_item *it,
                     const char *dest)
{
        const berth_context_entry *top = &sel->entries[it->first];
        open_dir *stack = berth_xmalloc0((it->count + 1) * sizeof(*stack));
        size_t n = 0;
        int r = 0;
        berth_error ignored;
        int fd = berth_open_in_root(c->root, dest, O_RDONLY | O_DIRECTORY, 0, &ignored);
        if (fd >= 0) { /* there (through symlinks inside the root): merge, keep its metadata */
                stack[n++] = (open_dir){.fd = fd};
        } else {
                _cleanup_free_ char *base = NULL;
                _cleanup_close_ int pfd = open_parent(c, dest, &base);
                if (pfd < 0) {
                        free(stack);
                        return pfd;
                }
                struct stat st;
                if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                        /* a dangling symlink: its target is made, inside the root */
                        int dfd = mkdir_parents(c, dest);
                        if (dfd >= 0)
                                close(dfd);
                        fd = dfd < 0 ? dfd
                                     : berth_open_in_root(c->root, dest, O_RDONLY | O_DIRECTORY, 0,
                                                          c->err);
                        if (fd >= 0)
                                stack[n++] = (open_dir){.fd = fd};
                        r = fd < 0 ? fd : 0;
                } else {
                        r = make_entry(c, top, pfd, base, dest, true, &stack[n]);
                        if (r == 0)
                                n++;
                        /* a directory made to hold another's contents is docker's 0755, owned as
                         * the directories it makes on the way (root, or --chown's owner) */
                        if (r == 0 && S_ISDIR(top->mode) &&
                            (fchown(stack[n - 1].fd, c->uid, c->gid) < 0 ||
                             (!c->chmod && fchmod(stack[n - 1].fd, 0755) < 0)))
                                r = berth_err(c->err, errno, "cannot set the metadata of '/%s'",
                                              dest);
                }
        }
        for (size_t j = it->first + 1; r == 0 && j < it->first + it->count; j++) {
                const berth_context_entry *e = &sel->entries[j];
                size_t depth = depth_of(e->rel);
                open_dirs_close(stack, &n, depth);
                if (n != depth) {
                        r = berth_errx(c->err, EIO, "'%s' is not below the directory before it",
                                       e->path);
                        break;
                }
                const char *slash = strrchr(e->rel, '/');
                _cleanup_free_ char *target = join(dest, e->rel);
                stack[n].fd = -1;
                r = make_entry(c, e, stack[n - 1].fd, slash ? slash + 1 : e->rel, target, false,
                               &stack[n]);
                if (r == 0 && S_ISDIR(e->mode))
                        n++;
        }
        open_dirs_close(stack, &n, 0);
        free(stack);
        return r;
}

/* ADD of a regular file: extracted when it is an archive (1), else 0 (copy it). */
static int try_extract(copier *c, const berth_context_entry *e, const char *dest)
{
        struct stat st;
        _cleanup_close_ int sfd = open_source(c, e->path, &st);
        if (sfd < 0)
                return sfd;
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != e->size)
                return changed(c, e->path);
        _cleanup_close_ int in = reopen_read(c, sfd, &st, e->path);
        if (in < 0)
                return in;
        int r = berth_unpack_archive_probe(in, c->err);
        if (r <= 0)
                return r;
        _cleanup_close_ int dfd = mkdir_parents(c, dest);
        if (dfd < 0)
                return dfd;
        berth_unpack_archive_opts uo = {
            .set_owner = c->chown, .uid = c->uid, .gid = c->gid, .epoch = c->o->epoch};
        r = berth_unpack_archive(in, dfd, &uo, c->err);
        if (r < 0)
                return berth_wrap(c->err, "cannot extract '%s' to '/%s'", e->path, dest);
        return 1;
}

static int copy_item(copier *c, const berth_context_selection *sel, const berth_context_item *it,
                     const char *dest, bool dest_dir)
{
        const berth_context_entry *top = &sel->entries[it->first];
        if (S_ISDIR(top->mode))
                return copy_tree(c, sel, it, dest);
        if (c->o->add && S_ISREG(top->mode)) {
                int r = try_extract(c, top, dest);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        _cleanup_close_ int pfd = -1;
        _cleanup_free_ char *base = NULL, *target = NULL;
        int r = place(c, dest, dest_dir, it->name, &pfd, &base, &target);
        if (r < 0)
                return r;
        return make_entry(c, top, pfd, base, target, false, NULL);
}

static int write_inline(copier *c, const berth_build_copy_inline *in, const char *dest,
                        bool dest_dir)
{
        _cleanup_close_ int pfd = -1, out = -1;
        _cleanup_free_ char *base = NULL, *target = NULL;
        int r = place(c, dest, dest_dir, in->name, &pfd, &base, &target);
        if (r < 0 || (r = clear_place(c, pfd, base, false, target)) < 0)
                return r;
        out = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return berth_err(c->err, errno, "cannot create '/%s'", target);
        if (berth_write_all(out, in->data, in->len) < 0 || fchown(out, c->uid, c->gid) < 0 ||
            fchmod(out, c->chmod ? c->mode : 0644) < 0)
                return berth_err(c->err, errno, "cannot write '/%s'", target);
        if (c->o->epoch >= 0) {
                struct timespec ts[2] = {{.tv_sec = c->o->epoch}, {.tv_sec = c->o->epoch}};
                if (futimens(out, ts) < 0)
                        return berth_err(c->err, errno, "cannot set the times of '/%s'", target);
        }
        return 0;
}

static int copy_all(copier *c, const char *merged, const char *dest, bool dest_dir)
{
        const berth_build_copy_opts *o = c->o;
        c->root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (c->root < 0)
                return berth_err(c->err, errno, "cannot open the step's root");
        int r = berth_build_mkdirs(c->root, o->mkdirs, c->err);
        if (r == 0 && o->chown && *o->chown)
                r = resolve_chown(c, merged, o->chown);
        for (size_t i = 0; r == 0 && o->sel && i < o->sel->n_items; i++)
                r = copy_item(c, o->sel, &o->sel->items[i], dest, dest_dir);
        for (size_t i = 0; r == 0 && i < o->n_inlines; i++)
                r = write_inline(c, &o->inlines[i], dest, dest_dir);
        close(c->root);
        c->root = -1;
        return r;
}

/* The checks both entry points make; *ret_dest the destination, *ret_dest_dir whether a dir. */
static int copier_init(copier *c, const berth_build_copy_opts *o, char **ret_dest,
                       bool *ret_dest_dir, berth_error *err)
{
        const char *cmd = o->add ? "ADD" : "COPY";
        *c = (copier){.o = o, .cmd = cmd, .root = -1, .err = err};
        size_t n_sources = (o->sel ? o->sel->n_items : 0) + o->n_inlines;
        if (n_sources == 0)
                return berth_errx(err, EINVAL, "no source files were specified");
        if (o->sel && o->src_dirfd < 0)
                return berth_errx(err, EINVAL, "%s: a selection without its source root", cmd);
        if (o->chmod && *o->chmod) {
                int r = parse_chmod(o->chmod, &c->mode, err);
                if (r < 0)
                        return r;
                c->chmod = true;
        }
        bool dest_dir;
        char *dest = dest_path(o, &dest_dir);
        if (n_sources > 1 && !dest_dir) {
                free(dest);
                return berth_errx(err, EINVAL,
                                  "When using %s with more than one source file, the destination "
                                  "must be a directory and end with a /",
                                  cmd);
        }
        *ret_dest = dest;
        *ret_dest_dir = dest_dir;
        return 0;
}

int berth_build_mkdirs(int rootfd, char *const *dirs, berth_error *err)
{
        STRV_FOREACH (d, (char **)dirs) {
                int fd = berth_mkdir_p_in_root(rootfd, *d, 0755, err);
                if (fd < 0)
                        return berth_wrap(err, "WORKDIR %s", *d);
                close(fd);
        }
        return 0;
}

int berth_build_copy_into(const berth_build_copy_opts *o, const char *root, berth_error *err)
{
        copier c;
        _cleanup_free_ char *dest = NULL;
        bool dest_dir = false;
        int r = copier_init(&c, o, &dest, &dest_dir, err);
        if (r < 0)
                return r;
        c.buf = berth_xmalloc0(COPY_CHUNK);
        r = copy_all(&c, root, dest, dest_dir);
        free(c.buf);
        return r;
}

int berth_build_step_copy(berth_images *im, const berth_build_copy_opts *o, berth_digest *ret_id,
                          berth_error *err)
{
        build_snapshot snap;
        int r = build_snapshot_open(im, o->work_dir, o->base, &snap, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", snap.dir);
        r = berth_build_copy_into(o, merged, err);
        if (r == 0 && (r = berth_snapshot_umount(snap.dir, NULL, err)) == 0)
                r = build_snapshot_commit(im, snap.dir, o->base, o->config, o->created,
                                          o->created_by, o->cache_key, o->epoch, ret_id, err);
        build_snapshot_close(im, &snap);
        return r;
}

bool berth_build_is_url(const char *s)
{
        return berth_str_has_prefix(s, "http://") || berth_str_has_prefix(s, "https://");
}

int berth_build_copy_check_sources(char *const *sources, bool add, berth_error *err)
{
        size_t urls = 0, n = 0;
        STRV_FOREACH (s, (char **)sources) {
                n++;
                if (!berth_build_is_url(*s))
                        continue;
                if (!add)
                        return berth_errx(err, EINVAL, "source can't be a URL for COPY");
                urls++;
        }
        if (urls && urls != n)
                return berth_errx(err, ENOTSUP,
                                  "ADD of URLs and local files in one instruction is not "
                                  "supported: split it in two");
        return 0;
}

struct berth_build_source {
        berth_images *im;
        build_snapshot snap;
        int fd;
};

int berth_build_source_open(berth_images *im, const char *work_dir, const berth_digest *image,
                            berth_build_source **ret, berth_error *err)
{
        build_snapshot snap;
        int r = build_snapshot_open(im, work_dir, image, &snap, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *merged = berth_xasprintf("%s/merged", snap.dir);
        int fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                r = berth_err(err, errno, "cannot open '%s'", merged);
                build_snapshot_close(im, &snap);
                return r;
        }
        berth_build_source *s = berth_xmalloc0(sizeof(*s));
        *s = (berth_build_source){.im = im, .snap = snap, .fd = fd};
        *ret = s;
        return 0;
}

int berth_build_source_fd(const berth_build_source *s)
{
        return s->fd;
}

void berth_build_source_close(berth_build_source *s)
{
        if (s == NULL)
                return;
        close(s->fd);
        build_snapshot_close(s->im, &s->snap);
        free(s);
}
