/* SPDX-License-Identifier: Apache-2.0 */
/* Layout detection, path rules, hierarchies, and what v1 and v2 share. */
#include "runtime/cgroup-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"

static char *g_root;                  /* NULL: the host's /sys/fs/cgroup */
static enum berth_cgroup_mode g_mode; /* 0: not detected yet */
/* The host's v1/hybrid hierarchies as /proc/self/mountinfo gave them, read once per process
 * like the mode (an exec opens the container's cgroup twice; mountinfo can be megabytes). */
static struct cg_hier *g_mounted;
static size_t g_n_mounted;
static bool g_mounted_read;
static pthread_mutex_t g_mounted_lock = PTHREAD_MUTEX_INITIALIZER;

static void hier_clear(struct cg_hier *h);
static void mounted_forget(void)
{
        pthread_mutex_lock(&g_mounted_lock);
        for (size_t i = 0; i < g_n_mounted; i++)
                hier_clear(&g_mounted[i]);
        free(g_mounted);
        g_mounted = NULL;
        g_n_mounted = 0;
        g_mounted_read = false;
        pthread_mutex_unlock(&g_mounted_lock);
}

static const char *cg_root(void)
{
        return g_root ? g_root : CG_DEFAULT_ROOT;
}

void berth_cgroup_set_root(const char *fsroot, enum berth_cgroup_mode mode)
{
        free(g_root);
        g_root = fsroot ? berth_xstrdup(fsroot) : NULL;
        g_mode = fsroot ? mode : 0;
        mounted_forget();
}

int berth_cgroup_mode(enum berth_cgroup_mode *ret, berth_error *err)
{
        if (!g_mode) {
                struct statfs fs;
                if (statfs(CG_DEFAULT_ROOT, &fs) < 0)
                        return berth_err(err, errno, "cannot statfs '%s'", CG_DEFAULT_ROOT);
                if (fs.f_type == CGROUP2_SUPER_MAGIC) {
                        g_mode = BERTH_CGROUP_UNIFIED;
                } else {
                        struct statfs u;
                        if (statfs(CG_DEFAULT_ROOT "/unified", &u) == 0 &&
                            u.f_type == CGROUP2_SUPER_MAGIC)
                                g_mode = BERTH_CGROUP_HYBRID;
                        else
                                g_mode = BERTH_CGROUP_LEGACY;
                }
        }
        *ret = g_mode;
        return 0;
}

/* ---- small file helpers ---- */

int cg_write(const char *dir, const char *file, const char *val, berth_error *err)
{
        _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, file);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s'", p);
        size_t len = strlen(val);
        ssize_t w = write(fd, val, len);
        if (w < 0)
                return berth_err(err, errno, "cannot write '%s' to '%s'", val, p);
        if ((size_t)w != len)
                return berth_errx(err, EIO, "short write of '%s' to '%s'", val, p);
        return 0;
}

int cg_writef(const char *dir, const char *file, berth_error *err, const char *fmt, ...)
{
        va_list ap;
        _cleanup_free_ char *s = NULL;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0)
                abort();
        return cg_write(dir, file, s, err);
}

int cg_read(const char *dir, const char *file, char **ret, berth_error *err)
{
        _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, file);
        return berth_read_file(p, ret, NULL, err);
}

int cg_read_u64(const char *dir, const char *file, uint64_t *ret, berth_error *err)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read(dir, file, &s, err);
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        if (strcmp(s, "max") == 0) {
                *ret = 0;
                return 0;
        }
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || end == s || *end)
                return berth_errx(err, EINVAL, "cannot parse '%s' in '%s/%s'", s, dir, file);
        *ret = v;
        return 0;
}

int cg_keyed_u64(const char *content, const char *key, uint64_t *ret)
{
        size_t kl = strlen(key);
        for (const char *l = content; l && *l;) {
                if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
                        *ret = strtoull(l + kl + 1, NULL, 10);
                        return 0;
                }
                l = strchr(l, '\n');
                if (l)
                        l++;
        }
        return -ENOENT;
}

bool cg_exists(const char *dir, const char *file)
{
        _cleanup_free_ char *p = berth_xasprintf("%s/%s", dir, file);
        return access(p, F_OK) == 0;
}

