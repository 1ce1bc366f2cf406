/* SPDX-License-Identifier: Apache-2.0 */
/* Whether a container holds anything on its networks: a read of berth.db and of its namespace's
 * file, with nothing of the network code (berth-monitor-helper, static, asks it at each exit). */
#include "engine/network.h"
#include "base/cleanup.h"
#include "base/strutil.h"

#include <sqlite3.h>
#include <unistd.h>

int berth_network_holds(berth_db *db, const char *runroot, const char *id, berth_error *err)
{
        static const char sql[] = "SELECT 1 FROM container_networks WHERE container = ?";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        if (st == NULL)
                return -err->code;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
        int rc = berth_db_step(db, st, "reading a container's networks", err);
        sqlite3_reset(st);
        if (rc < 0)
                return rc;
        if (rc == SQLITE_ROW)
                return 1;
        _cleanup_free_ char *sandbox = berth_xasprintf("%s/netns/%s", runroot, id);
        return access(sandbox, F_OK) == 0;
}
