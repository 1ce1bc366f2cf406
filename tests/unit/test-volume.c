/* SPDX-License-Identifier: Apache-2.0 */
/* Volumes: rows and directories, names, options, users, prune, crash repair, mounts, copy-up. */
#include "base/cleanup.h"
#include "base/db.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "tap.h"
#include "volume/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *root;
static berth_db *db;
static bool is_root;

static char *P(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *P(const char *fmt, ...)
{
        static char bufs[8][4096];
        static int k;
        char *b = bufs[k++ % 8];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(b, sizeof(bufs[0]), fmt, ap);
        va_end(ap);
        return b;
}

static bool exists(const char *p)
{
        struct stat st;
        return lstat(p, &st) == 0;
}

static mode_t mode_of(const char *p)
{
        struct stat st;
        return lstat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static char *slurp(const char *p)
{
        static char buf[256];
        buf[0] = '\0';
        FILE *f = fopen(p, "re");
        if (f == NULL)
                return NULL;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void spit(const char *p, const char *text)
{
        FILE *f = fopen(p, "we");
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void spit_n(const char *p, size_t n)
{
        FILE *f = fopen(p, "we");
        if (f) {
                for (size_t i = 0; i < n; i++)
                        fputc('x', f);
                fclose(f);
        }
}

static berth_volumes *reopen(berth_volumes *vs)
{
        berth_volumes_close(vs);
        berth_volumes *nvs = NULL;
        berth_error err = {0};
        if (berth_volumes_open(db, root, &nvs, &err) < 0)
                printf("# reopen: %s\n", err.msg);
        return nvs;
}

static size_t count(berth_volumes *vs)
{
        berth_volume *v = NULL;
        size_t n = 0;
        berth_error err = {0};
        if (berth_volume_list(vs, &v, &n, &err) < 0)
                return (size_t)-1;
        berth_volumes_free(v, n);
        return n;
}

static int mounts_at(const char *path)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        int n = 0;
        while (f && fgets(line, sizeof(line), f)) {
                char mp[4096];
                if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, path) == 0)
                        n++;
        }
        if (f)
                fclose(f);
        return n;
}

static void test_create(berth_volumes *vs)
{
        berth_error err = {0};
        is_int(mode_of(P("%s/volumes", root)), 0701, "volumes dir is 0701");
        json_t *labels = json_pack("{s:s, s:s}", "a", "1", "team", "");
        berth_volume v = {0};
        bool created = false;
        ok(berth_volume_create(vs, "data", labels, NULL, false, &v, &created, &err) == 0,
           "create data: %s", err.msg);
        ok(created, "it is new");
        is_str(v.name, "data", "name");
        is_str(v.mountpoint, P("%s/volumes/data/_data", root), "mountpoint");
        ok(exists(v.mountpoint), "its _data exists");
        is_int(mode_of(P("%s/volumes/data", root)), 0755, "volume dir 0755");
        is_int(mode_of(v.mountpoint), 0755, "_data 0755");
        is_str(json_string_value(json_object_get(v.labels, "a")), "1", "label a=1");
        is_int(json_object_size(v.options), 0, "no options");
        ok(!v.anonymous, "not anonymous");
        ok(v.created && strlen(v.created) >= 20 && v.created[10] == 'T', "created is RFC 3339");
        printf("# created %s\n", v.created ? v.created : "");
        json_t *j = berth_volume_json(&v);
        char *s = json_dumps(j, JSON_COMPACT);
        ok(s && berth_str_has_prefix(s, "{\"CreatedAt\":") &&
               strstr(s, "\"Driver\":\"local\",\"Labels\":{") &&
               strstr(s, P("\"Mountpoint\":\"%s/volumes/data/_data\",\"Name\":\"data\","
                           "\"Options\":{},\"Scope\":\"local\"}",
                           root)),
           "json has docker's fields in docker's order: %s", s);
        free(s);
        json_decref(j);
        berth_volume_clear(&v);

        /* again, with other labels: the first stays */
        json_t *other = json_pack("{s:s}", "b", "2");
        ok(berth_volume_create(vs, "data", other, NULL, false, &v, &created, &err) == 0 && !created,
           "create data again is fine and not new");
        ok(json_object_get(v.labels, "a") && !json_object_get(v.labels, "b"),
           "labels of the first create kept");
        berth_volume_clear(&v);
        json_decref(other);
        json_decref(labels);

        ok(berth_volume_get(vs, "data", &v, &err) == 0 && strcmp(v.name, "data") == 0, "get");
        berth_volume_clear(&v);
        is_int(berth_volume_get(vs, "nope", &v, &err), -ENOENT, "get missing: ENOENT");
        is_str(err.msg, "no such volume: nope", "its message");

        /* generated names */
        ok(berth_volume_create(vs, NULL, NULL, NULL, true, &v, &created, &err) == 0 && created,
           "anonymous create");
        ok(strlen(v.name) == 64 && strspn(v.name, "0123456789abcdef") == 64,
           "64 hex characters (%s)", v.name);
        ok(v.anonymous, "anonymous");
        ok(json_object_get(v.labels, BERTH_VOLUME_ANONYMOUS_LABEL) != NULL,
           "with docker's anonymous label");
        berth_volume_clear(&v);
        ok(berth_volume_create(vs, "", NULL, NULL, false, &v, NULL, &err) == 0 &&
               strlen(v.name) == 64 && !v.anonymous &&
               !json_object_get(v.labels, BERTH_VOLUME_ANONYMOUS_LABEL),
           "create without a name (volume create): generated, not anonymous");
        berth_volume_clear(&v);
        json_t *anon = json_pack("{s:s}", BERTH_VOLUME_ANONYMOUS_LABEL, "");
        ok(berth_volume_create(vs, "marked", anon, NULL, false, &v, NULL, &err) == 0 && v.anonymous,
           "the anonymous label makes a volume anonymous");
        berth_volume_clear(&v);
        json_decref(anon);

        berth_volume *list = NULL;
        size_t n = 0;
        ok(berth_volume_list(vs, &list, &n, &err) == 0 && n == 4, "list: 4 volumes");
        bool sorted = true;
        for (size_t i = 1; i < n; i++)
                sorted &= strcmp(list[i - 1].name, list[i].name) < 0;
        ok(sorted, "sorted by name");
        berth_volumes_free(list, n);
}

static void test_names(berth_volumes *vs)
{
        berth_error err = {0};
        static const char *good[] = {"ab", "a.b-c_d", "A1", "0x", "x..", "9-_."};
        for (size_t i = 0; i < ARRAY_SIZE(good); i++)
                ok(berth_volume_create(vs, good[i], NULL, NULL, false, NULL, NULL, &err) == 0,
                   "name '%s' is good: %s", good[i], err.msg);
        char longname[257];
        memset(longname, 'a', 255);
        longname[255] = '\0';
        ok(berth_volume_create(vs, longname, NULL, NULL, false, NULL, NULL, &err) == 0,
           "a 255-character name is good");
        size_t before = count(vs);
        static const char *bad[] = {"-ab", ".ab", "_ab", "a/b", "a b", "../x", "ab$", "é1", "a:b"};
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                int r = berth_volume_create(vs, bad[i], NULL, NULL, false, NULL, NULL, &err);
                ok(r == -EINVAL &&
                       strstr(err.msg, "includes invalid characters for a local "
                                       "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" "
                                       "are allowed. If you intended to pass a host "
                                       "directory, use absolute path"),
                   "name '%s' is bad: %s", bad[i], err.msg);
        }
        berth_volume_create(vs, "a/b", NULL, NULL, false, NULL, NULL, &err);
        is_str(err.msg,
               "create a/b: \"a/b\" includes invalid characters for a local volume name, only "
               "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host "
               "directory, use absolute path",
               "docker's whole message");
        is_int(berth_volume_create(vs, "a", NULL, NULL, false, NULL, NULL, &err), -EINVAL,
               "one character is bad");
        is_str(err.msg,
               "create a: volume name is too short, names should be at least two alphanumeric "
               "characters",
               "docker's message for it");
        longname[255] = 'a';
        longname[256] = '\0';
        ok(berth_volume_create(vs, longname, NULL, NULL, false, NULL, NULL, &err) < 0,
           "256 characters are too many: %s", err.msg);
        is_int(count(vs), before, "no bad name made a volume");
        ok(!exists(P("%s/volumes/a", root)) && !exists(P("%s/volumes/-ab", root)),
           "nor a directory");
}

