/* SPDX-License-Identifier: Apache-2.0 */
#include "base/cleanup.h"
#include "base/db.h"
#include "base/fs.h"
#include "base/strutil.h"
#include "tap.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);"},
    {2, "CREATE TABLE log (n INTEGER); INSERT INTO log VALUES (1);"},
};

static const berth_db_migration other[] = {
    {1, "CREATE TABLE o (x INTEGER);"},
};

static int open_migrated(const char *path, berth_db **ret, berth_error *err)
{
        if (berth_db_open(path, ret, err) < 0)
                return -1;
        if (berth_db_migrate(*ret, "test", migrations, 2, err) < 0) {
                berth_db_close(*ret);
                return -1;
        }
        return 0;
}

static long long count(berth_db *db, const char *sql)
{
        sqlite3_stmt *st = berth_db_prepare(db, sql, NULL);
        long long n = -1;
        if (st && sqlite3_step(st) == SQLITE_ROW)
                n = sqlite3_column_int64(st, 0);
        return n;
}

static int insert(berth_db *db, const char *k, int v, berth_error *err)
{
        static const char sql[] = "INSERT INTO t (k, v) VALUES (?, ?)";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -1;
        sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 2, v);
        return berth_db_step(db, st, "inserting", err) == SQLITE_DONE ? 0 : -1;
}

/* 40 different statements, each its own string (the cache keys them by address). */
#define Q(n) "SELECT " #n " + count(*) FROM t"
static const char *const many[] = {
    Q(0),  Q(1),  Q(2),  Q(3),  Q(4),  Q(5),  Q(6),  Q(7),  Q(8),  Q(9),
    Q(10), Q(11), Q(12), Q(13), Q(14), Q(15), Q(16), Q(17), Q(18), Q(19),
    Q(20), Q(21), Q(22), Q(23), Q(24), Q(25), Q(26), Q(27), Q(28), Q(29),
    Q(30), Q(31), Q(32), Q(33), Q(34), Q(35), Q(36), Q(37), Q(38), Q(39),
};

/* A loop over t's rows that prepares 40 other statements (and its own text again) at every
 * row, as a long-running server's nested calls would: the loop's statement must survive. */
static int rows_while_preparing(berth_db *db)
{
        static const char all[] = "SELECT k FROM t ORDER BY k";
        sqlite3_stmt *st = berth_db_prepare(db, all, NULL);
        int rows = 0;
        while (st && sqlite3_step(st) == SQLITE_ROW) {
                rows++;
                for (size_t i = 0; i < sizeof(many) / sizeof(many[0]); i++)
                        if (count(db, many[i]) < 0)
                                return -1;
                /* the same text while it is in use: another statement, this one untouched */
                sqlite3_stmt *again = berth_db_prepare(db, all, NULL);
                if (again == st || again == NULL || sqlite3_step(again) != SQLITE_ROW)
                        return -1;
                sqlite3_reset(again);
        }
        return rows;
}