bool cg_dir_exists(const char *p)
{
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* ---- paths ---- */

/* Append the components of p to *out ("/a/b"), refusing "..". */
static int append_components(char **out, const char *p, berth_error *err)
{
        _cleanup_free_ char *copy = berth_xstrdup(p);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (strcmp(c, ".") == 0)
                        continue;
                if (strcmp(c, "..") == 0)
                        return berth_errx(err, EINVAL, "invalid cgroup path '%s': '..' refused", p);
                char *n = berth_xasprintf("%s/%s", *out, c);
                free(*out);
                *out = n;
        }
        return 0;
}

/* "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice"; "-.slice" or "" → "". */
static int expand_slice(const char *slice, char **ret, berth_error *err)
{
        if (!*slice || strcmp(slice, "-.slice") == 0) {
                *ret = berth_xstrdup("");
                return 0;
        }
        if (!berth_str_has_suffix(slice, ".slice") || strchr(slice, '/'))
                return berth_errx(err, EINVAL, "invalid systemd slice '%s'", slice);
        size_t base = strlen(slice) - strlen(".slice");
        if (base == 0 || slice[0] == '-' || slice[base - 1] == '-' || strstr(slice, "--"))
                return berth_errx(err, EINVAL, "invalid systemd slice '%s'", slice);
        _cleanup_free_ char *out = berth_xstrdup("");
        for (size_t i = 0; i <= base; i++) {
                if (i == base || slice[i] == '-') {
                        char *n = berth_xasprintf("%s/%.*s.slice", out, (int)i, slice);
                        free(out);
                        out = n;
                }
        }
        *ret = TAKE_PTR(out);
        return 0;
}

char *berth_cgroup_path_for(const char *cgroups_path, const char *id, bool systemd,
                            berth_error *err)
{
        _cleanup_free_ char *out = berth_xstrdup("");
        if (!cgroups_path || !*cgroups_path) {
                if (!id || !*id || strchr(id, '/') || strcmp(id, "..") == 0 ||
                    strcmp(id, ".") == 0) {
                        berth_errx(err, EINVAL, "invalid container id '%s' for a cgroup path",
                                   id ? id : "");
                        return NULL;
                }
                char *p = berth_xasprintf("/berth/%s", id);
                return p;
        }
        if (systemd) {
                _cleanup_free_ char *copy = berth_xstrdup(cgroups_path);
                char *c1 = strchr(copy, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c1 || !c2 || strchr(c2 + 1, ':')) {
                        berth_errx(err, EINVAL,
                                   "invalid systemd cgroup path '%s': want slice:prefix:name",
                                   cgroups_path);
                        return NULL;
                }
                *c1 = *c2 = '\0';
                const char *slice = *copy ? copy : "system.slice";
                const char *prefix = c1 + 1, *name = c2 + 1;
                if (!*name || strchr(name, '/') || strchr(prefix, '/') || strcmp(name, "..") == 0) {
                        berth_errx(err, EINVAL, "invalid systemd cgroup path '%s'", cgroups_path);
                        return NULL;
                }
                _cleanup_free_ char *s = NULL;
                if (expand_slice(slice, &s, err) < 0)
                        return NULL;
                if (berth_str_has_suffix(name, ".slice")) {
                        /* The unit is itself a slice: name is the full slice path. */
                        _cleanup_free_ char *n = NULL;
                        if (expand_slice(name, &n, err) < 0)
                                return NULL;
                        return strcmp(n, "") == 0 ? berth_xstrdup("/") : TAKE_PTR(n);
                }
                if (*prefix)
                        return berth_xasprintf("%s/%s-%s.scope", s, prefix, name);
                return berth_xasprintf("%s/%s.scope", s, name);
        }
        if (append_components(&out, cgroups_path, err) < 0)
                return NULL;
        if (!*out)
                return berth_xstrdup("/");
        return TAKE_PTR(out);
}

/* ---- hierarchies ---- */

static void hier_clear(struct cg_hier *h)
{
        free(h->mnt);
        free(h->name);
        free(h->opts);
        free(h->dir);
        berth_strv_free(h->created);
}

static void hier_push(struct cg_hier **v, size_t *n, const char *mnt, const char *opts, bool v2)
{
        *v = berth_xrealloc(*v, (*n + 1) * sizeof(**v));
        struct cg_hier *h = &(*v)[(*n)++];
        memset(h, 0, sizeof(*h));
        h->mnt = berth_xstrdup(mnt);
        const char *slash = strrchr(mnt, '/');
        h->name = berth_xstrdup(slash ? slash + 1 : mnt);
        h->opts = opts ? berth_xstrdup(opts) : NULL;
        h->v2 = v2;
}