static void test_options(berth_volumes *vs)
{
        berth_error err = {0};
        size_t before = count(vs);
        json_t *o = json_pack("{s:s}", "foo", "bar");
        is_int(berth_volume_create(vs, "opt1", NULL, o, false, NULL, NULL, &err), -EINVAL,
               "unknown option key refused");
        is_str(err.msg, "create opt1: invalid option key: \"foo\"", "docker's message");
        json_decref(o);
        o = json_pack("{s:s}", "device", "tmpfs");
        berth_volume_create(vs, "opt1", NULL, o, false, NULL, NULL, &err);
        is_str(err.msg, "create opt1: missing required option: \"type\"", "device needs type");
        json_decref(o);
        o = json_pack("{s:s}", "o", "size=1m");
        berth_volume_create(vs, "opt1", NULL, o, false, NULL, NULL, &err);
        like(err.msg, "missing required option", "o needs device and type: %s", err.msg);
        json_decref(o);
        o = json_pack("{s:s}", "size", "10m");
        berth_volume_create(vs, "opt1", NULL, o, false, NULL, NULL, &err);
        is_str(err.msg, "create opt1: quota size requested but no quota support",
               "size refused as without quota");
        json_decref(o);
        is_int(count(vs), before, "no bad option made a volume");
        ok(!exists(P("%s/volumes/opt1", root)), "nor a directory");

        o = json_pack("{s:s, s:s, s:s}", "type", "tmpfs", "device", "tmpfs", "o", "size=1m");
        berth_volume v = {0};
        ok(berth_volume_create(vs, "tmp", NULL, o, false, &v, NULL, &err) == 0,
           "tmpfs options accepted: %s", err.msg);
        ok(json_equal(v.options, o), "options stored as given");
        berth_volume_clear(&v);
        json_decref(o);
}

