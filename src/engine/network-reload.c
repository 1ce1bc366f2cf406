/* SPDX-License-Identifier: Apache-2.0 */
/* `network reload`: what berth.db says of the networks in use made true again on the host
 * after someone else's firewall reload (ufw, firewalld: `nft flush ruleset`) took berth's
 * table away: a crash's leftovers swept, each bridge in use there, the table written anew. */
#include "engine/network-internal.h"

#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

int berth_engine_network_reload(berth_engine *e, berth_error *err)
{
        berth_db *db = berth_engine_db(e);
        int lock = engine_net_lock(e->runroot, err);
        if (lock < 0)
                return lock;
        engine_net_sweep(e);
        static const char sql[] = "SELECT DISTINCT network FROM network_endpoints";
        sqlite3_stmt *st = berth_db_prepare(db, sql, err);
        int r = st ? 0 : -err->code;
        _cleanup_strv_ char **ids = NULL;
        while (r == 0 && berth_db_step(db, st, "reading endpoints", err) == SQLITE_ROW)
                berth_strv_push(&ids, (const char *)sqlite3_column_text(st, 0));
        if (st)
                sqlite3_reset(st);
        _cleanup_net_ berth_net *host = NULL;
        if (r == 0 && ids)
                r = berth_net_open(-1, &host, err);
        STRV_FOREACH (id, ids) {
                engine_netdef d;
                if (r < 0 || (r = engine_netdef_get(db, *id, &d, err)) < 0)
                        break;
                if (strcmp(d.driver, "bridge") == 0 &&
                    (r = engine_net_bridge_ensure(host, &d, err)) < 0)
                        break;
                /* and its resolver, if it was killed */
                if (!d.builtin && (r = engine_net_names_write(db, e->runroot, *id, err)) == 0)
                        engine_net_resolver(e, &d);
        }
        /* and the bridges nobody is on deleted (a settle that was killed), the table written */
        if (r == 0)
                r = engine_net_settle(db, e->root, err);
        close(lock);
        return r;
}