/* The controller list of a v1 mount's super options ("rw,cpu,cpuacct" → "cpu,cpuacct"). */
static char *v1_opts(const char *super)
{
        static const char *skip[] = {
            "rw", "ro", "clone_children", "noprefix", "xattr", "cpuset_v2_mode", "favordynmods"};
        _cleanup_free_ char *copy = berth_xstrdup(super);
        _cleanup_free_ char *out = berth_xstrdup("");
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool drop = berth_str_has_prefix(o, "release_agent=");
                for (size_t i = 0; i < ARRAY_SIZE(skip); i++)
                        drop = drop || strcmp(o, skip[i]) == 0;
                if (drop)
                        continue;
                char *n = berth_xasprintf("%s%s%s", out, *out ? "," : "", o);
                free(out);
                out = n;
        }
        return TAKE_PTR(out);
}

static int discover_mountinfo(struct cg_hier **v, size_t *n, bool hybrid, berth_error *err)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (!f)
                return berth_err(err, errno, "cannot open '/proc/self/mountinfo'");
        _cleanup_free_ char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                char mnt[PATH_MAX], fstype[64], super[1024];
                const char *sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
                    sscanf(sep + 3, "%63s %*s %1023s", fstype, super) != 2)
                        continue;
                if (!berth_str_has_prefix(mnt, CG_DEFAULT_ROOT "/") ||
                    strchr(mnt + strlen(CG_DEFAULT_ROOT "/"), '/'))
                        continue;
                if (strcmp(fstype, "cgroup") == 0) {
                        _cleanup_free_ char *o = v1_opts(super);
                        hier_push(v, n, mnt, o, false);
                } else if (hybrid && strcmp(fstype, "cgroup2") == 0) {
                        hier_push(v, n, mnt, NULL, true);
                }
        }
        return 0;
}

/* discover_mountinfo through the process's copy (g_mounted) */
static int discover_mounted(struct cg_hier **v, size_t *n, bool hybrid, berth_error *err)
{
        int r = 0;
        pthread_mutex_lock(&g_mounted_lock);
        if (!g_mounted_read) {
                r = discover_mountinfo(&g_mounted, &g_n_mounted, hybrid, err);
                g_mounted_read = r >= 0;
                for (; r < 0 && g_n_mounted > 0; g_n_mounted--)
                        hier_clear(&g_mounted[g_n_mounted - 1]);
        }
        for (size_t i = 0; r >= 0 && i < g_n_mounted; i++)
                hier_push(v, n, g_mounted[i].mnt, g_mounted[i].opts, g_mounted[i].v2);
        pthread_mutex_unlock(&g_mounted_lock);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A fake v1/hybrid tree: each real subdirectory of the root is a hierarchy. */
static int discover_dir(struct cg_hier **v, size_t *n, bool hybrid, berth_error *err)
{
        DIR *d = opendir(cg_root());
        if (!d)
                return berth_err(err, errno, "cannot open '%s'", cg_root());
        _cleanup_strv_ char **names = NULL;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || de->d_type != DT_DIR)
                        continue;
                berth_strv_push(&names, de->d_name);
        }
        closedir(d);
        if (names)
                qsort(names, berth_strv_length(names), sizeof(char *), cmp_str);
        STRV_FOREACH (s, names) {
                _cleanup_free_ char *mnt = berth_xasprintf("%s/%s", cg_root(), *s);
                if (strcmp(*s, "unified") == 0) {
                        if (hybrid)
                                hier_push(v, n, mnt, NULL, true);
                } else if (strcmp(*s, "systemd") == 0) {
                        hier_push(v, n, mnt, "name=systemd", false);
                } else {
                        hier_push(v, n, mnt, *s, false);
                }
        }
        return 0;
}

