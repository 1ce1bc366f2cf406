/* SPDX-License-Identifier: Apache-2.0 */
/* `network reload`: what berth.db says of the networks in use made true again on the host
 * after someone else's firewall reload (ufw, firewalld: `nft flush ruleset`) took berth's
 * table away: a crash's leftovers swept, each bridge in use there, the table written anew. */
#include "engine/network-internal.h"

#include <sqlite3.h>
#include <stdlib.h>
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
        engine_netdef *defs = calloc(berth_strv_length(ids) + 1, sizeof(*defs));
        size_t n = 0;
        STRV_FOREACH (id, ids) {
                engine_netdef *d = &defs[n];
                if (r < 0 || (r = engine_netdef_get(db, *id, d, err)) < 0)
                        break;
                if (strcmp(d->driver, "bridge") != 0)
                        continue;
                if ((r = engine_net_bridge_ensure(host, d, err)) < 0)
                        break;
                n++;
        }
        /* the bridges nobody is on deleted (a release that was killed), the names written, the
         * table written; then each resolver, if it was killed */
        if (r == 0)
                r = engine_net_settle(db, e->root, e->runroot, err);
        for (size_t i = 0; r == 0 && i < n; i++)
                if (!defs[i].builtin)
                        engine_net_resolver(e, &defs[i]);
        free(defs);
        close(lock);
        return r;
}