int main(void)
{
        char tmpl[] = "/tmp/berth-db-XXXXXX";
        char *dir = mkdtemp(tmpl);
        _cleanup_free_ char *path = berth_xasprintf("%s/berth.db", dir);
        berth_error err = {0};
        berth_db *db = NULL;

        ok(open_migrated(path, &db, &err) == 0, "open creates: %s", err.msg);
        is_int(count(db, "SELECT version FROM schema_versions WHERE module = 'test'"), 2,
               "both migrations ran");
        ok(berth_db_migrate(db, "other", other, 1, &err) == 0, "a second module migrates");
        is_int(count(db, "SELECT version FROM schema_versions WHERE module = 'other'"), 1,
               "each module has its own version");
        berth_db_close(db);
        ok(open_migrated(path, &db, &err) == 0, "reopen");
        is_int(count(db, "SELECT count(*) FROM log"), 1, "a migration runs only once");
        berth_db_close(db);

        /* 8 processes × 50 transactions at once: nothing lost, nothing doubled. */
        for (int p = 0; p < 8; p++) {
                if (fork() == 0) {
                        berth_db *d = NULL;
                        if (open_migrated(path, &d, &err) < 0)
                                _exit(1);
                        for (int i = 0; i < 50; i++) {
                                char k[32];
                                snprintf(k, sizeof(k), "%d-%d", p, i);
                                if (berth_db_begin(d, &err) < 0 || insert(d, k, i, &err) < 0 ||
                                    berth_db_commit(d, &err) < 0)
                                        _exit(2);
                        }
                        berth_db_close(d);
                        _exit(0);
                }
        }
        int failures = 0, st;
        while (wait(&st) > 0)
                failures += !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        is_int(failures, 0, "8 concurrent writers all succeed");
        ok(open_migrated(path, &db, &err) == 0, "open after");
        is_int(count(db, "SELECT count(*) FROM t"), 400, "every row is there");

        /* A writer killed inside its transaction leaves nothing. */
        int pipefd[2];
        ok(pipe(pipefd) == 0, "pipe");
        pid_t child = fork();
        if (child == 0) {
                berth_db *d = NULL;
                if (open_migrated(path, &d, &err) < 0 || berth_db_begin(d, &err) < 0)
                        _exit(1);
                for (int i = 0; i < 100; i++) {
                        char k[32];
                        snprintf(k, sizeof(k), "killed-%d", i);
                        insert(d, k, i, &err);
                }
                ssize_t w = write(pipefd[1], "x", 1);
                (void)w;
                pause();
                _exit(0);
        }
        char c;
        ok(read(pipefd[0], &c, 1) == 1, "the child is inside its transaction");
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
        is_int(count(db, "SELECT count(*) FROM t WHERE k LIKE 'killed-%'"), 0,
               "a killed transaction left no rows");
        ok(berth_db_begin(db, &err) == 0 && insert(db, "after", 1, &err) == 0 &&
               berth_db_commit(db, &err) == 0,
           "the database takes writes after the kill: %s", err.msg);

        ok(insert(db, "after", 2, &err) < 0, "a constraint violation is an error");
        like(err.msg, "database: inserting", "the error says what was being done");
        berth_db_close(db);
        /* many processes opening one brand-new file at once: every one gets it in WAL mode */
        int open_failures = 0;
        for (int round = 0; round < 20; round++) {
                _cleanup_free_ char *fresh = berth_xasprintf("%s/fresh-%d.db", dir, round);
                pid_t kids[8];
                for (int i = 0; i < 8; i++) {
                        kids[i] = fork();
                        if (kids[i] == 0) {
                                berth_db *d = NULL;
                                berth_error e = {0};
                                _exit(berth_db_open(fresh, &d, &e) == 0 ? 0 : 1);
                        }
                }
                for (int i = 0; i < 8; i++) {
                        int ws = 0;
                        waitpid(kids[i], &ws, 0);
                        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
                                open_failures++;
                }
        }
        is_int(open_failures, 0,
               "8 processes opening a new database at once, 20 times: none fails");
        {
                berth_db *d2 = NULL;
                err = (berth_error){0};
                ok(open_migrated(path, &d2, &err) == 0, "open again: %s", err.msg);
                static const char ins[] = "INSERT OR REPLACE INTO t (k, v) VALUES (?, 1)";
                const char *keys[] = {"r1", "r2", "r3"};
                for (size_t i = 0; i < 3; i++) {
                        sqlite3_stmt *ist = berth_db_prepare(d2, ins, &err);
                        sqlite3_bind_text(ist, 1, keys[i], -1, SQLITE_STATIC);
                        berth_db_step(d2, ist, "insert", &err);
                }
                long long n = count(d2, "SELECT count(*) FROM t");
                is_int(rows_while_preparing(d2), n,
                       "a statement stepping through its rows is never evicted or reset by the "
                       "statements prepared meanwhile (cache full, its own text again)");
                berth_db_close(d2);
        }
        berth_rm_rf(dir, NULL);
        return tap_done();
}