int cg_new(const char *path, berth_cgroup **ret, berth_error *err)
{
        if (!path || path[0] != '/')
                return berth_errx(err, EINVAL, "invalid cgroup path '%s': must be absolute",
                                  path ? path : "");
        _cleanup_free_ char *clean = berth_xstrdup("");
        if (append_components(&clean, path, err) < 0)
                return -EINVAL;
        enum berth_cgroup_mode mode;
        int r = berth_cgroup_mode(&mode, err);
        if (r < 0)
                return r;
        berth_cgroup *cg = berth_xmalloc0(sizeof(*cg));
        cg->path = berth_xstrdup(*clean ? clean : "/");
        cg->mode = mode;
        if (mode == BERTH_CGROUP_UNIFIED)
                hier_push(&cg->h, &cg->n, cg_root(), NULL, true);
        else if (g_root)
                r = discover_dir(&cg->h, &cg->n, mode == BERTH_CGROUP_HYBRID, err);
        else
                r = discover_mounted(&cg->h, &cg->n, mode == BERTH_CGROUP_HYBRID, err);
        if (r >= 0 && cg->n == 0)
                r = berth_errx(err, ENOENT, "no cgroup hierarchy is mounted under '%s'", cg_root());
        if (r < 0) {
                berth_cgroup_free(cg);
                return r;
        }
        for (size_t i = 0; i < cg->n; i++)
                cg->h[i].dir = berth_xasprintf("%s%s", cg->h[i].mnt, clean);
        *ret = cg;
        return 0;
}

struct cg_hier *cg_v1_find(berth_cgroup *cg, const char *ctrl)
{
        for (size_t i = 0; i < cg->n; i++) {
                if (cg->h[i].v2 || !cg->h[i].opts)
                        continue;
                _cleanup_free_ char *copy = berth_xstrdup(cg->h[i].opts);
                char *save = NULL;
                for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
                        if (strcmp(o, ctrl) == 0)
                                return &cg->h[i];
        }
        return NULL;
}

struct cg_hier *cg_v2_hier(berth_cgroup *cg)
{
        for (size_t i = 0; i < cg->n; i++)
                if (cg->h[i].v2)
                        return &cg->h[i];
        return NULL;
}

void berth_cgroup_free(berth_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < cg->n; i++)
                hier_clear(&cg->h[i]);
        free(cg->h);
        free(cg->path);
        free(cg);
}

const char *berth_cgroup_get_path(const berth_cgroup *cg)
{
        return cg->path;
}

/* ---- create ---- */

static void rollback(berth_cgroup *cg)
{
        for (size_t i = 0; i < cg->n; i++) {
                struct cg_hier *h = &cg->h[i];
                for (size_t k = berth_strv_length(h->created); k > 0; k--)
                        rmdir(h->created[k - 1]);
                berth_strv_free(h->created);
                h->created = NULL;
        }
}

/*
 * mkdir every component of the path below h's mount point. On cgroup2, when
 * enable is set, controllers are enabled in each parent first (enable_only:
 * just that one).
 */
static int make_dirs(berth_cgroup *cg, struct cg_hier *h, bool enable, const char *enable_only,
                     berth_error *err)
{
        bool cpuset = !h->v2 && cg_v1_find(cg, "cpuset") == h;
        _cleanup_free_ char *cur = berth_xstrdup(h->mnt);
        _cleanup_free_ char *copy = berth_xstrdup(cg->path);
        char *save = NULL;
        for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                if (enable && cg_v2_enable_controllers(cur, enable_only, err) < 0)
                        return -err->code;
                char *n = berth_xasprintf("%s/%s", cur, c);
                free(cur);
                cur = n;
                if (mkdir(cur, 0755) == 0)
                        berth_strv_push(&h->created, cur);
                else if (errno != EEXIST)
                        return berth_err(err, errno, "cannot create cgroup '%s'", cur);
                else if (!cg_dir_exists(cur))
                        return berth_errx(err, ENOTDIR,
                                          "cannot create cgroup '%s': not a "
                                          "directory",
                                          cur);
                /* A cpuset must have cpus and mems before a task may join it. */
                if (cpuset && cg_v1_cpuset_init(cur, err) < 0)
                        return -err->code;
        }
        return 0;
}

static int apply(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        if (!res)
                return 0;
        if (cg->mode == BERTH_CGROUP_UNIFIED)
                return cg_v2_apply(cg->h[0].dir, res, false, err);
        int r = cg_v1_apply(cg, res, err);
        if (r < 0)
                return r;
        struct cg_hier *u = cg_v2_hier(cg);
        if (u && cg_dir_exists(u->dir))
                return cg_v2_apply(u->dir, res, true, err);
        return 0;
}

