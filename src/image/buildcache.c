/* SPDX-License-Identifier: Apache-2.0 */
/* The builder's cache table: a step's key → the image it made. */
#include "buildcache.h"
#include "imagedb.h"

#include <errno.h>
#include <string.h>

/* *ret: sql prepared with a well-formed key bound as ?1. */
static int prepare_key(berth_db *db, const char *sql, const char *key, sqlite3_stmt **ret,
                       berth_error *err)
{
        if (key == NULL || strlen(key) != 64 || strspn(key, "0123456789abcdef") != 64)
                return berth_errx(err, EINVAL, "'%s' is not a build cache key (64 hex digits)",
                                  key ? key : "");
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        *ret = st;
        return 0;
}

int berth_build_cache_get(berth_images *im, const char *key, berth_digest *ret_id, berth_error *err)
{
        /* The join: a hit names an image whose row is there (the cascade removes the row with
         * its image; this keeps that true whatever removed it). */
        static const char sql[] = "SELECT b.image FROM build_cache b JOIN images i "
                                  "ON i.id = b.image WHERE b.key = ?1";
        berth_db *db = berth_images_db(im);
        sqlite3_stmt *st;
        int r = prepare_key(db, sql, key, &st, err);
        if (r < 0)
                return r;
        int rc = berth_db_step(db, st, "reading the build cache", err);
        berth_digest id;
        const char *s = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        bool found = s && berth_digest_parse(s, &id, NULL) == 0;
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (!found)
                return berth_errx(err, ENOENT, "no build cache entry for %s", key);
        *ret_id = id;
        return 0;
}

int berth_build_cache_put(berth_images *im, const char *key, const berth_digest *id,
                          berth_error *err)
{
        /* One statement, and only for an image that is there: no foreign key error to map. */
        static const char sql[] = "INSERT INTO build_cache (key, image) "
                                  "SELECT ?1, id FROM images WHERE id = ?2 "
                                  "ON CONFLICT (key) DO UPDATE SET image = excluded.image";
        berth_db *db = berth_images_db(im);
        sqlite3_stmt *st;
        int r = prepare_key(db, sql, key, &st, err);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 2, id->s, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "recording a build cache entry", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (sqlite3_changes(berth_db_handle(db)) == 0)
                return berth_errx(err, ENOENT, "no such image: %s", id->s);
        return 0;
}