static void test_users(berth_volumes *vs)
{
        berth_error err = {0};
        ok(berth_volume_create(vs, "used", NULL, NULL, false, NULL, NULL, &err) == 0,
           "create used");
        ok(berth_volume_use(vs, "used", "c1", &err) == 0, "c1 uses it");
        ok(berth_volume_use(vs, "used", "c1", &err) == 0, "again: idempotent");
        ok(berth_volume_use(vs, "used", "c0", &err) == 0, "c0 uses it");
        char **users = NULL;
        ok(berth_volume_users(vs, "used", &users, &err) == 0 && berth_strv_length(users) == 2 &&
               strcmp(users[0], "c0") == 0 && strcmp(users[1], "c1") == 0,
           "users: c0, c1");
        berth_strv_free(users);
        is_int(berth_volume_use(vs, "ghost", "c1", &err), -ENOENT, "using a missing volume");
        is_int(berth_volume_remove(vs, "used", false, &err), -EBUSY, "rm of a used volume: EBUSY");
        is_str(err.msg, "remove used: volume is in use - [c0, c1]", "docker's message");
        is_int(berth_volume_remove(vs, "used", true, &err), -EBUSY, "force does not override use");
        ok(exists(P("%s/volumes/used/_data", root)), "still there");
        ok(berth_volume_release(vs, "c1", false, &err) == 0 &&
               berth_volume_release(vs, "c0", false, &err) == 0,
           "release both");
        ok(berth_volume_remove(vs, "used", false, &err) == 0, "now rm works: %s", err.msg);
        ok(!exists(P("%s/volumes/used", root)), "directory gone");
        berth_volume v;
        is_int(berth_volume_get(vs, "used", &v, &err), -ENOENT, "row gone");
        is_int(berth_volume_remove(vs, "used", false, &err), -ENOENT, "rm of a missing volume");
        is_str(err.msg, "no such volume: used", "its message");
        is_int(berth_volume_remove(vs, "used", true, &err), 0, "rm -f of a missing volume is fine");

        /* release: anonymous volumes go with remove_anonymous, named ones stay */
        berth_volume a1, a2, keep;
        berth_volume_create(vs, NULL, NULL, NULL, true, &a1, NULL, &err);
        berth_volume_create(vs, NULL, NULL, NULL, true, &a2, NULL, &err);
        berth_volume_create(vs, "named", NULL, NULL, false, &keep, NULL, &err);
        berth_volume_use(vs, a1.name, "k1", &err);
        berth_volume_use(vs, a2.name, "k1", &err);
        berth_volume_use(vs, a2.name, "k2", &err);
        berth_volume_use(vs, "named", "k1", &err);
        ok(berth_volume_release(vs, "k1", true, &err) == 0, "release k1 removing anonymous: %s",
           err.msg);
        ok(berth_volume_get(vs, a1.name, &v, &err) == -ENOENT && !exists(a1.mountpoint),
           "its own anonymous volume is gone");
        ok(berth_volume_get(vs, a2.name, &v, &err) == 0, "one k2 still uses stays");
        berth_volume_clear(&v);
        ok(berth_volume_get(vs, "named", &v, &err) == 0, "a named volume stays");
        berth_volume_clear(&v);
        ok(berth_volume_release(vs, "k2", false, &err) == 0 &&
               berth_volume_get(vs, a2.name, &v, &err) == 0,
           "release without remove_anonymous keeps the anonymous volume");
        berth_volume_clear(&v);
        char **u = NULL;
        ok(berth_volume_users(vs, a2.name, &u, &err) == 0 && u[0] == NULL, "and it has no users");
        berth_strv_free(u);
        berth_volume_remove(vs, a2.name, false, &err);
        berth_volume_remove(vs, "named", false, &err);
        berth_volume_clear(&a1);
        berth_volume_clear(&a2);
        berth_volume_clear(&keep);
}

static bool want_none(const berth_volume *v, void *ud)
{
        return false;
}

static bool want_named2(const berth_volume *v, void *ud)
{
        return strcmp(v->name, "named2") == 0;
}

