/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's mounts, in Docker's order: the default ones (proc, /dev,
 * devpts, sysfs, cgroupfs, mqueue, /dev/shm) less what the user replaces,
 * the init binary, then the user's own sorted parents first: binds and
 * volumes (rbind, ro unless RW, propagation when given), tmpfs (noexec,
 * nosuid, nodev, rprivate, then the user's options, the last of each kind
 * winning), and the container's /etc/resolv.conf, /etc/hostname and
 * /etc/hosts.
 */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INIT_PATH "/sbin/docker-init"

static json_t *mount_json(const char *dest, const char *type, const char *src, json_t *opts)
{
        json_t *m = json_pack("{s:s, s:s}", "destination", dest, "type", type);
        if (src)
                json_object_set_new(m, "source", json_string(src));
        json_object_set_new(m, "options", opts);
        return m;
}

static json_t *defaults(const sg_mount_opts *o)
{
        json_t *a = json_array();
        json_array_append_new(a, mount_json("/proc", "proc", "proc",
                                            json_pack("[s, s, s]", "nosuid", "noexec", "nodev")));
        json_array_append_new(a, mount_json("/dev", "tmpfs", "tmpfs",
                                            json_pack("[s, s, s, s]", "nosuid", "strictatime",
                                                      "mode=755", "size=65536k")));
        json_array_append_new(
            a, mount_json("/dev/pts", "devpts", "devpts",
                          json_pack("[s, s, s, s, s, s]", "nosuid", "noexec", "newinstance",
                                    "ptmxmode=0666", "mode=0620", "gid=5")));
        json_array_append_new(
            a, mount_json("/sys", "sysfs", "sysfs",
                          json_pack("[s, s, s, s]", "nosuid", "noexec", "nodev", "ro")));
        json_array_append_new(
            a, mount_json("/sys/fs/cgroup", "cgroup", "cgroup",
                          json_pack("[s, s, s, s]", "ro", "nosuid", "noexec", "nodev")));
        json_array_append_new(a, mount_json("/dev/mqueue", "mqueue", "mqueue",
                                            json_pack("[s, s, s]", "nosuid", "noexec", "nodev")));
        if (strcmp(o->ipc_mode, "host") == 0) {
                /* The host's shared memory, as Docker gives --ipc host. */
                json_array_append_new(a, mount_json("/dev/shm", "bind", "/dev/shm",
                                                    json_pack("[s, s]", "rbind", "rprivate")));
        } else {
                char size[40];
                snprintf(size, sizeof(size), "size=%lld", (long long)o->shm_size);
                json_array_append_new(a, mount_json("/dev/shm", "tmpfs", "shm",
                                                    json_pack("[s, s, s, s, s]", "nosuid", "noexec",
                                                              "nodev", "mode=1777", size)));
        }
        if (o->init)
                json_array_append_new(a, mount_json(INIT_PATH, "bind", o->in->init_path,
                                                    json_pack("[s, s]", "bind", "ro")));
        return a;
}

static void remove_option(json_t *m, const char *opt)
{
        json_t *opts = json_object_get(m, "options");
        for (size_t i = json_array_size(opts); i-- > 0;)
                if (strcmp(json_string_value(json_array_get(opts, i)), opt) == 0)
                        json_array_remove(opts, i);
}

static bool has_option(const json_t *m, const char *opt)
{
        size_t i;
        json_t *el;
        json_array_foreach (json_object_get(m, "options"), i, el)
                if (strcmp(json_string_value(el), opt) == 0)
                        return true;
        return false;
}

/* Path components of an absolute destination ("/" counts 0). */
static size_t depth(const char *p)
{
        size_t n = 0;
        for (const char *c = p; *c; c++)
                if (*c == '/' && c[1] != '\0' && c[1] != '/')
                        n++;
        return n;
}

/* Clean an absolute path: no "//", no "." components, no trailing '/'; ".." refused. */
static int clean_dest(const char *p, const char *where, char **ret, berth_error *err)
{
        if (p == NULL || p[0] != '/')
                return berth_errx(err, EINVAL, "%s: destination '%s' is not an absolute path",
                                  where, p ? p : "");
        char *out = berth_xmalloc0(strlen(p) + 2);
        size_t o = 0;
        const char *c = p;
        while (*c) {
                while (*c == '/')
                        c++;
                if (*c == '\0')
                        break;
                size_t n = strcspn(c, "/");
                if (n == 1 && c[0] == '.') {
                        c += n;
                        continue;
                }
                if (n == 2 && c[0] == '.' && c[1] == '.') {
                        free(out);
                        return berth_errx(err, EINVAL, "%s: destination '%s' contains '..'", where,
                                          p);
                }
                out[o++] = '/';
                memcpy(out + o, c, n);
                o += n;
                c += n;
        }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        *ret = out;
        return 0;
}

