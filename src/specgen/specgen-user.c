/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.user from Docker's --user ("name", "uid", "name:group",
 * "uid:gid", …) and --group-add, resolved against the image's /etc/passwd
 * and /etc/group as Docker resolves them.
 *
 * The files are the container's, so they are hostile input: read with
 * berth_read_file_in_root() (symlinks and ".." stay in the rootfs, only
 * regular files, a FIFO never waited on, at most MAX_DB bytes). `exec -u`
 * and `cp -a` resolve their user here too (user.c).
 */
#include "specgen-internal.h"

#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DB (16u << 20)
#define MAX_ID 2147483647LL

/* The file's text, or NULL in *ret when it does not exist (as Docker: no file, no entries). */
static int read_db(int rootfd, const char *path, char **ret, berth_error *err)
{
        *ret = NULL;
        int r = berth_read_file_in_root(rootfd, path, MAX_DB, ret, NULL, err);
        if (r == -ENOENT || r == -ENOTDIR) {
                berth_error_clear(err);
                return 0;
        }
        if (r < 0)
                return berth_wrap(err, "cannot read the container's %s", path);
        return 0;
}

/* Split a line on ':' into at most n fields (missing ones are ""). */
static void split_fields(char *line, char **f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                f[i] = line;
                char *c = line ? strchr(line, ':') : NULL;
                if (c) {
                        *c = '\0';
                        line = c + 1;
                } else if (line) {
                        line = NULL;
                } else
                        f[i] = "";
        }
}

/* Leading/trailing whitespace off, in place. */
static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t' || *s == '\r')
                s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
                s[--n] = '\0';
        return s;
}

/* Numbers in the files as Go's Atoi reads them, 0 when they are not. */
static long long atoi_or_zero(const char *s)
{
        long long v;
        return berth_parse_i64(s, &v) == 0 ? v : 0;
}

/*
 * A user or group argument: *numeric when it is a number (then *id), an
 * error when a number is out of Docker's range.
 */
static int parse_numeric(const char *s, long long *id, bool *numeric, berth_error *err)
{
        *numeric = false;
        *id = 0;
        if (s[0] == '\0')
                return 0;
        const char *p = s[0] == '-' || s[0] == '+' ? s + 1 : s;
        if (*p == '\0')
                return 0;
        for (const char *q = p; *q; q++)
                if (*q < '0' || *q > '9')
                        return 0;
        long long v;
        if (berth_parse_i64(s, &v) < 0 || v < 0 || v > MAX_ID)
                return berth_errx(err, EINVAL, "uids and gids must be in range 0-%lld", MAX_ID);
        *id = v;
        *numeric = true;
        return 0;
}

typedef struct {
        char *name;
        long long uid, gid;
} pw_entry;

typedef struct {
        char *name;
        long long gid;
        char **members;
} gr_entry;

