/* SPDX-License-Identifier: Apache-2.0 */
/* Volumes: their rows in berth.db, their directories, create, remove, prune, users, repair. */
#include "volume-internal.h"
#include "base/cleanup.h"
#include "base/fs.h"
#include "base/strutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE volumes ("
        "  name TEXT PRIMARY KEY,"
        "  created TEXT NOT NULL,"
        "  labels TEXT NOT NULL DEFAULT '{}',"
        "  options TEXT NOT NULL DEFAULT '{}',"
        "  anonymous INTEGER NOT NULL DEFAULT 0,"
        "  copied_up INTEGER NOT NULL DEFAULT 0," /* VOL_COPY_* */
        "  removing INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE volume_users ("
        "  volume TEXT NOT NULL REFERENCES volumes(name),"
        "  container_id TEXT NOT NULL,"
        "  PRIMARY KEY (volume, container_id));"
        "CREATE INDEX volume_users_container ON volume_users(container_id);"},
};

#define ROW_COLUMNS "name, created, labels, options, anonymous, copied_up, removing"

typedef struct {
        berth_volume v;
        int copied_up;
        bool removing;
} vol_row;

void berth_volume_clear(berth_volume *v)
{
        if (v == NULL)
                return;
        free(v->name);
        free(v->created);
        free(v->mountpoint);
        json_decref(v->labels);
        json_decref(v->options);
        memset(v, 0, sizeof(*v));
}

void berth_volumes_free(berth_volume *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                berth_volume_clear(&v[i]);
        free(v);
}

static char *data_path(berth_volumes *vs, const char *name)
{
        return berth_xasprintf("%s/%s/_data", vs->dir, name);
}

/* A JSON object column; an empty object when NULL or not an object. */
static json_t *column_object(sqlite3_stmt *st, int i)
{
        const char *s = (const char *)sqlite3_column_text(st, i);
        json_t *o = s ? json_loads(s, 0, NULL) : NULL;
        if (!json_is_object(o)) {
                json_decref(o);
                o = json_object();
        }
        return o;
}

static void read_row(berth_volumes *vs, sqlite3_stmt *st, vol_row *r)
{
        memset(r, 0, sizeof(*r));
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *created = (const char *)sqlite3_column_text(st, 1);
        r->v.name = berth_xstrdup(name ? name : "");
        r->v.created = berth_xstrdup(created ? created : "");
        r->v.mountpoint = data_path(vs, r->v.name);
        r->v.labels = column_object(st, 2);
        r->v.options = column_object(st, 3);
        r->v.anonymous = sqlite3_column_int(st, 4) != 0;
        r->copied_up = sqlite3_column_int(st, 5);
        r->removing = sqlite3_column_int(st, 6) != 0;
}