/* ---- tmpfs options ----------------------------------------------------- */

/* Flags tmpfs takes, in pairs that cancel each other. */
static const char *const flag_pairs[][2] = {
    {"ro", "rw"},
    {"nosuid", "suid"},
    {"nodev", "dev"},
    {"noexec", "exec"},
    {"sync", "async"},
    {"dirsync", NULL},
    {"noatime", "atime"},
    {"nodiratime", "diratime"},
    {"relatime", "norelatime"},
    {"strictatime", "nostrictatime"},
    {"mand", "nomand"},
};
static const char *const propagations[] = {"private", "rprivate", "shared",     "rshared",
                                           "slave",   "rslave",   "unbindable", "runbindable"};
static const char *const tmpfs_data[] = {"size",      "mode",      "uid", "gid",
                                         "nr_inodes", "nr_blocks", "mpol"};

/* A key that equal options share: the flag pair's index, "prop", or the data key. */
static int option_key(const char *opt, char *key, size_t keysz)
{
        for (size_t i = 0; i < ARRAY_SIZE(flag_pairs); i++)
                if (strcmp(opt, flag_pairs[i][0]) == 0 ||
                    (flag_pairs[i][1] && strcmp(opt, flag_pairs[i][1]) == 0)) {
                        snprintf(key, keysz, "flag%zu", i);
                        return 0;
                }
        for (size_t i = 0; i < ARRAY_SIZE(propagations); i++)
                if (strcmp(opt, propagations[i]) == 0) {
                        snprintf(key, keysz, "prop");
                        return 0;
                }
        size_t n = strcspn(opt, "=");
        if (opt[n] == '=')
                for (size_t i = 0; i < ARRAY_SIZE(tmpfs_data); i++)
                        if (strlen(tmpfs_data[i]) == n && strncmp(opt, tmpfs_data[i], n) == 0) {
                                snprintf(key, keysz, "data:%s", tmpfs_data[i]);
                                return 0;
                        }
        return -EINVAL;
}

/* Docker's base options plus data ("size=64m,exec"), the last of each kind kept. */
static int tmpfs_options(const char *data, const char *where, json_t **ret, berth_error *err)
{
        _cleanup_strv_ char **all = NULL, **keys = NULL, **kept = NULL;
        berth_strv_push(&all, "noexec");
        berth_strv_push(&all, "nosuid");
        berth_strv_push(&all, "nodev");
        berth_strv_push(&all, "rprivate");
        _cleanup_free_ char *copy = berth_xstrdup(data ? data : "");
        char *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (t[0] && strcmp(t, "defaults") != 0)
                        berth_strv_push(&all, t);

        size_t n = berth_strv_length(all);
        for (size_t i = n; i-- > 0;) {
                char key[64];
                if (option_key(all[i], key, sizeof(key)) < 0) {
                        size_t kl = strcspn(all[i], "=");
                        return berth_errx(err, EINVAL, "%s: invalid tmpfs option \"%.*s\"", where,
                                          (int)kl, all[i]);
                }
                if (berth_strv_contains(keys, key))
                        continue;
                berth_strv_push(&keys, key);
                berth_strv_push(&kept, all[i]);
        }
        json_t *a = json_array();
        for (size_t i = berth_strv_length(kept); i-- > 0;)
                json_array_append_new(a, json_string(kept[i]));
        *ret = a;
        return 0;
}

/* TmpfsOptions {SizeBytes, Mode} (and the mount's RW) as tmpfs data, as Docker writes it. */
static char *tmpfs_data_of(const json_t *topts, bool ro)
{
        _cleanup_free_ char *s = berth_xstrdup(ro ? "ro" : "");
        json_t *mode = json_object_get(topts, "Mode");
        json_t *size = json_object_get(topts, "SizeBytes");
        if (json_is_integer(mode) && json_integer_value(mode) != 0) {
                char *n = berth_xasprintf("%s%smode=%llo", s, s[0] ? "," : "",
                                          (unsigned long long)json_integer_value(mode));
                free(s);
                s = n;
        }
        if (json_is_integer(size) && json_integer_value(size) != 0) {
                long long v = json_integer_value(size);
                const char *suffix = "";
                if (v % (1LL << 30) == 0) {
                        v /= 1LL << 30;
                        suffix = "g";
                } else if (v % (1LL << 20) == 0) {
                        v /= 1LL << 20;
                        suffix = "m";
                } else if (v % (1LL << 10) == 0) {
                        v /= 1LL << 10;
                        suffix = "k";
                }
                char *n = berth_xasprintf("%s%ssize=%lld%s", s, s[0] ? "," : "", v, suffix);
                free(s);
                s = n;
        }
        return TAKE_PTR(s);
}