static void test_prune(berth_volumes *vs)
{
        berth_error err = {0};
        /* start from nothing */
        berth_volume *list = NULL;
        size_t n = 0;
        berth_volume_list(vs, &list, &n, &err);
        for (size_t i = 0; i < n; i++)
                berth_volume_remove(vs, list[i].name, true, &err);
        berth_volumes_free(list, n);
        is_int(count(vs), 0, "empty store");

        berth_volume a1, a2;
        berth_volume_create(vs, NULL, NULL, NULL, true, &a1, NULL, &err);
        berth_volume_create(vs, NULL, NULL, NULL, true, &a2, NULL, &err);
        json_t *lab = json_pack("{s:s}", "env", "test");
        berth_volume_create(vs, "named1", lab, NULL, false, NULL, NULL, &err);
        berth_volume_create(vs, "named2", NULL, NULL, false, NULL, NULL, &err);
        berth_volume_create(vs, "busy", NULL, NULL, false, NULL, NULL, &err);
        json_t *o = json_pack("{s:s, s:s}", "type", "tmpfs", "device", "tmpfs");
        berth_volume_create(vs, "withopts", NULL, o, false, NULL, NULL, &err);
        json_decref(o);
        berth_volume_use(vs, a2.name, "c1", &err);
        berth_volume_use(vs, "busy", "c1", &err);
        spit_n(P("%s/f1", a1.mountpoint), 1000);
        mkdir(P("%s/sub", a1.mountpoint), 0755);
        spit_n(P("%s/sub/f2", a1.mountpoint), 2345);
        link(P("%s/sub/f2", a1.mountpoint), P("%s/hard", a1.mountpoint));
        symlink("f1", P("%s/sym", a1.mountpoint));

        char **names = NULL;
        uint64_t freed = 0;
        ok(berth_volume_prune(vs, false, &names, &freed, &err) == 0, "prune: %s", err.msg);
        ok(berth_strv_length(names) == 1 && strcmp(names[0], a1.name) == 0,
           "only the unused anonymous volume went");
        is_int(freed, 1000 + 2345 + 2, "bytes freed: files once each, the symlink's length");
        ok(!exists(P("%s/volumes/%s", root, a1.name)), "its directory is gone");
        berth_strv_free(names);
        berth_volume v;
        ok(berth_volume_get(vs, a2.name, &v, &err) == 0, "the used anonymous volume stays");
        berth_volume_clear(&v);

        ok(berth_volume_prune_matching(vs, true, want_none, NULL, &names, &freed, &err) == 0 &&
               names[0] == NULL && freed == 0,
           "prune -a, nothing wanted: nothing");
        berth_strv_free(names);
        ok(berth_volume_prune_matching(vs, true, want_named2, NULL, &names, &freed, &err) == 0 &&
               berth_strv_length(names) == 1 && strcmp(names[0], "named2") == 0,
           "prune -a, named2 wanted: named2 only");
        berth_strv_free(names);
        spit_n(P("%s/volumes/named1/_data/x", root), 10);
        ok(berth_volume_prune(vs, true, &names, &freed, &err) == 0 &&
               berth_strv_length(names) == 1 && strcmp(names[0], "named1") == 0 && freed == 10,
           "prune -a: the unused named volume, 10 bytes");
        berth_strv_free(names);
        ok(berth_volume_get(vs, "busy", &v, &err) == 0, "a used named volume stays");
        berth_volume_clear(&v);
        ok(berth_volume_get(vs, "withopts", &v, &err) == 0,
           "a volume with options is never pruned (as docker)");
        berth_volume_clear(&v);
        berth_volume_release(vs, "c1", false, &err);
        berth_volume_remove(vs, a2.name, false, &err);
        berth_volume_remove(vs, "busy", false, &err);
        berth_volume_remove(vs, "withopts", false, &err);
        berth_volume_clear(&a1);
        berth_volume_clear(&a2);
        json_decref(lab);
}

static berth_volumes *test_repair(berth_volumes *vs)
{
        berth_error err = {0};
        berth_volume_create(vs, "lost-dir", NULL, NULL, false, NULL, NULL, &err);
        berth_volume_create(vs, "half-removed", NULL, NULL, false, NULL, NULL, &err);
        spit(P("%s/volumes/half-removed/_data/f", root), "x");
        berth_rm_rf(P("%s/volumes/lost-dir", root), &err);
        ok(berth_db_exec(db, "UPDATE volumes SET removing = 1 WHERE name = 'half-removed'", &err) ==
               0,
           "simulate a removal cut short after its mark");
        berth_volume v;
        is_int(berth_volume_get(vs, "half-removed", &v, &err), -ENOENT,
               "a marked volume is invisible");
        berth_mkdir_p(P("%s/volumes/orphan/_data/deep", root), 0755, &err);
        spit(P("%s/volumes/orphan/_data/deep/f", root), "x");
        vs = reopen(vs);
        ok(vs != NULL, "reopen repairs");
        ok(exists(P("%s/volumes/lost-dir/_data", root)), "a row without its directory gets it");
        is_int(mode_of(P("%s/volumes/lost-dir/_data", root)), 0755, "0755");
        ok(!exists(P("%s/volumes/orphan", root)), "a directory without a row is removed");
        ok(!exists(P("%s/volumes/half-removed", root)), "a marked row's directory is removed");
        sqlite3_stmt *st = NULL;
        sqlite3_prepare_v2(berth_db_handle(db),
                           "SELECT count(*) FROM volumes WHERE name = 'half-removed'", -1, &st,
                           NULL);
        ok(st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 0,
           "and its row dropped");
        sqlite3_finalize(st);
        ok(berth_volume_create(vs, "half-removed", NULL, NULL, false, NULL, NULL, &err) == 0,
           "the name can be used again");
        berth_volume_remove(vs, "half-removed", false, &err);
        berth_volume_remove(vs, "lost-dir", false, &err);
        return vs;
}

