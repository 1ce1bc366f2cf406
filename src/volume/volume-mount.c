/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's local driver options and their mounts; mount points; sizes; inode maps. */
#include "volume-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const known_options[] = {"type", "o", "device", "size"};

/* Which options need which (as Docker's local driver checks them). */
static const struct {
        const char *opt, *needs;
} required[] = {{"device", "type"}, {"type", "device"}, {"o", "device"}, {"o", "type"}};

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int vol_check_options(const char *name, const json_t *options, berth_error *err)
{
        if (options == NULL || json_object_size(options) == 0)
                return 0;
        if (!json_is_object(options))
                return berth_errx(err, EINVAL, "create %s: options must be an object", name);
        /* Keys in order, so the same bad input always gives the same message. */
        size_t n = json_object_size(options), i = 0;
        _cleanup_free_ const char **keys = berth_xmalloc0(n * sizeof(char *));
        const char *k;
        json_t *v;
        json_object_foreach ((json_t *)options, k, v) {
                keys[i++] = k;
        }
        qsort(keys, n, sizeof(char *), cmp_str);
        for (i = 0; i < n; i++) {
                bool known = false;
                for (size_t j = 0; j < ARRAY_SIZE(known_options); j++)
                        known |= strcmp(keys[i], known_options[j]) == 0;
                if (!known) {
                        char q[512];
                        berth_json_escape(keys[i], q, sizeof(q));
                        return berth_errx(err, EINVAL, "create %s: invalid option key: \"%s\"",
                                          name, q);
                }
                if (!json_is_string(json_object_get(options, keys[i])))
                        return berth_errx(err, EINVAL, "create %s: option \"%s\" is not a string",
                                          name, keys[i]);
        }
        if (json_object_get(options, "size"))
                return berth_errx(err, EINVAL,
                                  "create %s: quota size requested but no quota support", name);
        for (i = 0; i < ARRAY_SIZE(required); i++) {
                if (json_object_get(options, required[i].opt) &&
                    !json_object_get(options, required[i].needs))
                        return berth_errx(err, EINVAL, "create %s: missing required option: \"%s\"",
                                          name, required[i].needs);
        }
        return 0;
}

static const char *opt_str(const json_t *options, const char *key)
{
        const char *s = json_string_value(json_object_get(options, key));
        return s ? s : "";
}

bool vol_needs_mount(const json_t *options)
{
        return *opt_str(options, "type") || *opt_str(options, "device");
}

/* mount(8) option words that are flags; the rest is data for the filesystem. */
static const struct {
        const char *word;
        bool clear;
        unsigned long flag;
} mount_flags[] = {
    {"defaults", false, 0},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"suid", true, MS_NOSUID},
    {"nosuid", false, MS_NOSUID},
    {"dev", true, MS_NODEV},
    {"nodev", false, MS_NODEV},
    {"exec", true, MS_NOEXEC},
    {"noexec", false, MS_NOEXEC},
    {"sync", false, MS_SYNCHRONOUS},
    {"async", true, MS_SYNCHRONOUS},
    {"dirsync", false, MS_DIRSYNC},
    {"mand", false, MS_MANDLOCK},
    {"nomand", true, MS_MANDLOCK},
    {"atime", true, MS_NOATIME},
    {"noatime", false, MS_NOATIME},
    {"diratime", true, MS_NODIRATIME},
    {"nodiratime", false, MS_NODIRATIME},
    {"relatime", false, MS_RELATIME},
    {"norelatime", true, MS_RELATIME},
    {"strictatime", false, MS_STRICTATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"bind", false, MS_BIND},
    {"rbind", false, MS_BIND | MS_REC},
    {"private", false, MS_PRIVATE},
    {"rprivate", false, MS_PRIVATE | MS_REC},
    {"shared", false, MS_SHARED},
    {"rshared", false, MS_SHARED | MS_REC},
    {"slave", false, MS_SLAVE},
    {"rslave", false, MS_SLAVE | MS_REC},
    {"unbindable", false, MS_UNBINDABLE},
    {"runbindable", false, MS_UNBINDABLE | MS_REC},
};

#define PROPAGATION (MS_PRIVATE | MS_SHARED | MS_SLAVE | MS_UNBINDABLE)

static void parse_mount_options(const char *o, unsigned long *ret_flags, char **ret_data)
{
        unsigned long flags = 0;
        _cleanup_free_ char *copy = berth_xstrdup(o);
        char *data = berth_xstrdup("");
        char *save = NULL;
        for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                bool found = false;
                for (size_t i = 0; i < ARRAY_SIZE(mount_flags) && !found; i++) {
                        if (strcmp(w, mount_flags[i].word) != 0)
                                continue;
                        found = true;
                        if (mount_flags[i].clear)
                                flags &= ~mount_flags[i].flag;
                        else
                                flags |= mount_flags[i].flag;
                }
                if (found)
                        continue;
                char *d = berth_xasprintf("%s%s%s", data, *data ? "," : "", w);
                free(data);
                data = d;
        }
        *ret_flags = flags;
        *ret_data = data;
}