/* HostConfig.Mounts' TmpfsOptions for the tmpfs at dest, if the body has them. */
static const json_t *tmpfs_options_for(const json_t *hc, const char *dest)
{
        size_t i;
        json_t *el;
        json_array_foreach (json_object_get(hc, "Mounts"), i, el) {
                const char *t = json_string_value(json_object_get(el, "Target"));
                const char *ty = json_string_value(json_object_get(el, "Type"));
                if (t && ty && strcmp(ty, "tmpfs") == 0 && strcmp(t, dest) == 0)
                        return json_object_get(el, "TmpfsOptions");
        }
        return NULL;
}

/* ---- bind propagation ---------------------------------------------------- */

/*
 * The optional fields ("shared:12 master:3") of the mount holding path, from
 * /proc/self/mountinfo: the longest mount point that is a prefix of it.
 */
static int mount_fields_of(const char *path, char **ret_mp, char **ret_fields, berth_error *err)
{
        _cleanup_free_ char *real = realpath(path, NULL);
        if (real == NULL)
                return berth_err(err, errno, "cannot resolve '%s'", path);
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (f == NULL)
                return berth_err(err, errno, "cannot read /proc/self/mountinfo");
        _cleanup_free_ char *line = NULL, *best_mp = NULL, *best_fields = NULL;
        size_t cap = 0, best = 0;
        while (getline(&line, &cap, f) > 0) {
                /* id parent maj:min root mountpoint options [optional…] - … */
                char *save = NULL, *tok;
                char *fields[5] = {0};
                int i = 0;
                for (tok = strtok_r(line, " ", &save); tok && i < 6;
                     tok = strtok_r(NULL, " ", &save), i++)
                        if (i < 5)
                                fields[i] = tok;
                if (i < 6 || fields[4] == NULL)
                        continue;
                const char *mp = fields[4];
                size_t n = strlen(mp);
                bool prefix = strcmp(mp, "/") == 0 ||
                              (strncmp(real, mp, n) == 0 && (real[n] == '\0' || real[n] == '/'));
                if (!prefix || n < best)
                        continue;
                _cleanup_free_ char *opt = berth_xstrdup("");
                for (; tok && strcmp(tok, "-") != 0; tok = strtok_r(NULL, " ", &save)) {
                        char *o = berth_xasprintf("%s %s", opt, tok);
                        free(opt);
                        opt = o;
                }
                free(best_mp);
                free(best_fields);
                best_mp = berth_xstrdup(mp);
                best_fields = TAKE_PTR(opt);
                best = n;
        }
        *ret_mp = best_mp ? TAKE_PTR(best_mp) : berth_xstrdup("/");
        *ret_fields = best_fields ? TAKE_PTR(best_fields) : berth_xstrdup("");
        return 0;
}

/* Shared (or, with slave_ok, slave) propagation is only possible from such a mount. */
static int check_source_propagation(const char *src, bool slave_ok, berth_error *err)
{
        _cleanup_free_ char *mp = NULL, *fields = NULL;
        int r = mount_fields_of(src, &mp, &fields, err);
        if (r < 0)
                return r;
        if (strstr(fields, " shared:") || (slave_ok && strstr(fields, " master:")))
                return 0;
        return berth_errx(err, EINVAL, "path %s is mounted on %s but it is not a %s mount", src, mp,
                          slave_ok ? "shared or slave" : "shared");
}

/* ---- user mounts --------------------------------------------------------- */

typedef struct {
        char *dest;
        json_t *spec;
        size_t order; /* position given, to keep that order among equals */
} user_mount;

static int cmp_depth(const void *a, const void *b)
{
        const user_mount *x = a, *y = b;
        size_t dx = depth(x->dest), dy = depth(y->dest);
        if (dx != dy)
                return dx < dy ? -1 : 1;
        return x->order < y->order ? -1 : x->order > y->order;
}

typedef struct {
        user_mount *v;
        size_t n;
} mount_list;