static berth_volumes *test_mounts(berth_volumes *vs)
{
        if (!is_root) {
                ok(1, "mounts # skip not root");
                return vs;
        }
        berth_error err = {0};
        json_t *o = json_pack("{s:s, s:s, s:s}", "type", "tmpfs", "device", "tmpfs", "o",
                              "size=1m,nosuid,mode=0750");
        berth_volume v;
        ok(berth_volume_create(vs, "tmpvol", NULL, o, false, &v, NULL, &err) == 0, "tmpfs volume");
        json_decref(o);
        char *path = NULL;
        ok(berth_volume_mount(vs, "tmpvol", &path, &err) == 0, "mount: %s", err.msg);
        is_str(path, v.mountpoint, "path is its _data");
        struct statfs sf;
        ok(path && statfs(path, &sf) == 0 && sf.f_type == TMPFS_MAGIC, "a tmpfs is mounted there");
        ok(sf.f_flags & ST_NOSUID, "nosuid taken as a flag");
        is_int(mode_of(path), 0750, "mode=0750 passed as data");
        free(path);
        path = NULL;
        ok(berth_volume_mount(vs, "tmpvol", &path, &err) == 0, "mount again");
        is_int(mounts_at(v.mountpoint), 1, "not stacked");
        free(path);
        ok(berth_volume_remove(vs, "tmpvol", false, &err) == 0, "rm: %s", err.msg);
        is_int(mounts_at(v.mountpoint), 0, "unmounted");
        ok(!exists(P("%s/volumes/tmpvol", root)), "and gone");
        berth_volume_clear(&v);

        /* A bind of a host directory: removing the volume leaves the host's files alone. */
        char *host = P("%s/hostdir", root);
        berth_mkdir_p(host, 0755, &err);
        spit(P("%s/keep", host), "precious");
        o = json_pack("{s:s, s:s, s:s}", "type", "none", "o", "bind,ro", "device", host);
        ok(berth_volume_create(vs, "bindvol", NULL, o, false, &v, NULL, &err) == 0, "bind volume");
        json_decref(o);
        ok(berth_volume_mount(vs, "bindvol", &path, &err) == 0, "mount: %s", err.msg);
        is_str(slurp(P("%s/keep", v.mountpoint)), "precious", "host file seen in the volume");
        ok(statfs(v.mountpoint, &sf) == 0 && (sf.f_flags & ST_RDONLY), "read-only bind");
        free(path);
        ok(berth_volume_remove(vs, "bindvol", false, &err) == 0, "rm: %s", err.msg);
        is_str(slurp(P("%s/keep", host)), "precious", "the host file is still there");
        berth_volume_clear(&v);

        /* A bad device: the mount fails with a message, the volume stays. */
        o = json_pack("{s:s, s:s}", "type", "none", "device", "/nonexistent-berth-dir");
        berth_volume_create(vs, "badmount", NULL, o, false, NULL, NULL, &err);
        json_decref(o);
        ok(berth_volume_mount(vs, "badmount", &path, &err) < 0 &&
               strstr(err.msg, "failed to mount local volume"),
           "a failing mount says so: %s", err.msg);
        berth_volume_remove(vs, "badmount", false, &err);

        /* Something mounted inside a plain volume (a stray bind) is unmounted, never emptied. */
        berth_volume_create(vs, "stray", NULL, NULL, false, &v, NULL, &err);
        mkdir(P("%s/in", v.mountpoint), 0755);
        ok(mount(host, P("%s/in", v.mountpoint), NULL, MS_BIND, NULL) == 0, "stray bind");
        char **names = NULL;
        uint64_t freed;
        ok(berth_volume_prune(vs, true, &names, &freed, &err) == 0 &&
               berth_strv_contains(names, "stray"),
           "prune removes it: %s", err.msg);
        berth_strv_free(names);
        is_str(slurp(P("%s/keep", host)), "precious", "through the bind nothing was removed");
        is_int(mounts_at(P("%s/in", v.mountpoint)), 0, "and the bind is gone");
        berth_volume_clear(&v);

        /* Crash leftover: a removal cut short on a mounted volume. */
        o = json_pack("{s:s, s:s}", "type", "tmpfs", "device", "tmpfs");
        berth_volume_create(vs, "tmpleft", NULL, o, false, &v, NULL, &err);
        json_decref(o);
        berth_volume_mount(vs, "tmpleft", &path, &err);
        free(path);
        berth_db_exec(db, "UPDATE volumes SET removing = 1 WHERE name = 'tmpleft'", &err);
        vs = reopen(vs);
        ok(vs && mounts_at(v.mountpoint) == 0 && !exists(P("%s/volumes/tmpleft", root)),
           "a mounted volume whose removal was cut short is unmounted and removed on open");
        berth_volume_clear(&v);
        return vs;
}

static time_t mtime_of(const char *p)
{
        struct stat st;
        return lstat(p, &st) == 0 ? st.st_mtime : 0;
}