static bool hybrid_needs_hugetlb(berth_cgroup *cg, const oci_resources *res)
{
        return cg->mode == BERTH_CGROUP_HYBRID && res && res->n_hugepage_limits > 0 &&
               !cg_v1_find(cg, "hugetlb");
}

int berth_cgroup_create(const char *path, const oci_resources *res, berth_cgroup **ret,
                        berth_error *err)
{
        berth_cgroup *cg = NULL;
        int r = cg_new(path, &cg, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < cg->n && r >= 0; i++) {
                struct cg_hier *h = &cg->h[i];
                if (h->v2 && cg->mode == BERTH_CGROUP_UNIFIED)
                        r = make_dirs(cg, h, true, NULL, err);
                else if (h->v2 && hybrid_needs_hugetlb(cg, res))
                        r = make_dirs(cg, h, true, "hugetlb", err);
                else
                        r = make_dirs(cg, h, false, NULL, err);
        }
        if (r >= 0)
                r = apply(cg, res, err);
        if (r < 0) {
                rollback(cg);
                berth_cgroup_free(cg);
                return berth_wrap(err, "cannot create cgroup '%s'", path);
        }
        for (size_t i = 0; i < cg->n; i++) {
                berth_strv_free(cg->h[i].created);
                cg->h[i].created = NULL;
        }
        *ret = cg;
        return 0;
}

int berth_cgroup_open(const char *path, berth_cgroup **ret, berth_error *err)
{
        return cg_new(path, ret, err);
}

int berth_cgroup_update(berth_cgroup *cg, const oci_resources *res, berth_error *err)
{
        int r = apply(cg, res, err);
        if (r < 0)
                return berth_wrap(err, "cannot update cgroup '%s'", cg->path);
        return 0;
}

/* ---- freeze ---- */

int berth_cgroup_freeze(berth_cgroup *cg, bool frozen, berth_error *err)
{
        int r;
        if (cg->mode == BERTH_CGROUP_UNIFIED) {
                r = cg_v2_freeze(cg->h[0].dir, frozen, err);
        } else {
                struct cg_hier *h = cg_v1_find(cg, "freezer");
                if (!h)
                        r = berth_errx(err, ENOTSUP, "the freezer controller is not mounted");
                else
                        r = cg_v1_freeze(h->dir, frozen, err);
        }
        if (r < 0)
                return berth_wrap(err, "cannot %s cgroup '%s'", frozen ? "freeze" : "thaw",
                                  cg->path);
        return 0;
}

int berth_cgroup_is_frozen(berth_cgroup *cg, bool *ret, berth_error *err)
{
        _cleanup_free_ char *s = NULL;
        int r;
        if (cg->mode == BERTH_CGROUP_UNIFIED) {
                if (!cg_exists(cg->h[0].dir, "cgroup.freeze")) {
                        *ret = false;
                        return 0;
                }
                r = cg_read(cg->h[0].dir, "cgroup.freeze", &s, err);
                if (r < 0)
                        return r;
                *ret = s[0] == '1';
                return 0;
        }
        struct cg_hier *h = cg_v1_find(cg, "freezer");
        if (!h || !cg_dir_exists(h->dir)) {
                *ret = false;
                return 0;
        }
        r = cg_read(h->dir, "freezer.state", &s, err);
        if (r < 0)
                return r;
        *ret = berth_str_has_prefix(s, "FROZEN");
        return 0;
}

/* ---- pids, kill, destroy ---- */

/* The hierarchy to list processes from. */
static struct cg_hier *procs_hier(berth_cgroup *cg)
{
        static const char *pref[] = {"freezer", "pids", "memory", "cpu", "name=systemd"};
        if (cg->mode == BERTH_CGROUP_UNIFIED)
                return &cg->h[0];
        for (size_t i = 0; i < ARRAY_SIZE(pref); i++) {
                struct cg_hier *h = cg_v1_find(cg, pref[i]);
                if (h)
                        return h;
        }
        return &cg->h[0];
}