/* The first passwd entry matching (by uid when numeric, else by name). */
static bool find_user(char *passwd, const char *name, bool numeric, long long uid, pw_entry *out)
{
        char *save = NULL;
        for (char *line = strtok_r(passwd, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                line = trim(line);
                if (line[0] == '\0')
                        continue;
                char *f[4];
                split_fields(line, f, 4);
                long long u = atoi_or_zero(f[2]);
                if (numeric ? u == uid : strcmp(f[0], name) == 0) {
                        *out = (pw_entry){.name = f[0], .uid = u, .gid = atoi_or_zero(f[3])};
                        return true;
                }
        }
        return false;
}

/* Every group entry, in file order (members split on ','). */
static gr_entry *parse_groups(char *group, size_t *ret_n)
{
        gr_entry *v = NULL;
        size_t n = 0;
        char *save = NULL;
        for (char *line = group ? strtok_r(group, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
                line = trim(line);
                if (line[0] == '\0')
                        continue;
                char *f[4];
                split_fields(line, f, 4);
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                v[n] = (gr_entry){.name = f[0], .gid = atoi_or_zero(f[2])};
                char *msave = NULL;
                for (char *m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave))
                        if (trim(m)[0])
                                berth_strv_push(&v[n].members, trim(m));
                n++;
        }
        *ret_n = n;
        return v;
}

static void free_groups(gr_entry *g, size_t n)
{
        for (size_t i = 0; i < n; i++)
                berth_strv_free(g[i].members);
        free(g);
}

static const gr_entry *find_group(const gr_entry *g, size_t n, const char *name, bool numeric,
                                  long long gid)
{
        for (size_t i = 0; i < n; i++)
                if (numeric ? g[i].gid == gid : strcmp(g[i].name, name) == 0)
                        return &g[i];
        return NULL;
}

static void add_gid(long long **v, size_t *n, long long gid)
{
        for (size_t i = 0; i < *n; i++)
                if ((*v)[i] == gid)
                        return;
        *v = berth_xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[(*n)++] = gid;
}

int berth_specgen_user(const char *rootfs, const char *spec, const json_t *group_add, json_t **ret,
                       berth_error *err)
{
        _cleanup_close_ int rootfd = -1;
        _cleanup_free_ char *passwd = NULL, *group = NULL, *user_arg = NULL;
        _cleanup_free_ long long *gids = NULL;
        size_t n_gids = 0, n_groups = 0;
        gr_entry *groups = NULL;
        long long uid = 0, gid = 0, uid_arg, gid_arg;
        bool uid_num, gid_num, matched = false;
        const char *group_arg = "";
        pw_entry pw = {0};
        int r;

        spec = spec ? spec : "";
        user_arg = berth_xstrdup(spec);
        char *colon = strchr(user_arg, ':');
        if (colon) {
                *colon = '\0';
                group_arg = colon + 1;
                /* Like Docker's line parser: a further ':' ends the group. */
                char *c2 = strchr(colon + 1, ':');
                if (c2)
                        *c2 = '\0';
        }
        if ((r = parse_numeric(user_arg, &uid_arg, &uid_num, err)) < 0 ||
            (r = parse_numeric(group_arg, &gid_arg, &gid_num, err)) < 0)
                return r;

        rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return berth_err(err, errno, "cannot open rootfs '%s'", rootfs);
        if ((r = read_db(rootfd, "/etc/passwd", &passwd, err)) < 0 ||
            (r = read_db(rootfd, "/etc/group", &group, err)) < 0)
                return r;

        /* No user given means uid 0, whose entry still gives gid and groups. */
        if (passwd && find_user(passwd, user_arg, user_arg[0] == '\0' || uid_num,
                                user_arg[0] == '\0' ? 0 : uid_arg, &pw)) {
                matched = true;
                uid = pw.uid;
                gid = pw.gid;
        } else if (user_arg[0] != '\0') {
                if (!uid_num)
                        return berth_errx(err, ENOENT,
                                          "unable to find user %s: no matching entries in passwd "
                                          "file",
                                          user_arg);
                uid = uid_arg;
        }

        groups = parse_groups(group, &n_groups);
        if (group_arg[0] != '\0') {
                const gr_entry *g = find_group(groups, n_groups, group_arg, gid_num, gid_arg);
                if (g)
                        gid = g->gid;
                else if (gid_num)
                        gid = gid_arg;
                else {
                        free_groups(groups, n_groups);
                        return berth_errx(err, ENOENT,
                                          "unable to find group %s: no matching entries in group "
                                          "file",
                                          group_arg);
                }
        }
        add_gid(&gids, &n_gids, gid);
        /* The user's supplementary groups count only when no group was named. */
        if (matched && group_arg[0] == '\0')
                for (size_t i = 0; i < n_groups; i++)
                        if (berth_strv_contains(groups[i].members, pw.name))
                                add_gid(&gids, &n_gids, groups[i].gid);

        size_t i;
        json_t *el;
        json_array_foreach (group_add, i, el) {
                const char *name = json_string_value(el);
                long long id;
                bool num;
                if (name == NULL) {
                        free_groups(groups, n_groups);
                        return berth_errx(err, EINVAL,
                                          "HostConfig.GroupAdd[%zu]: expected a string", i);
                }
                r = parse_numeric(name, &id, &num, err);
                if (r < 0) {
                        free_groups(groups, n_groups);
                        return r;
                }
                const gr_entry *g = find_group(groups, n_groups, name, false, 0);
                if (g == NULL && num)
                        g = find_group(groups, n_groups, name, true, id);
                if (g == NULL && !num) {
                        free_groups(groups, n_groups);
                        return berth_errx(err, ENOENT,
                                          "unable to find group %s: no matching entries in group "
                                          "file",
                                          name);
                }
                add_gid(&gids, &n_gids, g ? g->gid : id);
        }
        free_groups(groups, n_groups);

        if (uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID)
                return berth_errx(err, EINVAL, "uids and gids must be in range 0-%lld", MAX_ID);
        json_t *u = json_pack("{s:I, s:I}", "uid", (json_int_t)uid, "gid", (json_int_t)gid);
        json_t *a = json_array();
        for (size_t k = 0; k < n_gids; k++)
                if (gids[k] >= 0 && gids[k] <= MAX_ID)
                        json_array_append_new(a, json_integer(gids[k]));
        json_object_set_new(u, "additionalGids", a);
        *ret = u;
        return 0;
}
