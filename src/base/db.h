/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

/**
 * berth.db: one SQLite file in WAL mode shared by every berth process.
 *
 * berth_db_open() opens (creating) the file and sets WAL, a busy timeout (so
 * concurrent `berth` processes wait instead of failing) and foreign keys.
 * Each layer that keeps tables there (image, engine, volume, net …) brings
 * its own schema up to date with berth_db_migrate(db, "image", …): the
 * version of each module is kept in the schema_versions table, and every
 * migration above it runs in its own transaction, exactly once, however
 * many processes open the database at the same time.
 *
 * Writers use berth_db_begin() (BEGIN IMMEDIATE: the write lock is taken up
 * front, so two writers never deadlock on an upgrade) … berth_db_commit(),
 * or berth_db_rollback() on any error. A process killed mid-transaction
 * leaves the database as it was before the transaction.
 */
typedef struct berth_db berth_db;

typedef struct {
        int version;     /* 1, 2, … in order */
        const char *sql; /* statements run in one transaction */
} berth_db_migration;

int berth_db_open(const char *path, berth_db **ret, berth_error *err);
int berth_db_migrate(berth_db *db, const char *module, const berth_db_migration *migrations,
                     size_t n, berth_error *err);
void berth_db_close(berth_db *db);
sqlite3 *berth_db_handle(berth_db *db);

int berth_db_begin(berth_db *db, berth_error *err);
int berth_db_commit(berth_db *db, berth_error *err);
void berth_db_rollback(berth_db *db);

/** Prepare sql (cached per db by sql's address: give a string with static storage, never a
 * buffer whose text changes); the statement is reset and its bindings cleared. */
sqlite3_stmt *berth_db_prepare(berth_db *db, const char *sql, berth_error *err);
/** sqlite3_step that turns SQLITE_BUSY/errors into *err naming what was being done. */
int berth_db_step(berth_db *db, sqlite3_stmt *st, const char *what, berth_error *err);
/** Run statements with no results. */
int berth_db_exec(berth_db *db, const char *sql, berth_error *err);
