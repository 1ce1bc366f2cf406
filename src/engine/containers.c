/* SPDX-License-Identifier: Apache-2.0 */
/* Container records in berth.db (module "engine"). */
#include "engine/containers.h"
#include "base/strutil.h"
#include "base/units.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE containers ("
        " id TEXT PRIMARY KEY,"
        " name TEXT NOT NULL UNIQUE,"
        " image_id TEXT NOT NULL,"
        " image_name TEXT NOT NULL,"
        " created TEXT NOT NULL,"
        " body TEXT NOT NULL,"
        " mounts TEXT NOT NULL DEFAULT '[]',"
        " status TEXT NOT NULL DEFAULT 'created',"
        " pid INTEGER NOT NULL DEFAULT 0,"
        " monitor_pid INTEGER NOT NULL DEFAULT 0,"
        " monitor_start INTEGER NOT NULL DEFAULT 0,"
        " exit_code INTEGER NOT NULL DEFAULT 0,"
        " oom_killed INTEGER NOT NULL DEFAULT 0,"
        " error TEXT NOT NULL DEFAULT '',"
        " started_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
        " finished_at TEXT NOT NULL DEFAULT '0001-01-01T00:00:00Z',"
        " restart_count INTEGER NOT NULL DEFAULT 0,"
        " manual_stop INTEGER NOT NULL DEFAULT 0,"
        " health TEXT);"},
};

#define COLUMNS                                                                                    \
        "id, name, image_id, image_name, created, body, mounts, status, pid, monitor_pid, "        \
        "monitor_start, exit_code, oom_killed, error, started_at, finished_at, restart_count, "    \
        "manual_stop, health"

int berth_containers_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "engine", migrations, ARRAY_SIZE(migrations), err);
}

void berth_container_clear(berth_container *c)
{
        if (c == NULL)
                return;
        free(c->id);
        free(c->name);
        free(c->image_id);
        free(c->image_name);
        free(c->created);
        json_decref(c->body);
        json_decref(c->mounts);
        free(c->status);
        free(c->error);
        free(c->started_at);
        free(c->finished_at);
        json_decref(c->health);
        memset(c, 0, sizeof(*c));
}

void berth_containers_free(berth_container *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                berth_container_clear(&v[i]);
        free(v);
}

static char *col_str(sqlite3_stmt *st, int i)
{
        const char *s = (const char *)sqlite3_column_text(st, i);
        return berth_xstrdup(s ? s : "");
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
        const char *s = (const char *)sqlite3_column_text(st, i);
        if (s == NULL)
                return NULL;
        return json_loads(s, 0, NULL);
}

static void read_row(sqlite3_stmt *st, berth_container *c)
{
        memset(c, 0, sizeof(*c));
        c->id = col_str(st, 0);
        c->name = col_str(st, 1);
        c->image_id = col_str(st, 2);
        c->image_name = col_str(st, 3);
        c->created = col_str(st, 4);
        c->body = col_json(st, 5);
        if (c->body == NULL)
                c->body = json_object();
        c->mounts = col_json(st, 6);
        if (c->mounts == NULL)
                c->mounts = json_array();
        c->status = col_str(st, 7);
        c->state = berth_state_parse(c->status);
        c->pid = (pid_t)sqlite3_column_int64(st, 8);
        c->monitor_pid = (pid_t)sqlite3_column_int64(st, 9);
        c->monitor_start = (uint64_t)sqlite3_column_int64(st, 10);
        c->exit_code = sqlite3_column_int(st, 11);
        c->oom_killed = sqlite3_column_int(st, 12) != 0;
        c->error = col_str(st, 13);
        c->started_at = col_str(st, 14);
        c->finished_at = col_str(st, 15);
        c->restart_count = sqlite3_column_int(st, 16);
        c->manual_stop = sqlite3_column_int(st, 17) != 0;
        c->health = col_json(st, 18);
}

bool berth_container_name_valid(const char *name)
{
        if (name == NULL || strlen(name) < 2 || strlen(name) > 255)
                return false;
        for (const char *p = name; *p; p++) {
                bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                             (*p >= '0' && *p <= '9');
                if (!alnum && (p == name || !strchr("_.-", *p)))
                        return false;
        }
        return true;
}

static int name_conflict(const char *name, berth_error *err)
{
        return berth_errx(err, EEXIST,
                          "Conflict. The container name \"/%s\" is already in use. You have to "
                          "remove (or rename) that container to be able to reuse that name.",
                          name);
}

int berth_container_insert(berth_db *db, const berth_container *c, berth_error *err)
{
        static const char sql[] = "INSERT INTO containers (id, name, image_id, image_name, "
                                  "created, body, mounts) VALUES (?, ?, ?, ?, ?, ?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        _cleanup_free_ char *body = json_dumps(c->body, JSON_COMPACT);
        _cleanup_free_ char *mounts =
            json_dumps(c->mounts ? c->mounts : json_array(), JSON_COMPACT);
        sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, c->name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, c->image_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, c->image_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, c->created, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, body ? body : "{}", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, mounts ? mounts : "[]", -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_CONSTRAINT)
                return name_conflict(c->name, err);
        if (rc != SQLITE_DONE)
                return berth_errx(err, EIO, "cannot store container %s: %s", c->name,
                                  sqlite3_errmsg(berth_db_handle(db)));
        return 0;
}