static void list_add(mount_list *l, char *dest, json_t *spec)
{
        /* A later mount on the same destination replaces an earlier one. */
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->v[i].dest, dest) == 0) {
                        free(l->v[i].dest);
                        json_decref(l->v[i].spec);
                        l->v[i].dest = dest;
                        l->v[i].spec = spec;
                        return;
                }
        l->v = berth_xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        l->v[l->n] = (user_mount){dest, spec, l->n};
        l->n++;
}

static void list_free(mount_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->v[i].dest);
                json_decref(l->v[i].spec);
        }
        free(l->v);
}

/* "RW", read-write when absent (Docker's default for -v and --mount). */
static int mount_rw(const json_t *m, const char *where, bool *rw, berth_error *err)
{
        const json_t *v = json_object_get(m, "RW");
        if (v == NULL || json_is_null(v)) {
                *rw = true;
                return 0;
        }
        return sg_get_bool(m, where, "RW", rw, err);
}

static const char *const bind_propagations[] = {"private", "rprivate", "shared",
                                                "rshared", "slave",    "rslave"};

static int bind_mount(const sg_mount_opts *o, const json_t *m, const char *where, char *dest,
                      json_t *linux_obj, mount_list *l, berth_error *err)
{
        const char *src = NULL, *prop = NULL;
        bool rw;
        int r;
        if ((r = sg_get_str(m, where, "Source", &src, err)) < 0 ||
            (r = sg_get_str(m, where, "Propagation", &prop, err)) < 0 ||
            (r = mount_rw(m, where, &rw, err)) < 0)
                return r;
        if (src == NULL || src[0] != '/')
                return berth_errx(err, EINVAL, "%s: source '%s' is not an absolute path", where,
                                  src ? src : "");
        json_t *opts = json_pack("[s]", "rbind");
        if (!rw)
                json_array_append_new(opts, json_string("ro"));
        if (prop && prop[0]) {
                bool known = false;
                for (size_t i = 0; i < ARRAY_SIZE(bind_propagations); i++)
                        known |= strcmp(prop, bind_propagations[i]) == 0;
                if (!known) {
                        json_decref(opts);
                        return berth_errx(err, EINVAL, "%s: invalid propagation mode '%s'", where,
                                          prop);
                }
                const char *root =
                    json_string_value(json_object_get(linux_obj, "rootfsPropagation"));
                bool root_shared = root && strstr(root, "shared");
                if (strstr(prop, "shared")) {
                        r = check_source_propagation(src, false, err);
                        if (r < 0) {
                                json_decref(opts);
                                return r;
                        }
                        if (!root_shared)
                                json_object_set_new(linux_obj, "rootfsPropagation",
                                                    json_string("shared"));
                } else if (strstr(prop, "slave")) {
                        r = check_source_propagation(src, true, err);
                        if (r < 0) {
                                json_decref(opts);
                                return r;
                        }
                        if (!root_shared && !(root && strstr(root, "slave")))
                                json_object_set_new(linux_obj, "rootfsPropagation",
                                                    json_string("rslave"));
                }
                json_array_append_new(opts, json_string(prop));
        }
        list_add(l, dest, mount_json(dest, "bind", src, opts));
        return 0;
}