int vol_mount(const char *name, const json_t *options, const char *target, berth_error *err)
{
        const char *type = opt_str(options, "type"), *device = opt_str(options, "device");
        if (*device == '\0')
                return berth_errx(err, EINVAL, "missing device in volume options");
        unsigned long flags;
        _cleanup_free_ char *data = NULL;
        parse_mount_options(opt_str(options, "o"), &flags, &data);
        unsigned long main_flags = flags & ~(unsigned long)PROPAGATION;
        /* The data may hold a password (cifs): it is never part of a message. */
        if (mount(device, target, *type ? type : NULL, main_flags, *data ? data : NULL) < 0)
                return berth_err(err, errno, "failed to mount local volume: mount %s:%s type %s",
                                 device, target, *type ? type : "none");
        int r = 0;
        if (flags & PROPAGATION) {
                unsigned long p = flags & (PROPAGATION | MS_REC);
                if (mount(NULL, target, NULL, p, NULL) < 0)
                        r = berth_err(err, errno, "failed to mount local volume: propagation of %s",
                                      target);
        }
        /* A bind mount takes ro (and the other per-mount flags) only on a remount. */
        if (r == 0 && (main_flags & (MS_BIND | MS_RDONLY)) == (MS_BIND | MS_RDONLY)) {
                if (mount(NULL, target, NULL, (main_flags & ~MS_REC) | MS_REMOUNT, NULL) < 0)
                        r = berth_err(err, errno, "failed to mount local volume: read-only %s",
                                      target);
        }
        if (r < 0)
                umount2(target, MNT_DETACH | UMOUNT_NOFOLLOW);
        return r;
}

/* mountinfo's octal escapes (\040 for a space …) decoded in place. */
static void unescape(char *s)
{
        char *w = s;
        for (char *p = s; *p; p++) {
                if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
                    p[3] >= '0' && p[3] <= '7') {
                        *w++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
                        p += 3;
                } else {
                        *w++ = *p;
                }
        }
        *w = '\0';
}

/* Mount points (as this process sees them) equal to path or below it. */
static int mounts_under(const char *path, char ***ret)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
        if (f == NULL)
                return -errno;
        size_t plen = strlen(path);
        char **v = berth_xmalloc0(sizeof(char *));
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0) {
                /* id parent major:minor root mount-point … */
                char *save = NULL, *field = strtok_r(line, " ", &save);
                for (int i = 0; i < 4 && field; i++)
                        field = strtok_r(NULL, " ", &save);
                if (field == NULL)
                        continue;
                unescape(field);
                if (strncmp(field, path, plen) == 0 && (field[plen] == '\0' || field[plen] == '/'))
                        berth_strv_push(&v, field);
        }
        free(line);
        *ret = v;
        return 0;
}

int vol_is_mount_point(const char *path)
{
        struct statx stx;
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
                return (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) ? 1 : 0;
        _cleanup_strv_ char **v = NULL;
        int r = mounts_under(path, &v);
        if (r < 0)
                return r;
        STRV_FOREACH (m, v) {
                if (strcmp(*m, path) == 0)
                        return 1;
        }
        return 0;
}

static int cmp_len_desc(const void *a, const void *b)
{
        size_t la = strlen(*(const char *const *)a), lb = strlen(*(const char *const *)b);
        return la < lb ? 1 : la > lb ? -1 : 0;
}

int vol_umount_under(const char *path, berth_error *err)
{
        /* Mounts may be stacked; each pass takes the top ones, deepest first. */
        for (int pass = 0; pass < 32; pass++) {
                _cleanup_strv_ char **v = NULL;
                int r = mounts_under(path, &v);
                if (r < 0)
                        return berth_err(err, -r, "cannot read the mount table");
                size_t n = berth_strv_length(v);
                if (n == 0)
                        return 0;
                qsort(v, n, sizeof(char *), cmp_len_desc);
                STRV_FOREACH (m, v) {
                        if (umount2(*m, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL &&
                            errno != ENOENT)
                                return berth_err(err, errno, "cannot unmount '%s'", *m);
                }
        }
        return berth_errx(err, EBUSY, "cannot unmount what is mounted under '%s'", path);
}

static int children(int dfd, char ***ret)
{
        DIR *d = berth_dir_reopen(dfd);
        if (d == NULL)
                return -errno;
        char **v = berth_xmalloc0(sizeof(char *));
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                        berth_strv_push(&v, de->d_name);
        }
        closedir(d);
        *ret = v;
        return 0;
}

int vol_empty_dir(int dfd)
{
        _cleanup_strv_ char **v = NULL;
        int r = children(dfd, &v);
        if (r < 0)
                return r;
        STRV_FOREACH (c, v) {
                int q = berth_rm_rf_at(dfd, *c);
                if (q < 0 && r == 0)
                        r = q;
        }
        return r;
}

int vol_dir_is_empty(int dfd)
{
        _cleanup_strv_ char **v = NULL;
        int r = children(dfd, &v);
        if (r < 0)
                return r;
        return v[0] == NULL;
}
