/* SPDX-License-Identifier: Apache-2.0 */
/* Container records in berth.db (module "engine"). */
#include "engine/containers.h"

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

int berth_containers_migrate(berth_db *db, berth_error *err)
{
        return berth_db_migrate(db, "engine", migrations, ARRAY_SIZE(migrations), err);
}
