/* SPDX-License-Identifier: Apache-2.0 */
/* `record`: an exit, and whether the restart policy brings the container back. */
#include "helper.h"
#include "base/cleanup.h"
#include "engine/containers.h"
#include "engine/exit.h"
#include "runtime/runtime.h"

#include <stdio.h>
#include <string.h>

static bool should_restart(const berth_monitor_conf *cfg, const berth_container *c, int code)
{
        if (c->manual_stop)
                return false;
        if (strcmp(cfg->restart, "always") == 0 || strcmp(cfg->restart, "unless-stopped") == 0)
                return true;
        if (strcmp(cfg->restart, "on-failure") == 0)
                return code != 0 && (cfg->restart_max <= 0 || c->restart_count < cfg->restart_max);
        return false;
}

int helper_record(const berth_monitor_conf *cfg, int code)
{
        berth_error err = {0};
        _cleanup_free_ char *root = helper_rt_root(cfg);
        berth_rt_ctx ctx = {.root = root};
        berth_db *db = NULL;
        if (helper_open_db(cfg, &db, &err) < 0)
                return 2;
        berth_container c;
        if (berth_container_get(db, cfg->id, &c, &err) < 0) {
                berth_db_close(db);
                return 2;
        }
        bool restart = should_restart(cfg, &c, code);
        int rc = 0;
        if (berth_container_record_exit(db, &ctx, cfg->id, cfg->image, cfg->name, code, &err) < 0 ||
            (restart && berth_container_set_status(db, cfg->id, BERTH_STATE_RESTARTING, &err) < 0))
                rc = 2;
        berth_container_clear(&c);
        berth_db_close(db);
        return rc ? rc : restart ? 10 : 0;
}
