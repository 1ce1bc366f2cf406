/* SPDX-License-Identifier: Apache-2.0 */
#include "db.h"
#include "strutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STMT_CACHE  32 /* statements kept; more only while that many are in use */
#define STMT_RECENT 8  /* the last ones handed out are never evicted (not yet stepped, maybe) */

struct berth_db {
        sqlite3 *h;
        struct stmt_entry {
                const char *sql; /* the caller's string literal: compared by address */
                sqlite3_stmt *st;
                uint64_t used; /* the tick it was last handed out */
        } * cache;
        size_t n, cap;
        uint64_t tick;
};

static int db_err(berth_db *db, berth_error *err, const char *what)
{
        int code = sqlite3_errcode(db->h);
        int e = code == SQLITE_BUSY ? EBUSY : code == SQLITE_FULL ? ENOSPC : EIO;
        return berth_errx(err, e, "database: %s: %s", what, sqlite3_errmsg(db->h));
}

int berth_db_exec(berth_db *db, const char *sql, berth_error *err)
{
        char *msg = NULL;
        if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
                int r = berth_errx(err, EIO, "database: %s", msg ? msg : "error");
                sqlite3_free(msg);
                return r;
        }
        return 0;
}

int berth_db_begin(berth_db *db, berth_error *err)
{
        return berth_db_exec(db, "BEGIN IMMEDIATE", err);
}

int berth_db_commit(berth_db *db, berth_error *err)
{
        return berth_db_exec(db, "COMMIT", err);
}

void berth_db_rollback(berth_db *db)
{
        if (db && !sqlite3_get_autocommit(db->h))
                sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

static int module_version(berth_db *db, const char *module, int *ret, berth_error *err)
{
        static const char sql[] = "SELECT version FROM schema_versions WHERE module = ?";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
        int rc = berth_db_step(db, st, "reading the schema version", err);
        if (rc < 0)
                return rc;
        *ret = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
        sqlite3_reset(st);
        return 0;
}

int berth_db_migrate(berth_db *db, const char *module, const berth_db_migration *m, size_t n,
                     berth_error *err)
{
        static const char set[] = "INSERT INTO schema_versions (module, version) VALUES (?, ?) "
                                  "ON CONFLICT (module) DO UPDATE SET version = excluded.version";
        /* Up to date already, as on every open but the first after an upgrade: a read, no
         * write transaction (each module's open would take the write lock otherwise). */
        int latest = 0, have;
        for (size_t i = 0; i < n; i++)
                latest = m[i].version > latest ? m[i].version : latest;
        if (module_version(db, module, &have, NULL) == 0 && have >= latest)
                return 0;
        for (size_t i = 0; i < n; i++) {
                /* The version is read inside the write transaction, so two processes
                 * opening a new database never run a migration twice. */
                if (berth_db_begin(db, err) < 0)
                        return berth_wrap(err, "cannot migrate the %s tables", module);
                int v;
                if (module_version(db, module, &v, err) < 0)
                        goto fail;
                if (m[i].version > v) {
                        if (berth_db_exec(db, m[i].sql, err) < 0)
                                goto fail;
                        sqlite3_stmt *st = berth_db_prepare(db, set, err);
                        if (st == NULL)
                                goto fail;
                        sqlite3_bind_text(st, 1, module, -1, SQLITE_STATIC);
                        sqlite3_bind_int(st, 2, m[i].version);
                        if (berth_db_step(db, st, "recording the schema version", err) < 0)
                                goto fail;
                }
                if (berth_db_commit(db, err) < 0)
                        goto fail;
        }
        return 0;
fail:
        berth_db_rollback(db);
        return berth_wrap(err, "cannot migrate the %s tables", module);
}

/* Before SQLite's first use in the process: no up-front page cache. Each connection would
 * otherwise allocate 20 pages' worth at its first read and write a header into every one,
 * ~15 page faults, where a command reads a handful of pages (the faults are dear on virtual
 * machines: 10+ µs each); pages are allocated one by one as they are read instead. */
static void db_configure(void)
{
        sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);
}