static int user_mounts(const sg_mount_opts *o, json_t *linux_obj, mount_list *l, berth_error *err)
{
        const json_t *arr = o->in->mounts;
        size_t i;
        json_t *m;
        int r;

        if (arr && !json_is_array(arr))
                return berth_errx(err, EINVAL, "Mounts: expected an array");
        json_array_foreach (arr, i, m) {
                char where[32];
                const char *type = NULL, *dest_in = NULL;
                char *dest = NULL;
                snprintf(where, sizeof(where), "Mounts[%zu]", i);
                if (!json_is_object(m))
                        return berth_errx(err, EINVAL, "%s: expected an object", where);
                if ((r = sg_get_str(m, where, "Type", &type, err)) < 0 ||
                    (r = sg_get_str(m, where, "Destination", &dest_in, err)) < 0 ||
                    (r = clean_dest(dest_in, where, &dest, err)) < 0)
                        return r;
                if (type == NULL || strcmp(type, "bind") == 0 || strcmp(type, "volume") == 0) {
                        r = bind_mount(o, m, where, dest, linux_obj, l, err);
                        if (r < 0) {
                                free(dest);
                                return r;
                        }
                } else if (strcmp(type, "tmpfs") == 0) {
                        bool rw;
                        if ((r = mount_rw(m, where, &rw, err)) < 0) {
                                free(dest);
                                return r;
                        }
                        const json_t *topts = json_object_get(m, "TmpfsOptions");
                        if (topts == NULL)
                                topts = tmpfs_options_for(o->hc, dest);
                        _cleanup_free_ char *data = tmpfs_data_of(topts, !rw);
                        json_t *opts = NULL;
                        r = tmpfs_options(data, where, &opts, err);
                        if (r < 0) {
                                free(dest);
                                return r;
                        }
                        list_add(l, dest, mount_json(dest, "tmpfs", "tmpfs", opts));
                } else {
                        free(dest);
                        return berth_errx(err, EINVAL, "%s: unsupported mount type '%s'", where,
                                          type);
                }
        }

        const json_t *tmpfs = NULL;
        if ((r = sg_get_object(o->hc, "HostConfig", "Tmpfs", &tmpfs, err)) < 0)
                return r;
        const char *key;
        json_t *v;
        json_object_foreach ((json_t *)tmpfs, key, v) {
                char where[PATH_MAX + 16];
                char *dest = NULL;
                json_t *opts = NULL;
                snprintf(where, sizeof(where), "HostConfig.Tmpfs[%s]", key);
                if (!json_is_string(v))
                        return berth_errx(err, EINVAL, "%s: expected a string", where);
                if ((r = clean_dest(key, where, &dest, err)) < 0)
                        return r;
                if ((r = tmpfs_options(json_string_value(v), where, &opts, err)) < 0) {
                        free(dest);
                        return r;
                }
                list_add(l, dest, mount_json(dest, "tmpfs", "tmpfs", opts));
        }

        /* The per-container files, unless the user mounted their own there. */
        static const char *const files[] = {"/etc/resolv.conf", "/etc/hostname", "/etc/hosts"};
        const char *paths[] = {o->in->resolv_path, o->in->hostname_path, o->in->hosts_path};
        for (size_t k = 0; k < ARRAY_SIZE(files); k++) {
                bool taken = false;
                for (size_t j = 0; j < l->n; j++)
                        taken |= strcmp(l->v[j].dest, files[k]) == 0;
                if (paths[k] == NULL || taken)
                        continue;
                json_t *opts = json_pack("[s]", "rbind");
                if (o->readonly_rootfs)
                        json_array_append_new(opts, json_string("ro"));
                json_array_append_new(opts, json_string("rprivate"));
                list_add(l, berth_xstrdup(files[k]), mount_json(files[k], "bind", paths[k], opts));
        }
        return 0;
}

int sg_mounts(const sg_mount_opts *o, json_t *linux_obj, json_t **ret, berth_error *err)
{
        mount_list l = {0};
        int r = user_mounts(o, linux_obj, &l, err);
        if (r < 0) {
                list_free(&l);
                return r;
        }
        qsort(l.v, l.n, sizeof(*l.v), cmp_depth);

        bool user_dev = false;
        for (size_t i = 0; i < l.n; i++)
                user_dev |= strcmp(l.v[i].dest, "/dev") == 0;

        json_t *out = json_array();
        json_t *defs = defaults(o);
        size_t i;
        json_t *m;
        json_array_foreach (defs, i, m) {
                const char *dest = json_string_value(json_object_get(m, "destination"));
                bool replaced = false;
                for (size_t j = 0; j < l.n; j++)
                        replaced |= strcmp(l.v[j].dest, dest) == 0;
                if (replaced || (user_dev && berth_str_has_prefix(dest, "/dev/")))
                        continue;
                if (strcmp(dest, "/dev/shm") == 0 && strcmp(o->ipc_mode, "none") == 0)
                        continue;
                const char *type = json_string_value(json_object_get(m, "type"));
                if (o->readonly_rootfs && strcmp(dest, "/proc") != 0 && strcmp(dest, "/dev") != 0 &&
                    strcmp(dest, "/dev/pts") != 0 && strcmp(dest, "/dev/shm") != 0 &&
                    strcmp(dest, "/dev/mqueue") != 0 && !has_option(m, "ro"))
                        json_array_append_new(json_object_get(m, "options"), json_string("ro"));
                if (o->privileged && strcmp(dest, "/sys") == 0)
                        remove_option(m, "ro");
                bool writable_cg = o->writable_cgroups >= 0 ? o->writable_cgroups : o->privileged;
                if (writable_cg && strcmp(type, "cgroup") == 0)
                        remove_option(m, "ro");
                json_array_append(out, m);
        }
        json_decref(defs);
        for (size_t k = 0; k < l.n; k++)
                json_array_append(out, l.v[k].spec);
        list_free(&l);
        *ret = out;
        return 0;
}