static void make_rootfs(const char *rfs)
{
        berth_error err = {0};
        berth_mkdir_p(P("%s/data/sub/deeper", rfs), 0755, &err);
        berth_mkdir_p(P("%s/etc", rfs), 0755, &err);
        spit(P("%s/etc/marker", rfs), "inside the rootfs");
        spit(P("%s/data/file", rfs), "hello");
        chmod(P("%s/data/file", rfs), 0640);
        spit(P("%s/data/sub/deeper/f", rfs), "deep");
        chmod(P("%s/data/sub", rfs), 0710);
        chmod(P("%s/data", rfs), 0770);
        symlink("/etc/passwd", P("%s/data/abs", rfs));
        symlink("../../../../../../etc/shadow", P("%s/data/rel", rfs));
        spit(P("%s/data/hard1", rfs), "linked");
        link(P("%s/data/hard1", rfs), P("%s/data/sub/hard2", rfs));
        mkfifo(P("%s/data/fifo", rfs), 0600);
        chmod(P("%s/data/fifo", rfs), 0667); /* more than the umask lets mknod make */
        if (is_root) {
                mknod(P("%s/data/null", rfs), S_IFCHR | 0666, makedev(1, 3));
                chmod(P("%s/data/null", rfs), 0666);
                lchown(P("%s/data/fifo", rfs), 77, 78);
                setxattr(P("%s/data/fifo", rfs), "trusted.berth", "fx", 2, 0);
                lchown(P("%s/data/file", rfs), 1234, 5678);
                lchown(P("%s/data/abs", rfs), 42, 43);
                lchown(P("%s/data", rfs), 999, 998);
                chmod(P("%s/data", rfs), 0770);
                chmod(P("%s/data/file", rfs), 04750);
        }
        setxattr(P("%s/data/file", rfs), "user.berth", "xv", 2, 0);
        struct timespec ts[2] = {{1000000000, 0}, {1000000000, 0}};
        utimensat(AT_FDCWD, P("%s/data/file", rfs), ts, AT_SYMLINK_NOFOLLOW);
        utimensat(AT_FDCWD, P("%s/data/abs", rfs), ts, AT_SYMLINK_NOFOLLOW);
        utimensat(AT_FDCWD, P("%s/data/sub", rfs), ts, AT_SYMLINK_NOFOLLOW);
        utimensat(AT_FDCWD, P("%s/data/fifo", rfs), ts, AT_SYMLINK_NOFOLLOW);
        /* hostile: the mount destination itself a symlink out of the root */
        symlink("/../../../../../etc", P("%s/escape", rfs));
        symlink("..", P("%s/up", rfs));
}

/*
 * The attacker copy-up must withstand: a container sharing the volume (it mounted it with
 * nocopy, so the volume stays empty until the copy) swaps a node the copy has just made for
 * a symlink to a host file. Here it wins every time, at the worst moment: right after
 * mknodat, before owner, mode, xattrs and times are set.
 */
static const char *swap_nodes_for; /* NULL: mknodat as it is */

int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
        int r = (int)syscall(SYS_mknodat, dirfd, path, mode, dev);
        if (r == 0 && swap_nodes_for) {
                unlinkat(dirfd, path, 0);
                if (symlinkat(swap_nodes_for, dirfd, path) < 0)
                        printf("# cannot swap '%s' for a symlink\n", path);
        }
        return r;
}

static void test_copy_up_swapped_node(berth_volumes *vs)
{
        berth_error err = {0};
        char *rfs = berth_xstrdup(P("%s/rootfs-race", root));
        char *canary = berth_xstrdup(P("%s/host-canary", root));
        berth_mkdir_p(P("%s/data", rfs), 0755, &err);
        spit(canary, "host file");
        chmod(canary, 0600);
        struct stat before, after;
        lstat(canary, &before);
        struct timespec old[2] = {{1000, 0}, {2000, 0}};
        utimensat(AT_FDCWD, canary, old, 0);
        lstat(canary, &before);

        static const char *const kinds[] = {"fifo", "char device"};
        for (int k = 0; k < 2; k++) {
                if (k == 1 && !is_root) {
                        ok(1, "a char device swapped # skip not root");
                        continue;
                }
                char *node = P("%s/data/node", rfs);
                unlink(node);
                if (k == 0)
                        mkfifo(node, 0600);
                else
                        mknod(node, S_IFCHR | 0600, makedev(1, 3));
                if (is_root)
                        lchown(node, 4242, 4343);
                chmod(node, 06777); /* after chown, which clears set-id bits */
                char name[32];
                snprintf(name, sizeof(name), "swap%d", k);
                berth_volume v;
                berth_volume_create(vs, name, NULL, NULL, false, &v, NULL, &err);
                swap_nodes_for = canary;
                int r = berth_volume_copy_up(vs, name, rfs, "/data", &err);
                swap_nodes_for = NULL;
                ok(r < 0 && strstr(err.msg, "'node' changed while it was copied"),
                   "%s swapped for a symlink: the copy fails: %s", kinds[k], err.msg);
                ok(lstat(canary, &after) == 0 && (after.st_mode & 07777) == 0600,
                   "… the host file's mode is untouched (%o)", after.st_mode & 07777);
                ok(after.st_uid == before.st_uid && after.st_gid == before.st_gid,
                   "… so is its owner");
                ok(after.st_mtime == before.st_mtime, "… and its times");
                is_str(slurp(canary), "host file", "… and its content");
                ok(!exists(P("%s/node", v.mountpoint)), "… and the volume is emptied again");
                berth_error_clear(&err);
                r = berth_volume_copy_up(vs, name, rfs, "/data", &err);
                ok(r == 0 && lstat(P("%s/node", v.mountpoint), &after) == 0 &&
                       (after.st_mode & 07777) == 06777,
                   "… a later copy without the attacker makes it whole (%o): %s",
                   after.st_mode & 07777, r < 0 ? err.msg : "");
                berth_volume_clear(&v);
        }
        free(canary);
        free(rfs);
}

