/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's events in berth.db. */
#include "engine/events.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEP 1000

static const berth_db_migration migrations[] = {
    {1, "CREATE TABLE events ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " time_ns INTEGER NOT NULL,"
        " type TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " actor TEXT NOT NULL,"
        " attributes TEXT NOT NULL DEFAULT '{}');"},
};

int berth_events_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "events", migrations, ARRAY_SIZE(migrations), err);
}

int berth_event_record(berth_db *db, const char *type, const char *action, const char *actor,
                       const json_t *attributes, berth_error *err)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        _cleanup_free_ char *attrs = attributes ? json_dumps(attributes, JSON_COMPACT) : NULL;
        sqlite3_stmt *st = berth_db_prepare(
            db,
            "INSERT INTO events (time_ns, type, action, actor, attributes) VALUES (?, ?, ?, ?, ?)",
            err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)ts.tv_sec * 1000000000 + ts.tv_nsec);
        sqlite3_bind_text(st, 2, type, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, actor, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, attrs ? attrs : "{}", -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "recording an event", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        int64_t seq = sqlite3_last_insert_rowid(berth_db_handle(db));
        if (seq % 100 == 0) {
                st = berth_db_prepare(db, "DELETE FROM events WHERE seq <= ?", err);
                if (st == NULL)
                        return -EIO;
                sqlite3_bind_int64(st, 1, seq - KEEP);
                rc = berth_db_step(db, st, "dropping old events", err);
                sqlite3_reset(st);
        }
        return rc < 0 ? rc : 0;
}

void berth_container_event_with(berth_db *db, const char *id, const char *image, const char *name,
                                const char *action, const json_t *more)
{
        json_t *a = json_pack("{s:s, s:s}", "image", image ? image : "", "name", name ? name : "");
        if (more)
                json_object_update(a, (json_t *)more);
        berth_event_record(db, "container", action, id, a, NULL);
        json_decref(a);
}

void berth_container_event(berth_db *db, const char *id, const char *image, const char *name,
                           const char *action, const char *key, const char *value)
{
        json_t *more = json_object();
        if (key)
                json_object_set_new(more, key, json_string(value));
        berth_container_event_with(db, id, image, name, action, more);
        json_decref(more);
}

int berth_events_read(berth_db *db, int64_t after_seq, int64_t since_ns, int64_t until_ns,
                      berth_event **ret, size_t *ret_n, berth_error *err)
{
        sqlite3_stmt *st =
            berth_db_prepare(db,
                             "SELECT seq, time_ns, type, action, actor, attributes FROM events "
                             "WHERE seq > ? AND time_ns >= ? AND (? = 0 OR time_ns < ?) "
                             "ORDER BY seq",
                             err);
        if (st == NULL)
                return -EIO;
        sqlite3_bind_int64(st, 1, after_seq);
        sqlite3_bind_int64(st, 2, since_ns);
        sqlite3_bind_int64(st, 3, until_ns);
        sqlite3_bind_int64(st, 4, until_ns);
        berth_event *v = NULL;
        size_t n = 0;
        int rc;
        while ((rc = berth_db_step(db, st, "reading events", err)) == SQLITE_ROW) {
                v = berth_xrealloc(v, (n + 1) * sizeof(*v));
                berth_event *e = &v[n++];
                e->seq = sqlite3_column_int64(st, 0);
                e->time_ns = sqlite3_column_int64(st, 1);
                e->type = berth_xstrdup((const char *)sqlite3_column_text(st, 2));
                e->action = berth_xstrdup((const char *)sqlite3_column_text(st, 3));
                e->actor = berth_xstrdup((const char *)sqlite3_column_text(st, 4));
                const char *a = (const char *)sqlite3_column_text(st, 5);
                e->attributes = a ? json_loads(a, 0, NULL) : NULL;
                if (e->attributes == NULL)
                        e->attributes = json_object();
        }
        sqlite3_reset(st);
        if (rc < 0) {
                berth_events_free(v, n);
                return rc;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void berth_events_free(berth_event *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].type);
                free(v[i].action);
                free(v[i].actor);
                json_decref(v[i].attributes);
        }
        free(v);
}

int64_t berth_events_last_seq(berth_db *db)
{
        sqlite3_stmt *st = berth_db_prepare(db, "SELECT COALESCE(MAX(seq), 0) FROM events", NULL);
        if (st == NULL)
                return 0;
        int64_t seq = 0;
        if (sqlite3_step(st) == SQLITE_ROW)
                seq = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return seq;
}