static int get_one(berth_db *db, const char *sql, const char *arg, berth_container *ret,
                   int *ret_count, berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
        int n = 0, rc;
        while ((rc = berth_db_step(db, st, "reading containers", err)) == SQLITE_ROW) {
                if (n++ == 0)
                        read_row(st, ret);
        }
        sqlite3_reset(st);
        if (rc < 0) {
                if (n > 0)
                        berth_container_clear(ret);
                return rc;
        }
        *ret_count = n;
        return 0;
}

int berth_container_get(berth_db *db, const char *name, berth_container *ret, berth_error *err)
{
        if (name == NULL || *name == '\0')
                return berth_errx(err, EINVAL, "no container name given");
        const char *n = name[0] == '/' ? name + 1 : name;
        int count = 0, rc;
        rc = get_one(db, "SELECT " COLUMNS " FROM containers WHERE id = ?1 OR name = ?1", n, ret,
                     &count, err);
        if (rc < 0)
                return rc;
        if (count >= 1) {
                /* an exact id wins over a name that looks like one */
                if (count > 1) {
                        berth_container_clear(ret);
                        rc = get_one(db, "SELECT " COLUMNS " FROM containers WHERE id = ?1", n, ret,
                                     &count, err);
                        if (rc < 0)
                                return rc;
                }
                return 0;
        }
        bool hex = strlen(n) <= 64;
        for (const char *p = n; *p && hex; p++)
                hex = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
        if (hex) {
                _cleanup_free_ char *like = berth_xasprintf("%s%%", n);
                rc = get_one(db, "SELECT " COLUMNS " FROM containers WHERE id LIKE ?1", like, ret,
                             &count, err);
                if (rc < 0)
                        return rc;
                if (count > 1) {
                        berth_container_clear(ret);
                        return berth_errx(err, EINVAL,
                                          "multiple containers found with provided prefix: %s", n);
                }
                if (count == 1)
                        return 0;
        }
        return berth_errx(err, ENOENT, "No such container: %s", name);
}