static void test_copy_up(berth_volumes *vs)
{
        berth_error err = {0};
        char *rfs = berth_xstrdup(P("%s/rootfs", root));
        make_rootfs(rfs);
        berth_volume v;
        ok(berth_volume_create(vs, "cu", NULL, NULL, false, &v, NULL, &err) == 0, "create cu");
        ok(berth_volume_copy_up(vs, "cu", rfs, "/data", &err) == 0, "copy-up: %s", err.msg);
        const char *d = v.mountpoint;
        is_str(slurp(P("%s/file", d)), "hello", "content copied");
        is_str(slurp(P("%s/sub/deeper/f", d)), "deep", "nested content copied");
        is_int(mode_of(P("%s/sub", d)), 0710, "directory mode kept");
        is_int(mtime_of(P("%s/file", d)), 1000000000, "file mtime kept");
        is_int(mtime_of(P("%s/sub", d)), 1000000000, "directory mtime kept");
        char target[256] = "";
        ssize_t n = readlink(P("%s/abs", d), target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        is_str(target, "/etc/passwd", "an absolute symlink is copied as a symlink");
        is_int(mtime_of(P("%s/abs", d)), 1000000000, "symlink mtime kept");
        n = readlink(P("%s/rel", d), target, sizeof(target) - 1);
        target[n > 0 ? n : 0] = '\0';
        is_str(target, "../../../../../../etc/shadow", "a relative one too, not followed");
        struct stat a, b;
        ok(lstat(P("%s/hard1", d), &a) == 0 && lstat(P("%s/sub/hard2", d), &b) == 0 &&
               a.st_ino == b.st_ino && a.st_nlink == 2,
           "hard links within the tree kept");
        ok(lstat(P("%s/fifo", d), &a) == 0 && S_ISFIFO(a.st_mode), "fifo copied as a fifo");
        is_int(a.st_mode & 07777, 0667, "its exact mode, whatever the umask");
        is_int(a.st_mtime, 1000000000, "its mtime");
        char xv[8] = "";
        ssize_t xn = getxattr(P("%s/file", d), "user.berth", xv, sizeof(xv) - 1);
        char sxv[8];
        if (getxattr(P("%s/data/file", rfs), "user.berth", sxv, sizeof(sxv)) < 0)
                ok(1, "xattrs # skip the filesystem has no user xattrs");
        else
                ok(xn == 2 && memcmp(xv, "xv", 2) == 0, "xattr kept");
        if (is_root) {
                ok(lstat(P("%s/null", d), &a) == 0 && S_ISCHR(a.st_mode) &&
                       a.st_rdev == makedev(1, 3),
                   "device node copied as a node");
                is_int(a.st_mode & 07777, 0666, "with its mode");
                ok(lstat(P("%s/fifo", d), &a) == 0 && a.st_uid == 77 && a.st_gid == 78,
                   "a node's owner kept");
                char fx[4] = "";
                if (getxattr(P("%s/data/fifo", rfs), "trusted.berth", fx, sizeof(fx)) != 2)
                        ok(1, "a node's xattrs # skip no trusted xattrs here");
                else
                        ok(getxattr(P("%s/fifo", d), "trusted.berth", fx, sizeof(fx)) == 2 &&
                               memcmp(fx, "fx", 2) == 0,
                           "a node's xattrs kept");
                ok(lstat(P("%s/file", d), &a) == 0 && a.st_uid == 1234 && a.st_gid == 5678,
                   "owner kept");
                is_int(a.st_mode & 07777, 04750, "setuid mode kept (set after chown)");
                ok(lstat(P("%s/abs", d), &a) == 0 && a.st_uid == 42 && a.st_gid == 43,
                   "symlink owner kept");
                ok(lstat(d, &a) == 0 && a.st_uid == 999 && a.st_gid == 998,
                   "the volume takes the owner of the image's directory");
        } else {
                ok(1, "owners and nodes # skip not root");
        }
        is_int(mode_of(d), 0770, "and its mode");

        /* Done once: a change in the image is not copied again, even into an emptied volume. */
        spit(P("%s/data/new", rfs), "later");
        ok(berth_volume_copy_up(vs, "cu", rfs, "/data", &err) == 0 && !exists(P("%s/new", d)),
           "second copy-up does nothing");
        berth_error e2 = {0};
        berth_rm_rf(P("%s/sub", d), &e2);
        ok(berth_volume_copy_up(vs, "cu", rfs, "/data", &err) == 0 && !exists(P("%s/sub", d)),
           "nor after the volume changed");
        berth_volume_clear(&v);

        /* Never into a volume that is not empty. */
        berth_volume_create(vs, "full", NULL, NULL, false, &v, NULL, &err);
        spit(P("%s/mine", v.mountpoint), "mine");
        ok(berth_volume_copy_up(vs, "full", rfs, "/data", &err) == 0 &&
               !exists(P("%s/file", v.mountpoint)) &&
               strcmp(slurp(P("%s/mine", v.mountpoint)), "mine") == 0,
           "a volume with content is not copied into");
        unlink(P("%s/mine", v.mountpoint));
        ok(berth_volume_copy_up(vs, "full", rfs, "/data", &err) == 0 &&
               !exists(P("%s/file", v.mountpoint)),
           "and that first use counted");
        berth_volume_clear(&v);

        /* Hostile symlinks on the way to the path stay inside the rootfs. */
        berth_volume_create(vs, "esc", NULL, NULL, false, &v, NULL, &err);
        ok(berth_volume_copy_up(vs, "esc", rfs, "/escape", &err) == 0, "copy-up through /escape");
        is_str(slurp(P("%s/marker", v.mountpoint)), "inside the rootfs",
               "the symlink resolved inside the rootfs");
        ok(!exists(P("%s/passwd", v.mountpoint)) && !exists(P("%s/hostname", v.mountpoint)),
           "nothing of the host's /etc");
        berth_volume_clear(&v);
        berth_volume_create(vs, "esc2", NULL, NULL, false, &v, NULL, &err);
        ok(berth_volume_copy_up(vs, "esc2", rfs, "/up/up/up/etc", &err) == 0 &&
               exists(P("%s/marker", v.mountpoint)) && !exists(P("%s/passwd", v.mountpoint)),
           "'..' symlinks above the path cannot leave the rootfs either");
        berth_volume_clear(&v);

        /* Nothing at the path: nothing copied, no error. */
        berth_volume_create(vs, "nothing", NULL, NULL, false, &v, NULL, &err);
        ok(berth_volume_copy_up(vs, "nothing", rfs, "/no/such/dir", &err) == 0, "missing path");
        ok(berth_volume_copy_up(vs, "nothing", rfs, "/data/file", &err) == 0 &&
               !exists(P("%s/file", v.mountpoint)),
           "a file path: nothing");
        berth_volume_clear(&v);

        /* A copy that fails is undone, and the next one tries again. */
        char *deep = P("%s/deep", rfs);
        char *path = berth_xstrdup(deep);
        for (int i = 0; i < 260; i++) {
                mkdir(path, 0755);
                char *next = berth_xasprintf("%s/d", path);
                free(path);
                path = next;
        }
        spit(P("%s/top", deep), "top");
        free(path);
        berth_volume_create(vs, "toodeep", NULL, NULL, false, &v, NULL, &err);
        ok(berth_volume_copy_up(vs, "toodeep", rfs, "/deep", &err) == -ELOOP &&
               strstr(err.msg, "nested too deep"),
           "a tree too deep fails: %.120s", err.msg);
        ok(!exists(P("%s/top", v.mountpoint)) && !exists(P("%s/d", v.mountpoint)),
           "and leaves the volume empty");
        berth_rm_rf(P("%s/d/d/d/d/d/d/d/d/d/d/d/d", deep), &e2);
        ok(berth_volume_copy_up(vs, "toodeep", rfs, "/deep", &err) == 0 &&
               exists(P("%s/top", v.mountpoint)),
           "the next try copies: %s", err.msg);
        berth_volume_clear(&v);

        /* A copy cut short by a crash: its part is thrown away and the copy made again. */
        berth_volume_create(vs, "crashed", NULL, NULL, false, &v, NULL, &err);
        spit(P("%s/partial", v.mountpoint), "half");
        berth_db_exec(db, "UPDATE volumes SET copied_up = 1 WHERE name = 'crashed'", &err);
        ok(berth_volume_copy_up(vs, "crashed", rfs, "/data", &err) == 0 &&
               !exists(P("%s/partial", v.mountpoint)) &&
               strcmp(slurp(P("%s/file", v.mountpoint)), "hello") == 0,
           "a cut-short copy is redone from scratch");
        berth_volume_clear(&v);
        is_int(berth_volume_copy_up(vs, "ghost", rfs, "/data", &err), -ENOENT,
               "copy-up into a missing volume");

        /* Into a tmpfs volume: it is mounted first. */
        if (is_root) {
                json_t *o = json_pack("{s:s, s:s}", "type", "tmpfs", "device", "tmpfs");
                berth_volume_create(vs, "cutmp", NULL, o, false, &v, NULL, &err);
                json_decref(o);
                struct statfs sf;
                ok(berth_volume_copy_up(vs, "cutmp", rfs, "/data", &err) == 0 &&
                       statfs(v.mountpoint, &sf) == 0 && sf.f_type == TMPFS_MAGIC &&
                       exists(P("%s/sub/hard2", v.mountpoint)),
                   "copy-up into a tmpfs volume mounts it and copies: %s", err.msg);
                berth_volume_remove(vs, "cutmp", false, &err);
                berth_volume_clear(&v);
        }
        free(rfs);
}

int main(void)
{
        is_root = geteuid() == 0;
        char tmpl[] = "/tmp/berth-volume-XXXXXX";
        root = mkdtemp(tmpl);
        berth_error err = {0};
        ok(berth_db_open(P("%s/berth.db", root), &db, &err) == 0, "db: %s", err.msg);
        berth_volumes *vs = NULL;
        ok(berth_volumes_open(db, root, &vs, &err) == 0, "open: %s", err.msg);
        test_create(vs);
        test_names(vs);
        test_options(vs);
        test_users(vs);
        test_prune(vs);
        vs = test_repair(vs);
        test_copy_up(vs);
        test_copy_up_swapped_node(vs);
        vs = test_mounts(vs);
        berth_volumes_close(vs);
        berth_db_close(db);
        berth_rm_rf(root, &err);
        return tap_done();
}
