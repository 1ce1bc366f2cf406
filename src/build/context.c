/* SPDX-License-Identifier: Apache-2.0 */
/* What COPY/ADD sources select in the build context (context.h). */
#include "context.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "glob.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_SYMLINKS 40

/* One directory level of a path being resolved or walked. */
struct level {
        char *name; /* its component; "" for the root */
        int fd;     /* O_PATH */
        struct stat st;
        bool *info; /* what berth_dockerignore_match() gave it; NULL at the root */
        bool excluded;
};

struct stack {
        struct level *v;
        size_t n, cap;
};

struct walker {
        int root; /* O_PATH|O_DIRECTORY of the context */
        const berth_dockerignore *ign;
        size_t npat;
        berth_context_selection *sel;
        size_t cap_items, cap_entries;
        berth_error *err;
};

static void level_clear(struct level *l)
{
        free(l->name);
        free(l->info);
        if (l->fd >= 0)
                close(l->fd);
        *l = (struct level){.fd = -1};
}

static void stack_push(struct stack *s, struct level *l)
{
        if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 16;
                s->v = berth_xrealloc(s->v, s->cap * sizeof(*s->v));
        }
        s->v[s->n++] = *l;
        *l = (struct level){.fd = -1};
}

static void stack_pop(struct stack *s)
{
        level_clear(&s->v[--s->n]);
}

static void stack_clear(struct stack *s)
{
        while (s->n > 0)
                stack_pop(s);
        free(s->v);
        *s = (struct stack){0};
}

static struct level *stack_top(struct stack *s)
{
        return &s->v[s->n - 1];
}

/* "a/b" from the levels under the root; "" for the root. */
static char *stack_path(const struct stack *s)
{
        size_t len = 0;
        for (size_t i = 1; i < s->n; i++)
                len += strlen(s->v[i].name) + 1;
        char *p = berth_xmalloc0(len + 1), *o = p;
        for (size_t i = 1; i < s->n; i++) {
                if (o != p)
                        *o++ = '/';
                o = stpcpy(o, s->v[i].name);
        }
        return p;
}

static char *join(const char *dir, const char *name)
{
        return dir[0] ? berth_xasprintf("%s/%s", dir, name) : berth_xstrdup(name);
}

static const char *shown(const char *path)
{
        return path[0] ? path : ".";
}

static int root_level(struct walker *w, struct stack *s)
{
        struct level l = {.fd = -1};
        l.fd = fcntl(w->root, F_DUPFD_CLOEXEC, 3);
        if (l.fd < 0)
                return berth_err(w->err, errno, "cannot duplicate the build context's fd");
        l.st = (struct stat){0};
        if (fstat(l.fd, &l.st) < 0) {
                int e = errno;
                level_clear(&l);
                return berth_err(w->err, e, "cannot stat the build context");
        }
        l.name = berth_xstrdup("");
        stack_push(s, &l);
        return 0;
}

/*
 * Look name up in the directory of level dir (whose path is dirpath) without
 * following it, and judge it by the rules. -ENOENT when it is not there.
 */
static int lookup(struct walker *w, const struct level *dir, const char *dirpath, const char *name,
                  struct level *ret)
{
        berth_error e = {0};
        _cleanup_free_ char *path = join(dirpath, name);
        w->sel->stats.lookups++;
        int fd = berth_open_in_root(dir->fd, name, O_PATH | O_NOFOLLOW, 0, &e);
        if (fd == -ENOENT || fd == -ENOTDIR)
                return -ENOENT;
        if (fd < 0)
                return berth_errx(w->err, e.code, "cannot open '%s' in the build context: %s", path,
                                  strerror(e.code));
        *ret = (struct level){.fd = fd};
        if (fstat(fd, &ret->st) < 0) {
                int r = berth_err(w->err, errno, "cannot stat '%s' in the build context", path);
                level_clear(ret);
                return r;
        }
        ret->name = berth_xstrdup(name);
        if (w->npat > 0) {
                ret->info = berth_xmalloc0(w->npat * sizeof(bool));
                ret->excluded = berth_dockerignore_match(w->ign, path, dir->info, ret->info);
        }
        return 0;
}

/* Whether the walk may look under the directory of level l at path. */
static bool may_enter(struct walker *w, const struct level *l, const char *path)
{
        if (!S_ISDIR(l->st.st_mode))
                return false;
        return !l->excluded || berth_dockerignore_descend(w->ign, path);
}