int berth_container_list(berth_db *db, berth_container **ret, size_t *ret_n, berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(
            db, "SELECT " COLUMNS " FROM containers ORDER BY created DESC, rowid DESC", err);
        if (st == NULL)
                return -EIO;
        berth_container *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = berth_db_step(db, st, "listing containers", err)) == SQLITE_ROW) {
                v = realloc(v, (n + 1) * sizeof(*v));
                if (v == NULL)
                        abort();
                read_row(st, &v[n++]);
        }
        sqlite3_reset(st);
        if (rc < 0) {
                berth_containers_free(v, n);
                return rc;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Run an UPDATE/DELETE with text/int parameters given as a format: 's' text, 'i' int64. */
static int exec_stmt(berth_db *db, const char *sql, const char *what, berth_error *err,
                     const char *types, ...)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        va_list ap;
        va_start(ap, types);
        for (int i = 0; types[i]; i++) {
                if (types[i] == 's') {
                        const char *s = va_arg(ap, const char *);
                        if (s)
                                sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
                        else
                                sqlite3_bind_null(st, i + 1);
                } else {
                        sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
                }
        }
        va_end(ap);
        int rc = berth_db_step(db, st, what, err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

int berth_container_delete(berth_db *db, const char *id, berth_error *err)
{
        return exec_stmt(db, "DELETE FROM containers WHERE id = ?", "removing a container", err,
                         "s", id);
}

int berth_container_set_body(berth_db *db, const char *id, const json_t *body, berth_error *err)
{
        sqlite3_stmt *st = berth_db_prepare(db, "UPDATE containers SET body = ? WHERE id = ?", err);
        if (st == NULL)
                return -err->code;
        _cleanup_free_ char *text = json_dumps(body, JSON_COMPACT);
        sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "updating a container's configuration", err);
        sqlite3_reset(st);
        return rc < 0 ? rc : 0;
}

int berth_container_rename(berth_db *db, const char *id, const char *name, berth_error *err)
{
        if (!berth_container_name_valid(name))
                return berth_errx(err, EINVAL,
                                  "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                                  "are allowed",
                                  name);
        sqlite3_stmt *st = berth_db_prepare(db, "UPDATE containers SET name = ? WHERE id = ?", err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc == SQLITE_CONSTRAINT)
                return name_conflict(name, err);
        if (rc != SQLITE_DONE)
                return berth_errx(err, EIO, "cannot rename container: %s",
                                  sqlite3_errmsg(berth_db_handle(db)));
        return 0;
}

int berth_container_set_running(berth_db *db, const char *id, pid_t pid, bool restarted,
                                berth_error *err)
{
        _cleanup_free_ char *now = berth_now_rfc3339();
        /* a user's start forgets the restarts and the stop (Docker resets its restart
         * manager); a policy's restart keeps both: a stop while it waited still counts */
        return exec_stmt(db,
                         "UPDATE containers SET status = 'running', pid = ?, started_at = ?, "
                         "error = '', exit_code = 0, oom_killed = 0, "
                         "manual_stop = CASE WHEN ? THEN manual_stop ELSE 0 END, "
                         "restart_count = CASE WHEN ? THEN restart_count ELSE 0 END WHERE id = ?",
                         "recording a start", err, "isiis", (int64_t)pid, now,
                         (int64_t)(restarted ? 1 : 0), (int64_t)(restarted ? 1 : 0), id);
}

int berth_container_set_restarting(berth_db *db, const char *id, berth_error *err)
{
        int r = berth_container_set_status(db, id, BERTH_STATE_RESTARTING, err);
        if (r < 0)
                return r;
        return exec_stmt(db, "UPDATE containers SET restart_count = restart_count + 1 WHERE id = ?",
                         "recording a restart", err, "s", id);
}

int berth_container_set_exited(berth_db *db, const char *id, int exit_code, bool oom_killed,
                               const char *error, berth_error *err)
{
        _cleanup_free_ char *now = berth_now_rfc3339();
        return exec_stmt(db,
                         "UPDATE containers SET status = 'exited', pid = 0, exit_code = ?, "
                         "oom_killed = ?, error = ?, finished_at = ? WHERE id = ?",
                         "recording an exit", err, "iisss", (int64_t)exit_code,
                         (int64_t)(oom_killed ? 1 : 0), error ? error : "", now, id);
}

int berth_container_set_failed(berth_db *db, const char *id, int exit_code, const char *error,
                               berth_error *err)
{
        _cleanup_free_ char *now = berth_now_rfc3339();
        /* Docker: a container that never ran stays "created" with the error. */
        return exec_stmt(db,
                         "UPDATE containers SET status = CASE WHEN started_at LIKE '0001-%' "
                         "THEN 'created' ELSE 'exited' END, pid = 0, monitor_pid = 0, "
                         "exit_code = ?, error = ?, finished_at = ? WHERE id = ?",
                         "recording a failed start", err, "isss", (int64_t)exit_code, error, now,
                         id);
}

/* The UPDATE that makes a record `to` from the states allowed to become it. berth_db caches
 * statements by the SQL's address: one static text per state, made once (identical if two
 * threads make it at once). */
static const char *transition_sql(berth_state to)
{
        static char sql[BERTH_STATE_UNKNOWN][512];
        char *q = sql[to];
        if (q[0])
                return q;
        char buf[512] = "UPDATE containers SET status = ? WHERE id = ? AND status IN ('-'";
        for (unsigned s = 0; s < BERTH_STATE_UNKNOWN; s++)
                if (berth_state_may((berth_state)s, to)) {
                        strcat(buf, ", '");
                        strcat(buf, berth_state_name((berth_state)s));
                        strcat(buf, "'");
                }
        strcat(buf, ")");
        memcpy(q, buf, sizeof(buf));
        return q;
}

int berth_container_set_status(berth_db *db, const char *id, berth_state to, berth_error *err)
{
        if ((unsigned)to >= BERTH_STATE_UNKNOWN)
                return berth_errx(err, EINVAL, "no such state");
        const char *sql = transition_sql(to);
        int r = exec_stmt(db, sql, "recording a container's status", err, "ss",
                          berth_state_name(to), id);
        if (r < 0 || sqlite3_changes(berth_db_handle(db)) > 0)
                return r;
        berth_container c;
        if ((r = berth_container_get(db, id, &c, err)) < 0)
                return r;
        berth_state from = c.state;
        _cleanup_free_ char *name = TAKE_PTR(c.name);
        berth_container_clear(&c);
        return berth_errx(err, from == to ? EALREADY : EBUSY,
                          "container %s is %s: it cannot become %s", name, berth_state_name(from),
                          berth_state_name(to));
}

int berth_container_set_monitor(berth_db *db, const char *id, pid_t pid, uint64_t start,
                                berth_error *err)
{
        return exec_stmt(
            db, "UPDATE containers SET monitor_pid = ?, monitor_start = ? WHERE id = ?",
            "recording a container's monitor", err, "iis", (int64_t)pid, (int64_t)start, id);
}

int berth_container_set_manual_stop(berth_db *db, const char *id, bool manual, berth_error *err)
{
        return exec_stmt(db, "UPDATE containers SET manual_stop = ? WHERE id = ?",
                         "recording a stop", err, "is", (int64_t)(manual ? 1 : 0), id);
}

int berth_container_set_health(berth_db *db, const char *id, const json_t *health, berth_error *err)
{
        _cleanup_free_ char *s = health ? json_dumps(health, JSON_COMPACT) : NULL;
        return exec_stmt(db, "UPDATE containers SET health = ? WHERE id = ?",
                         "recording a health check", err, "ss", s, id);
}