static int collect_pids(const char *dir, pid_t **v, size_t *n, berth_error *err)
{
        _cleanup_free_ char *s = NULL;
        int r = cg_read(dir, "cgroup.procs", &s, err);
        if (r < 0)
                return r;
        for (char *l = s; *l;) {
                char *end;
                long p = strtol(l, &end, 10);
                if (end == l)
                        break;
                *v = berth_xrealloc(*v, (*n + 1) * sizeof(pid_t));
                (*v)[(*n)++] = (pid_t)p;
                l = end;
                while (*l == '\n')
                        l++;
        }
        DIR *d = opendir(dir);
        if (!d)
                return berth_err(err, errno, "cannot open '%s'", dir);
        struct dirent *de;
        r = 0;
        while (r >= 0 && (de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *sub = berth_xasprintf("%s/%s", dir, de->d_name);
                r = collect_pids(sub, v, n, err);
        }
        closedir(d);
        return r;
}

int berth_cgroup_pids(berth_cgroup *cg, pid_t **ret, size_t *ret_n, berth_error *err)
{
        struct cg_hier *h = procs_hier(cg);
        _cleanup_free_ pid_t *v = NULL;
        size_t n = 0;
        if (cg_dir_exists(h->dir)) {
                int r = collect_pids(h->dir, &v, &n, err);
                if (r < 0)
                        return berth_wrap(err, "cannot list processes of cgroup '%s'", cg->path);
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int berth_cgroup_kill_all(berth_cgroup *cg, int sig, berth_error *err)
{
        if (cg->mode == BERTH_CGROUP_UNIFIED && sig == SIGKILL &&
            cg_exists(cg->h[0].dir, "cgroup.kill")) {
                int r = cg_write(cg->h[0].dir, "cgroup.kill", "1", err);
                if (r < 0)
                        return berth_wrap(err, "cannot kill cgroup '%s'", cg->path);
                return 0;
        }
        bool was_frozen = false;
        berth_error ferr = {0};
        (void)berth_cgroup_is_frozen(cg, &was_frozen, &ferr);
        /* Freeze so that nothing forks away while we signal; go on without a freezer. */
        bool froze = !was_frozen && berth_cgroup_freeze(cg, true, &ferr) == 0;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r = berth_cgroup_pids(cg, &pids, &n, err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                if (kill(pids[i], sig) < 0 && errno != ESRCH)
                        r = berth_err(err, errno, "cannot send signal %d to pid %d", sig,
                                      (int)pids[i]);
        }
        /* A paused container stays paused unless it was killed for good. */
        if (froze || (was_frozen && sig == SIGKILL))
                (void)berth_cgroup_freeze(cg, false, &ferr);
        if (r < 0)
                return berth_wrap(err, "cannot kill the processes of cgroup '%s'", cg->path);
        return 0;
}

static void sleep_ms(long ms)
{
        struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
}

/* rmdir dir's child cgroups depth-first, then dir. Returns 0 or -errno. */
static int rmdir_tree(const char *dir)
{
        DIR *d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        struct dirent *de;
        int r = 0;
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || de->d_name[0] == '.')
                        continue;
                _cleanup_free_ char *sub = berth_xasprintf("%s/%s", dir, de->d_name);
                int k = rmdir_tree(sub);
                if (k < 0 && r == 0)
                        r = k;
        }
        closedir(d);
        if (rmdir(dir) < 0 && errno != ENOENT)
                return -errno;
        return r;
}

int berth_cgroup_destroy(berth_cgroup *cg, berth_error *err)
{
        for (size_t i = 0; i < cg->n; i++) {
                struct cg_hier *h = &cg->h[i];
                if (strcmp(h->dir, h->mnt) == 0)
                        continue; /* never the root of a hierarchy */
                int r = 0;
                for (int tries = 0; tries < 100; tries++) {
                        r = rmdir_tree(h->dir);
                        if (r != -EBUSY)
                                break;
                        sleep_ms(10);
                }
                if (r < 0)
                        return berth_err(err, -r, "cannot remove cgroup '%s'", h->dir);
        }
        return 0;
}

/* ---- stats ---- */

int berth_cgroup_read_stats(berth_cgroup *cg, berth_cgroup_stats *ret, berth_error *err)
{
        berth_cgroup_stats st = {0};
        int r;
        if (cg->mode == BERTH_CGROUP_UNIFIED)
                r = cg_v2_stats(cg->h[0].dir, &st, err);
        else
                r = cg_v1_stats(cg, &st, err);
        if (r < 0)
                return berth_wrap(err, "cannot read the statistics of cgroup '%s'", cg->path);
        *ret = st;
        return 0;
}