/* The row of name, marked or not: 1 found, 0 not, <0 error. */
static int find_row(berth_volumes *vs, const char *name, vol_row *ret, berth_error *err)
{
        static const char sql[] = "SELECT " ROW_COLUMNS " FROM volumes WHERE name = ?";
        sqlite3_stmt *st = berth_db_prepare(vs->db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(vs->db, st, "reading a volume", err);
        if (rc == SQLITE_ROW)
                read_row(vs, st, ret);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        return rc == SQLITE_ROW;
}

static void row_clear(vol_row *r)
{
        berth_volume_clear(&r->v);
}

/* Names of the rows a query returns (its only column), NULL-terminated. */
static int query_names(berth_volumes *vs, const char *sql, const char *arg, char ***ret,
                       berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(vs->db, sql, err);
        if (st == NULL)
                return -EIO;
        if (arg)
                sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        _cleanup_strv_ char **v = berth_xmalloc0(sizeof(char *));
        int rc;
        while ((rc = berth_db_step(vs->db, st, "listing volumes", err)) == SQLITE_ROW) {
                const char *s = (const char *)sqlite3_column_text(st, 0);
                berth_strv_push(&v, s ? s : "");
        }
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        *ret = TAKE_PTR(v);
        return 0;
}

static int exec_name(berth_volumes *vs, const char *sql, const char *name, const char *what,
                     berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(vs->db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(vs->db, st, what, err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

static int lock_store(berth_volumes *vs, bool wait, berth_error *err)
{
        int fd = openat(vs->dirfd, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return berth_err(err, errno, "cannot open '%s/.lock'", vs->dir);
        while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
                if (errno != EINTR) {
                        int e = errno;
                        close(fd);
                        if (e == EWOULDBLOCK)
                                return -EWOULDBLOCK;
                        return berth_err(err, e, "cannot lock '%s/.lock'", vs->dir);
                }
        }
        return fd;
}

int vol_lock(berth_volumes *vs, berth_error *err)
{
        return lock_store(vs, true, err);
}

/* mkdirat with an exact mode (no umask); an existing directory is fine. */
static int make_dir_at(int dirfd, const char *name, mode_t mode, const char *path, berth_error *err)
{
        if (mkdirat(dirfd, name, mode) == 0) {
                _cleanup_close_ int fd =
                    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0 || fchmod(fd, mode) < 0)
                        return berth_err(err, errno, "cannot set the mode of '%s'", path);
                return 0;
        }
        if (errno != EEXIST)
                return berth_err(err, errno, "cannot create directory '%s'", path);
        struct stat st;
        if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return berth_err(err, errno, "cannot stat '%s'", path);
        if (!S_ISDIR(st.st_mode))
                return berth_errx(err, ENOTDIR, "'%s' exists and is not a directory", path);
        return 0;
}

int vol_ensure_dirs(berth_volumes *vs, const char *name, berth_error *err)
{
        _cleanup_free_ char *vdir = berth_xasprintf("%s/%s", vs->dir, name);
        _cleanup_free_ char *data = data_path(vs, name);
        int r = make_dir_at(vs->dirfd, name, 0755, vdir, err);
        if (r < 0)
                return r;
        _cleanup_close_ int vfd =
            openat(vs->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (vfd < 0)
                return berth_err(err, errno, "cannot open '%s'", vdir);
        return make_dir_at(vfd, "_data", 0755, data, err);
}

/* Remove a volume's directory (what is mounted in it first) and its row; holds the lock. */
static int finish_remove_locked(berth_volumes *vs, const char *name, berth_error *err)
{
        static const char del_users[] = "DELETE FROM volume_users WHERE volume = ?";
        static const char del[] = "DELETE FROM volumes WHERE name = ?";
        _cleanup_free_ char *vdir = berth_xasprintf("%s/%s", vs->dir, name);
        int r = vol_umount_under(vdir, err);
        if (r < 0)
                return berth_wrap(err, "cannot remove volume '%s'", name);
        r = berth_rm_rf_at(vs->dirfd, name);
        if (r < 0)
                return berth_err(err, -r, "cannot remove volume '%s': cannot remove '%s'", name,
                                 vdir);
        if ((r = exec_name(vs, del_users, name, "removing a volume's users", err)) < 0 ||
            (r = exec_name(vs, del, name, "removing a volume", err)) < 0)
                return berth_wrap(err, "cannot remove volume '%s'", name);
        return 0;
}

static int finish_remove(berth_volumes *vs, const char *name, berth_error *err)
{
        _cleanup_close_ int lock = vol_lock(vs, err);
        if (lock < 0)
                return lock;
        return finish_remove_locked(vs, name, err);
}

/* What a crash left: marked rows, rows without directories, directories without rows. */
static int repair(berth_volumes *vs, berth_error *err)
{
        static const char marked[] = "SELECT name FROM volumes WHERE removing != 0 ORDER BY name";
        static const char live[] = "SELECT name FROM volumes WHERE removing = 0 ORDER BY name";
        /* Whoever holds the lock is changing directories right now: the repair waits for the
         * next open rather than making this one wait. */
        int lock = lock_store(vs, false, err);
        if (lock == -EWOULDBLOCK)
                return 0;
        if (lock < 0)
                return lock;
        _cleanup_close_ int lockfd = lock;
        _cleanup_strv_ char **names = NULL;
        int r = query_names(vs, marked, NULL, &names, err);
        if (r < 0)
                return r;
        STRV_FOREACH (n, names) {
                if ((r = finish_remove_locked(vs, *n, err)) < 0)
                        return r;
        }
        berth_strv_free(names);
        names = NULL;
        if ((r = query_names(vs, live, NULL, &names, err)) < 0)
                return r;
        STRV_FOREACH (n, names) {
                _cleanup_free_ char *rel = berth_xasprintf("%s/_data", *n);
                struct stat st;
                if (fstatat(vs->dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0)
                        continue;
                if ((r = vol_ensure_dirs(vs, *n, err)) < 0)
                        return berth_wrap(err, "cannot repair volume '%s'", *n);
        }
        /* Directories without a row: each row is looked up now (a create writes its row
         * before its directory, so a directory seen here has its row if it has one). */
        _cleanup_close_ int dfd = openat(vs->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
        if (d == NULL)
                return berth_err(err, errno, "cannot read '%s'", vs->dir);
        dfd = -1;
        _cleanup_strv_ char **orphans = NULL;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
                if (de->d_name[0] == '.')
                        continue;
                berth_strv_push(&orphans, de->d_name);
        }
        closedir(d);
        STRV_FOREACH (n, orphans) {
                vol_row row;
                r = find_row(vs, *n, &row, err);
                if (r < 0)
                        return r;
                if (r > 0) {
                        row_clear(&row);
                        continue;
                }
                _cleanup_free_ char *path = berth_xasprintf("%s/%s", vs->dir, *n);
                if ((r = vol_umount_under(path, err)) < 0)
                        return berth_wrap(err, "cannot remove leftover '%s'", path);
                if ((r = berth_rm_rf_at(vs->dirfd, *n)) < 0)
                        return berth_err(err, -r, "cannot remove leftover '%s'", path);
        }
        return 0;
}

int berth_volumes_open(berth_db *db, const char *root, berth_volumes **ret, berth_error *err)
{
        int r = berth_mkdir_p(root, 0700, err);
        if (r < 0)
                return r;
        char abs[PATH_MAX];
        if (realpath(root, abs) == NULL)
                return berth_err(err, errno, "cannot resolve '%s'", root);
        berth_volumes *vs = berth_xmalloc0(sizeof(*vs));
        vs->db = db;
        vs->root = berth_xstrdup(abs);
        vs->dir = berth_xasprintf("%s/volumes", abs);
        vs->dirfd = -1;
        bool made = mkdir(vs->dir, 0701) == 0;
        if (!made && errno != EEXIST) {
                r = berth_err(err, errno, "cannot create directory '%s'", vs->dir);
                goto fail;
        }
        vs->dirfd = open(vs->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (vs->dirfd < 0) {
                r = berth_err(err, errno, "cannot open '%s'", vs->dir);
                goto fail;
        }
        /* The exact mode, whatever the umask: through the fd, as every mode set here. */
        if (made && fchmod(vs->dirfd, 0701) < 0) {
                r = berth_err(err, errno, "cannot set the mode of '%s'", vs->dir);
                goto fail;
        }
        if ((r = berth_db_migrate(db, "volume", migrations, ARRAY_SIZE(migrations), err)) < 0)
                goto fail;
        if ((r = repair(vs, err)) < 0) {
                berth_wrap(err, "cannot repair the volumes in '%s'", vs->dir);
                goto fail;
        }
        *ret = vs;
        return 0;
fail:
        berth_volumes_close(vs);
        return r;
}

void berth_volumes_close(berth_volumes *vs)
{
        if (vs == NULL)
                return;
        if (vs->dirfd >= 0)
                close(vs->dirfd);
        free(vs->root);
        free(vs->dir);
        free(vs);
}

/* Docker's rule and messages (moby's local driver), with a length limit for the directory. */
static int check_name(const char *name, berth_error *err)
{
        size_t n = strlen(name);
        if (n == 1)
                return berth_errx(err, EINVAL,
                                  "create %s: volume name is too short, names should be at least "
                                  "two alphanumeric characters",
                                  name);
        bool ok = n > 0;
        for (size_t i = 0; ok && i < n; i++) {
                char c = name[i];
                bool alnum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                ok = alnum || (i > 0 && (c == '_' || c == '.' || c == '-'));
        }
        if (!ok) {
                char q[1024];
                berth_json_escape(name, q, sizeof(q));
                return berth_errx(err, EINVAL,
                                  "create %s: \"%s\" includes invalid characters for a local "
                                  "volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. "
                                  "If you intended to pass a host directory, use absolute path",
                                  name, q);
        }
        if (n > NAME_MAX)
                return berth_errx(err, ENAMETOOLONG,
                                  "create %.32s…: volume name is too long (at most %d characters)",
                                  name, NAME_MAX);
        return 0;
}

/* labels: an object of strings (nullable). */
static int check_labels(const char *name, const json_t *labels, berth_error *err)
{
        if (labels == NULL)
                return 0;
        if (!json_is_object(labels))
                return berth_errx(err, EINVAL, "create %s: labels must be an object", name);
        const char *k;
        json_t *v;
        json_object_foreach ((json_t *)labels, k, v) {
                if (!json_is_string(v))
                        return berth_errx(err, EINVAL, "create %s: label '%s' is not a string",
                                          name, k);
        }
        return 0;
}

/* RFC 3339 in the local time zone, seconds, as Go's time.RFC3339 prints it. */
static char *now_rfc3339(void)
{
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        char buf[64];
        size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
        long off = tm.tm_gmtoff;
        if (off == 0)
                snprintf(buf + n, sizeof(buf) - n, "Z");
        else
                snprintf(buf + n, sizeof(buf) - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
                         labs(off) / 3600, labs(off) % 3600 / 60);
        return berth_xstrdup(buf);
}

static int random_name(char buf[static 65], berth_error *err)
{
        if (berth_random_hex(buf, 32, err) < 0)
                return berth_wrap(err, "cannot make a volume name");
        return 0;
}

static char *dump(const json_t *o)
{
        char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
        return s ? s : berth_xstrdup("{}");
}

static int insert_row(berth_volumes *vs, const char *name, const json_t *labels,
                      const json_t *options, bool anonymous, berth_error *err)
{
        static const char sql[] = "INSERT INTO volumes (name, created, labels, options, anonymous) "
                                  "VALUES (?, ?, ?, ?, ?)";
        sqlite3_stmt *st = berth_db_prepare(vs->db, sql, err);
        if (st == NULL)
                return -EIO;
        _cleanup_free_ char *created = now_rfc3339();
        _cleanup_free_ char *l = dump(labels), *o = dump(options);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, created, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, l, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, o, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 5, anonymous ? 1 : 0);
        int rc = berth_db_step(vs->db, st, "storing a volume", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

/* In one transaction: the existing row (1, in *ret), or a new one (0). */
static int add_row(berth_volumes *vs, const char *name, const json_t *labels, const json_t *options,
                   bool anonymous, berth_error *err)
{
        int r = berth_db_begin(vs->db, err);
        if (r < 0)
                return r;
        vol_row row;
        r = find_row(vs, name, &row, err);
        if (r > 0) {
                bool removing = row.removing;
                row_clear(&row);
                berth_db_rollback(vs->db);
                if (removing)
                        return berth_errx(err, EBUSY, "create %s: volume is being removed", name);
                return 1;
        }
        if (r < 0 || (r = insert_row(vs, name, labels, options, anonymous, err)) < 0 ||
            (r = berth_db_commit(vs->db, err)) < 0) {
                berth_db_rollback(vs->db);
                return r;
        }
        return 0;
}

int berth_volume_create(berth_volumes *vs, const char *name, const json_t *labels,
                        const json_t *options, bool anonymous, berth_volume *ret, bool *ret_created,
                        berth_error *err)
{
        char gen[65];
        if (name == NULL || *name == '\0') {
                if (random_name(gen, err) < 0)
                        return -err->code;
                name = gen;
        }
        int r;
        if ((r = check_name(name, err)) < 0 || (r = check_labels(name, labels, err)) < 0 ||
            (r = vol_check_options(name, options, err)) < 0)
                return r;
        json_auto_t *lab = labels ? json_deep_copy(labels) : json_object();
        json_auto_t *opt = options ? json_deep_copy(options) : json_object();
        if (json_object_get(lab, BERTH_VOLUME_ANONYMOUS_LABEL))
                anonymous = true;
        if (anonymous)
                json_object_set_new(lab, BERTH_VOLUME_ANONYMOUS_LABEL, json_string(""));
        int existed = add_row(vs, name, lab, opt, anonymous, err);
        if (existed < 0)
                return existed;
        int lock = vol_lock(vs, err);
        if (lock >= 0) {
                r = vol_ensure_dirs(vs, name, err);
                if (r < 0 && !existed) {
                        berth_error e2 = {0};
                        if (berth_rm_rf_at(vs->dirfd, name) == 0)
                                exec_name(vs, "DELETE FROM volumes WHERE name = ?", name,
                                          "removing a volume", &e2);
                }
                close(lock);
        } else {
                r = lock;
        }
        if (r < 0)
                return berth_wrap(err, "create %s", name);
        if (ret && (r = berth_volume_get(vs, name, ret, err)) < 0)
                return r;
        if (ret_created)
                *ret_created = !existed;
        return 0;
}

int berth_volume_get(berth_volumes *vs, const char *name, berth_volume *ret, berth_error *err)
{
        vol_row row;
        int r = find_row(vs, name, &row, err);
        if (r < 0)
                return r;
        if (r == 0 || row.removing) {
                if (r > 0)
                        row_clear(&row);
                return berth_errx(err, ENOENT, "no such volume: %s", name);
        }
        *ret = row.v;
        return 0;
}

int berth_volume_list(berth_volumes *vs, berth_volume **ret, size_t *ret_n, berth_error *err)
{
        static const char sql[] =
            "SELECT " ROW_COLUMNS " FROM volumes WHERE removing = 0 ORDER BY name";
        sqlite3_stmt *st = berth_db_prepare(vs->db, sql, err);
        if (st == NULL)
                return -EIO;
        berth_volume *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = berth_db_step(vs->db, st, "listing volumes", err)) == SQLITE_ROW) {
                vol_row row;
                read_row(vs, st, &row);
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                v[n++] = row.v;
        }
        sqlite3_reset(st);
        if (rc < 0) {
                berth_volumes_free(v, n);
                return rc;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int users_of(berth_volumes *vs, const char *name, char ***ret, berth_error *err)
{
        static const char sql[] =
            "SELECT container_id FROM volume_users WHERE volume = ? ORDER BY container_id";
        return query_names(vs, sql, name, ret, err);
}

int berth_volume_users(berth_volumes *vs, const char *name, char ***ret, berth_error *err)
{
        berth_volume v;
        int r = berth_volume_get(vs, name, &v, err);
        if (r < 0)
                return r;
        berth_volume_clear(&v);
        return users_of(vs, name, ret, err);
}

/* Mark the row for removal, in one transaction with the check that nothing uses it. */
static int mark_removing(berth_volumes *vs, const char *name, berth_error *err)
{
        static const char mark[] = "UPDATE volumes SET removing = 1 WHERE name = ?";
        int r = berth_db_begin(vs->db, err);
        if (r < 0)
                return r;
        vol_row row;
        _cleanup_strv_ char **users = NULL;
        r = find_row(vs, name, &row, err);
        if (r == 0 || (r > 0 && row.removing)) {
                if (r > 0)
                        row_clear(&row);
                berth_db_rollback(vs->db);
                return berth_errx(err, ENOENT, "no such volume: %s", name);
        }
        if (r > 0)
                row_clear(&row);
        if (r < 0 || (r = users_of(vs, name, &users, err)) < 0)
                goto fail;
        if (users[0]) {
                _cleanup_free_ char *list = berth_strv_join(users, SIZE_MAX, ", ");
                berth_db_rollback(vs->db);
                return berth_errx(err, EBUSY, "remove %s: volume is in use - [%s]", name, list);
        }
        if ((r = exec_name(vs, mark, name, "marking a volume for removal", err)) < 0 ||
            (r = berth_db_commit(vs->db, err)) < 0)
                goto fail;
        return 0;
fail:
        berth_db_rollback(vs->db);
        return r;
}

int berth_volume_remove(berth_volumes *vs, const char *name, bool force, berth_error *err)
{
        int r = mark_removing(vs, name, err);
        if (r == -ENOENT && force) {
                berth_error_clear(err);
                return 0;
        }
        if (r < 0)
                return r;
        return finish_remove(vs, name, err);
}

int berth_volume_prune_matching(berth_volumes *vs, bool all,
                                bool (*want)(const berth_volume *v, void *ud), void *ud,
                                char ***ret_names, uint64_t *ret_freed, berth_error *err)
{
        berth_volume *v = NULL;
        size_t n = 0;
        int r = berth_volume_list(vs, &v, &n, err);
        if (r < 0)
                return r;
        _cleanup_strv_ char **names = berth_xmalloc0(sizeof(char *));
        uint64_t freed = 0;
        for (size_t i = 0; i < n; i++) {
                if (!all && !v[i].anonymous)
                        continue;
                if (json_object_size(v[i].options) > 0)
                        continue;
                if (want && !want(&v[i], ud))
                        continue;
                /* Measured first: it is gone once removed (a user added in between makes the
                 * removal fail, and the volume is kept). */
                uint64_t size = 0;
                _cleanup_close_ int dfd =
                    open(v[i].mountpoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dfd >= 0)
                        berth_tree_size(dfd, &size);
                r = berth_volume_remove(vs, v[i].name, false, err);
                if (r == -EBUSY || r == -ENOENT) {
                        berth_error_clear(err);
                        continue;
                }
                if (r < 0) {
                        berth_volumes_free(v, n);
                        return r;
                }
                berth_strv_push(&names, v[i].name);
                freed += size;
        }
        berth_volumes_free(v, n);
        if (ret_names)
                *ret_names = TAKE_PTR(names);
        if (ret_freed)
                *ret_freed = freed;
        return 0;
}

int berth_volume_prune(berth_volumes *vs, bool all, char ***ret_names, uint64_t *ret_freed,
                       berth_error *err)
{
        return berth_volume_prune_matching(vs, all, NULL, NULL, ret_names, ret_freed, err);
}

int berth_volume_use(berth_volumes *vs, const char *name, const char *container_id,
                     berth_error *err)
{
        static const char ins[] =
            "INSERT OR IGNORE INTO volume_users (volume, container_id) VALUES (?, ?)";
        if (container_id == NULL || *container_id == '\0')
                return berth_errx(err, EINVAL, "volume %s: empty container id", name);
        int r = berth_db_begin(vs->db, err);
        if (r < 0)
                return r;
        vol_row row;
        r = find_row(vs, name, &row, err);
        if (r == 0 || (r > 0 && row.removing)) {
                if (r > 0)
                        row_clear(&row);
                berth_db_rollback(vs->db);
                return berth_errx(err, ENOENT, "no such volume: %s", name);
        }
        if (r > 0)
                row_clear(&row);
        sqlite3_stmt *st = r < 0 ? NULL : berth_db_prepare(vs->db, ins, err);
        if (st == NULL) {
                berth_db_rollback(vs->db);
                return r < 0 ? r : -EIO;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, container_id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(vs->db, st, "recording a volume's user", err);
        sqlite3_reset(st);
        if (rc < 0 || (r = berth_db_commit(vs->db, err)) < 0) {
                berth_db_rollback(vs->db);
                return rc < 0 ? rc : r;
        }
        return 0;
}

int berth_volume_release(berth_volumes *vs, const char *container_id, bool remove_anonymous,
                         berth_error *err)
{
        static const char sel[] =
            "SELECT volume FROM volume_users WHERE container_id = ? ORDER BY volume";
        static const char del[] = "DELETE FROM volume_users WHERE container_id = ?";
        _cleanup_strv_ char **vols = NULL;
        int r = berth_db_begin(vs->db, err);
        if (r < 0)
                return r;
        if ((r = query_names(vs, sel, container_id, &vols, err)) < 0 ||
            (r = exec_name(vs, del, container_id, "releasing volumes", err)) < 0 ||
            (r = berth_db_commit(vs->db, err)) < 0) {
                berth_db_rollback(vs->db);
                return r;
        }
        if (!remove_anonymous)
                return 0;
        STRV_FOREACH (name, vols) {
                berth_volume v;
                if (berth_volume_get(vs, *name, &v, err) < 0) {
                        berth_error_clear(err);
                        continue;
                }
                bool anon = v.anonymous;
                berth_volume_clear(&v);
                if (!anon)
                        continue;
                r = berth_volume_remove(vs, *name, true, err);
                if (r == -EBUSY) {
                        berth_error_clear(err);
                        continue;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int berth_volume_mount(berth_volumes *vs, const char *name, char **ret_path, berth_error *err)
{
        berth_volume v;
        int r = berth_volume_get(vs, name, &v, err);
        if (r < 0)
                return r;
        _cleanup_close_ int lock = vol_lock(vs, err);
        if (lock < 0) {
                berth_volume_clear(&v);
                return lock;
        }
        r = vol_ensure_dirs(vs, name, err);
        if (r == 0 && vol_needs_mount(v.options)) {
                int m = vol_is_mount_point(v.mountpoint);
                if (m < 0)
                        r = berth_err(err, -m, "cannot tell whether '%s' is mounted", v.mountpoint);
                else if (m == 0)
                        r = vol_mount(name, v.options, v.mountpoint, err);
        }
        if (r < 0) {
                berth_volume_clear(&v);
                return berth_wrap(err, "cannot mount volume '%s'", name);
        }
        *ret_path = TAKE_PTR(v.mountpoint);
        berth_volume_clear(&v);
        return 0;
}

int vol_copy_state(berth_volumes *vs, const char *name, int *ret, berth_error *err)
{
        vol_row row;
        int r = find_row(vs, name, &row, err);
        if (r < 0)
                return r;
        if (r == 0 || row.removing) {
                if (r > 0)
                        row_clear(&row);
                return berth_errx(err, ENOENT, "no such volume: %s", name);
        }
        *ret = row.copied_up;
        row_clear(&row);
        return 0;
}

int vol_set_copy_state(berth_volumes *vs, const char *name, int state, berth_error *err)
{
        static const char sql[] = "UPDATE volumes SET copied_up = ? WHERE name = ?";
        sqlite3_stmt *st = berth_db_prepare(vs->db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_int(st, 1, state);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(vs->db, st, "recording a volume's copy-up", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

json_t *berth_volume_json(const berth_volume *v)
{
        json_t *o = json_object();
        json_object_set_new(o, "CreatedAt", json_string(v->created ? v->created : ""));
        json_object_set_new(o, "Driver", json_string("local"));
        json_object_set_new(o, "Labels", v->labels ? json_deep_copy(v->labels) : json_object());
        json_object_set_new(o, "Mountpoint", json_string(v->mountpoint ? v->mountpoint : ""));
        json_object_set_new(o, "Name", json_string(v->name ? v->name : ""));
        json_object_set_new(o, "Options", v->options ? json_deep_copy(v->options) : json_object());
        json_object_set_new(o, "Scope", json_string("local"));
        return o;
}