static int read_link(struct walker *w, int fd, const char *path, char **ret)
{
        char buf[PATH_MAX + 1];
        ssize_t n = readlinkat(fd, "", buf, sizeof(buf));
        if (n < 0)
                return berth_err(w->err, errno, "cannot read the symlink '%s' in the build context",
                                 path);
        if ((size_t)n >= sizeof(buf))
                return berth_errx(w->err, ENAMETOOLONG,
                                  "the symlink '%s' in the build context is too long", path);
        buf[n] = '\0';
        *ret = berth_xstrdup(buf);
        return 0;
}

/*
 * Resolve path (clean, relative) from the level on top of s (the root), pushing a
 * level for each real directory on the way and one for the result. Symlinks on
 * the way, and the last one when follow_last, are followed inside the context.
 * -ENOENT when the path is not in the context as Docker would transfer it.
 */
static int resolve(struct walker *w, struct stack *s, const char *path, bool follow_last)
{
        _cleanup_free_ char *rest = berth_xstrdup(path);
        unsigned links = 0;
        int r;
        for (;;) {
                char *p = rest;
                while (*p == '/')
                        p++;
                if (*p == '\0')
                        break;
                char *end = strchrnul(p, '/');
                _cleanup_free_ char *comp = strndup(p, (size_t)(end - p));
                if (comp == NULL)
                        abort();
                while (*end == '/')
                        end++;
                bool last = *end == '\0';
                memmove(rest, end, strlen(end) + 1);

                if (strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0) {
                        if (s->n > 1)
                                stack_pop(s);
                        continue;
                }
                _cleanup_free_ char *dirpath = stack_path(s);
                if (!may_enter(w, stack_top(s), dirpath))
                        return -ENOENT;
                struct level child = {.fd = -1};
                r = lookup(w, stack_top(s), dirpath, comp, &child);
                if (r < 0)
                        return r;
                if (S_ISLNK(child.st.st_mode) && (!last || follow_last)) {
                        _cleanup_free_ char *cpath = join(dirpath, comp);
                        _cleanup_free_ char *target = NULL;
                        if (child.excluded) {
                                level_clear(&child);
                                return -ENOENT;
                        }
                        r = read_link(w, child.fd, cpath, &target);
                        level_clear(&child);
                        if (r < 0)
                                return r;
                        if (++links > MAX_SYMLINKS)
                                return berth_errx(w->err, ELOOP,
                                                  "cannot resolve '%s' in the build context: too "
                                                  "many levels of symbolic links",
                                                  path);
                        char *next = berth_xasprintf("%s/%s", target, rest);
                        free(rest);
                        rest = next;
                        if (target[0] == '/')
                                while (s->n > 1)
                                        stack_pop(s);
                        continue;
                }
                stack_push(s, &child);
        }
        _cleanup_free_ char *final = stack_path(s);
        struct level *top = stack_top(s);
        if (top->excluded && !may_enter(w, top, final))
                return -ENOENT;
        return 0;
}