int berth_db_open(const char *path, berth_db **ret, berth_error *err)
{
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, db_configure);
        berth_db *db = berth_xmalloc0(sizeof(*db));
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(path, &db->h, flags, NULL) != SQLITE_OK) {
                int r = berth_errx(err, EIO, "cannot open database '%s': %s", path,
                                   db->h ? sqlite3_errmsg(db->h) : "out of memory");
                berth_db_close(db);
                return r;
        }
        sqlite3_busy_timeout(db->h, 10000);
        /* Every berth command is a short-lived process, so each would otherwise be the
         * "last connection" that checkpoints the WAL (two fsyncs) and deletes it (one
         * more) on close. Keep the WAL and leave checkpoints to SQLite's automatic
         * ones: commits stay atomic and consistent through any kill; a power cut may
         * only lose the newest ones, as synchronous=NORMAL already allows. */
        sqlite3_db_config(db->h, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        int persist = 1;
        sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        /* …but checkpoint often: a process that opens the database while no other
         * has it open reads the whole WAL to rebuild its index (recovery), so each
         * berth command pays for the WAL's length — 1.2 ms for the default 1000
         * pages. At 64 pages a checkpoint comes every few commands and costs two
         * fsyncs and the pages copied; the recovery reads a quarter MB at most. */
        sqlite3_wal_autocheckpoint(db->h, 64);
        /* Turning a new file to WAL needs it to itself, and SQLite answers "locked" at
         * once (no busy wait) when another process is doing the same: try again. The
         * mode stays in the file, so this only ever happens to a new database. */
        int r = 0;
        for (int tries = 0;; tries++) {
                berth_error e = {0};
                r = berth_db_exec(db,
                                  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                                  "PRAGMA foreign_keys = ON; "
                                  "CREATE TABLE IF NOT EXISTS schema_versions "
                                  "(module TEXT PRIMARY KEY, version INTEGER NOT NULL);",
                                  &e);
                int code = sqlite3_errcode(db->h) & 0xff;
                if (r >= 0 || tries >= 200 || (code != SQLITE_BUSY && code != SQLITE_LOCKED)) {
                        if (r < 0)
                                *err = e;
                        break;
                }
                usleep(10000 + (unsigned)(tries % 7) * 1000);
        }
        if (r < 0) {
                berth_wrap(err, "database '%s'", path);
                berth_db_close(db);
                return r;
        }
        *ret = db;
        return 0;
}

void berth_db_close(berth_db *db)
{
        if (db == NULL)
                return;
        for (size_t i = 0; i < db->n; i++)
                sqlite3_finalize(db->cache[i].st);
        free(db->cache);
        sqlite3_close(db->h);
        free(db);
}

sqlite3 *berth_db_handle(berth_db *db)
{
        return db->h;
}

/* A statement that may be taken from its user: not stepped and unfinished (sqlite3_stmt_busy:
 * a loop over its rows), and not among the last ones handed out (bound, not yet stepped). */
static bool stmt_idle(const berth_db *db, const struct stmt_entry *e)
{
        return !sqlite3_stmt_busy(e->st) && e->used + STMT_RECENT <= db->tick;
}

sqlite3_stmt *berth_db_prepare(berth_db *db, const char *sql, berth_error *err)
{
        db->tick++;
        /* the same text, unless its statement is in use (a caller's loop over its rows calling
         * back in here): then a second one is made */
        for (size_t i = 0; i < db->n; i++) {
                struct stmt_entry *e = &db->cache[i];
                if (e->sql == sql && !sqlite3_stmt_busy(e->st)) {
                        sqlite3_reset(e->st);
                        sqlite3_clear_bindings(e->st);
                        e->used = db->tick;
                        return e->st;
                }
        }
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
                db_err(db, err, "preparing a statement");
                return NULL;
        }
        size_t slot = db->n;
        if (db->n >= STMT_CACHE) {
                /* full: the least recently used idle one goes; none idle, the cache grows */
                for (size_t i = 0; i < db->n; i++)
                        if (stmt_idle(db, &db->cache[i]) &&
                            (slot == db->n || db->cache[i].used < db->cache[slot].used))
                                slot = i;
        }
        if (slot == db->n) {
                if (db->n == db->cap) {
                        db->cap = db->cap ? db->cap * 2 : STMT_CACHE;
                        db->cache = berth_xrealloc(db->cache, db->cap * sizeof(*db->cache));
                }
                db->n++;
        } else {
                sqlite3_finalize(db->cache[slot].st);
        }
        db->cache[slot] = (struct stmt_entry){.sql = sql, .st = st, .used = db->tick};
        return st;
}

int berth_db_step(berth_db *db, sqlite3_stmt *st, const char *what, berth_error *err)
{
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                return rc;
        return db_err(db, err, what);
}