static int hash_file(struct walker *w, int pathfd, const struct stat *st, berth_context_entry *e)
{
        char p[32];
        _cleanup_close_ int fd =
            open(berth_fd_path(pathfd, p), O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return berth_err(w->err, errno, "cannot open '%s' in the build context", e->path);
        struct stat st2;
        if (fstat(fd, &st2) < 0 || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino ||
            !S_ISREG(st2.st_mode))
                return berth_errx(w->err, EIO, "'%s' in the build context changed while read",
                                  e->path);
        uint64_t size = 0;
        if (berth_digest_fd(fd, &e->content, &size, w->err) < 0)
                return berth_wrap(w->err, "cannot read '%s' in the build context", e->path);
        e->size = size;
        w->sel->stats.files_hashed++;
        w->sel->stats.bytes_hashed += size;
        return 0;
}

static void entry_clear(berth_context_entry *e)
{
        free(e->path);
        free(e->rel);
        free(e->link);
}

/* Record the thing of level l, at path in the context and rel below its item. */
static int add_entry(struct walker *w, const struct level *l, const char *path, const char *rel)
{
        berth_context_selection *sel = w->sel;
        if (sel->n_entries == w->cap_entries) {
                w->cap_entries = w->cap_entries ? w->cap_entries * 2 : 64;
                sel->entries = berth_xrealloc(sel->entries, w->cap_entries * sizeof(*sel->entries));
        }
        berth_context_entry *e = &sel->entries[sel->n_entries];
        *e = (berth_context_entry){
            .path = berth_xstrdup(shown(path)),
            .rel = berth_xstrdup(rel),
            .mode = l->st.st_mode,
            .uid = l->st.st_uid,
            .gid = l->st.st_gid,
        };
        int r = 0;
        if (S_ISLNK(l->st.st_mode))
                r = read_link(w, l->fd, path, &e->link);
        else if (S_ISREG(l->st.st_mode))
                r = hash_file(w, l->fd, &l->st, e);
        else if (S_ISCHR(l->st.st_mode) || S_ISBLK(l->st.st_mode))
                e->rdev = l->st.st_rdev;
        if (r < 0) {
                entry_clear(e);
                return r;
        }
        sel->n_entries++;
        return 0;
}

static void drop_last_entry(struct walker *w)
{
        entry_clear(&w->sel->entries[--w->sel->n_entries]);
}

/* Everything under the directory of level dir at path, rel below the item. */
static int walk_dir(struct walker *w, const struct level *dir, const char *path, const char *rel)
{
        _cleanup_strv_ char **names = berth_dir_names_sorted(dir->fd);
        if (names == NULL)
                return berth_err(w->err, errno, "cannot list '%s' in the build context",
                                 shown(path));
        w->sel->stats.dirs_listed++;
        STRV_FOREACH (n, names) {
                struct level child = {.fd = -1};
                int r = lookup(w, dir, path, *n, &child);
                if (r == -ENOENT)
                        continue; /* gone since listed */
                if (r < 0)
                        return r;
                _cleanup_free_ char *cpath = join(path, *n);
                _cleanup_free_ char *crel = join(rel, *n);
                if (child.excluded && !may_enter(w, &child, cpath)) {
                        level_clear(&child);
                        continue;
                }
                size_t mark = w->sel->n_entries;
                r = add_entry(w, &child, cpath, crel);
                if (r >= 0 && S_ISDIR(child.st.st_mode)) {
                        r = walk_dir(w, &child, cpath, crel);
                        /* An excluded directory is there only for what it holds. */
                        if (r >= 0 && child.excluded && w->sel->n_entries == mark + 1)
                                drop_last_entry(w);
                }
                level_clear(&child);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Add what path (clean) names, following it if it is a symlink. -ENOENT if it is not there. */
static int select_path(struct walker *w, const char *source, const char *path)
{
        struct stack s = {0};
        int r = root_level(w, &s);
        if (r >= 0)
                r = resolve(w, &s, path, true);
        if (r < 0) {
                stack_clear(&s);
                return r;
        }
        berth_context_selection *sel = w->sel;
        struct level *top = stack_top(&s);
        _cleanup_free_ char *real = stack_path(&s);
        size_t first = sel->n_entries;
        r = add_entry(w, top, real, "");
        if (r >= 0 && S_ISDIR(top->st.st_mode)) {
                r = walk_dir(w, top, real, "");
                if (r >= 0 && top->excluded && sel->n_entries == first + 1) {
                        drop_last_entry(w);
                        r = -ENOENT;
                }
        }
        stack_clear(&s);
        if (r < 0) {
                while (sel->n_entries > first)
                        drop_last_entry(w);
                return r;
        }
        if (sel->n_items == w->cap_items) {
                w->cap_items = w->cap_items ? w->cap_items * 2 : 8;
                sel->items = berth_xrealloc(sel->items, w->cap_items * sizeof(*sel->items));
        }
        berth_context_item *it = &sel->items[sel->n_items++];
        *it = (berth_context_item){
            .source = berth_xstrdup(source),
            .match = berth_xstrdup(shown(path)),
            .path = berth_xstrdup(shown(real)),
            .first = first,
            .count = sel->n_entries - first,
        };
        const char *slash = strrchr(it->match, '/');
        it->name = slash ? slash + 1 : it->match;
        return 0;
}

static void glob_freep(berth_glob **g)
{
        berth_glob_free(*g);
}

/* Match comps[i..n) below the directory on top of s (at path); add each final match. */
static int expand(struct walker *w, struct stack *s, const char *source, char **comps, size_t i,
                  size_t n)
{
        _cleanup_free_ char *path = stack_path(s);
        _cleanup_(glob_freep) berth_glob *g = NULL;
        if (!may_enter(w, stack_top(s), path))
                return 0;
        if (berth_glob_compile(comps[i], BERTH_GLOB_MATCH, &g) < 0)
                return 0; /* Docker ignores filepath.Match's error: nothing matches */
        _cleanup_strv_ char **names = NULL;
        const char *lit = berth_glob_literal(g);
        if (lit) {
                berth_strv_push(&names, lit);
        } else {
                names = berth_dir_names_sorted(stack_top(s)->fd);
                if (names == NULL)
                        return berth_err(w->err, errno, "cannot list '%s' in the build context",
                                         shown(path));
                w->sel->stats.dirs_listed++;
        }
        STRV_FOREACH (name, names) {
                if (!lit && !berth_glob_match(g, *name))
                        continue;
                if (i + 1 == n) {
                        _cleanup_free_ char *match = join(path, *name);
                        int r = select_path(w, source, match);
                        if (r < 0 && r != -ENOENT)
                                return r;
                        continue;
                }
                struct level child = {.fd = -1};
                int r = lookup(w, stack_top(s), path, *name, &child);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (!S_ISDIR(child.st.st_mode)) { /* symlinks included: Docker's walk */
                        level_clear(&child);
                        continue;
                }
                stack_push(s, &child);
                r = expand(w, s, source, comps, i + 1, n);
                stack_pop(s);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int select_source(struct walker *w, const char *source)
{
        _cleanup_free_ char *clean = berth_path_clean_rel(source, NULL);
        _cleanup_strv_ char **comps = NULL;
        size_t n = 0, k;
        for (char *save = NULL, *c = strtok_r(clean, "/", &save); c;
             c = strtok_r(NULL, "/", &save), n++)
                berth_strv_push(&comps, c);
        for (k = 0; k < n && !berth_glob_has_wildcards(comps[k]); k++)
                ;
        if (k == n) {
                _cleanup_free_ char *path = berth_strv_join(comps, n, "/");
                int r = select_path(w, source, path);
                if (r == -ENOENT)
                        return berth_errx(w->err, ENOENT,
                                          "file not found in build context or excluded by "
                                          ".dockerignore: stat %s: file does not exist",
                                          shown(path));
                return r;
        }
        struct stack s = {0};
        _cleanup_free_ char *prefix = berth_strv_join(comps, k, "/");
        int r = root_level(w, &s);
        if (r >= 0)
                r = resolve(w, &s, prefix, true);
        if (r >= 0)
                r = expand(w, &s, source, comps, k, n);
        stack_clear(&s);
        return r == -ENOENT ? 0 : r;
}

static char type_letter(mode_t mode)
{
        switch (mode & S_IFMT) {
        case S_IFREG:
                return 'f';
        case S_IFDIR:
                return 'd';
        case S_IFLNK:
                return 'l';
        case S_IFIFO:
                return 'p';
        case S_IFCHR:
                return 'c';
        case S_IFBLK:
                return 'b';
        case S_IFSOCK:
                return 's';
        }
        return '?';
}

static void hash_str(berth_hasher *h, const char *s)
{
        berth_hasher_update(h, s, strlen(s) + 1);
}

static void selection_digest(berth_context_selection *sel)
{
        berth_hasher *h = berth_hasher_new();
        char buf[64];
        for (size_t i = 0; i < sel->n_items; i++) {
                const berth_context_item *it = &sel->items[i];
                hash_str(h, "item");
                hash_str(h, it->match);
                for (size_t j = it->first; j < it->first + it->count; j++) {
                        const berth_context_entry *e = &sel->entries[j];
                        hash_str(h, e->rel);
                        snprintf(buf, sizeof(buf), "%c", type_letter(e->mode));
                        hash_str(h, buf);
                        snprintf(buf, sizeof(buf), "%o", (unsigned)(e->mode & 07777));
                        hash_str(h, buf);
                        snprintf(buf, sizeof(buf), "%u", (unsigned)e->uid);
                        hash_str(h, buf);
                        snprintf(buf, sizeof(buf), "%u", (unsigned)e->gid);
                        hash_str(h, buf);
                        if (S_ISREG(e->mode)) {
                                hash_str(h, berth_digest_hex(&e->content));
                        } else if (S_ISLNK(e->mode)) {
                                hash_str(h, e->link);
                        } else if (S_ISCHR(e->mode) || S_ISBLK(e->mode)) {
                                snprintf(buf, sizeof(buf), "%u,%u", major(e->rdev), minor(e->rdev));
                                hash_str(h, buf);
                        } else {
                                hash_str(h, "");
                        }
                }
        }
        berth_hasher_final(h, &sel->digest);
        berth_hasher_free(h);
}

void berth_context_selection_free(berth_context_selection *sel)
{
        if (sel == NULL)
                return;
        for (size_t i = 0; i < sel->n_entries; i++)
                entry_clear(&sel->entries[i]);
        for (size_t i = 0; i < sel->n_items; i++) {
                free(sel->items[i].source);
                free(sel->items[i].match);
                free(sel->items[i].path);
        }
        free(sel->entries);
        free(sel->items);
        free(sel);
}

static void selection_freep(berth_context_selection **p)
{
        berth_context_selection_free(*p);
}

static char *dup_or_null(const char *s)
{
        return s ? berth_xstrdup(s) : NULL;
}

int berth_context_selection_exclude(const berth_context_selection *sel, char *const *patterns,
                                    berth_context_selection **ret, berth_error *err)
{
        berth_dockerignore *ign = NULL;
        int r = berth_dockerignore_new(patterns, &ign, err);
        if (r < 0)
                return r;
        berth_context_selection *out = berth_xmalloc0(sizeof(*out));
        out->items = berth_xmalloc0((sel->n_items + 1) * sizeof(*out->items));
        out->entries = berth_xmalloc0((sel->n_entries + 1) * sizeof(*out->entries));
        out->stats = sel->stats;
        for (size_t i = 0; i < sel->n_items; i++) {
                const berth_context_item *it = &sel->items[i];
                /* the item itself by its name, what is under it by its path below it */
                if (berth_dockerignore_excluded(ign, it->name))
                        continue;
                berth_context_item *o = &out->items[out->n_items++];
                *o = (berth_context_item){.source = dup_or_null(it->source),
                                          .match = dup_or_null(it->match),
                                          .path = dup_or_null(it->path),
                                          .first = out->n_entries};
                const char *slash = strrchr(o->match, '/');
                o->name = slash ? slash + 1 : o->match;
                const char *skip = NULL; /* an excluded directory's rel: its subtree goes too */
                size_t skip_len = 0;
                for (size_t j = it->first; j < it->first + it->count; j++) {
                        const berth_context_entry *e = &sel->entries[j];
                        if (skip && strncmp(e->rel, skip, skip_len) == 0 && e->rel[skip_len] == '/')
                                continue;
                        skip = NULL;
                        if (e->rel[0] && berth_dockerignore_excluded(ign, e->rel)) {
                                if (S_ISDIR(e->mode) && !berth_dockerignore_descend(ign, e->rel)) {
                                        skip = e->rel;
                                        skip_len = strlen(skip);
                                }
                                if (!S_ISDIR(e->mode) || skip)
                                        continue;
                        }
                        berth_context_entry *c = &out->entries[out->n_entries++];
                        *c = *e;
                        c->path = berth_xstrdup(e->path);
                        c->rel = berth_xstrdup(e->rel);
                        c->link = dup_or_null(e->link);
                }
                o->count = out->n_entries - o->first;
        }
        berth_dockerignore_free(ign);
        selection_digest(out);
        *ret = out;
        return 0;
}

int berth_context_select(int context_dirfd, const berth_dockerignore *ign, char *const *sources,
                         berth_context_selection **ret, berth_error *err)
{
        _cleanup_(selection_freep) berth_context_selection *sel = berth_xmalloc0(sizeof(*sel));
        _cleanup_close_ int root = openat(context_dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return berth_err(err, errno, "cannot open the build context");
        struct walker w = {
            .root = root,
            .ign = ign,
            .npat = ign ? berth_dockerignore_count(ign) : 0,
            .sel = sel,
            .err = err,
        };
        for (size_t i = 0; sources && sources[i]; i++) {
                int r = select_source(&w, sources[i]);
                if (r < 0)
                        return r;
        }
        if (sel->n_items == 0)
                return berth_errx(err, ENOENT, "no source files were specified");
        selection_digest(sel);
        *ret = TAKE_PTR(sel);
        return 0;
}
